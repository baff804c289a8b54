import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { findProjectRoot } from "./root.ts";
import { tempTree } from "../_testing.ts";

Deno.test("findProjectRoot(): the nearest folder above holding hpm.yaml, as an absolute path", async () => {
  const dir = await tempTree("hpm-unit-", {
    "hpm.yaml": "registry: ./r\n",
    "a/b/file": "",
    "a/inner/hpm.yaml": "registry: ./r\n",
  });
  const cwd = Deno.cwd();
  try {
    assert.equal(findProjectRoot(dir), dir);
    assert.equal(findProjectRoot(`${dir}/a/b/`), dir);
    assert.equal(findProjectRoot(`${dir}/a/./b/../inner/x/..`), join(dir, "a", "inner"));
    Deno.chdir(join(dir, "a", "b"));
    assert.equal(findProjectRoot(), dir);
    assert.equal(findProjectRoot("../inner"), join(dir, "a", "inner"));
    // A folder that cannot be looked into is the system's error, not "no hpm.yaml".
    assert.throws(() => findProjectRoot(join(dir, "a", "b", "file")), Deno.errors.NotADirectory);
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findProjectRoot(): none above is not-found, naming where it looked, with a hint", async () => {
  const dir = await tempTree("hpm-unit-", { "a/b/x": "" });
  try {
    const start = join(dir, "a", "b");
    assert.throws(
      () => findProjectRoot(`${start}/../b/`),
      (e) =>
        e instanceof HpmInputError && e.code === "not-found" &&
        e.message === `no hpm.yaml in ${start} or any parent folder` &&
        e.hint === "run `hpm init` in your uv project, or pass --project DIR",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
