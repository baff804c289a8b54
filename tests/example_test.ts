/** README's first command, `deno task example`, keeps working: every claim it prints holds. */

import assert from "node:assert/strict";
import { repoRoot, run } from "./_fixtures.ts";

Deno.test("deno task example: the seed's scenario runs and all its claims hold", async () => {
  const r = await run(Deno.execPath(), ["task", "example"], {
    cwd: repoRoot(),
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /all claims hold/);
  assert.doesNotMatch(r.stdout, /^✗/m);
  assert.match(r.stdout, /site-packages\/rag4code_qdrant/);
});
