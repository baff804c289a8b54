import assert from "node:assert/strict";
import { join } from "node:path";
import type { HpmOperationError } from "../core/errors.ts";
import { recoverInterrupted, Transaction } from "./transaction.ts";
import { JOURNALS, projectStateName } from "./folder.ts";

const LOCK_BYTES = new Uint8Array([0xff, 0x00, 0x0a, 0xfe]);

interface Interrupted {
  readonly root: string;
  readonly env: { readonly HPM_STATE_DIR: string };
  /** The project's journal. */
  readonly journal: string;
}

// A switch killed after it wrote pyproject.toml and uv had half written
// uv.lock: no commit, no rollback. The folders go when `fn` ends.
async function afterInterruptedSwitch(fn: (at: Interrupted) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const env = { HPM_STATE_DIR: await Deno.makeTempDir({ prefix: "hpm-state-" }) };
  try {
    await Deno.writeTextFile(join(root, "pyproject.toml"), "[project]\r\nname = 'core'\r\n");
    await Deno.writeFile(join(root, "uv.lock"), LOCK_BYTES);
    const after = "[project]\nname = 'after'\n";
    const tx = await Transaction.begin(root, ["pyproject.toml", "uv.lock"], env, {
      "pyproject.toml": after,
    });
    await tx.write("pyproject.toml", after);
    await Deno.writeTextFile(join(root, "uv.lock"), "half written by uv");
    const journal = join(env.HPM_STATE_DIR, JOURNALS, await projectStateName(root, "journal"));
    await fn({ root, env, journal });
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(env.HPM_STATE_DIR, { recursive: true });
  }
}

Deno.test("recoverInterrupted(): a killed switch is undone byte for byte from the user's journal", async () => {
  await afterInterruptedSwitch(async ({ root, env, journal }) => {
    const journals = join(env.HPM_STATE_DIR, JOURNALS);
    assert.deepEqual(
      [...Deno.readDirSync(journals)].map((e) => join(journals, e.name)),
      [journal],
      "one file, in the user's state folder",
    );
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), [
      "pyproject.toml",
      "uv.lock",
    ], "nothing of HPM's in the project");
    const recovery = await recoverInterrupted(root, env);
    assert.match(recovery!.message, /rolled back: pyproject.toml and uv.lock restored/);
    assert.equal(
      await Deno.readTextFile(join(root, "pyproject.toml")),
      "[project]\r\nname = 'core'\r\n",
    );
    assert.deepEqual(await Deno.readFile(join(root, "uv.lock")), LOCK_BYTES);
    assert.deepEqual([...Deno.readDirSync(journals)], [], "the journal is gone");
    assert.equal(await recoverInterrupted(root, env), undefined, "nothing left to do");
  });
});

Deno.test("recoverInterrupted(): a journal whose saved copy was changed is reported and left alone", async () => {
  await afterInterruptedSwitch(async ({ root, env, journal }) => {
    const bytes = await Deno.readFile(journal);
    bytes[bytes.length - 1] ^= 1;
    await Deno.writeFile(journal, bytes);
    const recovery = await recoverInterrupted(root, env);
    assert.match(recovery!.message, /ignored .*\.journal: .*saved copies do not match/);
    assert.equal(
      await Deno.readTextFile(join(root, "uv.lock")),
      "half written by uv",
      "nothing restored",
    );
    assert.deepEqual(await Deno.readFile(journal), bytes, "nothing deleted");
  });
});

Deno.test("recoverInterrupted(): a journal naming a file twice, or with a program that is not a name, is left alone", async () => {
  await afterInterruptedSwitch(async ({ root, env, journal }) => {
    const realRoot = await Deno.realPath(root);
    for (
      const record of [
        { files: [{ name: "uv.lock", existed: false }, { name: "uv.lock", existed: false }] },
        { childProgram: 7, files: [{ name: "uv.lock", existed: false }] },
      ]
    ) {
      await Deno.writeTextFile(
        journal,
        JSON.stringify({ pid: 1, root: realRoot, state: "applying", ...record }) + "\n",
      );
      const recovery = await recoverInterrupted(root, env);
      assert.match(recovery!.message, /ignored .*not an hpm journal of this project/);
      assert.equal(await Deno.readTextFile(join(root, "uv.lock")), "half written by uv");
    }
  });
});

Deno.test("recoverInterrupted(): pyproject.toml edited by hand since the kill is left, the journal kept, every run stopped until it goes", async () => {
  await afterInterruptedSwitch(async ({ root, env, journal }) => {
    await Deno.writeTextFile(join(root, "pyproject.toml"), "edited by hand after the kill\n");
    const kept = await Deno.readFile(journal);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(recoverInterrupted(root, env), (e: HpmOperationError) => {
        assert.match(
          e.message,
          /^an interrupted hpm run \(process \d+\) cannot be rolled back: pyproject\.toml has changed since; nothing was done$/,
        );
        assert.ok(e.hint?.includes(journal), e.hint);
        return true;
      });
    }
    assert.equal(
      await Deno.readTextFile(join(root, "pyproject.toml")),
      "edited by hand after the kill\n",
    );
    assert.equal(await Deno.readTextFile(join(root, "uv.lock")), "half written by uv");
    assert.deepEqual(await Deno.readFile(journal), kept, "the copies from before are kept");
    // A new sync would replace the journal: refused while it is there.
    await assert.rejects(
      Transaction.begin(root, ["pyproject.toml"], env),
      new RegExp(`an interrupted hpm run left ${journal.replace(/[.%]/g, "\\$&")}`),
    );
    assert.deepEqual(await Deno.readFile(journal), kept);
    await Deno.remove(journal);
    assert.equal(await recoverInterrupted(root, env), undefined);
  });
});

Deno.test("Transaction: only what begin was told of is written", async () => {
  await afterInterruptedSwitch(async ({ root, env }) => {
    await recoverInterrupted(root, env);
    const tx = await Transaction.begin(root, ["pyproject.toml"], env, { "pyproject.toml": "a\n" });
    await assert.rejects(tx.write("pyproject.toml", "b\n"), /not what this transaction said/);
    await tx.rollback();
  });
});
