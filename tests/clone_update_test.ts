/**
 * `hpm clone --update`: fetch and fast-forward the clean clones, in parallel;
 * clones with uncommitted changes or unpushed commits are reported and left
 * exactly as they were; missing ones are cloned.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

const head = async (dir: string) => (await git(["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();

Deno.test("hpm clone --update fast-forwards clean clones, leaves dirty and ahead ones alone", async () => {
  await withRoot(async (root) => {
    const names = ["p-behind", "p-dirty", "p-ahead", "p-current", "p-missing"];
    const { dir, plugins } = await makeProject(root, names.map((name) => ({ name })));
    // Someone else pushes a commit to every remote.
    for (const name of ["p-behind", "p-dirty", "p-ahead"]) {
      const other = join(root, "others", name);
      await git(["clone", "--quiet", plugins[name].bareUrl, other], { cwd: root });
      await writeFile(join(other, "NEWS"), "news\n");
      await git(["add", "NEWS"], { cwd: other });
      await git(["commit", "--quiet", "-m", "news"], { cwd: other });
      await git(["push", "--quiet", "origin", "HEAD:main"], { cwd: other });
    }
    const clone = (name: string) => plugins[name].clone;
    await Deno.writeTextFile(join(clone("p-dirty"), "wip.py"), "wip = 1\n");
    await git(["commit", "--quiet", "--allow-empty", "-m", "mine"], { cwd: clone("p-ahead") });
    await Deno.remove(clone("p-missing"), { recursive: true });
    const before = {
      dirty: await head(clone("p-dirty")),
      ahead: await head(clone("p-ahead")),
      current: await head(clone("p-current")),
    };

    const r = await hpm(["clone", "--update", "--json"], dir);
    expectOk(r, "clone --update");
    const by = Object.fromEntries(
      JSON.parse(r.stdout).results.map((x: { name: string }) => [x.name, x]),
    );
    assert.equal(by["p-behind"].status, "updated");
    assert.match(by["p-behind"].reason, /^fast-forwarded 1 commit \([0-9a-f]+\.\.[0-9a-f]+\)$/);
    assert.equal(
      await head(clone("p-behind")),
      (await git(["rev-parse", "main"], { cwd: plugins["p-behind"].bare })).stdout.trim(),
    );
    await Deno.stat(join(clone("p-behind"), "NEWS"));

    assert.equal(by["p-dirty"].status, "kept");
    assert.match(by["p-dirty"].reason, /1 uncommitted change/);
    assert.equal(await head(clone("p-dirty")), before.dirty);
    assert.equal(await Deno.readTextFile(join(clone("p-dirty"), "wip.py")), "wip = 1\n");

    assert.equal(by["p-ahead"].status, "kept");
    assert.match(by["p-ahead"].reason, /1 commit not pushed, 1 to pull: diverged/);
    assert.equal(await head(clone("p-ahead")), before.ahead);

    assert.equal(by["p-current"].status, "current");
    assert.equal(await head(clone("p-current")), before.current);
    assert.equal(by["p-missing"].status, "cloned");

    const text = await hpm(["clone", "--update"], dir);
    expectOk(text, "clone --update again");
    assert.equal(
      text.stdout.trim(),
      "3 up to date, 2 left alone (p-ahead: 1 commit not pushed, 1 to pull: diverged; " +
        "p-dirty: 1 uncommitted change)",
    );
  });
});
