import assert from "node:assert/strict";
import { mergeThreeWay } from "./merge3.ts";

const base = "[project]\nname = 'core'\nversion = '0.1.0'\ndependencies = []\n\n[tool.x]\ny = 1\n";

Deno.test("mergeThreeWay(): changes to different lines are combined", () => {
  const ours = base.replace("version = '0.1.0'", "version = '0.2.0'");
  const theirs = base.replace("y = 1", "y = 2");
  assert.deepEqual(mergeThreeWay(base, ours, theirs), {
    text: base.replace("version = '0.1.0'", "version = '0.2.0'").replace("y = 1", "y = 2"),
  });
  // Lines added at both ends.
  assert.deepEqual(mergeThreeWay(base, "# top\n" + base, base + "z = 3\n"), {
    text: "# top\n" + base + "z = 3\n",
  });
});

Deno.test("mergeThreeWay(): one side unchanged, or both the same, takes the other", () => {
  const ours = base.replace("[]", "['httpx']");
  assert.deepEqual(mergeThreeWay(base, ours, base), { text: ours });
  assert.deepEqual(mergeThreeWay(base, base, ours), { text: ours });
  assert.deepEqual(mergeThreeWay(base, ours, ours), { text: ours });
  // The same change inside otherwise different edits.
  const theirs = ours.replace("y = 1", "y = 2");
  assert.deepEqual(mergeThreeWay(base, ours, theirs), { text: theirs });
});

Deno.test("mergeThreeWay(): the same or adjacent lines changed differently conflict", () => {
  const same = mergeThreeWay(
    base,
    base.replace("[]", "['httpx']"),
    base.replace("[]", "['requests']"),
  );
  assert.deepEqual(same, {
    conflicts: [{
      line: 4,
      baseLines: 1,
      ours: "dependencies = ['httpx']\n",
      theirs: "dependencies = ['requests']\n",
    }],
  });
  const adjacent = mergeThreeWay(
    base,
    base.replace("version = '0.1.0'", "version = '0.2.0'"),
    base.replace("[]", "['requests']"),
  );
  assert.ok("conflicts" in adjacent, "git's rule: adjacent changes conflict");
  const inserted = mergeThreeWay(base, base + "a = 1\n", base + "b = 2\n");
  assert.deepEqual(inserted, {
    conflicts: [{ line: 8, baseLines: 0, ours: "a = 1\n", theirs: "b = 2\n" }],
  });
});

Deno.test("mergeThreeWay(): line endings and a missing final newline are kept", () => {
  const crlf = base.replaceAll("\n", "\r\n");
  const ours = crlf.replace("0.1.0", "0.2.0");
  const theirs = crlf.replace("y = 1", "y = 2");
  assert.deepEqual(mergeThreeWay(crlf, ours, theirs), {
    text: crlf.replace("0.1.0", "0.2.0").replace("y = 1", "y = 2"),
  });
  const open = "a\nb\nc\nd";
  assert.deepEqual(mergeThreeWay(open, "A\nb\nc\nd", "a\nb\nc\nD"), { text: "A\nb\nc\nD" });
});
