/**
 * The CI guard cannot be talked past (issue 20, items 1 and 8): a source for a
 * plugin HPM manages that is not the mode's (a local path, another git URL or
 * ref), written by hand into `[tool.uv.sources]` or locked into uv.lock,
 * fails every check (`check --staged`, `check --pyproject-only`, plain
 * `check` with or without uv.lock) and makes `sync` refuse, whoever wrote it
 * and whatever `[tool.hpm]` lists; a record of the mode's last sync does not
 * answer for it; when uv cannot answer about uv.lock, `check` fails and says
 * why; a malformed uv.lock is an error at its line, not a stack trace.
 *
 * The project: `plug` (prod: version 1.0.0 from the package index, a loopback
 * one; so prod writes no source for it) and `gplug` (prod: its git tag),
 * committed in prod, as a contributor finds it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildWheels,
  git,
  type LocalIndex,
  run,
  type RunResult,
  serveIndex,
  settle,
  uv,
  venvPython,
  withRoot,
} from "./_fixtures.ts";
import { expectOk, hpm, makeProject, snapshot, type TestProject } from "./_project.ts";

interface Committed extends TestProject {
  /** For hpm and uv: the loopback index as the default one, a private state folder. */
  env: Record<string, string>;
}

// The prod form of the project, committed; the working tree in prod too.
async function committedProd(root: string, index: LocalIndex): Promise<Committed> {
  const project = await makeProject(root, [
    { name: "plug", prod: () => "{type: pypi, version: 1.0.0}" },
    { name: "gplug" },
  ]);
  const { dir } = project;
  const env = { UV_DEFAULT_INDEX: index.url, HPM_STATE_DIR: join(root, "state") };
  await Deno.writeTextFile(join(dir, ".gitignore"), "packages/\n", { append: true });
  await git(["init", "--quiet"], { cwd: dir });
  expectOk(await hpm(["sync", "--mode", "prod"], dir, env), "hpm sync --mode prod");
  await git(["add", "-A"], { cwd: dir });
  await git(["commit", "--quiet", "-m", "prod form"], { cwd: dir });
  return { ...project, env };
}

// plug's release, on the loopback index.
const PLUG_WHEEL = { name: "plug", version: "1.0.0", module: "plug", body: 'VERSION = "1.0.0"\n' };

async function withIndex(fn: (root: string, index: LocalIndex) => Promise<void>): Promise<void> {
  await withRoot(async (root) => {
    const index = await serveIndex(await buildWheels(root, PLUG_WHEEL));
    try {
      await fn(root, index);
    } finally {
      await index.close();
    }
  });
}

/**
 * Adds `line` under `[tool.uv.sources]` by hand, `[tool.hpm]` untouched, as a
 * contributor would; returns its line number.
 */
async function addSource(dir: string, line: string): Promise<number> {
  const file = join(dir, "pyproject.toml");
  const lines = (await Deno.readTextFile(file)).split("\n");
  const at = lines.indexOf("[tool.uv.sources]") + 1;
  assert.ok(at > 0, "the prod form has [tool.uv.sources] (gplug's)");
  lines.splice(at, 0, line);
  await Deno.writeTextFile(file, lines.join("\n"));
  return at + 1;
}

function expectCode(r: RunResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  assert.doesNotMatch(r.stderr, /internal error/, what);
}

const PATH_SOURCE = 'plug = { path = "packages/plug", editable = true }';

Deno.test("a local path added by hand for a registry plugin, [tool.hpm] untouched, locked and committed: every check fails, sync refuses", async () => {
  await withIndex(async (root, index) => {
    const { dir, env } = await committedProd(root, index);
    const line = await addSource(dir, PATH_SOURCE);
    await uv(["lock"], { cwd: dir, env });
    assert.match(await Deno.readTextFile(join(dir, "uv.lock")), /editable = "packages\/plug"/);
    await git(["add", "pyproject.toml", "uv.lock"], { cwd: dir });

    // The pre-commit hook.
    const staged = await hpm(["check", "--staged"], dir, env);
    expectCode(staged, 1, "check --staged");
    assert.match(
      staged.stdout,
      new RegExp(
        `^pyproject\\.toml:${line}:1: \\[tool\\.uv\\.sources\\] plug = \\{ path = ` +
          `"packages/plug", editable = true \\} is not mode prod's source for plug`,
        "m",
      ),
    );
    assert.match(
      staged.stdout,
      /^uv\.lock:\d+: plug is locked from the local path packages\/plug/m,
    );
    assert.match(staged.stderr, /hpm stage/);

    await git(["commit", "--quiet", "-m", "use my clone"], { cwd: dir });
    for (
      const args of [["check", "--mode", "prod", "--pyproject-only"], ["check", "--mode", "prod"]]
    ) {
      const r = await hpm(args, dir, env);
      expectCode(r, 1, args.join(" "));
      assert.match(r.stdout, new RegExp(`^pyproject\\.toml:${line}:1: .*plug = \\{ path`, "m"));
      assert.match(
        r.stdout,
        /mode prod installs plug==1\.0\.0 from the package index, with no source/,
      );
      assert.match(r.stderr, /remove/);
    }
    // uv.lock not committed, or uv unable to answer (a cold cache, offline).
    const cold = await hpm(["check", "--mode", "prod"], dir, {
      ...env,
      UV_CACHE_DIR: join(root, "cold-cache"),
    });
    expectCode(cold, 1, "check with a cold uv cache");
    await Deno.remove(join(dir, "uv.lock"));
    expectCode(await hpm(["check", "--mode", "prod"], dir, env), 1, "check without uv.lock");
    await git(["checkout", "uv.lock"], { cwd: dir });

    // The deploy: refused, nothing written, nothing installed.
    const before = await snapshot(dir, ["pyproject.toml", "uv.lock"]);
    const deploy = await hpm(["sync"], dir, { ...env, RUN_MODE: "prod" });
    expectCode(deploy, 2, "RUN_MODE=prod hpm sync");
    assert.match(deploy.stderr, new RegExp(`pyproject\\.toml:${line}:1`));
    assert.match(deploy.stderr, /source "plug".*hpm did not write/);
    assert.deepEqual(await snapshot(dir, ["pyproject.toml", "uv.lock"]), before);
    const installed = await run(venvPython(dir), [
      "-c",
      "import plug, sys; sys.stdout.write(plug.__file__)",
    ], { cwd: root });
    assert.match(installed.stdout, /site-packages/, "still the released plug");
  });
});

Deno.test("a git source for a registry plugin, or a lock at another git URL: every check fails, sync refuses", async () => {
  await withIndex(async (root, index) => {
    const { dir, env, plugins } = await committedProd(root, index);
    const committed = await snapshot(dir, ["pyproject.toml", "uv.lock"]);
    // plug's own repository at a tag, where prod takes plug from the index.
    const line = await addSource(dir, `plug = { git = "${plugins.plug.bareUrl}", tag = "v1.0.0" }`);
    await uv(["lock"], { cwd: dir, env });
    await git(["add", "pyproject.toml", "uv.lock"], { cwd: dir });
    const staged = await hpm(["check", "--staged"], dir, env);
    expectCode(staged, 1, "check --staged");
    assert.match(
      staged.stdout,
      new RegExp(`^pyproject\\.toml:${line}:1: .*plug = \\{ git = `, "m"),
    );
    assert.match(staged.stdout, /^uv\.lock:\d+: plug is locked from git .*plug\.git/m);
    const only = await hpm(["check", "--mode", "prod", "--pyproject-only"], dir, env);
    expectCode(only, 1, "check --pyproject-only");
    expectCode(await hpm(["sync", "--mode", "prod"], dir, env), 2, "sync --mode prod");

    // pyproject.toml as prod writes it; uv.lock takes gplug from another
    // repository (at the same tag), and uv cannot fetch to compare.
    await Deno.writeTextFile(join(dir, "pyproject.toml"), committed["pyproject.toml"]!);
    const evil = committed["uv.lock"]!.replaceAll("/gplug.git?", "/plug.git?");
    assert.notEqual(evil, committed["uv.lock"]);
    await Deno.writeTextFile(join(dir, "uv.lock"), evil);
    await git(["add", "pyproject.toml", "uv.lock"], { cwd: dir });
    const lockOnly = await hpm(["check", "--staged"], dir, env);
    expectCode(lockOnly, 1, "check --staged, uv.lock at another URL");
    assert.match(lockOnly.stdout, /^uv\.lock:\d+: gplug is locked from git .*\/plug\.git/m);
    const cold = await hpm(["check", "--mode", "prod"], dir, {
      ...env,
      UV_CACHE_DIR: join(root, "cold-cache"),
    });
    expectCode(cold, 1, "check --mode prod, uv.lock at another URL, cold cache");
    assert.match(cold.stdout, /^uv\.lock:\d+: gplug is locked from git .*\/plug\.git/m);
    // At another ref of the right repository.
    const otherRef = committed["uv.lock"]!.replaceAll(
      "/gplug.git?rev=v1.0.0",
      "/gplug.git?rev=main",
    );
    await Deno.writeTextFile(join(dir, "uv.lock"), otherRef);
    await git(["add", "uv.lock"], { cwd: dir });
    const ref = await hpm(["check", "--staged"], dir, env);
    expectCode(ref, 1, "check --staged, uv.lock at another ref");
    assert.match(
      ref.stdout,
      /^uv\.lock:\d+: gplug is locked from git .* at main, not at v1\.0\.0/m,
    );
  });
});

Deno.test("a registry plugin required with a URL of one's own, uv.lock not committed: every check fails, sync refuses", async () => {
  await withIndex(async (root, index) => {
    const { dir, env } = await committedProd(root, index);
    // The project keeps uv.lock out of git, as some do.
    await Deno.writeTextFile(join(dir, ".gitignore"), "uv.lock\n", { append: true });
    await git(["rm", "--quiet", "--cached", "uv.lock"], { cwd: dir });
    await Deno.remove(join(dir, "uv.lock"));
    const file = join(dir, "pyproject.toml");
    const url = `plug @ ${new URL(`file://${join(dir, "packages", "plug")}`).href}`;
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace(
        /^dependencies = \[\]$/m,
        `dependencies = ["${url}"]`,
      ),
    );
    await git(["add", "-A"], { cwd: dir });
    const staged = await hpm(["check", "--staged"], dir, env);
    expectCode(staged, 1, "check --staged");
    assert.match(
      staged.stdout,
      /^pyproject\.toml:6:\d+: "plug @ file:.*" in `project\.dependencies`/m,
    );
    for (
      const args of [["check", "--mode", "prod", "--pyproject-only"], ["check", "--mode", "prod"]]
    ) {
      const r = await hpm(args, dir, env);
      expectCode(r, 1, args.join(" "));
      assert.match(r.stdout, /is not mode prod's source for plug/);
    }
    const deploy = await hpm(["sync"], dir, { ...env, RUN_MODE: "prod" });
    expectCode(deploy, 2, "RUN_MODE=prod hpm sync");
    assert.match(deploy.stderr, /"plug @ file:.*" in `project\.dependencies`/);
  });
});

Deno.test("a clean pyproject.toml with a committed uv.lock that installs a registry plugin from a local path fails check --staged and check", async () => {
  await withIndex(async (root, index) => {
    const { dir, env } = await committedProd(root, index);
    const clean = await Deno.readTextFile(join(dir, "pyproject.toml"));
    await addSource(dir, PATH_SOURCE);
    await uv(["lock"], { cwd: dir, env });
    await Deno.writeTextFile(join(dir, "pyproject.toml"), clean);
    await git(["add", "uv.lock"], { cwd: dir });
    const staged = await hpm(["check", "--staged"], dir, env);
    expectCode(staged, 1, "check --staged");
    const at = (await Deno.readTextFile(join(dir, "uv.lock"))).split("\n")
      .indexOf('source = { editable = "packages/plug" }') + 1;
    assert.ok(at > 0);
    assert.match(
      staged.stdout,
      new RegExp(
        `^uv\\.lock:${at}: plug is locked from the local path packages/plug \\(editable\\), ` +
          "not from an index$",
        "m",
      ),
    );
    const check = await hpm(["check", "--mode", "prod"], dir, env);
    expectCode(check, 1, "check --mode prod");
    assert.match(
      check.stdout,
      new RegExp(`^uv\\.lock:${at}: plug is locked from the local path`, "m"),
    );
    assert.match(check.stderr, /uv\.lock does not match mode prod/);
  });
});

Deno.test("when uv cannot answer about uv.lock, check fails and says why; without uv.lock a clean pyproject.toml passes", async () => {
  await withIndex(async (root, index) => {
    const { dir, env } = await committedProd(root, index);
    expectOk(await hpm(["check", "--mode", "prod"], dir, env), "check, warm cache");
    // A dependency of the user's that uv.lock does not hold: uv must resolve,
    // and offline with a cold cache it cannot.
    const file = join(dir, "pyproject.toml");
    const text = await Deno.readTextFile(file);
    await Deno.writeTextFile(
      file,
      text.replace(/^dependencies = \[\]$/m, 'dependencies = ["plug-extra"]'),
    );
    const cold = await hpm(["check", "--mode", "prod"], dir, {
      ...env,
      UV_CACHE_DIR: join(root, "cold-cache"),
    });
    expectCode(cold, 1, "check, cold cache");
    assert.match(cold.stderr, /uv could not check uv\.lock offline/);
    assert.match(cold.stderr, /not found in the cache/);
    assert.match(cold.stderr, /hint: .*uv lock --check/);

    await Deno.writeTextFile(file, text);
    await Deno.remove(join(dir, "uv.lock"));
    const none = await hpm(["check", "--mode", "prod"], dir, env);
    expectOk(none, "no uv.lock, clean pyproject.toml");
    assert.match(none.stderr, /no uv\.lock/);
  });
});

Deno.test("a record of the mode's last sync does not answer for a source added by hand", async () => {
  await withIndex(async (root, index) => {
    const { dir, env } = await committedProd(root, index);
    await settle();
    expectOk(await hpm(["sync", "--mode", "prod"], dir, env), "sync --mode prod (recorded)");
    expectOk(await hpm(["check", "--staged"], dir, env), "check --staged from the record");
    const line = await addSource(dir, PATH_SOURCE);
    await git(["add", "pyproject.toml"], { cwd: dir });
    const fromRecord = await hpm(["check", "--staged"], dir, env);
    const planned = await hpm(["check", "--staged"], dir, {
      ...env,
      HPM_STATE_DIR: await Deno.makeTempDir({ dir: root }),
    });
    expectCode(fromRecord, 1, "check --staged from the record");
    assert.deepEqual(
      [fromRecord.code, fromRecord.stdout, fromRecord.stderr],
      [planned.code, planned.stdout, planned.stderr],
    );
    assert.match(fromRecord.stdout, new RegExp(`^pyproject\\.toml:${line}:1: `, "m"));
    for (const args of [["check"], ["check", "--pyproject-only"], ["diff"]]) {
      const r = await hpm([...args, "--mode", "prod"], dir, env);
      assert.notEqual(r.code, 0, `${args.join(" ")}:\n${r.stderr}`);
    }
    // Staging from the record refuses it too.
    const stage = await hpm(["stage"], dir, env);
    expectCode(stage, 2, "hpm stage");
    assert.match(stage.stderr, /source "plug".*hpm did not write/);
  });
});

Deno.test("a malformed uv.lock is an error at its line, exit 2, no stack trace", async () => {
  await withIndex(async (root, index) => {
    const { dir, env } = await committedProd(root, index);
    await Deno.writeTextFile(join(dir, "uv.lock"), "version = 1\nversion = 2\n");
    const r = await hpm(["check", "--mode", "prod"], dir, env);
    expectCode(r, 2, "check, malformed uv.lock");
    assert.match(r.stderr, /uv\.lock:2:\d+/);
    assert.doesNotMatch(r.stderr, /lockSourceProblems|at .*\.ts:\d+/);
    await git(["add", "uv.lock"], { cwd: dir });
    const staged = await hpm(["check", "--staged"], dir, env);
    expectCode(staged, 2, "check --staged, malformed uv.lock");
    assert.match(staged.stderr, /uv\.lock \(staged\):2:\d+/);
  });
});
