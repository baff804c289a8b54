/**
 * Trying a registry change before pushing it (issue 22, item 3):
 * `registry:` in hpm.local.yaml replaces hpm.yaml's list on this machine
 * only. `hpm status` says when it is in force; sync plans from it; the
 * committed form (`hpm stage`, `hpm check --staged`) is always planned from
 * hpm.yaml's registries, so no commit depends on a registry nobody else has.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, withRoot, writeFile } from "./_fixtures.ts";
import { coreWithGitRegistry, expectOk, hpm, makeProject, snapshot } from "./_project.ts";

const PLUGIN = "plug";

const entry = (url: string, ref: string) =>
  `name: ${PLUGIN}\nsources:\n  dev: {type: local, path: ./packages/${PLUGIN}}\n` +
  `  prod: {type: git, url: "${url}", ref: ${ref}}\n`;

Deno.test("registry: in hpm.local.yaml is this machine's; status says so; the committed form stays hpm.yaml's", async () => {
  await withRoot(async (root) => {
    const { dir, url, bare, registryUrl, env } = await coreWithGitRegistry(root, PLUGIN, entry);
    await Deno.writeTextFile(join(dir, ".gitignore"), "packages/\nhpm.local.yaml\n", {
      append: true,
    });
    await git(["init", "--quiet"], { cwd: dir });
    expectOk(await hpm(["sync", "--mode", "prod", "--no-install"], dir, env), "sync prod");
    await git(["add", "-A"], { cwd: dir });
    await git(["commit", "--quiet", "-m", "prod form"], { cwd: dir });
    const head = (await git(["show", "HEAD:pyproject.toml"], { cwd: dir })).stdout;
    assert.match(head, /rev = "v1\.0\.0"/);

    // A clone of the registry, with the change to try: v1.1.0.
    const clone = join(root, "team-registry");
    await git(["clone", "--quiet", bare, clone], { cwd: root });
    await writeFile(join(clone, "packages", `${PLUGIN}.yaml`), entry(url, "v1.1.0"));
    await writeFile(join(dir, "hpm.local.yaml"), "registry: ../team-registry\n");

    const status = await hpm(["status"], dir, env);
    expectOk(status, "status");
    assert.match(
      status.stdout,
      new RegExp(
        `^registry: \\.\\./team-registry \\(hpm\\.local\\.yaml, overriding hpm\\.yaml's ${
          registryUrl.replaceAll(".", "\\.")
        }\\)$`,
        "m",
      ),
    );
    const json = JSON.parse((await hpm(["status", "--json"], dir, env)).stdout);
    assert.deepEqual(json.registry, {
      locations: ["../team-registry"],
      file: join(dir, "hpm.local.yaml"),
      overriding: [registryUrl],
    });

    expectOk(await hpm(["sync", "--mode", "prod", "--no-install"], dir, env), "sync prod, tried");
    assert.match(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      /rev = "v1\.1\.0"/,
      "this machine plans from the override",
    );
    expectOk(await hpm(["sync", "--no-install"], dir, env), "back to dev");

    // The committed form is the team's: hpm.yaml's registry, whatever this machine tries.
    const staged = await hpm(["stage", "--offline"], dir, env);
    expectOk(staged, "stage");
    assert.match(
      staged.stderr,
      /hpm\.local\.yaml's registry \(\.\.\/team-registry\) is not used for the committed form/,
    );
    assert.equal(
      (await git(["show", ":pyproject.toml"], { cwd: dir })).stdout,
      head,
      "the staged form is HEAD's, from hpm.yaml's registry",
    );
    expectOk(await hpm(["check", "--staged"], dir, env), "check --staged");

    // Without the override, hpm.yaml's list is in force again, and status says nothing of it.
    await Deno.remove(join(dir, "hpm.local.yaml"));
    const plain = await hpm(["status"], dir, env);
    expectOk(plain, "status without the override");
    assert.doesNotMatch(plain.stdout, /^registry:/m);
  });
});

Deno.test("a registry override that is not there is an error naming hpm.local.yaml; nothing written", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: PLUGIN }]);
    await writeFile(join(dir, "hpm.local.yaml"), "mode: dev\nregistry: [../nowhere]\n");
    const before = await snapshot(dir, ["pyproject.toml", "uv.lock"]);
    const r = await hpm(["sync"], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /registry folder `.*nowhere\/packages` does not exist/);
    assert.match(r.stderr, /--> hpm\.local\.yaml/);
    assert.match(r.stderr, /check `registry:` in hpm\.local\.yaml/);
    assert.deepEqual(await snapshot(dir, ["pyproject.toml", "uv.lock"]), before);
    await writeFile(join(dir, "hpm.local.yaml"), "registry: git+ext::sh.git\n");
    const bad = await hpm(["sync"], dir);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /hpm\.local\.yaml:1:11/);
  });
});
