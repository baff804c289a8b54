import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { checkLock, lockSourceProblems, whyUvWouldBuild } from "./lockfile_check.ts";
import type { Plan } from "../core/plan.ts";
import { recordingRunner } from "../io/runner.ts";
import type { SyncPlan } from "./plan.ts";

const plan = (mode: string, table: [string, string | boolean][] | undefined): Plan => ({
  mode,
  groups: [{ name: "g", requirements: [mode === "ci" ? "Q==1.0.0" : "Q"] }],
  sources: table ? [{ name: "q", table }] : [],
  indexes: [],
});
const dev = plan("dev", [["path", "packages/q"], ["editable", true]]);
const prod = plan("prod", [["git", "https://example.com/q.git"], ["tag", "v1"]]);
const ci = plan("ci", undefined);
const lock = (source: string) =>
  `version = 1\n\n[[package]]\nname = "core"\nsource = { editable = "." }\n\n` +
  `[[package]]\nname = "q"\nversion = "1.0.0"\nsource = ${source}\n`;

Deno.test("lockSourceProblems(): each mode's source, at uv.lock's line, and only the plan's packages", () => {
  const editable = lock('{ editable = "packages/q" }');
  const git = lock('{ git = "https://example.com/q.git?tag=v1#abc" }');
  const index = lock('{ registry = "https://pypi.org/simple" }');
  assert.deepEqual(lockSourceProblems(editable, dev), []);
  assert.deepEqual(lockSourceProblems(lock('{ directory = "packages/q" }'), dev), []);
  assert.deepEqual(lockSourceProblems(git, prod), []);
  // uv leaves credentials out of uv.lock; `.git` and a trailing `/` make no difference.
  const withToken = plan("prod", [["git", "https://me:token@Example.com/q"], ["tag", "v1"]]);
  assert.deepEqual(lockSourceProblems(git, withToken), []);
  assert.deepEqual(lockSourceProblems(index, ci), []);
  assert.deepEqual(lockSourceProblems(editable, prod), [
    "uv.lock:10: Q is locked from the local path packages/q (editable), not from git",
  ]);
  assert.deepEqual(lockSourceProblems(git, ci), [
    "uv.lock:10: Q is locked from git https://example.com/q.git, not from an index",
  ]);
  assert.deepEqual(lockSourceProblems(index, dev), [
    "uv.lock:10: Q is locked from the index https://pypi.org/simple, not from a local path",
  ]);
  assert.deepEqual(lockSourceProblems(lock('{ virtual = "../q" }'), ci), [
    "uv.lock:10: Q is locked from the local path ../q, not from an index",
  ]);
  assert.deepEqual(lockSourceProblems(lock('{ url = "https://x.example/q-1.whl" }'), ci), [
    "uv.lock:10: Q is locked from the URL https://x.example/q-1.whl, not from an index",
  ]);
  assert.deepEqual(
    lockSourceProblems(lock('{ git = "https://example.com/evil.git?tag=v1#abc" }'), prod),
    [
      "uv.lock:10: Q is locked from git https://example.com/evil.git, not from git https://example.com/q.git",
    ],
  );
  assert.deepEqual(
    lockSourceProblems(lock('{ git = "https://example.com/q.git?rev=main#abc" }'), prod),
    [
      "uv.lock:10: Q is locked from git https://example.com/q.git at main, not at v1",
    ],
  );
  assert.deepEqual(lockSourceProblems("version = 1\n", dev), ["Q is not in uv.lock"]);
  assert.deepEqual(lockSourceProblems(editable, { ...dev, groups: [] }), []);
});

Deno.test("lockSourceProblems(): a plan's private index is the one uv.lock names", () => {
  const url = "https://pkgs.example.com/simple/";
  const mode = {
    ...plan("ci", [["index", "hpm-pkgs"]]),
    indexes: [{ name: "hpm-pkgs", url }],
  };
  assert.deepEqual(lockSourceProblems(lock(`{ registry = "${url.slice(0, -1)}" }`), mode), []);
  assert.deepEqual(lockSourceProblems(lock('{ registry = "https://evil.example/simple" }'), mode), [
    `uv.lock:10: Q is locked from the index https://evil.example/simple, not from the index ${url}`,
  ]);
});

Deno.test("lockSourceProblems(): a malformed uv.lock is an input error at its position", () => {
  assert.throws(
    () => lockSourceProblems("version = 1\nversion = 2\n", prod, "/p/uv.lock"),
    (e) =>
      e instanceof HpmInputError && e.code === "toml-syntax" && e.file === "/p/uv.lock" &&
      e.line === 2 && e.column === 1 && /hpm sync --mode prod/.test(e.hint ?? ""),
  );
});

// A synced plan of `mode` for a project in a new temporary folder, removed afterwards.
async function withPlan(
  mode: Plan,
  fn: (root: string, synced: SyncPlan) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "hpm-lock-unit-" });
  try {
    await fn(root, { project: { root }, resolution: { plan: mode } } as unknown as SyncPlan);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const CORE = '[project]\nname = "core"\nversion = "0.1.0"\ndependencies = []\n';

Deno.test("checkLock(): uv lock --check --offline; stale is a problem, unanswered is said why", async () => {
  await withPlan(prod, async (root, synced) => {
    const env = { UV_PYTHON: "/opt/python/bin/python3" };
    assert.deepEqual(await checkLock(synced, { runner: recordingRunner(), env }), {
      file: join(root, "uv.lock"),
      present: false,
      problems: [],
    });
    await Deno.writeTextFile(
      join(root, "uv.lock"),
      lock('{ git = "https://example.com/q.git?tag=v1#abc" }'),
    );
    await Deno.writeTextFile(join(root, "pyproject.toml"), CORE);
    const answer = (stderr: string, code = 1) =>
      recordingRunner(() => ({ code, stdout: "", stderr }));
    const ok = answer("", 0);
    assert.deepEqual((await checkLock(synced, { runner: ok, env })).problems, []);
    assert.deepEqual(ok.calls.map((c) => [c.program, c.args, c.cwd]), [
      [
        "uv",
        ["lock", "--check", "--offline", "--no-progress", "--python", "/opt/python/bin/python3"],
        root,
      ],
    ]);
    assert.match(ok.calls[0].env?.UV_PROJECT_ENVIRONMENT ?? "", /no-environment$/);
    const stale = await checkLock(synced, {
      env,
      runner: answer(
        "error: The lockfile at `uv.lock` needs to be updated, but `--check` was provided.",
      ),
    });
    assert.deepEqual(stale.problems, ["`uv lock --check` says it needs to be updated"]);
    const offline = await checkLock(synced, {
      env,
      runner: answer(
        "error: Failed to fetch: `https://pypi.org/simple/x/`\n  Caused by: offline\n",
      ),
    });
    assert.deepEqual(offline.problems, []);
    assert.equal(offline.uvUnanswered, "Failed to fetch: `https://pypi.org/simple/x/`");
    const cold = await checkLock(synced, {
      env,
      runner: answer(
        "error: No solution found when resolving dependencies\n" +
          "  cause: Because x was not found in the cache and core depends on x,\n" +
          "         we can conclude that core's requirements are unsatisfiable.\n\n" +
          "hint: Packages were unavailable because the network was disabled.\n",
      ),
    });
    assert.equal(
      cold.uvUnanswered,
      "No solution found when resolving dependencies: Because x was not found in the cache " +
        "and core depends on x, we can conclude that core's requirements are unsatisfiable.",
    );
  });
});

Deno.test("checkLock(): uv is not asked when it would build a source tree, nor without an interpreter outside the project", async () => {
  await withPlan(dev, async (root, synced) => {
    await Deno.writeTextFile(join(root, "uv.lock"), lock('{ editable = "packages/q" }'));
    await Deno.writeTextFile(join(root, "pyproject.toml"), CORE);
    const runner = recordingRunner();
    const dynamic = '[project]\nname = "Q"\ndynamic = ["version"]\n';
    await Deno.mkdir(join(root, "packages", "q"), { recursive: true });
    await Deno.writeTextFile(join(root, "packages", "q", "pyproject.toml"), dynamic);
    assert.deepEqual(await checkLock(synced, { runner, env: { UV_PYTHON: "python3.12" } }), {
      file: join(root, "uv.lock"),
      present: true,
      problems: [],
      uvSkipped: "q (packages/q) declares its version dynamic",
    });
    assert.deepEqual(runner.calls, []);

    await Deno.writeTextFile(join(root, "packages", "q", "pyproject.toml"), CORE);
    const none = await checkLock(synced, { runner, env: { PATH: "" } });
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

Deno.test("lockSourceProblems(): a nested source shown shallowly; one nested deeper than uv reads, refused at its place", () => {
  assert.deepEqual(lockSourceProblems(lock("{ a = { b = { c = 1 } } }"), prod), [
    'uv.lock:10: Q is locked from {"a":"…"}, not from git',
  ]);
  // uv reads no such uv.lock, but one in a repository is there to be read.
  const deep = lock(`{ ${Array(5000).fill("a").join(".")} = 1 }`);
  assert.throws(
    () => lockSourceProblems(deep, prod),
    (e) => e instanceof HpmInputError && e.code === "too-deep" && e.line === 10,
  );
});
