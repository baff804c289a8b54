import assert from "node:assert/strict";
import { runPool } from "./pool.ts";

Deno.test("runPool(): results in the items' order, however the work finishes", async () => {
  const delays = [30, 0, 20, 5, 10];
  const out = await runPool(delays, 3, async (ms) => {
    await new Promise((r) => setTimeout(r, ms));
    return `done ${ms}`;
  });
  assert.deepEqual(out, delays.map((ms) => `done ${ms}`));
  assert.deepEqual(await runPool([], 4, () => Promise.resolve(1)), []);
});

Deno.test("runPool(): never more than `jobs` at once, and all of them while there is work", async () => {
  for (const jobs of [1, 2, 4, 10]) {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await runPool(Array.from({ length: 6 }, (_, i) => i), jobs, async (i) => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    });
    assert.equal(most, Math.min(jobs, 6), `jobs ${jobs}`);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5], "each item once, in order");
  }
});

Deno.test("runPool(): a failure is the pool's failure", async () => {
  await assert.rejects(
    () =>
      runPool([1, 2, 3], 2, (i) => i === 2 ? Promise.reject(new Error("two")) : Promise.resolve(i)),
    /two/,
  );
});
