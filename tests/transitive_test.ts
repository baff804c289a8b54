/**
 * A plugin that depends on another registry plugin works in every mode: in
 * prod, without `requires:`, the dependency is found in the tagged release's
 * own pyproject.toml (read from the dev clone with `git show`).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, pythonImport, withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject, moduleOf } from "./_project.ts";

Deno.test("transitive plugin in prod: found from the release's pyproject.toml, both installed", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(
      root,
      [{ name: "rag4code-base" }, { name: "rag4code-qdrant", dependencies: ["rag4code-base"] }],
      ["rag4code-qdrant"],
    );
    // The clone has moved on: its working tree no longer needs base, the v1.0.0 release does.
    const clone = plugins["rag4code-qdrant"].clone;
    const pyproject = join(clone, "pyproject.toml");
    await Deno.writeTextFile(
      pyproject,
      (await Deno.readTextFile(pyproject)).replace('"rag4code-base"', ""),
    );
    await git(["commit", "--quiet", "-am", "drop base"], { cwd: clone });

    const synced = await hpm(["sync", "--mode", "prod"], dir);
    expectOk(synced, "hpm sync --mode prod");
    for (const name of ["rag4code-qdrant", "rag4code-base"]) {
      const imported = await pythonImport(dir, moduleOf(name));
      assert.match(imported.file, /site-packages/, `${name} from ${imported.file}`);
    }
    const text = await Deno.readTextFile(join(dir, "pyproject.toml"));
    assert.match(text, /plugins = \["rag4code-qdrant", "rag4code-base"\]/);
    assert.match(
      text,
      /rag4code-base = \{ git = "file:\/\/.*rag4code-base\.git", rev = "v1\.0\.0" \}/,
    );

    const status = await hpm(["status", "--mode", "prod", "--json"], dir);
    expectOk(status, "status");
    const base = JSON.parse(status.stdout).packages.find((p: { name: string }) =>
      p.name === "rag4code-base"
    );
    assert.deepEqual(base.requiredBy, ["rag4code-qdrant"]);
  });
});

Deno.test("transitive plugin in prod without dev clones (CI): the release is fetched from its remote", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(
      root,
      [{ name: "rag4code-base" }, { name: "rag4code-qdrant", dependencies: ["rag4code-base"] }],
      ["rag4code-qdrant"],
    );
    for (const p of Object.values(plugins)) await Deno.remove(p.clone, { recursive: true });
    const env = { HPM_CACHE_DIR: join(root, "cache") };

    const offline = await hpm(["diff", "--mode", "prod"], dir, { ...env, HPM_OFFLINE: "1" });
    expectOk(offline, "diff, offline");
    assert.doesNotMatch(offline.stdout, /rag4code-base/, "offline, the release is not fetched");

    expectOk(await hpm(["sync", "--mode", "prod"], dir, env), "hpm sync --mode prod");
    for (const name of ["rag4code-qdrant", "rag4code-base"]) {
      assert.match((await pythonImport(dir, moduleOf(name))).file, /site-packages/);
    }
    assert.match(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      /plugins = \["rag4code-qdrant", "rag4code-base"\]/,
    );
  });
});
