import assert from "node:assert/strict";
import { declaredDependencies } from "./dependencies.ts";

Deno.test("declaredDependencies(): normalised names; none; not TOML", () => {
  assert.deepEqual(
    declaredDependencies(
      '[project]\nname = "q"\ndependencies = ["Rag4Code_Base>=1", "httpx[http2]; python_version>\'3\'"]\n',
    ),
    { names: ["rag4code-base", "httpx"], sourced: [] },
  );
  assert.deepEqual(declaredDependencies('[project]\nname = "q"\n'), { names: [], sourced: [] });
  assert.equal(declaredDependencies("[project\n"), undefined);
});

Deno.test("declaredDependencies(): a file smol-toml alone would refuse (valid TOML 1.0)", () => {
  const text = '[project]\nname = "q"\ndependencies = ["a"]\n\n' +
    "[tool.ruff.lint]\n[tool]\nruff.line-length = 100\n";
  assert.deepEqual(declaredDependencies(text), { names: ["a"], sourced: [] });
});

Deno.test("declaredDependencies(): the packages its own [tool.uv.sources] gives a source", () => {
  const text = '[project]\nname = "c"\ndependencies = ["plug-b"]\n\n[tool.uv.sources]\n' +
    'Plug_B = { git = "file:///r/plug-b.git", tag = "v1.0.0" }\nother = { path = "../o" }\n';
  assert.deepEqual(declaredDependencies(text), { names: ["plug-b"], sourced: ["plug-b", "other"] });
  assert.deepEqual(declaredDependencies("[tool.uv]\nsources = 1\n")?.sourced, []);
});
