/**
 * A project as a Windows checkout leaves it: CRLF line endings everywhere and
 * registry paths written with `\`. HPM must keep the CRLF bytes through dev,
 * prod and back, and write `/` paths uv reads on every system.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonImport, withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

const crlf = (text: string) => text.replace(/\r?\n/g, "\r\n");

async function toCrlf(file: string, edit: (text: string) => string = (t) => t) {
  await Deno.writeTextFile(file, crlf(edit(await Deno.readTextFile(file))));
}

Deno.test("CRLF files and `\\` registry paths: dev, prod and back keep every byte", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const pyproject = join(dir, "pyproject.toml");
    await toCrlf(pyproject);
    await toCrlf(join(dir, "hpm.yaml"));
    await toCrlf(
      join(dir, "hpm-registry", "packages", "rag4code-qdrant.yaml"),
      (t) => t.replace("path: ./packages/rag4code-qdrant", "path: '.\\packages\\rag4code-qdrant'"),
    );
    const original = await Deno.readTextFile(pyproject);

    expectOk(await hpm(["sync"], dir), "hpm sync");
    const dev = await Deno.readTextFile(pyproject);
    assert.ok(dev.startsWith(original), "the user's bytes come first, unchanged");
    assert.equal(dev.split("\n").length, dev.split("\r\n").length, "every newline is CRLF");
    assert.match(
      dev,
      /^rag4code-qdrant = \{ path = "packages\/rag4code-qdrant", editable = true \}\r$/m,
    );
    const imported = await pythonImport(dir, "rag4code_qdrant");
    assert.ok(imported.file.startsWith(plugins["rag4code-qdrant"].clone), imported.file);

    expectOk(await hpm(["group", "add", "extra", "--option", "rag4code-qdrant"], dir), "group add");
    const manifest = await Deno.readTextFile(join(dir, "hpm.yaml"));
    assert.equal(manifest.split("\n").length, manifest.split("\r\n").length, "hpm.yaml stays CRLF");

    expectOk(await hpm(["sync", "--mode", "prod"], dir), "hpm sync --mode prod");
    const prod = await Deno.readTextFile(pyproject);
    assert.equal(prod.split("\n").length, prod.split("\r\n").length, "prod: every newline is CRLF");
    assert.match(prod, /git = "file:/);
    expectOk(await hpm(["check", "--mode", "prod"], dir), "hpm check --mode prod");

    expectOk(await hpm(["group", "remove", "extra"], dir), "group remove extra");
    expectOk(await hpm(["group", "remove", "plugins"], dir), "group remove plugins");
    expectOk(await hpm(["sync", "--no-install"], dir), "hpm sync without groups");
    assert.equal(await Deno.readTextFile(pyproject), original, "back to the original bytes");
  });
});
