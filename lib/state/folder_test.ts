import assert from "node:assert/strict";
import { join } from "node:path";
import { journalLeft, projectStateName, writeStateFile } from "./folder.ts";

Deno.test("journalLeft(): the project's journal in the user's state is a yes, anything in the project a no", async () => {
  const root = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const state = await Deno.makeTempDir({ prefix: "hpm-state-" });
  const env = { HPM_STATE_DIR: state };
  const journals = join(state, "journals");
  try {
    assert.equal(await journalLeft(root, env), false, "no journals folder");
    await Deno.mkdir(join(root, ".hpm", "journal"), { recursive: true });
    await Deno.writeTextFile(join(root, ".hpm", "journal", "journal.json"), "{}");
    assert.equal(await journalLeft(root, env), false, "a project's .hpm/ is not HPM's");
    await Deno.mkdir(journals);
    assert.equal(await journalLeft(root, env), false, "an empty folder: the last run committed");
    await Deno.writeTextFile(join(journals, "another%2Fproject.journal"), "");
    assert.equal(await journalLeft(root, env), false, "another project's journal");
    const mine = join(journals, await projectStateName(root, "journal"));
    await Deno.writeTextFile(mine, "");
    assert.equal(await journalLeft(root, env), true, "a journal left behind");
    await Deno.remove(mine);
    await Deno.symlink("/dev/zero", mine);
    assert.equal(await journalLeft(root, env), true, "a link: the journal code refuses it");
    await Deno.remove(journals, { recursive: true });
    await Deno.writeTextFile(journals, "");
    assert.equal(await journalLeft(root, env), true, "a journals folder that is a file");
    assert.equal(await journalLeft(root, { HPM_STATE_DIR: "relative" }), true, "no usable state");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("projectStateName(): a name fits in a file name however long the path and the extension, and can be written", async () => {
  const base = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const state = await Deno.makeTempDir({ prefix: "hpm-state-" });
  try {
    const real = Deno.realPathSync(base);
    // Lengths of the encoded path: short, just under and over the 200 kept, far over.
    for (const length of [150, 190, 200, 201, 260, 3000]) {
      let root = real;
      const encoded = () => encodeURIComponent(root).length;
      while (encoded() < length) {
        root = join(root, "p".repeat(Math.max(1, Math.min(200, length - encoded() - 3))));
      }
      await Deno.mkdir(root, { recursive: true });
      for (
        const extension of ["journal", `${"m".repeat(41)}.uv.lock`, `${"m".repeat(64)}.uv.lock`]
      ) {
        const name = await projectStateName(root, extension);
        assert.ok(name.length <= 255, `${length}, ${extension}: ${name.length}`);
        assert.ok(name.endsWith(`.${extension}`));
        await writeStateFile(state, name, "x");
        assert.equal(await Deno.readTextFile(join(state, name)), "x");
      }
    }
  } finally {
    await Deno.remove(base, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});
