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

Deno.test("declaredDependencies(): a file smol-toml alone would refuse (valid TOML 1.0)", () => {
  const text = '[project]\nname = "q"\ndependencies = ["a"]\n\n' +
    "[tool.ruff.lint]\n[tool]\nruff.line-length = 100\n";
  assert.deepEqual(declaredDependencies(text), ["a"]);
});
