import assert from "node:assert/strict";
import { changeCounts, diffPyproject } from "./pyproject_diff.ts";

const DEV = `[project]
name = "core"
dependencies = ["requests>=2", "plug"]

[dependency-groups]
db = ["qdrant"]
dev = ["pytest"]

[tool.uv]
default-groups = ["db"]

[tool.uv.sources]
plug = { path = "packages/plug", editable = true }
qdrant = { path = "packages/qdrant", editable = true }

[tool.hpm]
mode = "dev"
`;

// The same kind of document laid out otherwise: compared by meaning, not by layout.
const PROD = `[project]
name = "core"
dependencies = [
  "requests>=2",
  "plug==1.0",
]

[tool.hpm]
mode = "prod"

[tool.uv]
default-groups = ["db", "docs"]
sources.qdrant = { git = "https://example.com/q.git", tag = "v1" }

[dependency-groups]
docs = ["mkdocs"]
db = ["qdrant"]
`;

Deno.test("diffPyproject(): requirements per group, sources, default groups and HPM's mode", () => {
  const d = diffPyproject(DEV, PROD);
  assert.deepEqual(d.mode, { before: "dev", after: "prod" });
  assert.deepEqual(d.requirements, [
    { group: "project.dependencies", added: ["plug==1.0"], removed: ["plug"] },
    { group: "dev", added: [], removed: ["pytest"] },
    { group: "docs", added: ["mkdocs"], removed: [] },
  ]);
  assert.deepEqual(d.sources, [
    { name: "plug", before: { path: "packages/plug", editable: true }, after: undefined },
    {
      name: "qdrant",
      before: { path: "packages/qdrant", editable: true },
      after: { git: "https://example.com/q.git", tag: "v1" },
    },
  ]);
  assert.deepEqual(d.defaultGroups, { before: ["db"], after: ["db", "docs"] });
  assert.equal(d.changed, true);
  assert.deepEqual(changeCounts(d), {
    modeBefore: "dev",
    modeAfter: "prod",
    sources: 2,
    groups: 3,
  });
});

Deno.test("diffPyproject(): a change of bytes alone is a change with no entries", () => {
  const d = diffPyproject(DEV, DEV.replace('name = "core"', 'name = "core"  # the core'));
  assert.deepEqual([d.requirements, d.sources, d.defaultGroups], [[], [], undefined]);
  assert.equal(d.changed, true);
  assert.equal(diffPyproject(DEV, DEV).changed, false);
  assert.deepEqual(changeCounts(diffPyproject("", DEV)), {
    modeAfter: "dev",
    sources: 2,
    groups: 3,
  });
});

Deno.test("diffPyproject(): an integer past 2^53 is compared and shown exactly, as text; a safe one stays a number", () => {
  const big = (n: string) => `[tool.uv.sources]\nplug = { index = "x", n = ${n} }\n`;
  const d = diffPyproject(big("9007199254740993"), big("9007199254740991"));
  assert.deepEqual(d.sources, [{
    name: "plug",
    before: { index: "x", n: "9007199254740993" },
    after: { index: "x", n: 9007199254740991 },
  }]);
});
