import assert from "node:assert/strict";
import { join } from "node:path";
import { stillHolds, takeFingerprint } from "./fingerprint.ts";
import { tempTree } from "./_testing.ts";

const inputs = (dir: string, startedAt: number) => ({
  hpm: "1.0.0",
  root: dir,
  mode: "dev",
  fileMode: { mode: "dev", origin: "default" },
  home: "/home/u",
  files: [join(dir, "hpm.yaml"), join(dir, "hpm.local.yaml")],
  folders: [join(dir, "reg")],
  pyproject: "[project]\n",
  startedAt,
});

const here = (dir: string) => ({ root: dir, hpm: "1.0.0", request: {}, home: "/home/u" });

Deno.test("a fingerprint holds until an input, its absence or a listing changes", async () => {
  const dir = await tempTree("hpm-unit-", {
    "hpm.yaml": "groups: {}\n",
    "pyproject.toml": "[project]\n",
    "reg/a.yaml": "name: a\n",
  });
  try {
    await new Promise((r) => setTimeout(r, 100));
    const fp = await takeFingerprint(inputs(dir, Date.now()));
    assert.ok(fp);
    assert.deepEqual(await stillHolds(fp, here(dir)), { mode: "dev", origin: "default" });
    // Round-trips through JSON, as stored.
    assert.ok(await stillHolds(JSON.parse(JSON.stringify(fp)), here(dir)));

    await Deno.writeTextFile(join(dir, "hpm.local.yaml"), "mode: dev\n");
    assert.equal(await stillHolds(fp, here(dir)), undefined, "an absent file appeared");
    await Deno.remove(join(dir, "hpm.local.yaml"));
    assert.ok(await stillHolds(fp, here(dir)));

    await Deno.writeTextFile(join(dir, "reg", "b.yaml"), "");
    assert.equal(await stillHolds(fp, here(dir)), undefined, "the registry listing changed");
    await Deno.remove(join(dir, "reg", "b.yaml"));

    await Deno.writeTextFile(join(dir, "pyproject.toml"), "[project] \n");
    assert.equal(await stillHolds(fp, here(dir)), undefined, "pyproject.toml changed");
    await Deno.writeTextFile(join(dir, "pyproject.toml"), "[project]\n");
    assert.ok(await stillHolds(fp, here(dir)), "the same bytes again");

    assert.equal(await stillHolds(fp, { ...here(dir), hpm: "1.0.1" }), undefined);
    assert.equal(await stillHolds(fp, { ...here(dir), root: `${dir}/x` }), undefined);
    assert.equal(await stillHolds(fp, { ...here(dir), request: { flag: "prod" } }), undefined);
    assert.equal(await stillHolds(fp, { ...here(dir), request: { env: "prod" } }), undefined);
    assert.deepEqual(await stillHolds(fp, { ...here(dir), request: { env: "dev" } }), {
      mode: "dev",
      origin: "RUN_MODE",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nothing is fingerprinted when an input changed during the sync", async () => {
  const dir = await tempTree("hpm-unit-", { "hpm.yaml": "groups: {}\n", "reg/a.yaml": "" });
  try {
    const startedAt = Date.now();
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {x: {options: []}}\n");
    assert.equal(await takeFingerprint(inputs(dir, startedAt)), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stored fingerprint that is not one is never trusted", async () => {
  const dir = await tempTree("hpm-unit-", { "hpm.yaml": "", "reg/a.yaml": "" });
  try {
    await new Promise((r) => setTimeout(r, 100));
    const fp = await takeFingerprint(inputs(dir, Date.now()));
    for (
      const bad of [
        undefined,
        null,
        "x",
        [],
        { ...fp, format: 2 },
        { ...fp, files: [join(dir, "hpm.yaml")] },
        { ...fp, folders: ["relative"] },
        { ...fp, digest: 1 },
        { ...fp, digest: "0".repeat(64) },
      ]
    ) {
      assert.equal(await stillHolds(bad, here(dir)), undefined, JSON.stringify(bad));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
