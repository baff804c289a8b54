/**
 * `hpm check` guards uv.lock too: after `sync --no-install --mode prod` the
 * lock still installs the dev clones, and `check --mode prod` says so, naming
 * uv.lock; `--pyproject-only` checks pyproject.toml alone.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

Deno.test("hpm check --mode prod fails on a uv.lock still locked for dev; passes once synced", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    expectOk(await hpm(["sync"], dir), "dev sync");
    expectOk(await hpm(["check"], dir), "check dev");
    expectOk(await hpm(["sync", "--no-install", "--mode", "prod"], dir), "prod, no install");

    const stale = await hpm(["check", "--mode", "prod"], dir);
    assert.equal(stale.code, 1, stale.stderr);
    assert.match(stale.stderr, /uv\.lock does not match mode prod/);
    assert.match(
      stale.stderr,
      /rag4code-qdrant is locked from the local path packages\/rag4code-qdrant \(editable\)/,
    );
    assert.match(stale.stderr, /hpm sync --mode prod/);

    const only = await hpm(["check", "--mode", "prod", "--pyproject-only"], dir);
    expectOk(only, "--pyproject-only");
    assert.match(only.stderr, /pyproject\.toml is in sync for mode prod/);

    expectOk(await hpm(["sync", "--mode", "prod"], dir), "prod sync");
    const good = await hpm(["check", "--mode", "prod"], dir);
    expectOk(good, "check prod after sync");
    assert.match(good.stderr, /uv\.lock matches/);

    // Without uv.lock there is nothing to compare; check says so and passes.
    await Deno.remove(join(dir, "uv.lock"));
    const none = await hpm(["check", "--mode", "prod"], dir);
    expectOk(none, "no uv.lock");
    assert.match(none.stderr, /no uv\.lock/);
  });
});
