/**
 * What a plugin checkout's own git config, and a release's files, can make
 * HPM's git do, end to end with real git: a checkout that arrived with the
 * project (an archive, a shared folder) names commands in its `.git/config`;
 * no git call that can reach a remote runs them. A release whose
 * pyproject.toml is huge is refused as too large, in bounded memory.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { git, run, type RunResult, withRoot, writeFile } from "./_fixtures.ts";
import { expire, hpm, makeProject, type PluginSpec, teamRegistry } from "./_project.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

/** A command for git to run that leaves `marker` behind (and fails). */
const leaves = (marker: string) => `touch '${marker}'; false`;

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** `hpm clone --update --json` in `dir`: the exit code and each checkout's outcome. */
async function update(dir: string, env: Record<string, string> = {}) {
  const r = await hpm(["clone", "--update", "--json"], dir, env);
  const results: { name: string; status: string; reason?: string }[] = r.stdout
    ? JSON.parse(r.stdout).results
    : [];
  return { r, by: Object.fromEntries(results.map((x) => [x.name, x])) };
}

/**
 * A project whose one plugin `p` is built from `spec`: its clone, bare remote
 * and URL, and the marker a command that must not run would leave.
 */
async function onePlugin(root: string, spec: Partial<PluginSpec> = {}) {
  const { dir, plugins } = await makeProject(root, [{ name: "p", ...spec }]);
  return { dir, ...plugins.p, marker: join(root, "command-ran") };
}

function noTrace(r: RunResult) {
  assert.doesNotMatch(r.stderr, /\n\s+at /, `a stack trace:\n${r.stderr}`);
}

Deno.test("clone --update: a checkout's core.sshCommand is not run for its ssh remote; the setting is named", async () => {
  await withRoot(async (root) => {
    const { dir, clone, marker } = await onePlugin(root);
    await git(["remote", "set-url", "origin", "ssh://example.invalid/p.git"], { cwd: clone });
    await git(["config", "core.sshCommand", leaves(marker)], { cwd: clone });

    const { r, by } = await update(dir);
    assert.equal(await exists(marker), false, "core.sshCommand ran");
    assert.equal(r.code, 1, r.stderr);
    assert.equal(by.p.status, "failed");
    assert.match(by.p.reason!, /core\.sshCommand/);
    assert.match(by.p.reason!, new RegExp(`${clone}/\\.git/config`));
    assert.match(r.stderr, /global git config/, "how to keep a setting of one's own");
    noTrace(r);
  });
});

Deno.test("clone --update: the user's own core.sshCommand (global config) is still the one used", async () => {
  await withRoot(async (root) => {
    const { dir, clone, marker } = await onePlugin(root);
    const global = join(root, "home", ".gitconfig");
    await writeFile(global, `[core]\n\tsshCommand = ${leaves(marker)}\n`);
    await git(["remote", "set-url", "origin", "ssh://example.invalid/p.git"], { cwd: clone });

    const { r, by } = await update(dir, { GIT_CONFIG_GLOBAL: global });
    assert.equal(await exists(marker), true, "the user's core.sshCommand did not run");
    assert.equal(by.p.status, "failed");
    assert.doesNotMatch(by.p.reason!, /refusing/);
    noTrace(r);
  });
});

Deno.test("clone --update: remote.origin.uploadpack, set in .git/config or an included file, is not run", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{ name: "p" }, { name: "q" }]);
    const marker = join(root, "ran-upload-pack");
    // A local path remote: git runs the upload-pack itself, through the shell.
    for (const name of ["p", "q"]) {
      await git(["remote", "set-url", "origin", plugins[name].bare], { cwd: plugins[name].clone });
    }
    await git(["config", "remote.origin.uploadpack", leaves(marker)], { cwd: plugins.p.clone });
    const included = join(root, "elsewhere", "settings.cfg");
    await writeFile(included, `[remote "origin"]\n\tuploadpack = ${leaves(marker)}\n`);
    await git(["config", "include.path", included], { cwd: plugins.q.clone });

    const { r, by } = await update(dir);
    assert.equal(await exists(marker), false, "remote.origin.uploadpack ran");
    assert.equal(r.code, 1, r.stderr);
    assert.match(by.p.reason!, /remote\.origin\.uploadpack/);
    assert.match(by.q.reason!, new RegExp(`remote\\.origin\\.uploadpack \\(${included}\\)`));
    noTrace(r);
  });
});

Deno.test("clone --update: a .git file pointing at a git folder elsewhere is checked like its own", async () => {
  await withRoot(async (root) => {
    const { dir, clone, bare, marker } = await onePlugin(root);
    const gitDir = join(root, "shared", "p.git");
    await Deno.mkdir(join(root, "shared"));
    await Deno.rename(join(clone, ".git"), gitDir);
    await Deno.writeTextFile(join(clone, ".git"), `gitdir: ${gitDir}\n`);
    // Another repository's objects as alternates: fetch asks this command for their refs.
    await Deno.writeTextFile(
      join(gitDir, "objects", "info", "alternates"),
      `${bare}/objects\n`,
    );
    await git(["config", "core.alternateRefsCommand", leaves(marker)], { cwd: clone });

    const { r, by } = await update(dir);
    assert.equal(await exists(marker), false, "core.alternateRefsCommand ran");
    assert.equal(by.p.status, "failed");
    assert.match(by.p.reason!, new RegExp(`core\\.alternateRefsCommand \\(${gitDir}/config\\)`));
    noTrace(r);
  });
});

Deno.test("clone --update: fetching does not go into a submodule, whose own config is not checked", async () => {
  await withRoot(async (root) => {
    const { dir, clone, marker } = await onePlugin(root);
    const allowFile = ["-c", "protocol.file.allow=always"];
    const sub = join(root, "sub");
    await Deno.mkdir(sub);
    await git(["init", "--quiet", "-b", "main"], { cwd: sub });
    await git(["commit", "--quiet", "--allow-empty", "-m", "sub"], { cwd: sub });
    await git([...allowFile, "submodule", "--quiet", "add", sub, "sub"], { cwd: clone });
    await git(["commit", "--quiet", "-m", "add sub"], { cwd: clone });
    await git(["push", "--quiet", "origin", "main"], { cwd: clone });
    // The checkout's own config asks for recursion; the submodule's names a command.
    await git(["config", "fetch.recurseSubmodules", "true"], { cwd: clone });
    await git(["config", "protocol.file.allow", "always"], { cwd: join(clone, "sub") });
    await git(["config", "remote.origin.uploadpack", leaves(marker)], { cwd: join(clone, "sub") });

    const { r, by } = await update(dir);
    assert.equal(await exists(marker), false, "the submodule's remote.origin.uploadpack ran");
    assert.equal(by.p.status, "current", r.stderr);
    noTrace(r);
  });
});

Deno.test("pin: the release check (git ls-remote) runs no core.sshCommand of the checkout", async () => {
  await withRoot(async (root) => {
    const { dir, clone, marker } = await onePlugin(root, {
      prod: () => `{type: git, url: "ssh://example.invalid/p.git", ref: v1.0.0}`,
    });
    await git(["config", "core.sshCommand", leaves(marker)], { cwd: clone });

    const r = await hpm(["pin", "p"], dir);
    assert.equal(await exists(marker), false, "core.sshCommand ran");
    assert.match(r.stderr, /could not check that `v1\.0\.0` exists .*core\.sshCommand/);
    noTrace(r);
  });
});

Deno.test("diff --mode prod: a partial dev clone's missing release is not fetched lazily with its uploadpack", async () => {
  await withRoot(async (root) => {
    const { dir, clone, bare, bareUrl, marker } = await onePlugin(root, {
      versions: ["1.0.0", "2.0.0"],
      prod: (repo) => `{type: git, url: "${repo.bareUrl}", ref: v1.0.0}`,
    });
    // A clone without blobs: v1.0.0's pyproject.toml is fetched when first read.
    await git(["config", "uploadpack.allowFilter", "true"], { cwd: bare });
    await Deno.remove(clone, { recursive: true });
    await git(["clone", "--quiet", "--filter=blob:none", bareUrl, clone], { cwd: root });
    await git(["config", "remote.origin.uploadpack", leaves(marker)], { cwd: clone });

    const r = await hpm(["diff", "--mode", "prod"], dir, { HPM_CACHE_DIR: join(root, "cache") });
    assert.equal(await exists(marker), false, "remote.origin.uploadpack ran");
    assert.equal(r.code, 0, r.stderr);
    noTrace(r);
  });
});

/**
 * A plugin whose prod release `v2.0.0` has a pyproject.toml of `bytes` bytes
 * (spaces, which compress to almost nothing), pushed to its remote.
 */
async function hugeRelease(root: string, bytes: number) {
  const { dir, clone } = await onePlugin(root, {
    prod: (repo) => `{type: git, url: "${repo.bareUrl}", ref: v2.0.0}`,
  });
  const file = await Deno.open(join(clone, "pyproject.toml"), { append: true });
  const spaces = new Uint8Array(1024 * 1024).fill(0x20);
  for (let n = 0; n < bytes; n += spaces.length) {
    await file.write(spaces.subarray(0, Math.min(spaces.length, bytes - n)));
  }
  file.close();
  await git(["commit", "--quiet", "-am", "huge"], { cwd: clone });
  await git(["tag", "v2.0.0"], { cwd: clone });
  await git(["push", "--quiet", "origin", "main", "v2.0.0"], { cwd: clone });
  return { dir, clone };
}

/** `hpm ARGS` under /usr/bin/time: its peak resident memory (of it or any child) in KiB. */
async function peakKiB(args: string[], cwd: string, env: Record<string, string>) {
  const report = join(cwd, "..", "peak.txt");
  const r = await run("/usr/bin/time", [
    "-o",
    report,
    "-f",
    "%M",
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    CLI,
    ...args,
  ], {
    cwd,
    env: { NO_COLOR: "1", ...env },
  });
  noTrace(r);
  // After "Command exited with non-zero status N", when it did.
  return { r, kib: Number((await Deno.readTextFile(report)).trim().split("\n").at(-1)) };
}

Deno.test("diff --mode prod: a release's 5 MB pyproject.toml is too large, from the dev clone and from the remote", async () => {
  await withRoot(async (root) => {
    const { dir, clone } = await hugeRelease(root, 5 * 1024 * 1024);
    const env = { HPM_CACHE_DIR: join(root, "cache") };

    const local = await hpm(["diff", "--mode", "prod"], dir, env);
    assert.equal(local.code, 2, local.stderr);
    assert.match(
      local.stderr,
      new RegExp(`error: pyproject\\.toml at v2\\.0\\.0 in ${clone} is larger than 4194304 bytes`),
    );
    noTrace(local);

    await Deno.remove(clone, { recursive: true });
    const remote = await hpm(["diff", "--mode", "prod"], dir, env);
    assert.equal(remote.code, 2, remote.stderr);
    assert.match(
      remote.stderr,
      /error: pyproject\.toml at v2\.0\.0 of file:\/\/\S+\/p\.git is larger than 4194304 bytes/,
    );
    noTrace(remote);
  });
});

// GNU time's `-f %M` measures the peak: Linux only, and only where it is installed.
const GNU_TIME = Deno.build.os === "linux" && await exists("/usr/bin/time");

Deno.test({
  name: "diff --mode prod: a release's 64 MiB pyproject.toml is refused in bounded memory",
  ignore: !GNU_TIME,
  fn: () =>
    withRoot(async (root) => {
      const small = await onePlugin(join(root, "small"));
      const { dir } = await hugeRelease(join(root, "huge"), 64 * 1024 * 1024);
      const env = { HPM_CACHE_DIR: join(root, "cache") };
      const normal = await peakKiB(["diff", "--mode", "prod"], small.dir, env);
      assert.equal(normal.r.code, 0, normal.r.stderr);
      const huge = await peakKiB(["diff", "--mode", "prod"], dir, env);
      assert.equal(huge.r.code, 2, huge.r.stderr);
      assert.ok(
        huge.kib - normal.kib < 48 * 1024,
        `peak ${huge.kib} KiB reading the huge release, ${normal.kib} KiB for a normal one`,
      );
    }),
});

Deno.test("clone --update: a partial clone is still fast-forwarded, fetching the files it lacks", async () => {
  await withRoot(async (root) => {
    const { dir, clone, bare, bareUrl } = await onePlugin(root);
    await git(["config", "uploadpack.allowFilter", "true"], { cwd: bare });
    const other = join(root, "other");
    await Deno.rename(clone, other);
    await git(["clone", "--quiet", "--filter=blob:none", bareUrl, clone], { cwd: root });
    // Pushed since: fetching it brings no file, the merge fetches NEWS.
    await writeFile(join(other, "NEWS"), "news\n");
    await git(["add", "NEWS"], { cwd: other });
    await git(["commit", "--quiet", "-m", "news"], { cwd: other });
    await git(["push", "--quiet", "origin", "main"], { cwd: other });

    const { r, by } = await update(dir);
    assert.equal(by.p.status, "updated", r.stderr);
    assert.equal(await Deno.readTextFile(join(clone, "NEWS")), "news\n");
  });
});

Deno.test("a git registry's cached checkout whose config names a command is not fetched; the cache is used", async () => {
  await withRoot(async (root) => {
    const { dir, marker } = await onePlugin(root);
    await teamRegistry(root, dir);
    const cache = join(root, "cache");
    const env = { HPM_CACHE_DIR: cache };
    const first = await hpm(["registry", "list"], dir, env);
    assert.equal(first.code, 0, first.stderr);

    const registries = join(cache, "registries");
    for await (const e of Deno.readDir(registries)) {
      if (e.isDirectory) {
        const at = join(registries, e.name);
        await git(["config", "remote.origin.uploadpack", leaves(marker)], { cwd: at });
      }
    }
    await expire(cache);
    const again = await hpm(["registry", "list"], dir, env);
    assert.equal(await exists(marker), false, "remote.origin.uploadpack ran");
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /remote\.origin\.uploadpack.*using the cached copy/);
  });
});
