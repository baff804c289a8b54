/**
 * Switching modes with the team's registry in a git repository: read at the
 * commit pyproject.toml records, it is as fixed an input as a local folder,
 * so a switch back is answered from its record and each mode's uv.lock is
 * put back; `-v` says why a switch was planned anew. A release read from its
 * remote (no dev clone) is kept in the cache at the commit its tag named, so
 * it is recordable too. Real git (bare remotes), real uv.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject, pushEntry, snapshot, teamRegistry } from "./_project.ts";

const FAST = /inputs unchanged since this mode was last synced/;
const LOCK_BACK = /the lock uv left for this mode is put back/;
const FILES = ["pyproject.toml", "uv.lock"];

Deno.test("dev → prod → dev with a git team registry: the second switch is answered from records, uv.lock put back; -v says why one is planned", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }, {
      name: "plug-b",
      versions: ["1.0.0", "1.1.0"],
    }]);
    const registry = await teamRegistry(root, dir);
    const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_STATE_DIR: join(root, "state") };
    const sync = (mode: string, ...flags: string[]) =>
      hpm(["-v", "sync", "--mode", mode, ...flags], dir, env);

    // The first sync takes the registry's newest state and records it; a
    // sync from a pyproject.toml that records it keeps a record of its own.
    const first = await sync("dev");
    expectOk(first, "first sync");
    assert.match(first.stderr, /planned anew: no record of a sync into this mode/);
    for (const mode of ["prod", "dev"]) expectOk(await sync(mode), `sync ${mode}`);
    const dev = await snapshot(dir, FILES);
    const toProd = await sync("prod");
    expectOk(toProd, "switch to prod");
    assert.match(toProd.stderr, FAST);
    assert.match(toProd.stderr, LOCK_BACK);
    // Only local queries in the dev checkouts (what the switch leaves behind);
    // nothing reaches the registry or a remote.
    assert.doesNotMatch(
      toProd.stderr,
      /\$ git .*\b(fetch|ls-remote|clone)\b/,
      "no remote is asked",
    );
    assert.doesNotMatch(toProd.stderr, /\$ git .*registr/, "the registry's copy is not read");
    const prod = await snapshot(dir, FILES);
    const toDev = await sync("dev");
    expectOk(toDev, "switch back to dev");
    assert.match(toDev.stderr, FAST);
    assert.match(toDev.stderr, LOCK_BACK);
    assert.deepEqual(await snapshot(dir, FILES), dev);

    // A changed input: planned anew, and -v says which.
    const manifest = join(dir, "hpm.yaml");
    await Deno.writeTextFile(manifest, "# the team's core\n", { append: true });
    const edited = await sync("prod");
    expectOk(edited, "switch after an edit of hpm.yaml");
    assert.match(edited.stderr, /planned anew: hpm\.yaml changed since the last sync into prod/);
    assert.deepEqual(await snapshot(dir, ["pyproject.toml"]), {
      "pyproject.toml": prod["pyproject.toml"],
    });

    // `--refresh` moves to the registry's newest state, says so, and keeps no
    // record of that sync (from the same files, a sync without it stays put).
    expectOk(await sync("dev"), "back to dev");
    await pushEntry(
      registry,
      "other",
      "name: other\nsources:\n  prod: {type: pypi, version: 1.0.0}\n",
    );
    const refreshed = await hpm(["-v", "--refresh", "sync", "--mode", "prod"], dir, env);
    expectOk(refreshed, "refreshed switch");
    assert.match(
      refreshed.stderr,
      /registry \S+ moved [0-9a-f]{7} → [0-9a-f]{7} \(nothing this project uses changed\)/,
    );
    assert.match(
      refreshed.stderr,
      /no record kept of this sync into prod: registry .* was read at its newest state/,
    );
  });
});

Deno.test("a release read from its remote is kept at the commit its tag named: the next prod sync is recorded and answered from its record", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug" }]);
    await teamRegistry(root, dir);
    // CI: no dev clones, so the release's own pyproject.toml is read from its remote.
    await Deno.remove(join(dir, "packages"), { recursive: true });
    await git(["init", "--quiet"], { cwd: dir });
    const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_STATE_DIR: join(root, "state") };
    const sync = () => hpm(["-v", "sync", "--mode", "prod", "--no-install"], dir, env);
    const fetched = await sync();
    expectOk(fetched, "first prod sync");
    assert.match(
      fetched.stderr,
      /no record kept of this sync into prod: what a release declares was read from its remote/,
    );
    expectOk(await sync(), "second prod sync: from the cache");
    const third = await sync();
    expectOk(third, "third prod sync");
    assert.match(
      third.stderr,
      /nothing changed since the last sync: answered from its fingerprint/,
    );
  });
});
