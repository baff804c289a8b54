/**
 * A remote registry's cached copy never answers "unknown package" alone: a
 * name it lacks is asked for again before it is refused, an answer from the
 * cache says how old it is and how to ask again, and a project pinned to an
 * older state than the one that has the name is told how to move. A static
 * https folder (no index.json) is asked for the entry by its name. Real git
 * (bare remotes), an https folder on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { staticHost, withRoot, writeFile } from "./_fixtures.ts";
import { coreOn, expectOk, hpm, makeProject, pushEntry, teamRegistry } from "./_project.ts";

const pypi = (name: string, version: string) =>
  `name: ${name}\nsources:\n  prod: {type: pypi, version: ${version}}\n`;

Deno.test("an entry pushed to a git team registry: group add asks again and finds it; a project pinned before it is told to move", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug" }]);
    const registry = await teamRegistry(root, dir);
    const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_STATE_DIR: join(root, "state") };
    // A fresh copy in the cache, then a teammate's new entry.
    expectOk(await hpm(["registry", "list"], dir, env), "registry list");
    await pushEntry(registry, "newplug", pypi("newplug", "1.0.0"));
    const added = await hpm(["group", "add", "extra", "-o", "newplug"], dir, env);
    expectOk(added, "group add of the new entry");
    assert.match(await Deno.readTextFile(join(dir, "hpm.yaml")), /extra:\n\s+options: \[newplug\]/);

    // Synced, the project records the registry's commit; a later entry is
    // at a newer state, which the refusal names with the step to take.
    expectOk(await hpm(["sync", "--mode", "prod", "--no-install"], dir, env), "sync");
    await pushEntry(registry, "later", pypi("later", "2.0.0"));
    const pinned = await hpm(["group", "add", "extra", "-o", "later"], dir, env);
    assert.equal(pinned.code, 2, pinned.stderr);
    assert.match(
      pinned.stderr,
      /unknown package `later`: registry \S+#main has it only after [0-9a-f]{7}, the state pyproject\.toml records/,
    );
    assert.match(pinned.stderr, /hint: `hpm registry update` moves the project/);
    expectOk(await hpm(["registry", "update"], dir, env), "registry update");
    expectOk(await hpm(["group", "add", "extra", "-o", "later"], dir, env), "group add after it");

    // A name no state has: refused, saying where the answer came from.
    const none = await hpm(["group", "add", "extra", "-o", "nosuch"], dir, env);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /unknown package `nosuch`: no registry has it/);
    assert.match(
      none.stderr,
      /registry \S+ answered at [0-9a-f]{7}, the state pyproject\.toml records/,
    );
  });
});

Deno.test("offline, an answer from the cached copy says how old it is and that --refresh asks again", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug" }]);
    await teamRegistry(root, dir);
    const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_STATE_DIR: join(root, "state") };
    expectOk(await hpm(["registry", "list"], dir, env), "registry list");
    const show = await hpm(["registry", "show", "plug"], dir, env);
    expectOk(show, "show from the cache");
    assert.match(
      show.stderr,
      /registry \S+#main answered from its cached copy \(fetched just now\): `--refresh` asks it again/,
    );
    const offline = await hpm(["group", "add", "extra", "-o", "nosuch"], dir, {
      ...env,
      HPM_OFFLINE: "1",
    });
    assert.equal(offline.code, 2, offline.stderr);
    assert.match(offline.stderr, /answered from its cached copy \(fetched just now\): `--refresh`/);
  });
});

Deno.test("a static https folder without index.json: group add and registry show fetch packages/P.yaml by name", async () => {
  await withRoot(async (root) => {
    // The registry folder as it is, on a static host: no index.json.
    const site = join(root, "site");
    const publish = (name: string, version: string) =>
      writeFile(join(site, "packages", `${name}.yaml`), pypi(name, version));
    await publish("plug", "1.0.0");
    const host = staticHost(site);
    try {
      const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_STATE_DIR: join(root, "state") };
      const dir = await coreOn(root, host.url, ["plug"]);
      expectOk(await hpm(["sync", "--no-install", "--mode", "prod"], dir, env), "sync");
      // Published after the copy was made, named by no group yet.
      await publish("other", "2.0.0");
      const show = await hpm(["registry", "show", "other"], dir, env);
      expectOk(show, "registry show of an entry the copy never had");
      assert.match(show.stdout, /prod: pypi ==2\.0\.0/);
      await publish("third", "3.0.0");
      expectOk(await hpm(["group", "add", "more", "-o", "third"], dir, env), "group add");
      assert.match(await Deno.readTextFile(join(dir, "hpm.yaml")), /more:\n\s+options: \[third\]/);
    } finally {
      await host.close();
    }
  });
});
