import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { parseManifest } from "../core/manifest.ts";
import type { Plan } from "../core/plan.ts";
import { applyPlan } from "../edit/pyproject.ts";
import { Registry } from "../core/registry.ts";
import { recordingRunner } from "../io/runner.ts";
import { commitModeOf } from "../core/commit_mode.ts";
import { stage } from "./stage.ts";
import { stagedProblems } from "./check.ts";
import { sync } from "../project/sync.ts";
import { ONE_PLUGIN, tempTree, writeTree } from "../_testing.ts";

// The interpreter uv is given (from outside the project: see isolatedUv).
const OUTSIDE = { UV_PYTHON: "/usr/bin/python3" };
const PYTHON = "--python /usr/bin/python3";

const registry = (prod: boolean) =>
  new Registry([{
    file: "r/packages/q.yaml",
    stem: "q",
    text: "name: q\nsources:\n  dev: {type: local, path: ./q}\n" +
      (prod ? "  prod: {type: git, url: 'https://example.com/q.git', tag: v1}\n" : ""),
  }]);
const manifest = (extra = "") =>
  parseManifest(`registry: ./r\n${extra}groups:\n  db:\n    options: [q]\n`, "hpm.yaml");

Deno.test("commitModeOf(): --mode, then commit-mode, then prod when every plugin has it", () => {
  assert.deepEqual(commitModeOf({ manifest: manifest(), registry: registry(true) }), {
    mode: "prod",
    origin: "default",
  });
  assert.deepEqual(
    commitModeOf({ manifest: manifest("commit-mode: release\n"), registry: registry(true) }),
    { mode: "release", origin: "hpm.yaml" },
  );
  assert.deepEqual(
    commitModeOf({ manifest: manifest("commit-mode: release\n"), registry: registry(true) }, "ci"),
    { mode: "ci", origin: "flag" },
  );
  assert.throws(
    () => commitModeOf({ manifest: manifest(), registry: registry(false) }),
    (e) => e instanceof HpmInputError && e.code === "commit-mode" && e.file === "hpm.yaml",
  );
  assert.throws(
    () => commitModeOf({ manifest: manifest(), registry: registry(true) }, "--x"),
    (e) => e instanceof HpmInputError && e.code === "usage",
  );
});

Deno.test("commitModeOf(): prod by default only when what the plugins require has it too", () => {
  const registry = new Registry([
    {
      file: "r/packages/q.yaml",
      stem: "q",
      text: "name: q\nrequires: [base]\nsources:\n  prod: {type: pypi, version: 1.0.0}\n",
    },
    {
      file: "r/packages/base.yaml",
      stem: "base",
      text: "name: base\nsources:\n  dev: {type: pypi}\n",
    },
  ]);
  assert.throws(
    () => commitModeOf({ manifest: manifest(), registry }),
    (e) =>
      e instanceof HpmInputError && e.code === "commit-mode" &&
      e.message.includes("`base` has no prod source"),
  );
});

const prod: Plan = {
  mode: "prod",
  groups: [{ name: "db", requirements: ["q"] }],
  sources: [{ name: "q", table: [["git", "https://example.com/q.git"], ["tag", "v1"]] }],
  indexes: [],
};
const prodText = applyPlan('[project]\nname = "core"\n', prod).text;
const lock = (source: string) =>
  `version = 1\n\n[[package]]\nname = "core"\nsource = { editable = "." }\n\n` +
  `[[package]]\nname = "q"\nversion = "1.0"\nsource = ${source}\n`;

Deno.test("stagedProblems(): the lock must install each plugin as the committed mode says", () => {
  assert.deepEqual(
    stagedProblems({
      pyproject: prodText,
      lock: lock('{ git = "https://example.com/q.git?tag=v1#0123abc" }'),
    }, prod),
    [],
  );
  assert.deepEqual(stagedProblems({ lock: lock('{ editable = "packages/q" }') }, prod), [
    "uv.lock:10: q is locked from the local path packages/q (editable), not from git",
  ]);
  assert.deepEqual(
    stagedProblems({ lock: lock('{ git = "https://example.com/q.git?tag=v0#0123abc" }') }, prod),
    ["uv.lock:10: q is locked from git https://example.com/q.git at v0, not at v1"],
  );
  assert.deepEqual(
    stagedProblems({ lock: lock('{ git = "https://example.org/q.git?tag=v1#0123abc" }') }, prod),
    ["uv.lock:10: q is locked from git https://example.org/q.git, not from git https://example.com/q.git"],
  );
  assert.deepEqual(stagedProblems({ lock: 'version = 1\n[[package]]\nname = "core"\n' }, prod), [
    "q is not in uv.lock",
  ]);
  assert.deepEqual(stagedProblems({}, prod), [], "nothing staged, nothing to object to");
  assert.throws(
    () => stagedProblems({ lock: "version = 1\nversion = 2\n" }, prod),
    (e) =>
      e instanceof HpmInputError && e.code === "toml-syntax" && e.file === "uv.lock (staged)" &&
      e.line === 2,
  );
});

Deno.test("stagedProblems(): a source of the user's for a plugin hpm manages, whoever wrote it", () => {
  // prod installs p from the package index: it writes no source for it.
  const plan: Plan = { ...prod, groups: [{ name: "db", requirements: ["q", "p==1.0"] }] };
  const text = applyPlan('[project]\nname = "core"\n', plan).text
    .replace(
      "[tool.uv.sources]\n",
      '[tool.uv.sources]\np = { path = "../p" }\nmine = { path = "m" }\n',
    );
  assert.deepEqual(stagedProblems({ pyproject: text }, plan), [
    `pyproject.toml:${text.split("\n").indexOf('p = { path = "../p" }') + 1}:1: ` +
    '[tool.uv.sources] p = { path = "../p" } is not mode prod\'s source for p ' +
    "(mode prod installs p==1.0 from the package index, with no source)",
  ]);
});

Deno.test("stagedProblems(): entries of the right mode but stale (the registry moved on)", () => {
  const moved: Plan = {
    ...prod,
    sources: [{ name: "q", table: [["git", "https://example.com/q.git"], ["tag", "v2"]] }],
  };
  assert.deepEqual(stagedProblems({ pyproject: prodText }, moved), [
    "pyproject.toml's hpm entries are not what mode prod writes " +
    "(hpm.yaml or the registry changed since it was staged)",
  ]);
});

Deno.test("stagedProblems(): a pyproject.toml smol-toml alone would refuse (valid TOML 1.0)", () => {
  const text = applyPlan(
    '[project]\nname = "core"\n\n[tool.ruff.lint]\nselect = ["E"]\n\n[tool]\nruff.line-length = 100\n',
    prod,
  ).text;
  assert.deepEqual(stagedProblems({ pyproject: text }, prod), []);
  const dev = text.replace('mode = "prod"', 'mode = "dev"').replace(
    /^q = \{.*\}$/m,
    'q = { path = "packages/q", editable = true }',
  );
  assert.deepEqual(stagedProblems({ pyproject: dev }, prod), [
    "pyproject.toml is in mode dev, not the committed mode prod",
    "pyproject.toml installs `q` from a local path (packages/q, editable)",
  ]);
});

// Answers git like a clean repository whose top is `top`, the project being
// in `prefix`; `ignored` paths are ignored by .gitignore.
// uv fails `uv lock --offline` with `uv.offlineCode`, or every lock with `uv.alwaysFails`.
function fakeGit(
  top: string,
  prefix: string,
  ignored: string[] = [],
  uv: { offlineCode?: number; alwaysFails?: boolean } = {},
) {
  return recordingRunner((r) => {
    const args = r.args.join(" ");
    const out = (stdout: string, code = 0) => ({ code, stdout, stderr: "" });
    if (r.program === "uv") {
      const failed = uv.alwaysFails || (args.includes("--offline") && uv.offlineCode);
      return failed ? { code: 2, stdout: "", stderr: "error: no `ghost` in the cache" } : out("");
    }
    if (args.includes("--show-toplevel")) {
      return out(`${top}\n${prefix}\nno/MERGE_HEAD\nno/CHERRY_PICK_HEAD\nno/REVERT_HEAD\n`);
    }
    if (args.includes("hash-object")) return out(args.includes("uv.lock") ? "b2\n" : "b1\n");
    if (args.includes("check-ignore")) return out("", ignored.includes(r.args.at(-1)!) ? 0 : 1);
    return out("");
  });
}

Deno.test("stage() stages both files with one index update, as git add would (--path)", async () => {
  const top = await tempTree("hpm-unit-", {});
  const dir = join(top, "core");
  await writeTree(dir, { ...ONE_PLUGIN, "pyproject.toml": '[project]\nname = "core"\n' });
  try {
    const runner = fakeGit(top, "core/");
    const result = await stage({ root: dir, runner, env: OUTSIDE });
    assert.equal(result.mode, "prod");
    assert.deepEqual(result.files, [
      { path: "core/pyproject.toml", changed: true },
      { path: "core/uv.lock", changed: true },
    ]);
    const calls = runner.calls.map((c) => [c.program, ...c.args.filter((a) => a !== "-c")]);
    assert.deepEqual(calls.filter((c) => c[0] === "uv"), [
      ["uv", "lock", "--no-progress", "--offline", "--python", "/usr/bin/python3"],
    ]);
    const hashes = calls.filter((c) => c.includes("hash-object"));
    assert.deepEqual(hashes.map((c) => c.slice(-3, -1)), [
      ["--path=core/pyproject.toml", "--"],
      ["--path=core/uv.lock", "--"],
    ]);
    assert.deepEqual(calls.filter((c) => c.includes("update-index")).map((c) => c.slice(-5)), [
      [
        "--add",
        "--cacheinfo",
        "100644,b1,core/pyproject.toml",
        "--cacheinfo",
        "100644,b2,core/uv.lock",
      ],
    ]);
  } finally {
    await Deno.remove(top, { recursive: true });
  }
});

Deno.test("stage() leaves out a uv.lock that git ignores (and does not track)", async () => {
  const dir = await tempTree("hpm-unit-", { ...ONE_PLUGIN, "pyproject.toml": "" });
  try {
    const runner = fakeGit(dir, "", ["uv.lock"]);
    const result = await stage({ root: dir, runner, env: OUTSIDE });
    assert.deepEqual(result.files, [{ path: "pyproject.toml", changed: true }]);
    assert.ok(runner.calls.some((c) => c.program === "uv"), "the lock is still resolved");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stage() stages nothing when the index has conflicts", async () => {
  const dir = await tempTree("hpm-unit-", {
    ...ONE_PLUGIN,
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
  });
  try {
    const runner = recordingRunner((r) => {
      const args = r.args.join(" ");
      if (args.includes("--show-toplevel")) {
        return {
          code: 0,
          stdout: `${dir}\n\nno/MERGE_HEAD\nno/CHERRY_PICK_HEAD\nno/REVERT_HEAD\n`,
          stderr: "",
        };
      }
      if (args.includes("--unmerged")) {
        return {
          code: 0,
          stdout: "100644 aa 1\tpyproject.toml\x00100644 bb 2\tpyproject.toml\x00",
          stderr: "",
        };
      }
      return { code: 0, stdout: "", stderr: "" };
    });
    await assert.rejects(
      stage({ root: dir, runner, env: OUTSIDE }),
      (e) =>
        e instanceof HpmInputError && e.code === "git-state" &&
        /unresolved conflicts \(pyproject\.toml\)/.test(e.message),
    );
    assert.ok(
      runner.calls.every((c) => c.program === "git" && !c.args.includes("update-index")),
      "no uv, no index update",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stage() resolves online when uv's cache is not enough, unless offline; uv's error is shown", async () => {
  const dir = await tempTree("hpm-unit-", { ...ONE_PLUGIN, "pyproject.toml": "" });
  try {
    const uvCalls = (runner: ReturnType<typeof fakeGit>) =>
      runner.calls.filter((c) => c.program === "uv").map((c) => c.args.join(" "));
    let runner = fakeGit(dir, "", [], { offlineCode: 2 });
    await stage({ root: dir, runner, env: OUTSIDE });
    assert.deepEqual(uvCalls(runner), [
      `lock --no-progress --offline ${PYTHON}`,
      `lock --no-progress ${PYTHON}`,
    ]);

    runner = fakeGit(dir, "", [], { offlineCode: 2 });
    await assert.rejects(
      stage({ root: dir, runner, env: { ...OUTSIDE, HPM_OFFLINE: "1" } }),
      (e) =>
        e instanceof HpmInputError && e.code === "unresolvable" &&
        /uv says:\nerror: no `ghost` in the cache/.test(e.message) && /offline/.test(e.hint!),
    );
    assert.deepEqual(uvCalls(runner), [`lock --no-progress --offline ${PYTHON}`]);

    runner = fakeGit(dir, "", [], { alwaysFails: true });
    await assert.rejects(stage({ root: dir, runner, env: OUTSIDE }), HpmInputError);
    assert.ok(!runner.calls.some((c) => c.args.includes("update-index")), "nothing staged");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stage() takes the same --mode from the committed mode's record as when it plans", async () => {
  const dir = await tempTree("hpm-unit-", {
    ...ONE_PLUGIN,
    // Released to an index: a sync into prod leaves a record stage can use.
    "reg/packages/plug.yaml":
      "name: plug\nsources:\n  dev: {type: local, path: ./packages/plug}\n" +
      "  prod: {type: pypi, version: 1.0.0}\n",
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
  });
  const env = { ...OUTSIDE, HOME: "/home/u", HPM_STATE_DIR: join(dir, "user-state") };
  try {
    await sync({ root: dir, mode: "prod", env, install: false });
    const notices: string[] = [];
    const log = (m: string) => notices.push(m);
    assert.equal((await stage({ root: dir, runner: fakeGit(dir, ""), env, log })).mode, "prod");
    assert.match(notices.join("\n"), /plan comes from its last sync/, "the record answered");
    for (const mode of ["", " ", "no/such"]) {
      await assert.rejects(
        stage({ root: dir, runner: fakeGit(dir, ""), env, log, mode }),
        (e) => e instanceof HpmInputError && e.code === "usage" && /invalid mode/.test(e.message),
        JSON.stringify(mode),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
