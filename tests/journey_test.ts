/**
 * A developer's whole day, one command after another, as the README tells it:
 * init → registry add → group add → clone → sync (dev) → change, commit, tag →
 * status → pin → verify → sync (prod) → check. Real uv, real git.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { git, makePluginRepo, pythonImport, uv, withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm } from "./_project.ts";

Deno.test("the developer's day, from `hpm init` to a prod release", async () => {
  await withRoot(async (root) => {
    const upstream = await makePluginRepo(root, {
      name: "rag4code-qdrant",
      module: "rag4code_qdrant",
      versions: [{ version: "1.0.0", body: 'VERSION = "1.0.0"\n' }],
      cloneDir: join(root, "upstream", "rag4code-qdrant"),
    });
    const core = join(root, "core");
    await uv(["init", "--lib", "--name", "core", "--no-workspace", "--vcs", "none", core], {
      cwd: root,
    });

    expectOk(await hpm(["init"], core), "init");
    expectOk(
      await hpm([
        "registry",
        "add",
        "rag4code-qdrant",
        "--git",
        upstream.bareUrl,
        "--ref",
        "v1.0.0",
      ], core),
      "registry add",
    );
    expectOk(
      await hpm(["group", "add", "vector-db", "--option", "rag4code-qdrant"], core),
      "group add",
    );
    assert.equal((await hpm(["sync"], core)).code, 2, "sync names the missing clone");
    const cloned = await hpm(["clone"], core);
    expectOk(cloned, "clone");
    assert.match(cloned.stdout, /1 cloned/);
    const clone = join(core, "packages", "rag4code-qdrant");

    expectOk(await hpm(["sync"], core), "dev sync");
    assert.ok((await pythonImport(core, "rag4code_qdrant")).file.startsWith(clone));

    // Work on the plugin, release it from the clone.
    await writeFile(
      join(clone, "src", "rag4code_qdrant", "__init__.py"),
      'VERSION = "1.1.0"  # released\n',
    );
    assert.equal((await pythonImport(core, "rag4code_qdrant")).value, "1.1.0", "live in dev");
    const dirty = JSON.parse((await hpm(["status", "--json"], core)).stdout);
    assert.equal(dirty.packages[0].clone.dirty, true);
    assert.equal(
      (await hpm(["pin", "rag4code-qdrant"], core)).code,
      1,
      "pin refuses a dirty clone",
    );
    await git(["commit", "--quiet", "-am", "1.1.0"], { cwd: clone });
    const ahead = JSON.parse((await hpm(["status", "--json"], core)).stdout);
    assert.equal(ahead.packages[0].clone.commitsSinceProdRef, 1);
    await git(["tag", "-a", "v1.1.0", "-m", "v1.1.0"], { cwd: clone });
    await git(["push", "--quiet", "origin", "HEAD:main", "v1.1.0"], { cwd: clone });

    const pinned = await hpm(["pin", "rag4code-qdrant"], core);
    expectOk(pinned, "pin");
    const entry = parseYaml(
      await Deno.readTextFile(join(core, "hpm-registry", "packages", "rag4code-qdrant.yaml")),
    );
    assert.equal(entry.sources.prod.ref, "v1.1.0");

    expectOk(await hpm(["verify", "--mode", "prod"], core), "verify prod");
    expectOk(await hpm(["sync", "--mode", "prod"], core), "prod sync");
    const released = await pythonImport(core, "rag4code_qdrant");
    assert.match(released.file, /site-packages/);
    assert.equal(released.value, "1.1.0");
    expectOk(await hpm(["check", "--mode", "prod"], core), "check prod");
    assert.equal((await hpm(["check"], core)).code, 1, "dev would differ");
  });
});
