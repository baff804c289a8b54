/**
 * A switch back to a mode synced before puts back the uv.lock uv left for
 * that mode, when uv.lock is still what the earlier switch found: real uv,
 * real git. The environment must be the one a hand switch (the mode's
 * pyproject.toml and a plain `uv sync`, which resolves anew) leaves.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, pythonImport, runOk, serveIndex, uv, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject, snapshot } from "./_project.ts";

// What `-v` says when the lock was put back.
const LOCK_BACK =
  /uv\.lock unchanged since that switch: the lock uv left for this mode is put back/;
const FAST = /inputs unchanged since this mode was last synced/;

async function freeze(dir: string): Promise<string> {
  return (await uv(["pip", "freeze"], { cwd: dir })).stdout;
}

const FILES = ["pyproject.toml", "uv.lock"];

Deno.test("a switch back puts back the mode's uv.lock; the environment is a fresh sync's", async () => {
  const root = await makeTempRoot();
  try {
    const { dir, plugins } = await makeProject(root, [{ name: "plug-a" }, {
      name: "plug-b",
      versions: ["1.0.0", "1.1.0"],
    }]);
    // Each mode's record is made by a switch into it.
    for (const mode of ["dev", "prod", "dev"]) {
      expectOk(await hpm(["sync", "--mode", mode], dir), `sync ${mode}`);
    }
    const dev = await snapshot(dir, FILES);
    expectOk(await hpm(["sync", "--mode", "prod"], dir), "sync prod");
    const prod = await snapshot(dir, FILES);
    expectOk(await hpm(["sync", "--mode", "dev"], dir), "sync dev");
    assert.deepEqual(await snapshot(dir, FILES), dev);

    // From the record: both files written again, uv's lock for prod among them.
    const back = await hpm(["-v", "sync", "--mode", "prod"], dir);
    expectOk(back, "switch back to prod");
    assert.match(back.stderr, FAST);
    assert.match(back.stderr, LOCK_BACK);
    assert.deepEqual(await snapshot(dir, FILES), prod);
    const restored = await freeze(dir);
    const origin = await pythonImport(dir, "plug_b");
    assert.equal(origin.value, "1.1.0");
    assert.ok(!origin.file.startsWith(plugins["plug-b"].clone), origin.file);

    // The same switch by hand, from the same dev state: uv resolves anew.
    expectOk(await hpm(["sync", "--mode", "dev"], dir), "back to dev");
    assert.deepEqual(await snapshot(dir, FILES), dev);
    await Deno.writeTextFile(join(dir, "pyproject.toml"), prod["pyproject.toml"]!);
    await uv(["sync"], { cwd: dir });
    assert.deepEqual(await snapshot(dir, FILES), prod, "uv locks the same");
    assert.equal(await freeze(dir), restored);
    assert.deepEqual(await pythonImport(dir, "plug_b"), origin);

    // --frozen installs uv.lock as it is: right when it is the mode's own lock.
    expectOk(await hpm(["sync", "--mode", "dev"], dir), "back to dev");
    const frozen = await hpm(["-v", "sync", "--frozen", "--mode", "prod"], dir);
    expectOk(frozen, "frozen switch back");
    assert.match(frozen.stderr, LOCK_BACK);
    assert.doesNotMatch(frozen.stderr, /warning/);
    assert.equal(await freeze(dir), restored);
    expectOk(await hpm(["sync", "--mode", "dev"], dir), "back to dev");
    await Deno.writeTextFile(join(dir, "uv.lock"), `${dev["uv.lock"]}# the user's\n`);
    const stale = await hpm(["sync", "--frozen", "--mode", "prod"], dir);
    expectOk(stale, "frozen switch from another lock");
    assert.match(
      stale.stderr,
      /warning: pyproject\.toml changed, but --frozen installs uv\.lock as it is/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a uv.lock changed since is left to uv; a uv failure restores the lock it replaced", async () => {
  const root = await makeTempRoot();
  try {
    const { dir } = await makeProject(root, [{ name: "plug-a" }]);
    for (const mode of ["dev", "prod", "dev"]) {
      expectOk(await hpm(["sync", "--mode", mode], dir), `sync ${mode}`);
    }
    const dev = await snapshot(dir, FILES);

    // uv fails after the lock was put back: both files as they were.
    const failed = await hpm(["-v", "sync", "--mode", "prod", "--", "--no-such-flag"], dir);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, LOCK_BACK);
    assert.deepEqual(await snapshot(dir, FILES), dev);

    // The user's own change to uv.lock (here a comment) is not overwritten
    // with the copy: uv locks from it, as it would without HPM.
    const edited = `${dev["uv.lock"]}# kept by the user\n`;
    await Deno.writeTextFile(join(dir, "uv.lock"), edited);
    const switched = await hpm(["-v", "sync", "--mode", "prod"], dir);
    expectOk(switched, "switch to prod");
    assert.match(switched.stderr, FAST);
    assert.doesNotMatch(switched.stderr, LOCK_BACK);
    assert.match(switched.stderr, /uv\.lock changed since that switch: uv locks from it/);

    // The record learns what this switch found and left: from that uv.lock
    // again, uv's lock is put back.
    const prod = await snapshot(dir, FILES);
    expectOk(await hpm(["sync", "--mode", "dev"], dir), "sync dev");
    await Deno.writeTextFile(join(dir, "uv.lock"), edited);
    const again = await hpm(["-v", "sync", "--mode", "prod"], dir);
    expectOk(again, "switch to prod again");
    assert.match(again.stderr, LOCK_BACK);
    assert.deepEqual(await snapshot(dir, FILES), prod);

    // --no-install writes pyproject.toml alone: uv.lock is uv's to change.
    expectOk(await hpm(["sync", "--mode", "dev"], dir), "sync dev");
    const lock = await Deno.readTextFile(join(dir, "uv.lock"));
    const edit = await hpm(["-v", "sync", "--no-install", "--mode", "prod"], dir);
    expectOk(edit, "edit only");
    assert.doesNotMatch(edit.stderr, LOCK_BACK);
    assert.equal(await Deno.readTextFile(join(dir, "uv.lock")), lock);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a switch back asks the package index nothing; the same switch by hand asks it again", async () => {
  const root = await makeTempRoot();
  const wheels = join(root, "wheels");
  const { dir, plugins } = await makeProject(root, [{ name: "plug-a" }, { name: "plug-b" }]);
  for (const p of Object.values(plugins)) {
    await runOk("uv", ["build", "--wheel", "--quiet", "--out-dir", wheels], { cwd: p.clone });
  }
  // Pages that must be asked again each time, as many private indexes serve them.
  const index = await serveIndex(wheels, { cacheControl: "no-cache" });
  try {
    for (const name of Object.keys(plugins)) {
      await writeFile(
        join(dir, "hpm-registry", "packages", `${name}.yaml`),
        `name: ${name}\nsources:\n  dev: {type: local, path: ./packages/${name}}\n` +
          `  prod: {type: pypi, version: 1.0.0, index: "${index.url}"}\n`,
      );
    }
    for (const mode of ["dev", "prod", "dev"]) {
      expectOk(await hpm(["sync", "--mode", mode], dir), `sync ${mode}`);
    }

    index.requests.length = 0;
    const back = await hpm(["-v", "sync", "--mode", "prod"], dir);
    expectOk(back, "switch back to prod");
    assert.match(back.stderr, LOCK_BACK);
    assert.equal(
      index.requests.length,
      0,
      `uv checked the lock without the index: ${index.requests}`,
    );
    assert.equal((await pythonImport(dir, "plug_a")).value, "1.0.0");
    const prod = await Deno.readTextFile(join(dir, "pyproject.toml"));

    expectOk(await hpm(["sync", "--mode", "dev"], dir), "back to dev");
    await Deno.writeTextFile(join(dir, "pyproject.toml"), prod);
    index.requests.length = 0;
    await uv(["sync"], { cwd: dir });
    assert.ok(
      index.requests.some((r) => r.startsWith("/simple/plug-")),
      `uv resolved anew from the index: ${index.requests}`,
    );
  } finally {
    await index.close();
    await Deno.remove(root, { recursive: true });
  }
});
