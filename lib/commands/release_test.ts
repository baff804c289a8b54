import assert from "node:assert/strict";
import { HpmInputError } from "../core/errors.ts";
import { splitWords } from "./release.ts";

Deno.test("--test is split into words as a shell would, without one", () => {
  assert.deepEqual(splitWords("pytest -q  tests/a"), ["pytest", "-q", "tests/a"]);
  assert.deepEqual(
    splitWords(`python -c "print('a b')" '' $HOME;x`),
    ["python", "-c", "print('a b')", "", "$HOME;x"],
  );
  assert.throws(() => splitWords("sh -c 'oops"), HpmInputError);
});
