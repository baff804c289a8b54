import assert from "node:assert/strict";
import { join } from "node:path";
import { withProjectLock } from "./project_mutex.ts";
import { tempTree } from "../_testing.ts";

Deno.test("withProjectLock: one holder at a time, named in the wait; the lock file is the user's", async () => {
  const dir = await tempTree("hpm-unit-", { "hpm.yaml": "groups: {}\n" });
  const state = await Deno.makeTempDir({ prefix: "hpm-state-" });
  const env = { HPM_STATE_DIR: state };
  try {
    const said: string[] = [];
    const inner = await withProjectLock(dir, async () => {
      // A second holder (another open file, as another process has) waits, then gives up.
      await assert.rejects(
        withProjectLock(dir, () => Promise.resolve("never"), {
          env,
          timeoutMs: 300,
          log: (m) => said.push(m),
        }),
        new RegExp(`another hpm run \\(process ${Deno.pid}\\) holds the project lock`),
      );
      return "done";
    }, { env });
    assert.equal(inner, "done");
    assert.deepEqual(said, [`waiting for another hpm run (process ${Deno.pid}) to finish…`]);
    // Released: the next run takes it at once.
    assert.equal(await withProjectLock(dir, () => Promise.resolve(1), { env }), 1);
    // Nothing in the project; one file in the user's state folder.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["hpm.yaml"]);
    const locks = [...Deno.readDirSync(join(state, "locks"))].map((e) => e.name);
    assert.deepEqual(locks, [`${encodeURIComponent(Deno.realPathSync(dir))}.lock`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("withProjectLock: a lock file that is a link is refused, its target untouched", async () => {
  const dir = await tempTree("hpm-unit-", { "hpm.yaml": "groups: {}\n", "target.txt": "keep\n" });
  const state = await Deno.makeTempDir({ prefix: "hpm-state-" });
  const env = { HPM_STATE_DIR: state };
  try {
    await Deno.mkdir(join(state, "locks"), { mode: 0o700 });
    const name = `${encodeURIComponent(Deno.realPathSync(dir))}.lock`;
    await Deno.symlink(join(dir, "target.txt"), join(state, "locks", name));
    await assert.rejects(
      withProjectLock(dir, () => Promise.resolve(), { env }),
      /is a symbolic link/,
    );
    assert.equal(await Deno.readTextFile(join(dir, "target.txt")), "keep\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("withProjectLock: a relative state folder is refused, nothing created", async () => {
  const dir = await tempTree("hpm-unit-", { "hpm.yaml": "groups: {}\n" });
  try {
    await assert.rejects(
      withProjectLock(dir, () => Promise.resolve(), {
        env: { HPM_STATE_DIR: "state" },
      }),
      /no absolute folder for hpm's per-user state \(project locks, fingerprints, journals\): state is relative/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["hpm.yaml"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withProjectLock: a Deno without a lock that does not wait is told to upgrade", async () => {
  const dir = await tempTree("hpm-unit-", { "hpm.yaml": "groups: {}\n" });
  const state = await Deno.makeTempDir({ prefix: "hpm-state-" });
  const proto = Deno.FsFile.prototype as { tryLockSync?: unknown };
  const tryLockSync = proto.tryLockSync;
  try {
    // What Deno before 2.7 lacks.
    delete proto.tryLockSync;
    await assert.rejects(
      withProjectLock(dir, () => Promise.resolve(), { env: { HPM_STATE_DIR: state } }),
      /cannot take the project lock/,
    );
  } finally {
    proto.tryLockSync = tryLockSync;
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("withProjectLock: a run that waited writes its process id over the holder's, not after it", async () => {
  const dir = await tempTree("hpm-unit-", { "hpm.yaml": "groups: {}\n" });
  const state = await Deno.makeTempDir({ prefix: "hpm-state-" });
  const env = { HPM_STATE_DIR: state };
  try {
    const lockFile = join(state, "locks", `${encodeURIComponent(Deno.realPathSync(dir))}.lock`);
    let second: Promise<string> | undefined;
    await withProjectLock(dir, async () => {
      // It waits (reading the holder's id to name it), and takes the lock once this one ends.
      second = withProjectLock(dir, () => Deno.readTextFile(lockFile), { env, timeoutMs: 5000 });
      await new Promise((r) => setTimeout(r, 300));
    }, { env });
    assert.equal(await second, `${Deno.pid}`.padEnd(20) + "\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});
