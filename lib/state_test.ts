import assert from "node:assert/strict";
import { join } from "node:path";
import { journalLeft } from "./state.ts";

Deno.test("journalLeft(): a journal file is a yes, its absence a no, anything odd on the way a yes", async () => {
  const root = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const elsewhere = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const state = join(root, ".hpm");
  try {
    assert.equal(journalLeft(root), false, "no .hpm");
    await Deno.mkdir(state);
    assert.equal(journalLeft(root), false, "no journal folder");
    await Deno.mkdir(join(state, "journal"));
    assert.equal(journalLeft(root), false, "an empty journal folder: the last run committed");
    await Deno.writeTextFile(join(state, "journal", "journal.json"), "{}");
    assert.equal(journalLeft(root), true, "a journal left behind");

    await Deno.remove(join(state, "journal"), { recursive: true });
    await Deno.writeTextFile(join(state, "journal"), "");
    assert.equal(journalLeft(root), true, "a journal that is a file");
    await Deno.remove(state, { recursive: true });
    await Deno.symlink(elsewhere, state);
    assert.equal(journalLeft(root), true, ".hpm linked elsewhere");
    await Deno.remove(state);
    await Deno.writeTextFile(state, "");
    assert.equal(journalLeft(root), true, ".hpm that is a file");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});
