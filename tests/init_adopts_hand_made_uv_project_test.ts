/**
 * `hpm init` on a uv project set up by hand (`uv add --editable ../plug`,
 * `uv add git+…--tag`): the sources become registry entries and groups, the
 * entries are adopted byte for byte, and `hpm sync` manages them instead of
 * refusing them ("hpm did not write").
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { makePluginRepo, pythonImport, uv, withRoot } from "./_fixtures.ts";
import { expectOk, hpm } from "./_project.ts";

async function uvProject(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await uv(["init", "--lib", "--name", name, "--no-workspace", "--vcs", "none", dir], {
    cwd: root,
  });
  return dir;
}

const plugin = (root: string, name: string) =>
  makePluginRepo(root, {
    name,
    module: name.replace(/-/g, "_"),
    versions: [{ version: "1.0.0", body: 'VERSION = "1.0.0"\n' }],
  });

// What adoption may add to a uv project: `default-groups` (uv add left it
// out) and, at the end, the [tool.hpm] record. Every other byte stays.
function withoutAdditions(text: string): string {
  return text.replace(/\[tool\.uv\]\ndefault-groups = \["plugins"\]\n\n/, "");
}

Deno.test("hpm init adopts path sources: dev entries, groups, bytes kept; sync manages them", async () => {
  await withRoot(async (root) => {
    const plug = await plugin(root, "plug-a");
    const dir = await uvProject(root, "core");
    await uv(["add", "--group", "plugins", "--editable", "../plug-a"], { cwd: dir });
    const before = await Deno.readTextFile(join(dir, "pyproject.toml"));
    assert.match(before, /plug-a = \{ path = "\.\.\/plug-a", editable = true \}/);

    const init = await hpm(["init"], dir);
    expectOk(init, "init");
    assert.match(
      init.stderr,
      /adopted plug-a: its path source in pyproject\.toml is now the `dev` source/,
    );
    const after = await Deno.readTextFile(join(dir, "pyproject.toml"));
    assert.ok(withoutAdditions(after).startsWith(before), `only hpm's lines added:\n${after}`);
    assert.match(after, /\[tool\.hpm\]\n[^]*mode = "dev"/);
    assert.deepEqual(parseYaml(await Deno.readTextFile(join(dir, "hpm.yaml"))).groups, {
      plugins: { options: ["plug-a"] },
    });
    const entry = parseYaml(
      await Deno.readTextFile(join(dir, "hpm-registry", "packages", "plug-a.yaml")),
    );
    assert.deepEqual(entry.sources, {
      dev: { type: "local", path: "../plug-a", editable: true },
    });

    // Before: "hpm did not write". Now: in sync, nothing rewritten, installed from the clone.
    const synced = await hpm(["sync"], dir);
    expectOk(synced, "sync after adoption");
    assert.match(synced.stderr, /pyproject\.toml unchanged/);
    assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), after);
    assert.ok((await pythonImport(dir, "plug_a")).file.startsWith(plug.clone));
    expectOk(await hpm(["check"], dir), "check");
  });
});

Deno.test("hpm init adopts git sources as prod; --no-adopt leaves them as they are", async () => {
  await withRoot(async (root) => {
    const plug = await plugin(root, "plug-b");
    const dir = await uvProject(root, "core");
    await uv(["add", "--group", "plugins", `git+${plug.bareUrl}`, "--tag", "v1.0.0"], {
      cwd: dir,
    });
    const before = await Deno.readTextFile(join(dir, "pyproject.toml"));

    const refused = await hpm(["init", "--no-adopt"], dir);
    expectOk(refused, "init --no-adopt");
    assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), before);
    assert.equal(parseYaml(await Deno.readTextFile(join(dir, "hpm.yaml"))).groups, undefined);
    await Deno.remove(join(dir, "hpm.yaml"));
    await Deno.remove(join(dir, "hpm-registry"), { recursive: true });

    const init = await hpm(["init"], dir);
    expectOk(init, "init");
    assert.match(init.stderr, /adopted plug-b: its git source .* is now the `prod` source/);
    const entry = parseYaml(
      await Deno.readTextFile(join(dir, "hpm-registry", "packages", "plug-b.yaml")),
    );
    assert.deepEqual(entry.sources.prod, { type: "git", url: plug.bareUrl, tag: "v1.0.0" });
    assert.deepEqual(entry.sources.dev, {
      type: "local",
      path: "./packages/plug-b",
      editable: true,
    });
    const after = await Deno.readTextFile(join(dir, "pyproject.toml"));
    assert.ok(withoutAdditions(after).startsWith(before), after);

    const synced = await hpm(["sync", "--mode", "prod"], dir);
    expectOk(synced, "prod sync after adoption");
    assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), after);
    assert.match((await pythonImport(dir, "plug_b")).file, /site-packages/);
    expectOk(await hpm(["check", "--mode", "prod"], dir), "check prod");
  });
});
