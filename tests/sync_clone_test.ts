/**
 * `hpm sync --clone`: the dev checkouts the mode needs and lacks are cloned
 * first (a plugin a fresh clone depends on too), with `hpm clone`'s rules
 * (outside the project only with --yes), then the sync runs, with real git
 * remotes and real uv. And `hpm group add` names the clone when the new
 * plugin has no checkout.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, pythonImport, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

Deno.test("hpm sync --clone clones the missing checkouts, then syncs", async (t) => {
  const root = await makeTempRoot();
  try {
    const env = { HPM_STATE_DIR: join(root, "state") };
    const { dir } = await makeProject(root, [
      { name: "plug-a" },
      { name: "plug-b", dependencies: ["plug-c"] },
      { name: "plug-c" },
      { name: "plug-d" },
    ], ["plug-a", "plug-b"]);
    const packages = join(dir, "packages");
    // Only the remotes are left: every checkout is missing.
    for (const name of ["plug-a", "plug-b", "plug-c", "plug-d"]) {
      await Deno.remove(join(packages, name), { recursive: true });
    }

    await t.step("plain sync names both ways to get the checkouts", async () => {
      const r = await hpm(["sync"], dir, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /hint: run `hpm sync --clone` \(or `hpm clone plug-a plug-b` first\)/);
    });

    await t.step("--clone with --dry-run is refused: a dry run clones nothing", async () => {
      const r = await hpm(["sync", "--clone", "--dry-run"], dir, env);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--clone.*cannot be used with.*--dry-run/);
    });

    await t.step("--clone: the group's plugins, and what a fresh clone depends on", async () => {
      const r = await hpm(["sync", "--clone"], dir, env);
      expectOk(r, "hpm sync --clone");
      for (const name of ["plug-a", "plug-b", "plug-c"]) {
        assert.match(
          r.stderr,
          new RegExp(`hpm: ${name}: cloned into packages/${name}( \\(\\d/\\d\\))?\\n`),
        );
      }
      assert.doesNotMatch(r.stderr, /plug-d/, "not in a group, and nothing needs it");
      assert.match(r.stderr, /hpm: mode dev \(from default\): pyproject\.toml updated/);
      const imported = await pythonImport(dir, "plug_c");
      assert.equal(
        imported.file,
        await Deno.realPath(join(packages, "plug-c", "src", "plug_c", "__init__.py")),
      );
      // Nothing missing now: --clone clones nothing and syncs.
      const again = await hpm(["sync", "--clone", "--json"], dir, env);
      expectOk(again, "hpm sync --clone (again)");
      assert.doesNotMatch(again.stderr, /clon/);
      assert.deepEqual(JSON.parse(again.stdout).cloned, []);
    });

    await t.step("outside the project: refused without --yes, cloned with it", async () => {
      const entry = join(dir, "hpm-registry", "packages", "plug-d.yaml");
      await writeFile(
        entry,
        (await Deno.readTextFile(entry)).replace("./packages/plug-d", "../outside/plug-d"),
      );
      expectOk(await hpm(["group", "add", "more", "-o", "plug-d"], dir, env), "group add");
      const refused = await hpm(["sync", "--clone"], dir, env);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /refusing to clone outside the project without confirmation/);
      const r = await hpm(["sync", "--clone", "--yes"], dir, env);
      expectOk(r, "hpm sync --clone --yes");
      assert.match(r.stderr, /hpm: plug-d: cloned into \.\.\/outside\/plug-d/);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hpm group add names hpm clone when the new plugin has no checkout", async () => {
  const root = await makeTempRoot();
  try {
    const env = { HPM_STATE_DIR: join(root, "state") };
    const { dir } = await makeProject(root, [{ name: "plug-a" }, { name: "plug-b" }], []);
    await Deno.remove(join(dir, "packages", "plug-b"), { recursive: true });
    const present = await hpm(["group", "add", "one", "-o", "plug-a"], dir, env);
    expectOk(present, "group add plug-a");
    assert.equal(
      present.stderr.trim(),
      "hpm: group one updated in hpm.yaml; run `hpm sync --mode dev`",
    );
    const missing = await hpm(["group", "add", "two", "-o", "plug-b"], dir, env);
    expectOk(missing, "group add plug-b");
    assert.equal(
      missing.stderr.trim(),
      "hpm: group two updated in hpm.yaml; plug-b has no checkout at packages/plug-b: " +
        "run `hpm sync --mode dev --clone` (or `hpm clone plug-b`, then `hpm sync --mode dev`)",
    );
    // In prod the plugin comes from its release: no checkout needed.
    const prod = await hpm(["group", "add", "three", "-o", "plug-b"], dir, {
      ...env,
      RUN_MODE: "prod",
    });
    expectOk(prod, "group add in prod");
    assert.match(prod.stderr, /run `hpm sync --mode prod`$/m);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
