/**
 * A switch to prod warns about the work it leaves behind in the dev
 * checkouts (commits after the prod ref, uncommitted changes, commits not
 * pushed), one line per plugin, and goes on: a warning, not a refusal. A
 * no-op says nothing, a switch to dev says nothing, and a switch back to
 * prod answered by the fast path warns as the normal path does. Real git
 * remotes, real uv.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, makeTempRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

const WARNING = "hpm: warning: plug-a: 3 commits after v1.0.0, 1 uncommitted change and " +
  "3 commits not pushed in packages/plug-a, which prod will not contain";

Deno.test("a switch to prod warns, per plugin, about unreleased work in its dev checkout", async (t) => {
  const root = await makeTempRoot();
  try {
    const env = { HPM_STATE_DIR: join(root, "state") };
    const { dir } = await makeProject(root, [{ name: "plug-a" }, { name: "plug-b" }]);
    const clone = join(dir, "packages", "plug-a");
    for (const message of ["one", "two", "three"]) {
      await git(["commit", "--quiet", "--allow-empty", "-m", message], { cwd: clone });
    }
    await Deno.writeTextFile(join(clone, "src", "plug_a", "__init__.py"), 'VERSION = "wip"\n');
    expectOk(await hpm(["sync"], dir, env), "hpm sync (dev)");

    await t.step(
      "dev → prod: one line for the plugin with work, none for the clean one",
      async () => {
        const r = await hpm(["sync", "--mode", "prod"], dir, env);
        expectOk(r, "hpm sync --mode prod");
        const warnings = r.stderr.split("\n").filter((l) => l.includes("warning"));
        assert.deepEqual(warnings, [WARNING]);
        assert.match(await Deno.readTextFile(join(dir, "pyproject.toml")), /mode = "prod"/);
      },
    );

    await t.step("a no-op in prod and a switch to dev say nothing", async () => {
      const noop = await hpm(["sync", "--mode", "prod"], dir, env);
      expectOk(noop, "no-op");
      assert.doesNotMatch(noop.stderr, /warning/);
      const dev = await hpm(["sync"], dir, env);
      expectOk(dev, "hpm sync (dev)");
      assert.doesNotMatch(dev.stderr, /warning/);
    });

    await t.step("back to prod through the fast path: the same warning", async () => {
      const r = await hpm(["-v", "sync", "--mode", "prod"], dir, env);
      expectOk(r, "hpm sync --mode prod (fast)");
      // (Windows has no fast path: the normal path warns the same.)
      if (Deno.build.os !== "windows") {
        assert.match(r.stderr, /inputs unchanged since this mode was last synced/);
      }
      assert.ok(r.stderr.split("\n").includes(WARNING), r.stderr);
    });

    await t.step("released and pushed: no warning", async () => {
      expectOk(await hpm(["sync"], dir, env), "hpm sync (dev)");
      await git(["checkout", "--quiet", "--", "."], { cwd: clone });
      await git(["reset", "--quiet", "--hard", "v1.0.0"], { cwd: clone });
      const r = await hpm(["sync", "--mode", "prod"], dir, env);
      expectOk(r, "hpm sync --mode prod");
      assert.doesNotMatch(r.stderr, /warning/);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
