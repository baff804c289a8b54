/**
 * `repository:` in a registry entry: the git URL a plugin released on an index
 * is developed in. `registry add --pypi … --repository` writes it; `clone`,
 * `status` and `pin` use it when no mode has a git source.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

Deno.test("repository: written by registry add, cloned from, shown by status, pinned from", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{
      name: "rag4code-openai",
      versions: ["1.0.0", "1.1.0"],
      prod: () => "{type: pypi, version: 1.0.0}",
    }]);
    const repo = plugins["rag4code-openai"];
    const entry = join(dir, "hpm-registry", "packages", "rag4code-openai.yaml");
    await Deno.remove(repo.clone, { recursive: true });
    // Without `repository:` there is nothing to clone from, and status says so.
    const unknown = await hpm(["status", "--mode", "prod"], dir);
    expectOk(unknown, "status without repository");
    assert.match(unknown.stdout, /no git URL to clone it from: add `repository:`/);
    await Deno.remove(entry);

    expectOk(
      await hpm([
        "registry",
        "add",
        "rag4code-openai",
        "--pypi",
        "1.0.0",
        "--repository",
        repo.bareUrl,
      ], dir),
      "registry add --repository",
    );
    const text = await Deno.readTextFile(entry);
    assert.match(text, new RegExp(`^repository: ${repo.bareUrl}$`, "m"));
    const show = await hpm(["registry", "show", "rag4code-openai"], dir);
    expectOk(show, "show");
    assert.match(show.stdout, new RegExp(`repository: ${repo.bareUrl}`));

    // Without a clone, status says how to get it, and that works.
    const before = await hpm(["status", "--mode", "prod"], dir);
    expectOk(before, "status");
    assert.match(before.stdout, /missing: run `hpm clone rag4code-openai`/);
    const cloned = await hpm(["clone", "rag4code-openai"], dir);
    expectOk(cloned, "clone from repository");
    assert.match(cloned.stdout, /1 cloned/);
    const described = await git(["describe", "--tags"], { cwd: repo.clone });
    assert.equal(described.stdout.trim(), "v1.1.0");

    // pin: the pypi version from the clone's newest tag.
    const pinned = await hpm(["pin", "rag4code-openai"], dir);
    expectOk(pinned, "pin");
    assert.match(await Deno.readTextFile(entry), /version: 1\.1\.0/);
  });
});

Deno.test("repository: refused when it is not a safe git URL, and with --git", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const bad = await hpm(
      ["registry", "add", "x", "--pypi", "1.0", "--repository", "ext::sh -c evil"],
      dir,
    );
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /git URLs must use/);
    const both = await hpm([
      "registry",
      "add",
      "x",
      "--git",
      "https://example.com/x.git",
      "--repository",
      "https://example.com/x.git",
    ], dir);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--repository goes with --pypi/);
    await assert.rejects(Deno.stat(join(dir, "hpm-registry", "packages", "x.yaml")));

    // Read side: the same check on a hand-written entry.
    await writeFile(
      join(dir, "hpm-registry", "packages", "y.yaml"),
      "name: y\nrepository: 'ext::sh -c evil'\nsources:\n  prod: {type: pypi}\n",
    );
    const show = await hpm(["registry", "show", "y"], dir);
    assert.equal(show.code, 2, show.stderr);
    assert.match(show.stderr, /git URLs must use/);
    assert.match(show.stderr, /y\.yaml:2:/);
  });
});
