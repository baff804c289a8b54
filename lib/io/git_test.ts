import assert from "node:assert/strict";
import { join } from "node:path";
import { CommandFailedError } from "../core/errors.ts";
import { cloneState, commitsAfter, fileAtRef, gitPush, refFiles, remoteFileAtRef } from "./git.ts";
import { denoRunner } from "./runner.ts";
import { gitAt } from "../_testing.ts";

Deno.test("refFiles(): the files git reads for a plain name; undefined when files alone do not tell", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  try {
    const git = join(dir, ".git");
    await Deno.mkdir(join(git, "refs", "tags"), { recursive: true });
    const at = (...p: string[]) => join(git, ...p);
    assert.deepEqual(refFiles(dir, "v1.2.0"), [
      at("config"),
      at("packed-refs"),
      at("v1.2.0"),
      at("refs", "v1.2.0"),
      at("refs", "tags", "v1.2.0"),
      at("refs", "heads", "v1.2.0"),
      at("refs", "remotes", "v1.2.0"),
      at("refs", "remotes", "v1.2.0", "HEAD"),
    ]);
    // A full commit id names the same object for ever.
    assert.deepEqual(refFiles(dir, "a".repeat(40)), [at("config"), at("packed-refs")]);
    for (const ref of ["abc1234", "v1.0-3-gabc1234", "HEAD~1", "v1^{}", "a..b", "x/", "-x", "@"]) {
      assert.equal(refFiles(dir, ref), undefined, ref);
    }
    // A symbolic ref leads elsewhere.
    await Deno.writeTextFile(at("refs", "tags", "v1"), "ref: refs/heads/main\n");
    assert.equal(refFiles(dir, "v1"), undefined);
    await Deno.writeTextFile(at("refs", "tags", "v1"), `${"b".repeat(40)}\n`);
    assert.ok(refFiles(dir, "v1"));
    // Refs in a reftable are not files.
    await Deno.mkdir(at("reftable"));
    assert.equal(refFiles(dir, "v1"), undefined);
    // A linked worktree's `.git` is a file naming a folder elsewhere.
    await Deno.remove(git, { recursive: true });
    await Deno.writeTextFile(git, "gitdir: /elsewhere\n");
    assert.equal(refFiles(dir, "v1"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cloneState() and commitsAfter() with real git: branch, changes, detached at a tag, commits after a release", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const git = gitAt(dir);
  try {
    await git("init", "-q", "-b", "main");
    await Deno.writeTextFile(join(dir, "a.py"), "A = 1\n");
    await git("add", "a.py");
    await git("commit", "-q", "-m", "one");
    await git("tag", "-a", "v1.0.0", "-m", "v1.0.0");
    assert.deepEqual(await cloneState(denoRunner, dir), {
      branch: "main",
      detachedAt: undefined,
      dirty: false,
      changedPaths: 0,
    });
    await Deno.writeTextFile(join(dir, "a.py"), "A = 2\n");
    await Deno.writeTextFile(join(dir, "new file.py"), "");
    assert.deepEqual(await cloneState(denoRunner, dir), {
      branch: "main",
      detachedAt: undefined,
      dirty: true,
      changedPaths: 2,
    });
    await git("commit", "-q", "-am", "two");
    assert.equal(await commitsAfter(denoRunner, dir, "v1.0.0"), 1);
    assert.equal(await commitsAfter(denoRunner, dir, "v9"), undefined, "no such ref");
    await git("checkout", "-q", "v1.0.0");
    const detached = await cloneState(denoRunner, dir);
    assert.equal(detached.branch, undefined);
    assert.equal(detached.detachedAt, "v1.0.0");
    assert.equal(detached.changedPaths, 1, "the untracked file");
    assert.equal(await commitsAfter(denoRunner, dir, "v1.0.0"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cloneState(): commits not pushed, from the same git status, only when an upstream exists", () =>
  inTempDir(async (dir) => {
    const remote = join(dir, "remote.git");
    const clone = join(dir, "clone");
    await gitAt(dir)("init", "-q", "--bare", "-b", "main", remote);
    await gitAt(dir)("clone", "-q", remote, clone);
    const git = gitAt(clone);
    await git("checkout", "-q", "-b", "main");
    await Deno.writeTextFile(join(clone, "a.py"), "A = 1\n");
    await git("add", "a.py");
    await git("commit", "-q", "-m", "one");
    assert.equal((await cloneState(denoRunner, clone)).notPushed, undefined, "no upstream yet");
    await git("push", "-q", "-u", "origin", "main");
    assert.equal((await cloneState(denoRunner, clone)).notPushed, 0);
    await git("commit", "-q", "--allow-empty", "-m", "two");
    await git("commit", "-q", "--allow-empty", "-m", "three");
    assert.equal((await cloneState(denoRunner, clone)).notPushed, 2);
  }));

Deno.test("gitPush(): refused when the clone's own config names a receive-pack command, which never runs", () =>
  inTempDir(async (dir) => {
    const remote = join(dir, "remote.git");
    const clone = join(dir, "clone");
    const marker = join(dir, "pwned");
    await gitAt(dir)("init", "-q", "--bare", remote);
    await gitAt(dir)("clone", "-q", remote, clone);
    const git = gitAt(clone);
    await git("commit", "-q", "--allow-empty", "-m", "one");
    await git("config", "remote.origin.receivepack", `touch '${marker}'; git-receive-pack`);
    await assert.rejects(
      () => gitPush(denoRunner, clone, "origin", ["HEAD:refs/heads/main"]),
      (e) =>
        e instanceof CommandFailedError &&
        /refusing to reach a remote .* sets remote\.origin\.receivepack \(/.test(e.stderrTail),
    );
    assert.throws(() => Deno.lstatSync(marker), Deno.errors.NotFound, "the command never ran");
  }));

Deno.test("remoteFileAtRef(): two refs of one remote read at once, into one cache repository, each get their own file", () =>
  inTempDir(async (dir) => {
    const work = join(dir, "plugins");
    const git = gitAt(work);
    await Deno.mkdir(work);
    await git("init", "-q", "-b", "main");
    for (const version of ["1", "2", "3"]) {
      await Deno.writeTextFile(join(work, "a.txt"), `a ${version}\n`);
      await Deno.writeTextFile(join(work, "b.txt"), `b ${version}\n`);
      await git("add", "-A");
      await git("commit", "-q", "-m", version);
      await git("tag", `v${version}`);
    }
    const cache = join(dir, "cache");
    await Deno.mkdir(cache);
    const url = `file://${work}`;
    const read = (ref: string, path: string, keep = true) =>
      remoteFileAtRef(denoRunner, cache, url, ref, path, 30_000, 1024, keep);
    for (let round = 0; round < 4; round++) {
      assert.deepEqual(
        await Promise.all([
          read("v1", "a.txt"),
          read("v2", "b.txt"),
          read("main", "b.txt", false),
          read("v3", "a.txt"),
        ]),
        [{ text: "a 1\n" }, { text: "b 2\n" }, { text: "b 3\n" }, { text: "a 3\n" }],
        `round ${round}`,
      );
      for (const version of ["1", "2", "3"]) {
        assert.equal(
          await fileAtRef(denoRunner, cache, `v${version}`, "b.txt", 1024),
          `b ${version}\n`,
          "each ref kept as the tag of its own commit",
        );
      }
    }
    assert.equal(await gitAt(cache)("for-each-ref", "refs/hpm"), "", "no ref of a fetch is left");
  }));

async function inTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
