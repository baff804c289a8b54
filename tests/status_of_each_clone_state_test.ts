/**
 * `status()` against real git clones in every state a developer meets:
 * missing, clean at the release tag, dirty, ahead of the tag, detached, and a
 * prod ref the clone does not have; plus hpm.local.yaml overrides, the JSON
 * shape, and the out-of-sync flag.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { formatStatus, type PackageStatus, status } from "../lib/commands/status.ts";
import { planSync } from "../lib/project/plan.ts";
import {
  fileUrl,
  git,
  makeCoreProject,
  makePluginRepo,
  makeTempRoot,
  writeFile,
} from "./_fixtures.ts";

Deno.env.set("UV_PYTHON_DOWNLOADS", "never");

interface Plugin {
  name: string;
  versions?: string[];
  /** The registry's prod source; default a git source at the newest tag. */
  prod?: (url: string, tag: string) => string;
  /** Where the clone goes, relative to the core; default packages/<name>. */
  at?: string;
  /** Only the bare remote, no clone in the dev path. */
  missing?: boolean;
}

async function setup(root: string, plugins: Plugin[]): Promise<string> {
  const core = join(root, "core");
  await makeCoreProject(core);
  for (const p of plugins) {
    const versions = p.versions ?? ["1.0.0"];
    const repo = await makePluginRepo(root, {
      name: p.name,
      module: p.name.replace(/-/g, "_"),
      versions: versions.map((version) => ({ version, body: `VERSION = "${version}"\n` })),
      cloneDir: p.missing
        ? join(root, "upstream", p.name)
        : join(core, p.at ?? `packages/${p.name}`),
    });
    const prod = p.prod?.(repo.bareUrl, repo.tags.at(-1)!) ??
      `{type: git, url: "${repo.bareUrl}", ref: ${repo.tags.at(-1)}}`;
    await writeFile(
      join(core, "hpm-registry", "packages", `${p.name}.yaml`),
      `name: ${p.name}\nsources:\n  dev: {type: local, path: ./packages/${p.name}}\n  prod: ${prod}\n`,
    );
  }
  await writeFile(
    join(core, "hpm.yaml"),
    `registry: ./hpm-registry\ngroups:\n  plugins:\n    options: [${
      plugins.map((p) => p.name).join(", ")
    }]\n`,
  );
  return core;
}

const ENV = { HOME: "/nonexistent-home" };

Deno.test("status(): each clone state, overrides, JSON shape, sync flag", async (t) => {
  const root = await makeTempRoot();
  try {
    const core = await setup(root, [
      { name: "p-clean" },
      { name: "p-dirty" },
      { name: "p-ahead" },
      { name: "p-detached", versions: ["1.0.0", "1.1.0"] },
      { name: "p-noref", prod: (url) => `{type: git, url: "${url}", tag: v9.9.9}` },
      { name: "p-missing", missing: true },
      { name: "p-moved", at: "../elsewhere/p-moved" },
      { name: "p-pypi", prod: () => "{type: pypi, version: 1.0.0}" },
    ]);
    const pkg = (name: string) => join(core, "packages", name);
    await Deno.writeTextFile(join(pkg("p-dirty"), "new.py"), "x = 1\n");
    await Deno.writeTextFile(join(pkg("p-dirty"), "README"), "changed\n");
    await git(["commit", "--quiet", "--allow-empty", "-m", "unreleased"], { cwd: pkg("p-ahead") });
    await git(["commit", "--quiet", "--allow-empty", "-m", "more"], { cwd: pkg("p-ahead") });
    await git(["checkout", "--quiet", "--detach", "v1.0.0"], { cwd: pkg("p-detached") });
    await Deno.writeTextFile(
      join(core, "hpm.local.yaml"),
      "overrides:\n  p-moved: {path: ../elsewhere/p-moved}\n",
    );

    const report = await status({ root: core, env: ENV });
    const by = Object.fromEntries(report.packages.map((p) => [p.name, p])) as Record<
      string,
      PackageStatus
    >;

    await t.step("clean at the tag", () => {
      assert.deepEqual(by["p-clean"].clone, {
        path: pkg("p-clean"),
        displayPath: "packages/p-clean",
        exists: true,
        present: true,
        git: true,
        branch: "main",
        detachedAt: null,
        dirty: false,
        changedPaths: 0,
        prodRef: "v1.0.0",
        prodRefExists: true,
        commitsSinceProdRef: 0,
        commitsNotPushed: 0,
        error: null,
        cloneUrl: fileUrl(join(root, "remotes", "p-clean.git")),
      });
      assert.equal(by["p-clean"].description, "local packages/p-clean (editable)");
    });
    await t.step("dirty", () => {
      assert.equal(by["p-dirty"].clone?.dirty, true);
      assert.equal(by["p-dirty"].clone?.changedPaths, 2);
    });
    await t.step("ahead of the tag", () => {
      assert.equal(by["p-ahead"].clone?.dirty, false);
      assert.equal(by["p-ahead"].clone?.commitsSinceProdRef, 2);
      assert.equal(by["p-ahead"].clone?.commitsNotPushed, 2);
    });
    await t.step("detached", () => {
      assert.equal(by["p-detached"].clone?.branch, null);
      assert.equal(by["p-detached"].clone?.detachedAt, "v1.0.0");
      assert.equal(by["p-detached"].clone?.prodRef, "v1.1.0");
      assert.equal(by["p-detached"].clone?.commitsSinceProdRef, 0);
    });
    await t.step("prod ref missing", () => {
      assert.equal(by["p-noref"].clone?.prodRef, "v9.9.9");
      assert.equal(by["p-noref"].clone?.prodRefExists, false);
      assert.equal(by["p-noref"].clone?.commitsSinceProdRef, null);
    });
    await t.step("pypi prod version is looked up as its tag", () => {
      assert.equal(by["p-pypi"].clone?.prodRef, "v1.0.0");
      assert.equal(by["p-pypi"].clone?.prodRefExists, true);
    });
    await t.step("missing", () => {
      assert.equal(by["p-missing"].clone?.exists, false);
      assert.equal(by["p-missing"].clone?.present, false);
      assert.equal(by["p-missing"].clone?.git, false);
      assert.deepEqual(report.missingClones, ["p-missing"]);
    });
    await t.step("hpm.local.yaml override shown", () => {
      assert.equal(by["p-moved"].overridden, true);
      assert.equal(by["p-moved"].clone?.path, join(root, "elsewhere", "p-moved"));
      assert.equal(by["p-moved"].description, "local ../elsewhere/p-moved (editable)");
      assert.equal(by["p-moved"].clone?.present, true);
      assert.deepEqual(report.local, {
        file: join(core, "hpm.local.yaml"),
        mode: null,
        overrides: ["p-moved"],
        develop: [],
      });
    });
    await t.step("JSON shape", () => {
      const json = JSON.parse(JSON.stringify(report));
      assert.deepEqual(json, report);
      assert.deepEqual(Object.keys(json).sort(), [
        "alternatives",
        "environment",
        "git",
        "inSync",
        "local",
        "missingClones",
        "mode",
        "modeOrigin",
        "packages",
        "problem",
        "pyprojectMode",
        "registries",
        "registry",
        "root",
      ]);
      assert.deepEqual(Object.keys(json.packages[0]).sort(), [
        "clone",
        "description",
        "developed",
        "groups",
        "key",
        "name",
        "overridden",
        "requiredBy",
        "source",
      ]);
    });
    await t.step("table", () => {
      const text = formatStatus(report, { color: false });
      assert.match(text, /^mode: dev \(default\)\n/);
      assert.match(text, /pyproject\.toml: not managed by hpm yet: run `hpm sync --mode dev`/);
      assert.match(
        text,
        /p-ahead +plugins +local packages\/p-ahead \(editable\) +main, clean, 2 commits since v1\.0\.0/,
      );
      assert.match(text, /p-dirty .* main, 2 uncommitted changes, no commits since v1\.0\.0/);
      assert.match(text, /p-missing .* missing: run `hpm clone p-missing`/);
      assert.match(text, /p-moved .*\(editable\) \* +main/);
      assert.match(text, /p-noref .* prod ref v9\.9\.9 not found/);
    });

    await t.step("out-of-sync flag follows pyproject.toml and the mode", async () => {
      assert.equal(report.inSync, false);
      assert.equal(report.pyprojectMode, null);
      const plan = await planSync({ root: core, env: ENV });
      await Deno.writeTextFile(join(core, "pyproject.toml"), plan.after);
      const synced = await status({ root: core, env: ENV });
      assert.equal(synced.inSync, true);
      assert.equal(synced.pyprojectMode, "dev");
      const prod = await status({ root: core, env: { ...ENV, RUN_MODE: "prod" } });
      assert.equal(prod.mode, "prod");
      assert.equal(prod.modeOrigin, "RUN_MODE");
      assert.equal(prod.pyprojectMode, "dev");
      assert.equal(prod.inSync, false);
      // In prod the dev clones are still inspected: they show what is unreleased.
      const clean = prod.packages.find((p) => p.name === "p-clean")!.clone!;
      assert.deepEqual([clean.displayPath, clean.present, clean.commitsSinceProdRef], [
        "packages/p-clean",
        true,
        0,
      ]);
      assert.equal(prod.packages.find((p) => p.name === "p-ahead")!.clone!.commitsSinceProdRef, 2);
      assert.equal(
        prod.packages.find((p) => p.name === "p-clean")?.description,
        `git ${
          (prod.packages.find((p) => p.name === "p-clean")!.source as { url: string }).url
        } @ v1.0.0`,
      );
      assert.match(formatStatus(prod, { color: false }), /in dev mode, out of sync for prod/);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("status(): a folder of the core's own repository is not reported as a clone", async () => {
  const root = await makeTempRoot();
  try {
    const core = await setup(root, [{ name: "p-plain", missing: true }]);
    await git(["init", "--quiet", "-b", "main"], { cwd: core });
    await writeFile(
      join(core, "packages", "p-plain", "pyproject.toml"),
      '[project]\nname = "p-plain"\nversion = "1.0.0"\n',
    );
    const report = await status({ root: core, env: ENV });
    const clone = report.packages[0].clone!;
    assert.equal(clone.present, true);
    assert.equal(clone.git, false);
    assert.equal(clone.branch, null);
    assert.match(formatStatus(report, { color: false }), /present \(not a git clone\)/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
