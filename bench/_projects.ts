/**
 * The projects the benchmark times: built with the test fixtures (real git
 * repositories, real uv), plus plain folders where only HPM's own file work
 * is timed and a git repository per plugin would only slow the setup.
 *
 * @module
 */

import { join } from "node:path";
import {
  BUILD_SYSTEM,
  copyDir,
  type LocalIndex,
  makeCoreProject,
  runOk,
  serveIndex,
  writeFile,
  writePythonPackage,
} from "../tests/_fixtures.ts";
import { makeProject, teamRegistry } from "../tests/_project.ts";

/** Plugin names `plug-00`, `plug-01`, … */
export function pluginNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `plug-${String(i).padStart(2, "0")}`);
}

/** A project whose plugins are real git repositories (dev: clones; prod: tags). */
export async function gitProject(root: string, count: number): Promise<string> {
  await Deno.mkdir(root, { recursive: true });
  const { dir } = await makeProject(root, pluginNames(count).map((name) => ({ name })));
  return dir;
}

/**
 * A git project whose registry is a team's git repository (a bare remote on
 * disk, hpm.yaml naming it by `file://…#main`), as a team shares one.
 */
export async function teamProject(root: string, count: number): Promise<string> {
  const dir = await gitProject(root, count);
  await teamRegistry(root, dir);
  return dir;
}

/**
 * A project for timing HPM's file work alone (`--no-install`): plugin folders
 * without git, prod a version range on an index (nothing to read from git),
 * and `registrySize` registry entries of which `count` are used.
 */
export async function plainProject(
  root: string,
  count: number,
  registrySize: number,
): Promise<string> {
  const dir = join(root, "core");
  await makeCoreProject(dir);
  const names = pluginNames(count);
  for (const name of names) {
    await writePythonPackage(join(dir, "packages", name), {
      name,
      version: "1.0.0",
      module: name.replace(/-/g, "_"),
      body: 'VERSION = "1.0.0"\n',
    });
    await writeFile(
      join(dir, "hpm-registry", "packages", `${name}.yaml`),
      `name: ${name}\nsources:\n  dev: {type: local, path: ./packages/${name}}\n` +
        `  prod: {type: pypi, version: ">=1.0"}\n`,
    );
  }
  for (let i = count; i < registrySize; i++) {
    const name = `other-${String(i).padStart(4, "0")}`;
    await writeFile(
      join(dir, "hpm-registry", "packages", `${name}.yaml`),
      `name: ${name}\ndescription: a package this project does not use\nsources:\n` +
        `  prod: {type: pypi, version: 1.0.0}\n`,
    );
  }
  await writeFile(
    join(dir, "hpm.yaml"),
    `registry: ./hpm-registry\ngroups:\n  plugins:\n    options: [${names.join(", ")}]\n`,
  );
  return dir;
}

/**
 * A core built by hatchling, as most existing projects are: uv rebuilds it
 * (about a second) on every switch, whoever edits pyproject.toml.
 */
export const HATCHLING = `[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
`;

/** The same plugins managed by HPM and by mxdev, for equal work side by side. */
export interface TwinProjects {
  /** The project HPM manages. */
  readonly hpm: string;
  /** A copy with the same clones, managed by mxdev (`mx-dev.ini`, `mx-prod.ini`). */
  readonly mxdev: string;
}

/**
 * Twin projects where dev is an editable local clone and prod a released
 * wheel (from a find-links folder, so uv runs offline): the one prod form
 * mxdev can express, since it only writes path sources and removes them.
 */
export async function twinProjects(
  root: string,
  count: number,
  buildSystem = BUILD_SYSTEM,
): Promise<TwinProjects> {
  const { dir, plugins, wheels } = await withWheels(root, count);
  const names = Object.keys(plugins);
  await writeEntries(dir, names, "{type: pypi, version: 1.0.0}");
  const uvTable = `[tool.uv]\nmanaged = true\nfind-links = [${JSON.stringify(wheels)}]\n`;
  const pyproject = join(dir, "pyproject.toml");
  const core = (await Deno.readTextFile(pyproject)).replace(BUILD_SYSTEM, buildSystem);
  await Deno.writeTextFile(pyproject, `${core}\n${uvTable}`);

  const mx = join(root, "mxcore");
  await makeCoreProject(mx, { buildSystem });
  await copyDir(join(dir, "packages"), join(mx, "packages"));
  await Deno.writeTextFile(
    join(mx, "pyproject.toml"),
    `${await Deno.readTextFile(join(mx, "pyproject.toml"))}\n[dependency-groups]\n` +
      `plugins = [${names.map((n) => JSON.stringify(n)).join(", ")}]\n\n` +
      uvTable.replace("managed = true\n", 'managed = true\ndefault-groups = ["plugins"]\n'),
  );
  for (const mode of ["dev", "prod"]) {
    const settings = ["[settings]", "requirements-in =", "default-target = packages"];
    if (mode === "prod") settings.push("default-use = false");
    const sections = Object.values(plugins).map((p) => `[${p.name}]\nurl = ${p.bareUrl}\n`);
    await writeFile(join(mx, `mx-${mode}.ini`), [settings.join("\n"), ...sections].join("\n\n"));
  }
  return { hpm: dir, mxdev: mx };
}

/**
 * A project whose prod installs each plugin's release from a package index
 * on loopback that answers after `latencyMs`, as one across a network does,
 * and whose pages ask to be revalidated (as many private indexes' do; PyPI's
 * may be reused for ten minutes): a `uv sync` that resolves asks it again.
 * Close the index when done.
 */
export async function indexProject(
  root: string,
  count: number,
  latencyMs: number,
): Promise<{ dir: string; index: LocalIndex }> {
  const { dir, plugins, wheels } = await withWheels(root, count);
  const index = await serveIndex(wheels, { cacheControl: "no-cache", latencyMs });
  await writeEntries(
    dir,
    Object.keys(plugins),
    `{type: pypi, version: 1.0.0, index: "${index.url}"}`,
  );
  return { dir, index };
}

// A git project whose plugins' releases are also built as wheels, in `<root>/wheels`.
async function withWheels(root: string, count: number) {
  await Deno.mkdir(root, { recursive: true });
  const { dir, plugins } = await makeProject(
    root,
    pluginNames(count).map((name) => ({ name })),
  );
  const wheels = join(root, "wheels");
  for (const p of Object.values(plugins)) {
    await runOk("uv", ["build", "--wheel", "--quiet", "--out-dir", wheels], { cwd: p.clone });
  }
  return { dir, plugins, wheels };
}

// Each plugin's registry entry: dev its clone, prod as given (a YAML flow mapping).
async function writeEntries(dir: string, names: string[], prod: string) {
  for (const name of names) {
    await writeFile(
      join(dir, "hpm-registry", "packages", `${name}.yaml`),
      `name: ${name}\nsources:\n  dev: {type: local, path: ./packages/${name}}\n  prod: ${prod}\n`,
    );
  }
}

/**
 * A scratch virtual environment with mxdev from PyPI (with its uv support),
 * or undefined when PyPI cannot be reached.
 *
 * @returns the mxdev executable
 */
export async function installMxdev(root: string): Promise<string | undefined> {
  const venv = join(root, "mxdev-venv");
  try {
    await runOk("uv", ["venv", "--quiet", venv], { cwd: root });
    await runOk("uv", ["pip", "install", "--quiet", "mxdev[uv]==5.4.1"], {
      cwd: root,
      env: { VIRTUAL_ENV: venv },
    });
  } catch {
    return undefined;
  }
  return join(venv, "bin", "mxdev");
}
