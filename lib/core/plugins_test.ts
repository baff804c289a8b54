import assert from "node:assert/strict";
import { parseManifest } from "./manifest.ts";
import { projectModes } from "./modes.ts";
import { namedPlugins } from "./plugins.ts";
import { Registry } from "./registry.ts";

const registry = new Registry([
  {
    file: "r/packages/rag-plug.yaml",
    stem: "rag-plug",
    text: "name: rag-plug\nrequires: [base]\n" +
      "sources:\n  dev: {type: local, path: ./p}\n  gpu: {type: pypi}\n",
  },
  {
    file: "r/packages/other.yaml",
    stem: "other",
    text: "name: other\nsources: {dev: {type: pypi}}\n",
  },
  {
    file: "r/packages/base.yaml",
    stem: "base",
    text: "name: base\nsources: {dev: {type: pypi}, gpu: {type: pypi}}\n",
  },
]);

// `select:` names its option as any spelling that normalises the same (as parseManifest accepts).
const manifest = parseManifest(
  "registry: ./r\ngroups:\n  db:\n    options: [other, Rag_Plug]\n    select: rag-plug\n",
  "hpm.yaml",
);

Deno.test("namedPlugins() selectedOnly finds the selected option however select: spells it", () => {
  assert.deepEqual(
    namedPlugins(manifest, registry, { selectedOnly: true }).map((e) => e.name),
    ["rag-plug", "base"],
  );
  assert.deepEqual(
    namedPlugins(manifest, registry).map((e) => e.name),
    ["other", "rag-plug", "base"],
  );
});

Deno.test("projectModes() counts the selected plugin's modes however select: spells it", () => {
  assert.deepEqual(projectModes(manifest, registry), [
    { name: "dev", namedBy: ["mode", "sources"], missing: [] },
    { name: "gpu", namedBy: ["sources"], missing: [] },
  ]);
});
