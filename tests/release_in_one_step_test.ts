/**
 * `hpm release` with a plugin cloned in a core repository, its bare remote
 * on disk (file://), a local registry and real uv: the refusals (a dirty
 * clone, commits not on the remote, a tag that exists) change nothing;
 * `--dry-run` says the steps; a dynamic version is only tagged; a release
 * whose `--test` fails un-pins the registry and leaves the pushed tag; the
 * happy path ends with the core's committed form staged at the new tag.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, run } from "./_fixtures.ts";
import { devCheckoutOfProdCommit, expectOk, hpm, snapshot } from "./_project.ts";

Deno.test("hpm release: refusals, --dry-run, a failing test un-pins, then a release staged", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "hpm-release-" });
  try {
    const { dir, plugins } = await devCheckoutOfProdCommit(root, ["plug-q"]);
    const clone = plugins["plug-q"].clone;
    const entry = "hpm-registry/packages/plug-q.yaml";
    const tagsOnRemote = async () =>
      (await git(["ls-remote", "--tags", plugins["plug-q"].bareUrl], { cwd: root })).stdout
        .split("\n").filter((l) => l && !l.endsWith("^{}")).map((l) => l.split("refs/tags/")[1]);
    const unchanged = async (what: () => Promise<unknown>) => {
      const files = [entry, "pyproject.toml", "packages/plug-q/pyproject.toml"];
      const before = await snapshot(dir, files);
      const head = (await git(["rev-parse", "HEAD"], { cwd: clone })).stdout;
      await what();
      assert.deepEqual(await snapshot(dir, files), before);
      assert.equal((await git(["rev-parse", "HEAD"], { cwd: clone })).stdout, head);
      assert.deepEqual(await tagsOnRemote(), ["v1.0.0"]);
    };

    await t.step("a dirty clone is refused", async () => {
      await Deno.writeTextFile(join(clone, "wip.py"), "x = 1\n");
      await unchanged(async () => {
        const r = await hpm(["release", "plug-q", "--bump", "minor"], dir);
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          /refusing to release `plug-q`: its clone at packages\/plug-q has 1 uncommitted change; nothing was changed/,
        );
      });
      await Deno.remove(join(clone, "wip.py"));
    });

    await t.step("commits not on the remote are refused", async () => {
      await git(["commit", "--quiet", "--allow-empty", "-m", "local work"], { cwd: clone });
      const r = await hpm(["release", "plug-q", "--bump", "minor"], dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /1 commit of main is not on origin/);
      assert.match(r.stderr, /hint: push it/);
      await git(["push", "--quiet", "origin", "main"], { cwd: clone });
    });

    await t.step(
      "a branch that tracks no remote branch is refused, the hint names it",
      async () => {
        await git(["switch", "--quiet", "-c", "topic"], { cwd: clone });
        await unchanged(async () => {
          const r = await hpm(["release", "plug-q", "--bump", "minor"], dir);
          assert.equal(r.code, 1, r.stderr);
          assert.match(r.stderr, /is not on a branch that tracks a remote branch/);
          assert.match(r.stderr, /hint: .*`git -C packages\/plug-q push -u origin topic`/);
        });
        await git(["switch", "--quiet", "main"], { cwd: clone });
        await git(["branch", "--quiet", "-D", "topic"], { cwd: clone });
      },
    );

    await t.step("a tag that exists is refused; bad versions are usage errors", async () => {
      await unchanged(async () => {
        const r = await hpm(["release", "plug-q", "1.0.0"], dir);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /the tag v1\.0\.0 exists on origin/);
        assert.equal((await hpm(["release", "plug-q", "v1.1"], dir)).code, 2);
        assert.equal((await hpm(["release", "plug-q"], dir)).code, 2);
        assert.equal((await hpm(["release", "plug-q", "1.1.0", "--bump", "patch"], dir)).code, 2);
      });
    });

    await t.step("--dry-run: the steps, nothing changed", async () => {
      await unchanged(async () => {
        const r = await hpm([
          "release",
          "plug-q",
          "--bump",
          "minor",
          "--dry-run",
          "--test",
          "pytest -q",
        ], dir);
        expectOk(r, "hpm release --dry-run");
        assert.deepEqual(r.stdout.trimEnd().split("\n"), [
          "would commit: version 1.1.0 in packages/plug-q/pyproject.toml",
          "would tag: v1.1.0 at main's head in packages/plug-q",
          "would push: main and v1.1.0 to origin",
          "would pin: hpm-registry/packages/plug-q.yaml: prod ref → v1.1.0",
          "would verify: mode prod resolves and `pytest -q` passes there",
          "would stage: the core's pyproject.toml and uv.lock in its committed mode",
        ]);
      });
    });

    await t.step("a dynamic version is only tagged", async () => {
      const file = join(clone, "pyproject.toml");
      const text = await Deno.readTextFile(file);
      await Deno.writeTextFile(file, text.replace(/^version = .*$/m, 'dynamic = ["version"]'));
      await git(["commit", "--quiet", "-am", "dynamic version"], { cwd: clone });
      const r = await hpm(["release", "plug-q", "--bump", "patch", "--dry-run"], dir);
      assert.equal(r.code, 1, r.stderr); // the commit is not pushed yet
      await git(["push", "--quiet", "origin", "main"], { cwd: clone });
      const dry = await hpm(["release", "plug-q", "--bump", "patch", "--dry-run"], dir);
      expectOk(dry, "hpm release --dry-run (dynamic)");
      assert.match(
        dry.stdout,
        /^would version: dynamic in packages\/plug-q\/pyproject\.toml, so only tagged\nwould tag: v1\.0\.1 /,
      );
      // Back to a static version, as pushed work.
      await Deno.writeTextFile(file, text);
      await git(["commit", "--quiet", "-am", "static version"], { cwd: clone });
      await git(["push", "--quiet", "origin", "main"], { cwd: clone });
    });

    await t.step("tagging fails: the version commit is taken back, nothing else done", async () => {
      // Another git process holding the tag's ref, as git sees it.
      const lock = join(clone, ".git", "refs", "tags", "v1.1.0.lock");
      await Deno.writeTextFile(lock, "");
      await unchanged(async () => {
        const r = await hpm(["release", "plug-q", "--bump", "minor"], dir);
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          /error: release of `plug-q` stopped: tagging v1\.1\.0 failed \(.*v1\.1\.0\.lock.*\); nothing was pushed, the version commit was taken back/,
        );
        assert.match(r.stderr, /hint: fix what git says, then run `hpm release` again/);
        assert.equal(
          (await git(["tag", "--list", "v1.1.0"], { cwd: clone })).stdout.trim(),
          "",
        );
      });
      await Deno.remove(lock);
    });

    const registryBefore = await Deno.readTextFile(join(dir, entry));

    await t.step("a test that fails in prod: the pin is undone, the pushed tag stays", async () => {
      const r = await hpm(
        ["release", "plug-q", "--bump", "minor", "--test", "python -c 'raise SystemExit(3)'"],
        dir,
      );
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.split("\n").filter((l) => l.startsWith("hpm: "));
      assert.deepEqual(lines.filter((l) => !/…$/.test(l)), [
        "hpm: committed version 1.1.0 (packages/plug-q/pyproject.toml) as " + lines[0].slice(-10),
        "hpm: tagged v1.1.0",
        "hpm: pushed main and v1.1.0 to origin",
        "hpm: pinned hpm-registry/packages/plug-q.yaml: v1.0.0 → v1.1.0",
      ]);
      assert.match(r.stderr, /error: v1\.1\.0 of `plug-q` does not pass: .*exit 3/);
      assert.match(
        r.stderr,
        /the pin was undone; v1\.1\.0 stays pushed to origin \(hpm never deletes a pushed tag\)/,
      );
      assert.match(r.stderr, /hint: .*git -C packages\/plug-q push --delete origin v1\.1\.0/);
      assert.equal(await Deno.readTextFile(join(dir, entry)), registryBefore);
      assert.deepEqual(await tagsOnRemote(), ["v1.0.0", "v1.1.0"]);
    });

    await t.step(
      "the happy path: pushed, pinned, verified with --test, the core staged",
      async () => {
        const check = "import importlib.metadata as m; assert m.version('plug-q') == '1.2.0'";
        const r = await hpm([
          "release",
          "plug-q",
          "--bump",
          "minor",
          "--test",
          `python -c "${check}"`,
        ], dir);
        expectOk(r, "hpm release");
        assert.match(r.stderr, /hpm: tagged v1\.2\.0\n/);
        assert.match(
          r.stderr,
          /hpm: verified: mode prod resolves \(\d+ packages locked\) and `python -c .*` passes there\n/,
        );
        assert.match(
          r.stderr,
          /hpm: staged pyproject\.toml, uv\.lock in mode prod: commit the core to use v1\.2\.0\n/,
        );
        assert.equal(
          await Deno.readTextFile(join(dir, entry)),
          registryBefore.replace("ref: v1.0.0", "ref: v1.2.0"),
        );
        assert.deepEqual(await tagsOnRemote(), ["v1.0.0", "v1.1.0", "v1.2.0"]);
        const pushed = await git(["show", "origin/main:pyproject.toml"], { cwd: clone });
        assert.match(pushed.stdout, /^version = "1\.2\.0"$/m);
        // The core's index holds prod at the new tag; its working tree is still dev.
        const staged = await git(["show", ":pyproject.toml"], { cwd: dir });
        assert.match(staged.stdout, /plug-q = \{ git = "file:.*", rev = "v1\.2\.0" \}/);
        assert.match((await git(["show", ":uv.lock"], { cwd: dir })).stdout, /v1\.2\.0/);
        assert.match(
          await Deno.readTextFile(join(dir, "pyproject.toml")),
          /path = "packages\/plug-q"/,
        );
        const check2 = await hpm(["check", "--staged"], dir);
        expectOk(check2, "hpm check --staged");
      },
    );
  } finally {
    await run("chmod", ["-R", "u+w", root], { cwd: "/" });
    await Deno.remove(root, { recursive: true });
  }
});
