/**
 * The bytes of pyproject.toml that HPM does not own survive a real sync and
 * its undoing, through the CLI: a byte order mark, CRLF line endings, no final
 * newline, and integers as large as TOML allows.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { coreProjectPyproject, withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Syncs a project whose pyproject.toml is `original` with `sync`, lets `check`
 * look at the result, then removes the plugins' group and syncs again: the
 * original bytes must be back.
 */
async function syncAndUndo(
  original: Uint8Array,
  sync: string[],
  check: (synced: Uint8Array) => void,
): Promise<void> {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const file = join(dir, "pyproject.toml");
    await Deno.writeFile(file, original);
    expectOk(await hpm(sync, dir), `hpm ${sync.join(" ")}`);
    check(await Deno.readFile(file));
    expectOk(await hpm(["group", "remove", "plugins"], dir), "hpm group remove plugins");
    expectOk(await hpm(sync, dir), `hpm ${sync.join(" ")} (no groups)`);
    assert.deepEqual(await Deno.readFile(file), original, "the original bytes are back");
  });
}

Deno.test("sync and group removal give back pyproject.toml byte for byte", async () => {
  const text = coreProjectPyproject({
    extraToml: "[tool.example]\nlargest = 9223372036854775807\nsmallest = -9223372036854775808",
  }).trimEnd().replaceAll("\n", "\r\n");
  const original = new Uint8Array([...BOM, ...new TextEncoder().encode(text)]);
  await syncAndUndo(original, ["sync", "--mode", "dev"], (synced) => {
    assert.deepEqual([...synced.subarray(0, 3)], BOM, "the byte order mark is kept");
    const syncedText = new TextDecoder().decode(synced);
    assert.match(syncedText, /^rag4code-qdrant = \{ path = /m, "hpm wrote its source");
    assert.doesNotMatch(syncedText, /[^\r]\n/, "every line ends with CRLF");
    assert.ok(!syncedText.endsWith("\n"), "still no final newline");
    assert.ok(syncedText.includes("largest = 9223372036854775807\r\n"));
  });
});

Deno.test("a dotted key adding to a table only a header implied: synced, then given back", async () => {
  // Valid TOML 1.0, as Python's tomllib and uv read it: [tool.ruff.lint]
  // only implies tool.ruff, so the dotted key under [tool] may add to it.
  const original = coreProjectPyproject({
    extraToml: '[tool.ruff.lint]\nselect = ["E"]\n\n[tool]\nruff.line-length = 100',
  });
  await syncAndUndo(new TextEncoder().encode(original), ["sync", "--no-install"], (synced) => {
    const syncedText = new TextDecoder().decode(synced);
    assert.match(syncedText, /^rag4code-qdrant = \{ path = /m, "hpm wrote its source");
    assert.ok(syncedText.startsWith(original), "the user's lines are kept as they were");
  });
});
