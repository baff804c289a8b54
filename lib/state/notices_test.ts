import assert from "node:assert/strict";
import { firstNotice } from "./notices.ts";

Deno.test("firstNotice(): once per key and project; without a state folder, every time", async () => {
  const root = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const other = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const env = { HPM_STATE_DIR: await Deno.makeTempDir({ prefix: "hpm-state-" }) };
  try {
    assert.equal(await firstNotice(root, env, "plug v1 entry-a"), true);
    assert.equal(await firstNotice(root, env, "plug v1 entry-a"), false);
    assert.equal(await firstNotice(root, env, "plug v1 entry-b"), true, "a new state");
    assert.equal(await firstNotice(other, env, "plug v1 entry-a"), true, "another project");
    const nowhere = { HPM_STATE_DIR: "relative/state" };
    assert.equal(await firstNotice(root, nowhere, "k"), true);
    assert.equal(await firstNotice(root, nowhere, "k"), true);
  } finally {
    for (const dir of [root, other, env.HPM_STATE_DIR]) await Deno.remove(dir, { recursive: true });
  }
});
