/**
 * Releases that do not exist are refused before a registry names them:
 * `registry add --git URL --ref R` and `pin` ask the remote (`git ls-remote`);
 * an unreachable remote only warns; `--no-verify` skips the check.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileUrl, git, withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject, snapshot } from "./_project.ts";

Deno.test("registry add --git --ref: a ref the remote lacks is refused; offline warns", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const url = plugins["rag4code-qdrant"].bareUrl;
    const file = join(dir, "hpm-registry", "packages", "other.yaml");
    const add = (...extra: string[]) =>
      hpm(["registry", "add", "other", "--git", url, ...extra], dir);

    const missing = await add("--ref", "99.0");
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(
      missing.stderr,
      /`99\.0` is not a tag or branch of file:\/\/.*rag4code-qdrant\.git/,
    );
    assert.match(missing.stderr, /--no-verify/);
    await assert.rejects(Deno.stat(file), "nothing written");

    expectOk(await add("--ref", "99.0", "--no-verify"), "--no-verify");
    await Deno.remove(file);
    expectOk(await add("--ref", "v1.0.0"), "an existing tag");
    await Deno.remove(file);
    expectOk(await add("--ref", "main"), "a branch");
    await Deno.remove(file);

    const gone = fileUrl(join(root, "remotes", "gone.git"));
    const offline = await hpm(["registry", "add", "other", "--git", gone, "--ref", "v1"], dir);
    expectOk(offline, "unreachable remote");
    assert.match(offline.stderr, /warning: could not check that `v1` exists on .*gone\.git/);
    await Deno.stat(file);
  });
});

Deno.test("pin: a tag that was never pushed is refused, nothing written; pushed, it pins", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const clone = plugins["rag4code-qdrant"].clone;
    await git(["commit", "--quiet", "--allow-empty", "-m", "1.1.0"], { cwd: clone });
    await git(["tag", "-a", "v1.1.0", "-m", "v1.1.0"], { cwd: clone });
    const entry = "hpm-registry/packages/rag4code-qdrant.yaml";
    const before = await snapshot(dir, [entry]);

    const refused = await hpm(["pin", "rag4code-qdrant"], dir);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /`v1\.1\.0` is not a tag or branch of/);
    assert.match(refused.stderr, /git push origin v1\.1\.0/);
    assert.deepEqual(await snapshot(dir, [entry]), before);
    const explicit = await hpm(["pin", "rag4code-qdrant", "--ref", "v1.1.0"], dir);
    assert.equal(explicit.code, 1, explicit.stderr);

    await git(["push", "--quiet", "origin", "v1.1.0"], { cwd: clone });
    expectOk(await hpm(["pin", "rag4code-qdrant"], dir), "pin after push");
    assert.match(await Deno.readTextFile(join(dir, entry)), /ref: v1\.1\.0/);

    await git(["tag", "-a", "v1.2.0", "-m", "v1.2.0"], { cwd: clone });
    expectOk(await hpm(["pin", "rag4code-qdrant", "--no-verify"], dir), "--no-verify");
    assert.match(await Deno.readTextFile(join(dir, entry)), /ref: v1\.2\.0/);
  });
});
