import assert from "node:assert/strict";
import { unifiedDiff } from "./unified_diff.ts";

Deno.test("unifiedDiff(): nothing for equal texts; a/ and b/ headers, hunks with three lines of context", () => {
  assert.equal(unifiedDiff("same\n", "same\n", "pyproject.toml"), "");
  const before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  const after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  assert.equal(
    unifiedDiff(before, after, "pyproject.toml"),
    "--- a/pyproject.toml\n+++ b/pyproject.toml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
  );
});

Deno.test("unifiedDiff(): CRLF files are shown without their carriage returns", () => {
  const shown = unifiedDiff("a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n", "x.toml");
  assert.ok(!shown.includes("\r"), JSON.stringify(shown));
  assert.match(shown, /^-b = 2\n\+b = 3\n$/m);
});

Deno.test("unifiedDiff(): colours go to added lines, removed lines and headers, never to context", () => {
  const shown = unifiedDiff("keep\nold\n", "keep\nnew\n", "f", {
    added: (s) => `<A>${s}`,
    removed: (s) => `<R>${s}`,
    header: (s) => `<H>${s}`,
  });
  assert.equal(
    shown,
    "<H>--- a/f\n<H>+++ b/f\n<H>@@ -1,2 +1,2 @@\n keep\n<R>-old\n<A>+new\n",
  );
});
