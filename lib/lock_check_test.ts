import assert from "node:assert/strict";
import { join } from "node:path";
import { checkLock, lockSourceProblems, whyUvWouldBuild } from "./lock_check.ts";
import { parseRegistryEntry } from "./registry_entry.ts";
import type { ResolvedPackage } from "./resolve.ts";
import { recordingRunner } from "./runner.ts";
import type { SyncPlan } from "./sync.ts";

const entry = parseRegistryEntry(
  "name: Q\nsources:\n  dev: {type: local, path: ./packages/q}\n" +
    "  prod: {type: git, url: 'https://example.com/q.git', tag: v1}\n" +
    "  ci: {type: pypi, version: 1.0.0}\n",
  "q.yaml",
);
const pkg = (mode: string): ResolvedPackage => ({
  key: "q",
  entry,
  source: entry.sources[mode],
  overridden: false,
  groups: ["g"],
});
const lock = (source: string) =>
  `version = 1\n\n[[package]]\nname = "core"\nsource = { editable = "." }\n\n` +
  `[[package]]\nname = "q"\nversion = "1.0.0"\nsource = ${source}\n`;

Deno.test("lockSourceProblems(): each mode's kind of source, and only the plan's packages", () => {
  const editable = lock('{ editable = "packages/q" }');
  const git = lock('{ git = "https://example.com/q.git?tag=v1#abc" }');
  const index = lock('{ registry = "https://pypi.org/simple" }');
  assert.deepEqual(lockSourceProblems(editable, [pkg("dev")]), []);
  assert.deepEqual(lockSourceProblems(lock('{ directory = "packages/q" }'), [pkg("dev")]), []);
  assert.deepEqual(lockSourceProblems(git, [pkg("prod")]), []);
  assert.deepEqual(lockSourceProblems(index, [pkg("ci")]), []);
  assert.deepEqual(lockSourceProblems(editable, [pkg("prod")]), [
    "Q is locked from the local path packages/q (editable), not from git",
  ]);
  assert.deepEqual(lockSourceProblems(git, [pkg("ci")]), [
    "Q is locked from git https://example.com/q.git?tag=v1, not from an index",
  ]);
  assert.deepEqual(lockSourceProblems(index, [pkg("dev")]), [
    "Q is locked from the index https://pypi.org/simple, not from a local path",
  ]);
  assert.deepEqual(lockSourceProblems("version = 1\n", [pkg("dev")]), ["Q is not in uv.lock"]);
  assert.deepEqual(lockSourceProblems(editable, []), []);
});

Deno.test("lockSourceProblems(): a source of another kind, as written; a deep one, shallowly", () => {
  assert.deepEqual(lockSourceProblems(lock('{ url = "https://x/q.whl" }'), [pkg("prod")]), [
    'Q is locked from {"url":"https://x/q.whl"}, not from git',
  ]);
  // uv reads no such uv.lock, but one in a repository is there to be read.
  const deep = lock(`{ ${Array(5000).fill("a").join(".")} = 1 }`);
  assert.deepEqual(lockSourceProblems(deep, [pkg("prod")]), [
    'Q is locked from {"a":"…"}, not from git',
  ]);
});

// A plan of `mode` for a project in a new temporary folder, removed afterwards.
async function withPlan(
  mode: string,
  fn: (root: string, plan: SyncPlan) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "hpm-lock-unit-" });
  try {
    const plan = { project: { root }, resolution: { packages: [pkg(mode)] } };
    await fn(root, plan as unknown as SyncPlan);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("checkLock(): uv lock --check --offline; stale is a problem, offline is not", async () => {
  await withPlan("prod", async (root, plan) => {
    const env = { UV_PYTHON: "/opt/python/bin/python3" };
    assert.deepEqual(await checkLock(plan, { runner: recordingRunner(), env }), {
      file: join(root, "uv.lock"),
      present: false,
      problems: [],
    });
    await Deno.writeTextFile(join(root, "uv.lock"), lock('{ git = "https://example.com/q.git" }'));
    await Deno.writeTextFile(join(root, "pyproject.toml"), CORE);
    const answer = (stderr: string, code = 1) =>
      recordingRunner(() => ({ code, stdout: "", stderr }));
    const ok = answer("", 0);
    assert.deepEqual((await checkLock(plan, { runner: ok, env })).problems, []);
    assert.deepEqual(ok.calls.map((c) => [c.program, c.args, c.cwd]), [
      [
        "uv",
        ["lock", "--check", "--offline", "--no-progress", "--python", "/opt/python/bin/python3"],
        root,
      ],
    ]);
    assert.match(ok.calls[0].env?.UV_PROJECT_ENVIRONMENT ?? "", /no-environment$/);
    const stale = await checkLock(plan, {
      env,
      runner: answer(
        "error: The lockfile at `uv.lock` needs to be updated, but `--check` was provided.",
      ),
    });
    assert.deepEqual(stale.problems, ["`uv lock --check` says it needs to be updated"]);
    const offline = await checkLock(plan, {
      env,
      runner: answer(
        "error: Failed to fetch: `https://pypi.org/simple/x/`\n  Caused by: offline\n",
      ),
    });
    assert.deepEqual(offline.problems, []);
    assert.equal(offline.uvUnanswered, "Failed to fetch: `https://pypi.org/simple/x/`");
  });
});

const CORE = '[project]\nname = "core"\nversion = "0.1.0"\ndependencies = []\n';

Deno.test("checkLock(): uv is not asked when it would build a source tree, nor without an interpreter outside the project", async () => {
  await withPlan("dev", async (root, plan) => {
    await Deno.writeTextFile(join(root, "uv.lock"), lock('{ editable = "packages/q" }'));
    await Deno.writeTextFile(join(root, "pyproject.toml"), CORE);
    const runner = recordingRunner();
    const dynamic = '[project]\nname = "Q"\ndynamic = ["version"]\n';
    await Deno.mkdir(join(root, "packages", "q"), { recursive: true });
    await Deno.writeTextFile(join(root, "packages", "q", "pyproject.toml"), dynamic);
    assert.deepEqual(await checkLock(plan, { runner, env: { UV_PYTHON: "python3.12" } }), {
      file: join(root, "uv.lock"),
      present: true,
      problems: [],
      uvSkipped: "q (packages/q) declares its version dynamic",
    });
    assert.deepEqual(runner.calls, []);

    await Deno.writeTextFile(join(root, "packages", "q", "pyproject.toml"), CORE);
    const none = await checkLock(plan, { runner, env: { PATH: "" } });
    assert.match(none.uvUnanswered ?? "", /^no Python interpreter outside the project .*UV_PYTHON/);
    assert.deepEqual(runner.calls, []);
  });
});

Deno.test("whyUvWouldBuild(): what uv checks must be in pyproject.toml, not left to a build backend", () => {
  const project = (body: string) => `[project]\nname = "a"\n${body}`;
  assert.equal(whyUvWouldBuild(project('version = "1"\n')), undefined);
  // Fields uv does not check may be dynamic.
  assert.equal(
    whyUvWouldBuild(project('version = "1"\ndynamic = ["readme", "scripts"]\n')),
    undefined,
  );
  assert.equal(
    whyUvWouldBuild(project('dynamic = ["version", "dependencies", "readme"]\n')),
    "declares its version, dependencies dynamic",
  );
  assert.equal(
    whyUvWouldBuild(project('version = "1"\ndynamic = ["optional-dependencies"]\n')),
    "declares its optional-dependencies dynamic",
  );
  assert.equal(
    whyUvWouldBuild(project('version = "1"\n"dyn\\u0061mic" = ["requires-python"]\n')),
    "declares its requires-python dynamic",
  );
  assert.equal(whyUvWouldBuild(project("")), "has no version");
  assert.equal(whyUvWouldBuild('[tool.poetry]\nversion = "1"\n'), "has no [project] table");
  assert.equal(whyUvWouldBuild("[project"), "has a pyproject.toml that is not valid TOML");
  assert.equal(whyUvWouldBuild(undefined), "has no pyproject.toml");
});
