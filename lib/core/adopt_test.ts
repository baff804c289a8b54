import assert from "node:assert/strict";
import { planAdoption } from "./adopt.ts";
import { HpmInputError } from "./errors.ts";
import type { Plan } from "./plan.ts";
import { applyPlan } from "../edit/pyproject.ts";
import { readManaged } from "../edit/pyproject_record.ts";

const HAND_WRITTEN = `[project]
name = "core"
dependencies = []

[dependency-groups]
plugins = [
    "plug-a",
    "plug-b",
]
dev = ["pytest>=8", "plug-c"]

[tool.uv.sources]
plug-a = { path = "../plug-a", editable = true }
plug-b = { tag = "v1.0.0", git = "file:///x/plug-b.git" }
plug-c = { path = "../plug-c" }
plug-d = { git = "https://e.com/d.git", marker = "sys_platform == 'linux'" }
plug-e = [{ path = "../e", marker = "sys_platform == 'linux'" }]
core-lib = { workspace = true }
`;

Deno.test("planAdoption(): groups of plugins only; every other entry left, with the reason", () => {
  const a = planAdoption(HAND_WRITTEN, "pyproject.toml");
  assert.equal(a.mode, "dev");
  assert.deepEqual(a.groups, [{ name: "plugins", options: ["plug-a", "plug-b"] }]);
  assert.deepEqual(a.packages.map((p) => [p.name, p.mode]), [["plug-a", "dev"], [
    "plug-b",
    "prod",
  ]]);
  assert.match(
    a.packages[1].entry,
    /prod:\n {4}type: git\n {4}url: file:\/\/\/x\/plug-b\.git\n {4}tag: v1\.0\.0\n/,
  );
  assert.deepEqual(a.skipped, [
    "source `plug-d`: it has keys hpm does not write (marker)",
    "source `plug-e`: a list of sources is not adopted",
    "group `dev` also holds `pytest>=8`: hpm would own the whole group, so it was left as it is " +
    "(move the plugins into a group of their own and run `hpm init` again)",
    "source `plug-c`: no dependency group hpm can manage names it " +
    "(hpm manages plugins in dependency groups)",
  ]);
  // Only HPM's record and its default group are added; every entry keeps its bytes.
  assert.ok(a.pyproject.startsWith(HAND_WRITTEN));
  assert.deepEqual(readManaged(a.pyproject)?.sources, ["plug-a", "plug-b"]);
  assert.deepEqual(readManaged(a.pyproject)?.groups, ["plugins"]);
  // Adopted once: a second look finds nothing to adopt.
  assert.deepEqual(planAdoption(a.pyproject, "pyproject.toml").packages, []);
});

Deno.test("planAdoption(): only git sources → prod; nothing adoptable → nothing changes", () => {
  const git = planAdoption(
    '[dependency-groups]\ng = ["q"]\n\n[tool.uv.sources]\nq = { git = "https://e.com/q.git", branch = "main" }\n',
    "pyproject.toml",
  );
  assert.equal(git.mode, "prod");
  const none = planAdoption('[project]\nname = "core"\n', "pyproject.toml");
  assert.deepEqual([none.packages, none.skipped], [[], []]);
  assert.equal(none.pyproject, '[project]\nname = "core"\n');
  const unsafe = planAdoption(
    '[dependency-groups]\ng = ["q"]\n\n[tool.uv.sources]\nq = { git = "ext::sh -c x" }\n',
    "pyproject.toml",
  );
  assert.deepEqual(unsafe.packages, []);
  assert.match(unsafe.skipped[0], /git URL "ext::sh -c x" is not allowed/);
});

const PLAN: Plan = {
  mode: "dev",
  groups: [{ name: "g", requirements: ["q"] }],
  sources: [{ name: "q", table: [["path", "packages/q"], ["editable", true]] }],
  indexes: [],
};

Deno.test("applyPlan({adopt}): the user's matching entries become hpm's, as written", () => {
  const text = '[dependency-groups]\ng = [ "q" ]  # mine\n\n[tool.uv]\ndefault-groups = ["g"]\n\n' +
    '[tool.uv.sources]\nq = { editable = true, path = "./packages/q" }\n';
  assert.throws(() => applyPlan(text, PLAN), (e: unknown) => e instanceof HpmInputError);
  const { text: adopted } = applyPlan(text, PLAN, "pyproject.toml", { adopt: true });
  assert.ok(adopted.startsWith(text), adopted);
  assert.deepEqual(readManaged(adopted)?.sources, ["q"]);
  // From then on a sync in that mode leaves them as written.
  assert.equal(applyPlan(adopted, PLAN).changed, false);
  // And a mode switch edits them as hpm's.
  const prod = applyPlan(adopted, {
    ...PLAN,
    mode: "prod",
    sources: [{ name: "q", table: [["git", "https://e.com/q.git"], ["tag", "v1"]] }],
  });
  assert.match(prod.text, /^q = \{ git = "https:\/\/e\.com\/q\.git", tag = "v1" \}$/m);

  // An entry that says something else is still the user's: a conflict.
  const other = text.replace("./packages/q", "../elsewhere");
  assert.throws(
    () => applyPlan(other, PLAN, "pyproject.toml", { adopt: true }),
    (e: unknown) => e instanceof HpmInputError && e.code === "conflict",
  );
});

Deno.test("planAdoption() reads every valid TOML 1.0 file, int64 max included", () => {
  const text = '[project]\nname = "core"\n\n[tool.x]\nbig = 9223372036854775807\n\n' +
    '[dependency-groups]\nplugins = ["plug"]\n\n' +
    '[tool.uv.sources]\nplug = { path = "../plug", editable = true }\n';
  const adoption = planAdoption(text, "pyproject.toml");
  assert.deepEqual(adoption.groups, [{ name: "plugins", options: ["plug"] }]);
  assert.match(adoption.pyproject, /^big = 9223372036854775807$/m);
  assert.deepEqual(readManaged(adoption.pyproject)?.sources, ["plug"]);
});
