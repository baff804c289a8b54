import assert from "node:assert/strict";
import { join } from "node:path";
import { stillHolds, takeFingerprint } from "./fingerprint.ts";
import { PlanInputs } from "./plan_inputs.ts";
import { AFTER, here, inputs, planned, stored } from "./_testing.ts";
import { tempTree } from "../_testing.ts";

Deno.test("an absent input is seen appearing, in a folder listed or in one that was missing", async () => {
  const dir = await tempTree("hpm-unit-", {
    "hpm.yaml": "groups: {}\n",
    "pyproject.toml": AFTER,
    "reg/a.yaml": "",
    "git/refs/tags/v2": "2\n",
  });
  try {
    // Change times come in whole seconds: only those of an earlier second
    // than the sync vouch for what they stat.
    await new Promise((r) => setTimeout(r, 1050 - Date.now() % 1000));
    // Ref files as a prod record reads them: one there, the others absent,
    // one of them in a folder that does not exist.
    const names = [
      "git/refs/tags/v1",
      "git/refs/tags/v2",
      "git/refs/v1",
      "git/refs/remotes/v1/HEAD",
    ];
    const refs = names.map((f) => join(dir, f));
    const record = await takeFingerprint(inputs(dir, Date.now(), planned(dir, names)));
    assert.ok(record);
    assert.deepEqual(
      record.inputs.filter((i) => i.sha256 === null).map((i) => i.path),
      [refs[0], refs[2], refs[3]],
    );
    // An absent file is vouched for by the nearest folder above it that exists.
    assert.deepEqual(record.inputs.slice(0, 4).map((i) => i.seen?.at), [
      join(dir, "git", "refs", "tags"),
      refs[1],
      join(dir, "git", "refs"),
      join(dir, "git", "refs"),
    ]);
    const fp = stored(record);
    assert.ok(await stillHolds(fp, here(dir)));
    for (const [i, file] of [0, 2, 3].map((i) => [i, refs[i]] as const)) {
      await Deno.mkdir(join(file, ".."), { recursive: true });
      await Deno.writeTextFile(file, "1\n");
      assert.equal(await stillHolds(fp, here(dir)), undefined, `ref ${i} appeared`);
      await Deno.remove(file);
      assert.ok(await stillHolds(fp, here(dir)), `ref ${i} gone again`);
    }
    // Another name's case: a different file on this file system.
    await Deno.writeTextFile(join(dir, "git", "refs", "tags", "V1"), "1\n");
    assert.ok(await stillHolds(fp, here(dir)));
    // Rewritten in place, same size, its modification time put back: the
    // change time still moves.
    const { mtime } = await Deno.stat(refs[1]);
    await Deno.writeTextFile(refs[1], "3\n");
    await Deno.utime(refs[1], mtime!, mtime!);
    assert.equal(await stillHolds(fp, here(dir)), undefined, "ref 1 rewritten");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// A project's files in a new temporary folder, removed afterwards.
async function inTree(files: Record<string, string>, fn: (dir: string) => Promise<void>) {
  const dir = await tempTree("hpm-unit-", files);
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const PROJECT = { "hpm.yaml": "groups: {}\n", "pyproject.toml": AFTER, "reg/a.yaml": "" };

Deno.test("an input changed after planning read it: the record holds what was read, and does not answer", () =>
  inTree(PROJECT, async (dir) => {
    // Settled long before the sync: its stat would vouch, had it not changed.
    await new Promise((r) => setTimeout(r, 1050 - Date.now() % 1000));
    const startedAt = Date.now();
    const seen = planned(dir);
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {x: {options: []}}\n");
    const record = await takeFingerprint(inputs(dir, startedAt, seen));
    assert.ok(record);
    const yaml = record.inputs.find((i) => i.path.endsWith("hpm.yaml"))!;
    assert.equal(yaml.seen, null, "a stat taken after a change in the run does not vouch");
    assert.equal(await stillHolds(stored(record), here(dir)), undefined);
    // The bytes planning read, back again: content decides.
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {}\n");
    assert.ok(await stillHolds(stored(record), here(dir)));
  }));

Deno.test("files written within the sync's first milliseconds, or dated in the future, are recorded", () =>
  inTree(PROJECT, async (dir) => {
    const future = new Date(Date.now() + 3_600_000);
    await Deno.utime(join(dir, "hpm.yaml"), future, future);
    const record = await takeFingerprint(inputs(dir, Date.now()));
    assert.ok(record);
    assert.ok(await stillHolds(stored(record), here(dir)));
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {y: {options: []}}\n");
    assert.equal(await stillHolds(stored(record), here(dir)), undefined);
  }));

Deno.test("a linked input is read back inside the root planning confined it to", async () => {
  const dir = await tempTree("hpm-unit-", {
    "hpm.yaml": "groups: {}\n",
    "pyproject.toml": AFTER,
    "reg/entries/a.yaml": "name: a\n",
  });
  try {
    await Deno.symlink("entries/a.yaml", join(dir, "reg", "a.yaml"));
    const seen = new PlanInputs();
    seen.read(join(dir, "reg", "a.yaml"), { root: join(dir, "reg") }, 1024);
    const record = await takeFingerprint(inputs(dir, Date.now(), seen));
    assert.ok(record);
    assert.ok(await stillHolds(stored(record), here(dir)));
    await Deno.writeTextFile(join(dir, "reg", "entries", "a.yaml"), "name: a\n# 2.0\n");
    assert.equal(
      await stillHolds(stored(record), here(dir)),
      undefined,
      "the link's target changed",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
