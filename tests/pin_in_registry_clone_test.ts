/**
 * A registry change tried before it is pushed (issue 22, item 3): `hpm pin`
 * on a plugin from a git registry says exactly how; `hpm pin` works in a
 * clone of the registry (no hpm.yaml there: the newest tag comes from the
 * plugin's remote) and from a core with `--registry DIR` (from the core's
 * clone of the plugin); hpm.local.yaml's `registry:` tries it; pushed, `hpm
 * registry update` brings it to everyone.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, withRoot, writeFile } from "./_fixtures.ts";
import { coreWithGitRegistry, expectOk, hpm } from "./_project.ts";

const PLUGIN = "datasette-plug";

const entry = (url: string, ref: string) =>
  `# the team's entry for ${PLUGIN}\nname: ${PLUGIN}\nsources:\n` +
  `  dev: {type: local, path: ./packages/${PLUGIN}}\n` +
  `  prod:\n    type: git\n    url: "${url}"\n    ref: ${ref} # bumped by hpm pin\n`;

Deno.test("pin in a registry clone, try it through hpm.local.yaml, push, hpm registry update", async () => {
  await withRoot(async (root) => {
    const { dir, plugin, url, bare, registryUrl, env } = await coreWithGitRegistry(
      root,
      PLUGIN,
      entry,
    );
    const prodRef = async () => {
      expectOk(await hpm(["sync", "--mode", "prod", "--no-install"], dir, env), "sync prod");
      return /rev = "(v[\d.]+)"/.exec(await Deno.readTextFile(join(dir, "pyproject.toml")))?.[1];
    };
    assert.equal(await prodRef(), "v1.0.0");

    // From the core: the entry is the remote registry's; the hint gives the steps.
    const refused = await hpm(["pin", PLUGIN], dir, env);
    assert.equal(refused.code, 2, refused.stderr);
    const hint = refused.stderr.split("\n").find((l) => l.includes("hint:")) ?? "";
    for (
      const step of [
        `git clone ${registryUrl} ../registry`,
        `hpm pin ${PLUGIN} --registry ../registry`,
        "`registry: ../registry` in hpm.local.yaml",
        "push",
        "`hpm registry update`",
      ]
    ) assert.ok(hint.includes(step), `${step}: ${hint}`);

    // In a clone of the registry (no hpm.yaml): the newest tag, from the plugin's remote.
    const clone = join(root, "registry");
    await git(["clone", "--quiet", bare, clone], { cwd: root });
    const file = join(clone, "packages", `${PLUGIN}.yaml`);
    const pinned = await hpm(["pin", PLUGIN], clone, env);
    expectOk(pinned, "pin in the registry clone");
    assert.match(pinned.stderr, /v1\.0\.0 → v1\.1\.0/);
    assert.equal(await Deno.readTextFile(file), entry(url, "v1.1.0"), "only the value changed");
    const missing = await hpm(["pin", PLUGIN, "--ref", "v9.0.0"], clone, env);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /`v9\.0\.0` is not a tag or branch of/);
    assert.equal(await Deno.readTextFile(file), entry(url, "v1.1.0"));

    // From the core, into the clone: the core's clone of the plugin gives the tag.
    await Deno.writeTextFile(file, entry(url, "v1.0.0"));
    const fromCore = await hpm(["pin", PLUGIN, "--registry", "../registry"], dir, env);
    expectOk(fromCore, "pin --registry from the core");
    assert.equal(await Deno.readTextFile(file), entry(url, "v1.1.0"));
    await Deno.writeTextFile(join(plugin.clone, "wip.py"), "x = 1\n");
    const dirty = await hpm(["pin", PLUGIN, "--registry", "../registry"], dir, env);
    assert.equal(dirty.code, 1, "the core's clone is checked as for any pin");
    await Deno.remove(join(plugin.clone, "wip.py"));

    // Tried from the core before it is pushed.
    await writeFile(join(dir, "hpm.local.yaml"), "registry: ../registry\n");
    assert.equal(await prodRef(), "v1.1.0", "tried through the override");
    // Pushed; the override goes; the deliberate step brings it.
    await git(["commit", "--quiet", "-am", `pin ${PLUGIN} v1.1.0`], { cwd: clone });
    await git(["push", "--quiet", "origin", "main"], { cwd: clone });
    await Deno.remove(join(dir, "hpm.local.yaml"));
    expectOk(await hpm(["registry", "update"], dir, env), "registry update");
    assert.equal(await prodRef(), "v1.1.0", "the team's registry now says so");

    // Neither a project nor a registry with that package: both ways are named.
    const nowhere = await hpm(["pin", PLUGIN], root, env);
    assert.equal(nowhere.code, 2, nowhere.stderr);
    assert.match(
      nowhere.stderr,
      /no hpm\.yaml, and no registry folder with packages\/datasette-plug\.yaml/,
    );
    assert.match(nowhere.stderr, /--registry DIR/);
  });
});
