import assert from "node:assert/strict";
import { releaseRefs } from "./releases.ts";

Deno.test("releaseRefs(): the git ref; an exact pypi version's usual tags; nothing else", () => {
  assert.deepEqual(releaseRefs({ type: "git", url: "https://e.com/q.git", tag: "v1" }), ["v1"]);
  assert.deepEqual(releaseRefs({ type: "git", url: "https://e.com/q.git", branch: "main" }), [
    "main",
  ]);
  assert.deepEqual(releaseRefs({ type: "git", url: "https://e.com/q.git" }), []);
  assert.deepEqual(releaseRefs({ type: "pypi", version: "==1.2.0" }), ["v1.2.0", "1.2.0"]);
  assert.deepEqual(releaseRefs({ type: "pypi", version: ">=1.2" }), []);
  assert.deepEqual(releaseRefs({ type: "local", path: "p", editable: true }), []);
  assert.deepEqual(releaseRefs(undefined), []);
});
