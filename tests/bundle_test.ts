/**
 * The single-file bundle (`deno task bundle`), the stand-in here for the
 * `deno compile` binary: it must need nothing next to it at run time (no
 * files read beside the code, no npm cache) and do HPM's real job.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, pythonImport, run } from "./_fixtures.ts";
import { makeProject } from "./_project.ts";

Deno.test("the bundle runs from an empty DENO_DIR and syncs a project with real uv", async () => {
  const root = await makeTempRoot();
  try {
    const bundle = join(root, "hpm.js");
    const built = await run(Deno.execPath(), ["bundle", "-o", bundle, "cli.ts"], {
      cwd: new URL("..", import.meta.url).pathname,
    });
    assert.equal(built.code, 0, built.stderr);
    const text = await Deno.readTextFile(bundle);
    assert.doesNotMatch(
      text,
      /^import .* from "(?!node:)[^"]+";$/m,
      "imports only node: built-ins",
    );

    const { dir, plugins } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const env = { DENO_DIR: join(root, "empty-deno-dir"), NO_COLOR: "1" };
    const hpm = (...args: string[]) =>
      run(Deno.execPath(), ["run", "-A", bundle, ...args], { cwd: dir, env });

    const version = await hpm("--version");
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const synced = await hpm("sync");
    assert.equal(synced.code, 0, synced.stderr);
    assert.ok(
      (await pythonImport(dir, "rag4code_qdrant")).file.startsWith(
        plugins["rag4code-qdrant"].clone,
      ),
    );
    assert.equal((await hpm("check")).code, 0);
    const bad = await hpm("group", "add", "g", "--option", "nope");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown package `nope`/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
