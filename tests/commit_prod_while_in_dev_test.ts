/**
 * Committing in prod while working in dev: `hpm stage`, `hpm check --staged`,
 * the pre-commit hooks (the real `pre-commit` framework and `hpm init --hook`),
 * with real git, uv and a loopback package index.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildWheels,
  copyDir,
  git,
  pythonImport,
  repoRoot,
  run,
  serveIndex,
  uv,
  withRoot,
  writeFile,
} from "./_fixtures.ts";
import { devCheckoutOfProdCommit, expectOk, hpm, setCoreVersion, snapshot } from "./_project.ts";
import { pythonTool } from "./_tools.ts";

const PLUGIN = "rag4code-qdrant";

const show = async (dir: string, spec: string) => (await git(["show", spec], { cwd: dir })).stdout;
const indexState = async (dir: string) => (await git(["ls-files", "--stage"], { cwd: dir })).stdout;

/** A directory with an `hpm` launcher, for hooks that run `hpm` from PATH. */
async function hpmOnPath(root: string): Promise<Record<string, string>> {
  const bin = join(root, "bin");
  const cli = fileURLToPath(new URL("../cli.ts", import.meta.url));
  await writeFile(
    join(bin, "hpm"),
    `#!/bin/sh\nexec '${Deno.execPath()}' run -A --quiet '${cli}' "$@"\n`,
  );
  await Deno.chmod(join(bin, "hpm"), 0o755);
  return { PATH: `${bin}:${Deno.env.get("PATH")}`, NO_COLOR: "1" };
}

Deno.test("hpm stage from the committed mode's record stages what planning stages; a changed input plans", async () => {
  await withRoot(async (root) => {
    const env = { HPM_STATE_DIR: join(root, "state") };
    const { dir } = await devCheckoutOfProdCommit(root, [PLUGIN], env);
    await setCoreVersion(dir, "0.2.0"); // the user's own change, in dev

    const staged = async (expectRecord: boolean) => {
      const r = await hpm(["stage"], dir, env);
      expectOk(r, "hpm stage");
      (expectRecord ? assert.match : assert.doesNotMatch)(
        r.stderr,
        /plan comes from its last sync/,
      );
      const blobs = [await show(dir, ":pyproject.toml"), await show(dir, ":uv.lock")];
      await git(["reset", "--quiet"], { cwd: dir });
      return blobs;
    };
    const fromRecord = await staged(true);
    assert.match(fromRecord[0], /^version = "0\.2\.0"$/m);
    assert.match(fromRecord[0], /^mode = "prod"$/m);
    // Without the records, stage plans, and stages the same bytes.
    await Deno.remove(join(root, "state", "fingerprints"), { recursive: true });
    assert.deepEqual(await staged(false), fromRecord);

    // Records again; then an input of prod changes: the record no longer answers.
    expectOk(await hpm(["sync", "--mode", "prod"], dir, env), "hpm sync --mode prod");
    expectOk(await hpm(["sync"], dir, env), "hpm sync (dev)");
    assert.deepEqual(await staged(true), fromRecord);
    const entry = join(dir, "hpm-registry", "packages", `${PLUGIN}.yaml`);
    await Deno.writeTextFile(entry, `${await Deno.readTextFile(entry)}# touched by hand\n`);
    assert.deepEqual(await staged(false), fromRecord);
  });
});

Deno.test("hpm check --staged from the committed mode's record says what planning says", async () => {
  await withRoot(async (root) => {
    const env = { HPM_STATE_DIR: join(root, "state") };
    const { dir } = await devCheckoutOfProdCommit(root, [PLUGIN], env);
    await setCoreVersion(dir, "0.2.0");
    // The same check with no record to answer from: planned.
    const same = async (what: string) => {
      const fromRecord = await hpm(["check", "--staged"], dir, env);
      const planned = await hpm(["check", "--staged"], dir, {
        HPM_STATE_DIR: await Deno.makeTempDir({ dir: root }),
      });
      assert.deepEqual(
        [fromRecord.code, fromRecord.stdout, fromRecord.stderr],
        [planned.code, planned.stdout, planned.stderr],
        what,
      );
      return fromRecord;
    };
    assert.equal((await same("HEAD's prod form in the index")).code, 0);
    await git(["add", "pyproject.toml", "uv.lock"], { cwd: dir });
    const dev = await same("dev staged by git add");
    assert.equal(dev.code, 1);
    assert.match(dev.stdout, /installs `rag4code-qdrant` from a local path/);
    // The record holds: stage says so, and the check reads the same record.
    const staged = await hpm(["stage"], dir, env);
    expectOk(staged, "hpm stage");
    assert.match(staged.stderr, /plan comes from its last sync/);
    assert.equal((await same("staged by hpm stage")).code, 0);
    // A staged pyproject.toml that is not TOML: the same error, in the same words.
    await writeFile(join(root, "bad.toml"), "[project\n");
    const blob = (await git(["hash-object", "-w", join(root, "bad.toml")], { cwd: dir })).stdout;
    await git(["update-index", "--cacheinfo", `100644,${blob.trim()},pyproject.toml`], {
      cwd: dir,
    });
    assert.equal((await same("a broken staged pyproject.toml")).code, 2);
    await git(["update-index", "--force-remove", "pyproject.toml"], { cwd: dir });
    await same("no pyproject.toml in the index");
  });
});

Deno.test("a dev form committed by `git commit -a`: CI's hpm check names `hpm stage && git commit`", async () => {
  await withRoot(async (root) => {
    const env = { HPM_STATE_DIR: join(root, "state") };
    const { dir } = await devCheckoutOfProdCommit(root, [PLUGIN], env);
    // (The fixture's .gitignore keeps out every packages/, the registry's too.)
    await git(["add", "-f", "hpm-registry"], { cwd: dir });
    await git(["commit", "--quiet", "-a", "-m", "oops: the dev form"], { cwd: dir });
    // CI: a fresh clone, no plugin clones.
    const ci = join(root, "ci");
    await git(["clone", "--quiet", dir, ci], { cwd: root });
    for (
      const args of [["check", "--mode", "prod"], ["check", "--mode", "prod", "--pyproject-only"]]
    ) {
      const r = await hpm(args, ci, env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /error: pyproject\.toml is in mode dev, not the checked mode prod/);
      assert.match(
        r.stderr,
        /hint: to commit mode prod's form, run `hpm stage && git commit` where the dev form was committed/,
      );
    }
    // A mode that is not the committed one is only ever synced.
    const staging = await hpm(["check", "--mode", "dev", "--pyproject-only"], dir, env);
    assert.equal(staging.code, 0, staging.stderr);
  });
});

Deno.test("hpm stage: a dependency added in dev is committed in prod form; working tree and .venv untouched", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await devCheckoutOfProdCommit(root, [PLUGIN]);
    const clone = plugins[PLUGIN].clone;
    const wheels = await buildWheels(root, {
      name: "tinydep",
      version: "1.0.0",
      module: "tinydep",
      body: 'VERSION = "1.0.0"\n',
    });
    const index = await serveIndex(wheels);
    try {
      await uv(["add", "--quiet", "tinydep", "--index", `local=${index.url}`], { cwd: dir });
      assert.ok((await pythonImport(dir, "rag4code_qdrant")).file.startsWith(clone));

      // A plain `git add` would commit dev: the guard says so.
      await git(["add", "pyproject.toml", "uv.lock"], { cwd: dir });
      const dirty = await hpm(["check", "--staged"], dir);
      assert.equal(dirty.code, 1, dirty.stderr);
      assert.match(dirty.stdout, /installs `rag4code-qdrant` from a local path/);
      assert.match(dirty.stderr, /run `hpm stage`/);

      const before = await snapshot(dir, ["pyproject.toml", "uv.lock"]);
      const staged = await hpm(["stage"], dir);
      expectOk(staged, "hpm stage");
      assert.match(staged.stderr, /mode prod \(from default\): staged pyproject\.toml, uv\.lock/);
      // prod was synced before, and none of its inputs changed since.
      assert.match(staged.stderr, /mode prod's plan comes from its last sync/);
      assert.match(staged.stderr, /resolving mode prod in a scratch copy from uv's cache/);
      assert.doesNotMatch(staged.stderr, /resolving online/, "uv's cache was enough");
      expectOk(await hpm(["check", "--staged"], dir), "hpm check --staged after hpm stage");

      const cached = (await git(["diff", "--cached"], { cwd: dir })).stdout;
      assert.match(cached, /^\+.*"tinydep>=1\.0\.0"/m, "the user's change is staged");
      assert.doesNotMatch(
        cached,
        /^[+-](?![+-]).*(packages\/rag4code-qdrant|editable|mode = )/m,
        "nothing of dev is",
      );
      await git(["commit", "--quiet", "-m", "add tinydep"], { cwd: dir });

      const committed = await show(dir, "HEAD:pyproject.toml");
      assert.match(committed, /"tinydep>=1\.0\.0"/);
      assert.match(committed, /rag4code-qdrant = \{ git = "file:\/\/[^"]+", rev = "v1\.0\.0" \}/);
      assert.match(committed, /^mode = "prod"$/m);

      assert.deepEqual(await snapshot(dir, ["pyproject.toml", "uv.lock"]), before);
      const imported = await pythonImport(dir, "rag4code_qdrant");
      assert.ok(imported.file.startsWith(clone), "the plugin still imports from its clone");
      assert.equal((await pythonImport(dir, "tinydep")).value, "1.0.0");

      // The committed lock is the one a real prod sync makes.
      const copy = join(root, "copy");
      await copyDir(dir, copy);
      expectOk(await hpm(["sync", "--mode", "prod"], copy), "hpm sync --mode prod in a copy");
      assert.equal(await show(dir, "HEAD:uv.lock"), await Deno.readTextFile(join(copy, "uv.lock")));

      const status = await hpm(["status"], dir);
      expectOk(status, "hpm status");
      assert.match(
        status.stdout,
        /^git: working tree dev, index not staged, HEAD prod; commit mode prod$/m,
      );
    } finally {
      await index.close();
    }
  });
});

// The hooks find `hpm` on PATH as a shell script.
Deno.test({
  name:
    "pre-commit's hpm-check hook and `hpm init --hook` block a dev-form commit and pass the staged prod form",
  ignore: Deno.build.os === "windows",
}, async () => {
  await withRoot(async (root) => {
    const { dir } = await devCheckoutOfProdCommit(root, [PLUGIN]);
    const env = { ...(await hpmOnPath(root)), PRE_COMMIT_HOME: join(root, "pre-commit-home") };
    const preCommit = await pythonTool("pre-commit");
    const head = async () => (await git(["rev-parse", "HEAD"], { cwd: dir })).stdout;
    const commit = () =>
      run("git", ["-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "change"], {
        cwd: dir,
        env,
      });
    const tryRepo = () => run(preCommit, ["try-repo", repoRoot(), "hpm-check"], { cwd: dir, env });

    const text = await Deno.readTextFile(join(dir, "pyproject.toml"));
    await Deno.writeTextFile(join(dir, "pyproject.toml"), text.replace("0.1.0", "0.2.0"));
    await git(["add", "pyproject.toml"], { cwd: dir });

    let r = await tryRepo();
    assert.notEqual(r.code, 0, `pre-commit passed a dev-form index:\n${r.stdout}`);
    assert.match(r.stdout, /run `hpm stage`/);

    expectOk(await hpm(["init", "--hook"], dir), "hpm init --hook");
    const first = await head();
    r = await commit();
    assert.notEqual(r.code, 0, "the hook blocked the commit");
    assert.equal(await head(), first);

    // The global flags and stage's own, in the other spellings the plain reading takes.
    expectOk(await hpm(["-q", "stage", "--mode=prod", "--project", dir], root), "hpm stage");
    r = await tryRepo();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await commit();
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(await head(), first);
    assert.match(await show(dir, "HEAD:pyproject.toml"), /version = "0\.2\.0"[^]*mode = "prod"/);
  });
});

Deno.test("hpm stage refuses, staging nothing: conflicts, a merge in progress, a lock that does not resolve", async () => {
  await withRoot(async (root) => {
    const { dir } = await devCheckoutOfProdCommit(root, [PLUGIN]);
    const refuse = async (what: string, pattern: RegExp) => {
      const index = await indexState(dir);
      const r = await hpm(["stage"], dir);
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.match(r.stderr, pattern, what);
      assert.equal(await indexState(dir), index, `${what}: the index is unchanged`);
    };

    const pyproject = join(dir, "pyproject.toml");
    const dev = await Deno.readTextFile(pyproject);
    await Deno.writeTextFile(
      pyproject,
      dev.replace("dependencies = []", 'dependencies = ["ghost @ file:///nonexistent/ghost"]'),
    );
    await refuse("unresolvable", /mode prod does not resolve[^]*ghost/);
    await Deno.writeTextFile(pyproject, dev);

    // `hpm stage` skips the argument parser only for the spellings it reads
    // itself; a misspelled flag still gets the parser's answer.
    const typo = await hpm(["stage", "--ofline"], dir);
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stderr, /unknown option '--ofline'/);

    await git(["checkout", "--quiet", "-b", "other"], { cwd: dir });
    await writeFile(join(dir, "notes.txt"), "other\n");
    await git(["add", "notes.txt"], { cwd: dir });
    await git(["commit", "--quiet", "-m", "other"], { cwd: dir });
    await git(["checkout", "--quiet", "main"], { cwd: dir });
    await writeFile(join(dir, "notes.txt"), "main\n");
    await git(["add", "notes.txt"], { cwd: dir });
    await git(["commit", "--quiet", "-m", "main"], { cwd: dir });
    const merge = await run("git", ["merge", "other"], { cwd: dir });
    assert.notEqual(merge.code, 0, "the merge conflicts");
    await refuse("conflict", /unresolved conflicts \(notes\.txt\)/);

    await writeFile(join(dir, "notes.txt"), "both\n");
    await git(["add", "notes.txt"], { cwd: dir });
    await refuse("merge in progress", /a merge is in progress/);
  });
});
