/**
 * A full disk under HPM's state folder (a 64 KiB tmpfs, where the machine
 * lets the test mount one): a switch fails in the system's words with a hint,
 * not as a bug of HPM's, and leaves pyproject.toml and uv.lock as they were.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot } from "./_fixtures.ts";
import { hpm, makeProject, snapshot } from "./_project.ts";

const FILES = ["pyproject.toml", "uv.lock"];

async function mount(dir: string): Promise<boolean> {
  await Deno.mkdir(dir, { recursive: true });
  const args = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir];
  const r = await new Deno.Command("mount", { args, stdout: "null", stderr: "null" }).output()
    .catch(() => undefined);
  return r?.success === true;
}

async function unmount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir], stdout: "null", stderr: "null" }).output();
}

// Mounting needs root (or the capability); elsewhere the test is skipped.
const CAN_MOUNT = await (async () => {
  const probe = await Deno.makeTempDir({ prefix: "hpm-mount-probe-" });
  const ok = await mount(probe);
  if (ok) await unmount(probe);
  await Deno.remove(probe, { recursive: true });
  return ok;
})();

Deno.test({
  name:
    "a full state folder: the switch fails in the system's words, nothing changed, and works once there is space",
  ignore: !CAN_MOUNT,
  async fn() {
    const root = await makeTempRoot();
    const state = join(root, "state");
    let mounted = false;
    try {
      const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
      mounted = await mount(state);
      assert.ok(mounted, "the tmpfs is mounted");
      const env = { HPM_STATE_DIR: state };
      const dev = await hpm(["sync"], dir, env);
      assert.equal(dev.code, 0, dev.stderr);
      // What is left of the 64 KiB, taken.
      const filler = await Deno.open(join(state, "filler"), { create: true, write: true });
      try {
        while (true) await filler.write(new Uint8Array(4096));
      } catch (e) {
        assert.match(String(e), /No space left/);
      } finally {
        filler.close();
      }
      const before = await snapshot(dir, FILES);
      const full = await hpm(["sync", "--mode", "prod"], dir, env);
      assert.equal(full.code, 1, full.stderr);
      assert.match(
        full.stderr,
        /error: No space left on device \(os error 28\): writing .*\/journals\/.*\.journal\n/,
      );
      assert.match(full.stderr, /hint: the system refused it/);
      assert.doesNotMatch(full.stderr, /internal error|bug in hpm/);
      assert.deepEqual(await snapshot(dir, FILES), before, "pyproject.toml and uv.lock unchanged");
      assert.deepEqual(
        [...Deno.readDirSync(join(state, "journals"))],
        [],
        "no journal, no temporary file left",
      );

      await Deno.remove(join(state, "filler"));
      const prod = await hpm(["sync", "--mode", "prod"], dir, env);
      assert.equal(prod.code, 0, prod.stderr);
      assert.notDeepEqual(await snapshot(dir, FILES), before, "switched");
    } finally {
      if (mounted) await unmount(state);
      await Deno.remove(root, { recursive: true });
    }
  },
});
