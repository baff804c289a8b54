/**
 * A plugin that pins its own dependency: plug-c needs plug-b and, as a plugin
 * that must build on its own, gives it a source in its own pyproject.toml
 * (`plug-b = { git = "…/plug-b.git", tag = "v1.0.0" }`). The core lists only
 * plug-a and plug-c. uv honours a source tree's own sources, so without more
 * it refuses both modes ("conflicting URLs for package plug-b": the core's
 * editable ../libs-b in dev, its v1.1.0 in prod, against plug-c's v1.0.0).
 * HPM makes the mode's source win with an override it records and removes
 * like its other entries.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  coreProjectPyproject,
  makeCoreProject,
  makePluginRepo,
  makePluginRepoFromDir,
  pythonImport,
  withRoot,
  writeFile,
  writePythonPackage,
} from "./_fixtures.ts";
import { expectOk, hpm } from "./_project.ts";

const released = (version: string) => ({ version, body: `VERSION = "${version}"\n` });

Deno.test("a plugin's own source for another plugin gives way to the mode's, in dev and in prod", async () => {
  await withRoot(async (root) => {
    const dir = join(root, "core");
    await makeCoreProject(dir);
    const a = await makePluginRepo(root, {
      name: "plug-a",
      module: "plug_a",
      versions: [released("1.0.0")],
      cloneDir: join(dir, "packages", "plug-a"),
    });
    const b = await makePluginRepo(root, {
      name: "plug-b",
      module: "plug_b",
      versions: [released("1.0.0"), released("1.1.0")],
      cloneDir: join(root, "libs-b"),
    });
    const source = join(root, "plug-c-source");
    await writePythonPackage(source, {
      name: "plug-c",
      module: "plug_c",
      ...released("1.0.0"),
      dependencies: ["plug-b"],
      extraToml: `[tool.uv.sources]\nplug-b = { git = "${b.bareUrl}", tag = "v1.0.0" }\n`,
    });
    const c = await makePluginRepoFromDir(source, root, {
      tag: "v1.0.0",
      name: "plug-c",
      cloneDir: join(dir, "packages", "plug-c"),
    });
    const entry = (name: string, path: string, url: string, tag: string) =>
      `name: ${name}\nsources:\n  dev: {type: local, path: ${path}}\n` +
      `  prod: {type: git, url: "${url}", tag: ${tag}}\n`;
    const registry = join(dir, "hpm-registry", "packages");
    await writeFile(
      join(registry, "plug-a.yaml"),
      entry("plug-a", "./packages/plug-a", a.bareUrl, "v1.0.0"),
    );
    await writeFile(
      join(registry, "plug-b.yaml"),
      entry("plug-b", "../libs-b", b.bareUrl, "v1.1.0"),
    );
    await writeFile(
      join(registry, "plug-c.yaml"),
      entry("plug-c", "./packages/plug-c", c.bareUrl, "v1.0.0"),
    );
    await writeFile(
      join(dir, "hpm.yaml"),
      "registry: ./hpm-registry\ngroups:\n  plugins:\n    options: [plug-a, plug-c]\n",
    );
    const pyproject = () => Deno.readTextFile(join(dir, "pyproject.toml"));
    const lock = () => Deno.readTextFile(join(dir, "uv.lock"));

    // dev: plug-b is the editable ../libs-b, whatever plug-c's clone says.
    expectOk(await hpm(["sync"], dir), "hpm sync");
    assert.match(await pyproject(), /^override-dependencies = \["plug-b"\]$/m);
    assert.match(await pyproject(), /^overrides = \["plug-b"\]$/m);
    assert.match(
      await lock(),
      /^overrides = \[\{ name = "plug-b", editable = "\.\.\/libs-b" \}\]$/m,
    );
    const devB = await pythonImport(dir, "plug_b");
    assert.equal(
      devB.file,
      await Deno.realPath(join(root, "libs-b", "src", "plug_b", "__init__.py")),
    );
    assert.equal(
      (await pythonImport(dir, "plug_c")).file.startsWith(await Deno.realPath(dir)),
      true,
    );
    expectOk(await hpm(["check"], dir), "hpm check (dev)");

    // prod: plug-b is the registry's v1.1.0, not plug-c's v1.0.0.
    expectOk(await hpm(["sync", "--mode", "prod"], dir), "hpm sync --mode prod");
    assert.match(await pyproject(), /^override-dependencies = \["plug-b"\]$/m);
    assert.match(
      await lock(),
      /^overrides = \[\{ name = "plug-b", git = "[^"]*plug-b\.git\?tag=v1\.1\.0" \}\]$/m,
    );
    const prodB = await pythonImport(dir, "plug_b");
    assert.match(prodB.file, /site-packages/);
    assert.equal(prodB.value, "1.1.0");
    expectOk(await hpm(["check", "--mode", "prod"], dir), "hpm check --mode prod");

    // Once no plugin pins another, the override goes with the rest of hpm's entries.
    expectOk(await hpm(["group", "remove", "plugins", "-o", "plug-c"], dir), "group remove");
    expectOk(await hpm(["sync", "--mode", "prod"], dir), "hpm sync --mode prod without plug-c");
    assert.doesNotMatch(await pyproject(), /override/);
    expectOk(await hpm(["group", "remove", "plugins"], dir), "group remove plugins");
    expectOk(await hpm(["sync", "--mode", "prod"], dir), "hpm sync of nothing");
    assert.equal(await pyproject(), coreProjectPyproject(), "every byte hpm wrote is gone");
  });
});
