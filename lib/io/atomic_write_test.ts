import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";

// Counts what is synced to disk while `fn` runs: the files, and the folders.
async function syncs(fn: () => Promise<void>): Promise<{ files: number; folders: number }> {
  const proto = Deno.FsFile.prototype;
  const sync = proto.sync;
  const seen = { files: 0, folders: 0 };
  proto.sync = async function (this: Deno.FsFile) {
    if ((await this.stat()).isDirectory) seen.folders++;
    else seen.files++;
    return await sync.call(this);
  };
  try {
    await fn();
  } finally {
    proto.sync = sync;
  }
  return seen;
}

Deno.test("writeFileAtomic: durable, the new bytes and their name in the folder are synced; the file is whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  try {
    const path = join(dir, "journal");
    await Deno.writeTextFile(path, "old\n", { mode: 0o600 });
    const durable = await syncs(() => writeFileAtomic(path, "new\n"));
    assert.deepEqual(durable, { files: 1, folders: 1 }, "the rename survives a power loss too");
    assert.equal(await Deno.readTextFile(path), "new\n");
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["journal"]);

    const quick = await syncs(() => writeFileAtomic(path, "newer\n", { durable: false }));
    assert.deepEqual(quick, { files: 0, folders: 0 });
    assert.equal(await Deno.readTextFile(path), "newer\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
