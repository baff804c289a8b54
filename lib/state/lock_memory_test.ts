import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type ModeRecord,
  readFingerprint,
  recordKey,
  stateKey,
  stillHolds,
  writeFingerprint,
} from "./fingerprint.ts";
import { lockNow, readLockCopy, rememberLock } from "./lock_memory.ts";
import { BEFORE, here, recorded } from "./_testing.ts";

// A project synced into dev, with a uv.lock, and where the user's state is.
async function withRecord(
  fn: (dir: string, record: ModeRecord, env: Record<string, string>) => Promise<void>,
): Promise<void> {
  const { dir, record } = await recorded({
    "hpm.yaml": "",
    "pyproject.toml": BEFORE,
    "reg/a.yaml": "",
    "uv.lock": "version = 1\n# prod\n",
  });
  try {
    await fn(dir, record, { HPM_STATE_DIR: join(dir, "user-state") });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a mode's uv.lock is kept beside its record, and given back only while its hash matches", async () => {
  await withRecord(async (dir, record, env) => {
    const now = await lockNow(dir, null);
    assert.ok(now);
    assert.deepEqual(now.lock.before, null);
    await writeFingerprint(dir, "dev", { ...record, lock: now.lock }, env, now.bytes);
    const folder = join(dir, "user-state", "fingerprints");
    const copy = join(folder, `${encodeURIComponent(Deno.realPathSync(dir))}.dev.uv.lock`);
    assert.equal(await Deno.readTextFile(copy), "version = 1\n# prod\n");
    assert.deepEqual(await readLockCopy(dir, "dev", now.lock, env), now.bytes);

    // The switch carries the memory; a switch from a uv.lock that differs refreshes it.
    const answer = await stillHolds(await readFingerprint(dir, env), here(dir));
    assert.deepEqual(answer?.lock, now.lock);
    await Deno.writeTextFile(join(dir, "uv.lock"), "version = 1\n# relocked\n");
    const later = (await lockNow(dir, "0".repeat(64)))!;
    await rememberLock(dir, "dev", later, env, now.lock);
    const stored = (await readFingerprint(dir, env)) as { modes: Record<string, ModeRecord> };
    assert.deepEqual(stored.modes.dev.lock, later.lock);
    assert.equal(await Deno.readTextFile(copy), "version = 1\n# relocked\n");
    assert.equal(await readLockCopy(dir, "dev", now.lock, env), undefined, "the old hash");

    // A copy whose bytes are not the recorded ones is not given back.
    await Deno.writeTextFile(copy, "version = 1\n# tampered\n");
    assert.equal(await readLockCopy(dir, "dev", later.lock, env), undefined);
    // A copy that is a link is not followed.
    await Deno.remove(copy);
    await Deno.symlink(join(dir, "uv.lock"), copy);
    assert.equal(await readLockCopy(dir, "dev", later.lock, env), undefined);
    await Deno.remove(copy);
    await Deno.writeTextFile(copy, "version = 1\n# relocked\n");

    // A uv.lock the door refuses (here a link out of the project) is not kept.
    const outside = await Deno.makeTempFile();
    await Deno.remove(join(dir, "uv.lock"));
    await Deno.symlink(outside, join(dir, "uv.lock"));
    assert.equal(await lockNow(dir, null), undefined);
    await Deno.remove(outside);

    // A record without the memory (a sync that did not lock) takes the copy away.
    await writeFingerprint(dir, "dev", record, env);
    assert.deepEqual([...Deno.readDirSync(folder)].map((e) => e.name), [
      `${encodeURIComponent(Deno.realPathSync(dir))}.jsonl`,
    ]);
  });
});

Deno.test("a mode with plugins developed is a state of its own: its record and uv.lock beside the mode's", async () => {
  await withRecord(async (dir, record, env) => {
    const prod = { ...record, mode: "prod", lock: (await lockNow(dir, null))!.lock };
    await writeFingerprint(dir, stateKey("prod"), prod, env, new TextEncoder().encode("# prod\n"));
    await Deno.writeTextFile(join(dir, "uv.lock"), "version = 1\n# prod, plug-a from its clone\n");
    const now = (await lockNow(dir, prod.lock.after))!;
    const developed = { ...prod, develop: ["plug-a"], lock: now.lock };
    assert.equal(recordKey(developed), "prod+plug-a");
    await writeFingerprint(dir, recordKey(developed), developed, env, now.bytes);

    const stored = (await readFingerprint(dir, env)) as { modes: Record<string, ModeRecord> };
    assert.deepEqual(Object.keys(stored.modes).sort(), ["prod", "prod+plug-a"]);
    assert.equal(await readLockCopy(dir, "prod+plug-a", prod.lock, env), undefined);
    assert.deepEqual(await readLockCopy(dir, "prod+plug-a", now.lock, env), now.bytes);
    // prod's own copy is untouched by the developed state's.
    const copy = join(dir, "user-state", "fingerprints");
    const name = (key: string) => `${encodeURIComponent(Deno.realPathSync(dir))}.${key}.uv.lock`;
    assert.equal(await Deno.readTextFile(join(copy, name("prod"))), "# prod\n");
    assert.equal(
      await Deno.readTextFile(join(copy, name(encodeURIComponent("prod+plug-a")))),
      "version = 1\n# prod, plug-a from its clone\n",
    );
    const answer = await stillHolds(stored, { ...here(dir), request: { flag: "prod" } });
    assert.equal(answer?.mode, "prod");
    assert.equal(answer?.develop, undefined);
    // Dropping one state's record leaves the other's.
    await writeFingerprint(dir, "prod+plug-a", undefined, env);
    const left = (await readFingerprint(dir, env)) as { modes: Record<string, ModeRecord> };
    assert.deepEqual(Object.keys(left.modes), ["prod"]);
  });
});

Deno.test("a state with many plugins developed keeps its uv.lock under a name that fits (255 bytes)", async () => {
  await withRecord(async (dir, record, env) => {
    const names = Array.from({ length: 7 }, (_, i) => `company-analytics-plugin-number-${i}`);
    const key = stateKey("prod", names);
    const lock = (await lockNow(dir, null))!;
    const developed = { ...record, mode: "prod", develop: names, lock: lock.lock };
    await writeFingerprint(dir, key, developed, env, lock.bytes);
    assert.deepEqual(await readLockCopy(dir, key, lock.lock, env), lock.bytes);
    const names_ = [...Deno.readDirSync(join(dir, "user-state", "fingerprints"))].map((e) =>
      e.name
    );
    assert.ok(names_.every((n) => n.length <= 255), names_.join("\n"));
    // Another state as long gets a copy of its own.
    const other = stateKey("prod", names.slice(1));
    await writeFingerprint(dir, other, { ...developed, develop: names.slice(1) }, env, lock.bytes);
    assert.equal(
      [...Deno.readDirSync(join(dir, "user-state", "fingerprints"))].length,
      names_.length + 1,
    );
  });
});
