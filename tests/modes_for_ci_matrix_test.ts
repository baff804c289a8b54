/**
 * `hpm modes` on a project whose plugins' entries define dev, prod and a
 * staging mode only one of them has: the text names each mode and what it
 * lacks; `--json` is the array of full modes a CI matrix runs over (the
 * example workflow reads it with `fromJSON`).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { makeCoreProject, makeTempRoot, repoRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm } from "./_project.ts";

async function project(root: string): Promise<string> {
  const dir = join(root, "core");
  await makeCoreProject(dir);
  const entry = (name: string, extra = "") =>
    `name: ${name}\nsources:\n  dev: {type: local, path: ./packages/${name}}\n` +
    `  prod: {type: git, url: "file:///nowhere/${name}.git", ref: v1.0.0}\n${extra}`;
  await writeFile(
    join(dir, "hpm-registry", "packages", "plug-a.yaml"),
    entry("plug-a", "  staging: {type: git, url: 'file:///nowhere/plug-a.git', branch: main}\n"),
  );
  await writeFile(join(dir, "hpm-registry", "packages", "plug-b.yaml"), entry("plug-b"));
  await writeFile(
    join(dir, "hpm.yaml"),
    "registry: ./hpm-registry\ncommit-mode: prod\ngroups:\n  plugins:\n    options: [plug-a, plug-b]\n",
  );
  return dir;
}

Deno.test("hpm modes: every mode with what lacks it; --json the full ones, for a matrix", async () => {
  const root = await makeTempRoot();
  try {
    const dir = await project(root);
    const text = await hpm(["modes"], dir);
    expectOk(text, "hpm modes");
    assert.deepEqual(text.stdout.trimEnd().split("\n"), [
      "dev      default mode, in sources",
      "prod     committed mode, in sources",
      "staging  in sources; not a full mode: plug-b has no staging source",
    ]);

    const json = await hpm(["modes", "--json"], dir);
    expectOk(json, "hpm modes --json");
    assert.deepEqual(JSON.parse(json.stdout), ["dev", "prod"]);
    assert.equal(json.stderr, "");

    // A default mode no plugin has is listed, and is not in the matrix.
    await Deno.writeTextFile(
      join(dir, "hpm.yaml"),
      "registry: ./hpm-registry\nmode: ci\ngroups:\n  plugins:\n    options: [plug-a]\n",
    );
    const ci = await hpm(["modes", "--json"], dir);
    expectOk(ci, "hpm modes --json (mode: ci)");
    assert.deepEqual(JSON.parse(ci.stdout), ["dev", "prod", "staging"]);
    assert.match((await hpm(["modes"], dir)).stdout, /^ci +default mode; not a full mode: plug-a/m);

    // Bad input is the usual error, exit 2.
    await Deno.writeTextFile(
      join(dir, "hpm.yaml"),
      "registry: ./hpm-registry\ngroups:\n  plugins:\n    options: [plug-c]\n",
    );
    const bad = await hpm(["modes", "--json"], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown package `plug-c`[^]*--> hpm\.yaml:4:15/);
    assert.equal(bad.stdout, "");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the CI example runs a job per mode from `hpm modes --json`", async () => {
  const text = await Deno.readTextFile(join(repoRoot(), "examples/ci/github-actions.yml"));
  const jobs = (parse(text) as {
    jobs: Record<string, {
      outputs?: Record<string, string>;
      strategy?: { matrix: Record<string, string> };
      steps: { run?: string }[];
    }>;
  }).jobs;
  assert.ok(jobs.modes.steps.some((s) => s.run?.includes("hpm modes --json")));
  assert.equal(jobs.test.strategy?.matrix.mode, "${{ fromJSON(needs.modes.outputs.modes) }}");
  assert.ok(jobs.test.steps.some((s) => s.run?.includes('hpm sync --mode "$MODE"')));
});
