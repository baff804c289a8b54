/**
 * `hpm init --hook` never replaces a hook it did not write; and in a project
 * HPM is not set up in yet, a hook it may not write (no git work tree,
 * another tool's hook) is refused before hpm.yaml, the registry folder or
 * .gitignore are written, not after.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { git, withRoot, writeFile } from "./_fixtures.ts";
import { hpm, makeProject } from "./_project.ts";

const PYPROJECT = '[project]\nname = "core"\nversion = "0.1.0"\n';

// Every file under `dir` but git's own, with its text.
async function files(dir: string, under = dir): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for await (const e of Deno.readDir(under)) {
    const path = join(under, e.name);
    if (e.isDirectory && e.name !== ".git") Object.assign(found, await files(dir, path));
    else if (e.isFile) found[relative(dir, path)] = await Deno.readTextFile(path);
  }
  return found;
}

Deno.test("hpm init --hook outside a git work tree writes nothing", async () => {
  await withRoot(async (root) => {
    const dir = join(root, "core");
    await writeFile(join(dir, "pyproject.toml"), PYPROJECT);
    const r = await hpm(["init", "--hook"], dir, { GIT_CEILING_DIRECTORIES: root });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is not in a git work tree/);
    assert.deepEqual(await files(dir), { "pyproject.toml": PYPROJECT });
  });
});

Deno.test("hpm init --hook never replaces another tool's hook, and then writes nothing", async () => {
  await withRoot(async (root) => {
    // A project HPM manages, and one it is not set up in yet.
    const { dir: managed } = await makeProject(root, [{ name: "plug-a" }]);
    const fresh = join(root, "fresh");
    await writeFile(join(fresh, "pyproject.toml"), PYPROJECT);
    for (const dir of [managed, fresh]) {
      await git(["init", "--quiet"], { cwd: dir });
      const hook = join(dir, ".git", "hooks", "pre-commit");
      await writeFile(hook, "#!/bin/sh\nmake lint\n");
      const before = await files(dir);
      const r = await hpm(["init", "--hook"], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /was not written by hpm/);
      assert.deepEqual(await files(dir), before);
      assert.equal(await Deno.readTextFile(hook), "#!/bin/sh\nmake lint\n");
    }
  });
});
