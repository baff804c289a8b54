import assert from "node:assert/strict";
import { isValidPackageName, normalizeName, suggestName } from "./names.ts";

Deno.test("normalizeName(): PEP 503: runs of `-`, `_` and `.` become one `-`, letters lower case", () => {
  assert.equal(normalizeName("Rag4Code_Qdrant"), "rag4code-qdrant");
  assert.equal(normalizeName("a.-_b"), "a-b");
  assert.equal(normalizeName("A__B..C--D"), "a-b-c-d");
  assert.equal(normalizeName("plug"), "plug");
});

Deno.test("isValidPackageName(): PEP 508 names of at most 200 characters; nothing a path or an option could be", () => {
  for (const good of ["a", "A1", "rag4code-qdrant", "Rag_Plug.v2", "x".repeat(200)]) {
    assert.ok(isValidPackageName(good), good);
  }
  for (
    const bad of [
      "",
      "-rf",
      "plug-",
      ".hidden",
      "_x",
      "../x",
      "a/b",
      "a\\b",
      "a b",
      "plug\n",
      "pl\u00fcg",
      "x".repeat(201),
    ]
  ) {
    assert.ok(!isValidPackageName(bad), JSON.stringify(bad));
  }
});

Deno.test("suggestName(): the nearest known name, by its normal form, only when near enough", () => {
  const known = ["rag4code-qdrant", "rag4code-chroma", "Other_Plugin"];
  assert.equal(suggestName("rag4code-qdrnt", known), "rag4code-qdrant");
  assert.equal(suggestName("RAG4CODE_CHROMA", known), "rag4code-chroma", "forms do not count");
  assert.equal(suggestName("other.plugins", known), "Other_Plugin", "given back as known");
  assert.equal(suggestName("zzz", known), undefined);
  assert.equal(suggestName("plug", []), undefined);
  // Two edits are always near; beyond that, a quarter of the name's length.
  assert.equal(suggestName("ab", ["xy"]), "xy");
  assert.equal(suggestName("abc", ["xyz"]), undefined);
  assert.equal(suggestName("abcdefghijkl", ["abcdefghixyz"]), "abcdefghixyz");
  assert.equal(suggestName("abcdefghijkl", ["abcdefghwxyz"]), undefined);
  assert.equal(suggestName("plug", ["plgu", "plog"]), "plog", "the nearer one");
});
