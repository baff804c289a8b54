import assert from "node:assert/strict";
import { declaredDependencies } from "./dependencies.ts";

Deno.test("declaredDependencies(): normalised names; none; not TOML", () => {
  assert.deepEqual(
    declaredDependencies(
      '[project]\nname = "q"\ndependencies = ["Rag4Code_Base>=1", "httpx[http2]; python_version>\'3\'"]\n',
    ),
    ["rag4code-base", "httpx"],
  );
  assert.deepEqual(declaredDependencies('[project]\nname = "q"\n'), []);
  assert.equal(declaredDependencies("[project\n"), undefined);
});
