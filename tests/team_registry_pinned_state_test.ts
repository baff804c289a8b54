/**
 * A team's registry in a git repository of its own: the committed form
 * records the commit it was made against, so a teammate's pin, pushed to the
 * registry, turns no old commit red; moving to the registry's newest state is
 * `hpm registry update`, which says what changes, and lands in the next
 * `hpm stage`. Real git (bare remotes), real uv.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject, pushEntry, teamRegistry } from "./_project.ts";

const entry = (url: string, ref: string) =>
  `name: plug\nsources:\n  dev: {type: local, path: ./packages/plug}\n` +
  `  prod: {type: git, url: "${url}", ref: ${ref}}\n`;

// A core whose plugin `plug` (tags v1.0.0 and v1.1.0) is pinned to v1.0.0 in
// the team registry, which hpm.yaml names at `ref`.
async function pluginAtV1(root: string, ref: string) {
  const { dir, plugins } = await makeProject(root, [{
    name: "plug",
    versions: ["1.0.0", "1.1.0"],
    prod: (repo) => `{type: git, url: "${repo.bareUrl}", ref: v1.0.0}`,
  }]);
  const registry = await teamRegistry(root, dir, { ref });
  const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_STATE_DIR: join(root, "state") };
  return { dir, plugins, registry, env };
}

const RECORD = /^registries\."file:\/\/[^"]*team-registry\.git#main" = "([0-9a-f]{40})"$/m;

Deno.test("a pin pushed to the team registry turns no commit red; `hpm registry update` moves, says what changes, and `hpm stage` commits it", async () => {
  await withRoot(async (root) => {
    const { dir, plugins, registry, env } = await pluginAtV1(root, "main");
    await Deno.writeTextFile(join(dir, ".gitignore"), "packages/\n", { append: true });
    await git(["init", "--quiet", "-b", "main"], { cwd: dir });
    // The first sync records the registry's commit; prod is then read at it.
    expectOk(await hpm(["sync", "--no-install"], dir, env), "sync dev");
    expectOk(await hpm(["sync", "--mode", "prod"], dir, env), "sync prod");
    const committed = await Deno.readTextFile(join(dir, "pyproject.toml"));
    const before = RECORD.exec(committed)?.[1];
    assert.ok(before, `pyproject.toml records the registry's commit:\n${committed}`);
    await git(["add", "-A"], { cwd: dir });
    await git(["commit", "--quiet", "-m", "prod form"], { cwd: dir });
    expectOk(await hpm(["sync"], dir, env), "sync dev");

    // A teammate pins plug to v1.1.0 and pushes the registry.
    await pushEntry(registry, "plug", entry(plugins.plug.bareUrl, "v1.1.0"));

    // CI: a fresh clone of the core at the commit made before, a cache of its own.
    const ci = join(root, "ci");
    await git(["clone", "--quiet", dir, ci], { cwd: root });
    const ciEnv = { HPM_CACHE_DIR: join(root, "ci-cache"), HPM_STATE_DIR: join(root, "ci-state") };
    const check = await hpm(["check", "--mode", "prod"], ci, ciEnv);
    expectOk(check, "CI's check of the commit made before the pin");
    assert.match(check.stderr, /uv\.lock matches mode prod/);
    // Without the network, the recorded commit cannot be had: said so.
    const offline = await hpm(["check", "--mode", "prod"], ci, {
      HPM_CACHE_DIR: join(root, "empty-cache"),
      HPM_STATE_DIR: join(root, "ci-state"),
      HPM_OFFLINE: "1",
    });
    assert.equal(offline.code, 1, offline.stderr);
    assert.match(
      offline.stderr,
      new RegExp(
        `its commit ${
          before.slice(0, 7)
        }, which pyproject.toml records, is not in the cache and HPM_OFFLINE=1 is set`,
      ),
    );

    // The hook on an unrelated commit, with a cache that has seen the pin.
    expectOk(await hpm(["--refresh", "registry", "list"], dir, env), "a refresh elsewhere");
    await Deno.writeTextFile(join(dir, "NOTES"), "unrelated\n");
    await git(["add", "NOTES"], { cwd: dir });
    expectOk(await hpm(["check", "--staged"], dir, env), "the hook");
    const status = await hpm(["status"], dir, env);
    expectOk(status, "status");
    assert.match(
      status.stdout,
      /^registry .*team-registry\.git#main: at [0-9a-f]{7} \(pyproject\.toml's record\); newer: [0-9a-f]{7} \(fetched just now\): `hpm registry update` moves to it$/m,
    );

    // The deliberate step: what it changes is said, and pyproject.toml records it.
    const update = await hpm(["registry", "update"], dir, env);
    expectOk(update, "registry update");
    assert.match(
      update.stderr,
      new RegExp(
        `registry file://\\S*team-registry\\.git#main moved ${
          before.slice(0, 7)
        } → [0-9a-f]{7}: plug prod v1\\.0\\.0 → v1\\.1\\.0`,
      ),
    );
    const dev = await Deno.readTextFile(join(dir, "pyproject.toml"));
    const after = RECORD.exec(dev)?.[1];
    assert.ok(after && after !== before, dev);
    assert.match(dev, /^mode = "dev"$/m, "the mode in force is kept");

    // The move lands in the next staged commit.
    const stage = await hpm(["stage"], dir, env);
    expectOk(stage, "stage");
    const staged = (await git(["diff", "--cached", "pyproject.toml"], { cwd: dir })).stdout;
    assert.match(staged, /^-plug = \{ git = .*rev = "v1\.0\.0" \}$/m);
    assert.match(staged, /^\+plug = \{ git = .*rev = "v1\.1\.0" \}$/m);
    assert.match(staged, new RegExp(`^\\+registries\\..* = "${after}"$`, "m"));
    await git(["commit", "--quiet", "-m", "move to the registry's newest state"], { cwd: dir });

    // CI passes both commits, the old one as it did.
    await git(["pull", "--quiet", "origin", "main"], { cwd: ci });
    expectOk(await hpm(["check", "--mode", "prod"], ci, ciEnv), "CI at the new commit");
    await git(["checkout", "--quiet", "HEAD~1"], { cwd: ci });
    expectOk(await hpm(["check", "--mode", "prod"], ci, ciEnv), "CI at the old commit, again");
  });
});

Deno.test("a registry pinned to a tag: the record pins its commit; a moved tag is reported, not taken", async () => {
  await withRoot(async (root) => {
    const { dir, plugins, registry, env } = await pluginAtV1(root, "v3");
    await git(["tag", "v3"], { cwd: registry.work });
    await git(["push", "--quiet", "origin", "v3"], { cwd: registry.work });
    const sync = ["sync", "--mode", "prod", "--no-install"];
    expectOk(await hpm(sync, dir, env), "sync at v3");
    const pinned = /^registries\."[^"]*#v3" = "([0-9a-f]{40})"$/m;
    const first = pinned.exec(await Deno.readTextFile(join(dir, "pyproject.toml")))?.[1];
    assert.ok(first);
    // A pyproject.toml an older hpm wrote records no state: checked as it was then.
    const pyproject = join(dir, "pyproject.toml");
    const recorded = await Deno.readTextFile(pyproject);
    await Deno.writeTextFile(pyproject, recorded.replace(pinned, ""));
    const older = await hpm(["check", "--mode", "prod", "--pyproject-only"], dir, env);
    expectOk(older, "a check of what an older hpm wrote");
    assert.match(
      older.stderr,
      /pyproject\.toml records no registry state \(an older hpm wrote it\)/,
    );
    await Deno.writeTextFile(pyproject, recorded);

    // The tag is moved to a commit with the pin.
    await pushEntry(registry, "plug", entry(plugins.plug.bareUrl, "v1.1.0"));
    await git(["tag", "-f", "v3"], { cwd: registry.work });
    await git(["push", "--quiet", "--force", "origin", "v3"], { cwd: registry.work });
    const fresh = { ...env, HPM_CACHE_DIR: join(root, "fresh-cache") };
    expectOk(
      await hpm(["check", "--mode", "prod", "--pyproject-only"], dir, fresh),
      "the recorded commit, not the moved tag",
    );
    const update = await hpm(["registry", "update"], dir, env);
    expectOk(update, "registry update");
    assert.match(
      update.stderr,
      /#v3 moved [0-9a-f]{7} → [0-9a-f]{7}: plug prod v1\.0\.0 → v1\.1\.0/,
    );
    assert.match(await Deno.readTextFile(join(dir, "pyproject.toml")), /rev = "v1\.1\.0"/);
  });
});
