import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmInputError } from "./errors.ts";
import { syncConfined, writeConfined } from "./files.ts";

Deno.test("syncConfined(): syncs a file written without a sync, never one outside its folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const outside = await Deno.makeTempFile({ prefix: "hpm-outside-" });
  try {
    const where = { root };
    await writeConfined(join(root, "pyproject.toml"), "[project]\n", where, { durable: false });
    await syncConfined(join(root, "pyproject.toml"), where);
    assert.equal(await Deno.readTextFile(join(root, "pyproject.toml")), "[project]\n");
    await syncConfined(join(root, "uv.lock"), where); // missing: nothing to sync

    await Deno.symlink(outside, join(root, "uv.lock"));
    await assert.rejects(
      () => syncConfined(join(root, "uv.lock"), where),
      (e: unknown) => e instanceof HpmInputError && e.code === "unsafe-path",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside);
  }
});
