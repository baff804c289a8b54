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

Deno.test("a setup.py-only release: its unread pyproject.toml is said once per registry state; `requires:` answers for it", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{ name: "datasette-plug" }]);
    // The plugin as most of the datasette ecosystem ships it: setup.py, no pyproject.toml.
    const clone = plugins["datasette-plug"].clone;
    await Deno.remove(join(clone, "pyproject.toml"));
    await Deno.writeTextFile(
      join(clone, "setup.py"),
      'from setuptools import setup\nsetup(name="datasette-plug", version="1.1.0")\n',
    );
    await git(["add", "-A"], { cwd: clone });
    await git(["commit", "--quiet", "-m", "setup.py"], { cwd: clone });
    await git(["tag", "-a", "v1.1.0", "-m", "v1.1.0"], { cwd: clone });
    await git(["push", "--quiet", "origin", "main", "v1.1.0"], { cwd: clone });
    await Deno.remove(clone, { recursive: true }); // CI: no dev clone
    const file = join(dir, "hpm-registry", "packages", "datasette-plug.yaml");
    const at = (ref: string, extra = "") =>
      Deno.writeTextFile(
        file,
        `name: datasette-plug\n${extra}sources:\n  dev: {type: local, path: ./packages/datasette-plug}\n` +
          `  prod: {type: git, url: "${plugins["datasette-plug"].bareUrl}", ref: ${ref}}\n`,
      );
    const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_STATE_DIR: join(root, "state") };
    const notices = async () => {
      const r = await hpm(["diff", "--mode", "prod"], dir, env);
      expectOk(r, "diff --mode prod");
      return r.stderr.split("\n").filter((l) => l.includes("could not read datasette-plug's"));
    };
    await at("v1.1.0");
    assert.equal((await notices()).length, 1, "said the first time");
    assert.deepEqual(await notices(), [], "not again for the same registry state");
    await at("v1.1.0", "# touched\n");
    assert.equal((await notices()).length, 1, "a new registry state: said again");
    assert.deepEqual(await notices(), []);
    await Deno.remove(join(root, "state"), { recursive: true });
    await at("v1.1.0", "requires: []\n");
    assert.deepEqual(await notices(), [], "an explicit `requires:` is the answer");
  });
});
