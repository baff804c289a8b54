/**
 * Loading a project from disk (its root found by root.ts): read hpm.yaml, hpm.local.yaml,
 * the registries and pyproject.toml. This is the read side of the I/O edge.
 *
 * @module
 */

import { join } from "node:path";
import { decodeYaml, MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { declaredDependencies } from "../core/dependencies.ts";
import type { DeclaredDependencies } from "../core/resolve.ts";
import { LOCAL_FILE, MANIFEST_FILE, type Project, PYPROJECT_FILE } from "../core/project.ts";
import type { Reader } from "../core/reader.ts";
import { door, MAX_PYPROJECT_BYTES, readConfined } from "../io/files.ts";
import { HpmInputError } from "../core/errors.ts";
import { parseLocalOverlay, parseManifest } from "../core/manifest.ts";
import { loadRegistry } from "../registry/load.ts";
import { cacheDir, type FetchRegistryOptions } from "../registry/remote.ts";
import { decodeUtf8 } from "../edit/utf8.ts";
import { findProjectRoot } from "./root.ts";
import type { CommandContext } from "./context.ts";

/** Options of {@link loadProject}. */
export interface LoadOptions extends FetchRegistryOptions {
  /**
   * Reads hpm.yaml, hpm.local.yaml and the registry entries (pyproject.toml,
   * which a record keeps whole, is read through the door itself).
   * @default door
   */
  readonly reader?: Reader;
}

function readText(path: string, root: string, what: string, hint: string): string {
  const bytes = readConfined(path, { root }, MAX_PYPROJECT_BYTES);
  if (bytes === undefined) {
    throw new HpmInputError("not-found", `${what} not found: ${path}`, undefined, hint);
  }
  return decodeUtf8(bytes, path);
}

/**
 * Read a project's files. Parsing and validation errors carry positions.
 * Every file is read through lib/files.ts: it must be a regular file inside
 * the project (a link out of it is refused) and small enough.
 *
 * @param root the project root
 * @param options the reader; runner, logger and environment for remote registries
 * @returns the project
 *
 * @example Usage
 * ```ts
 * import { loadProject } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 *
 * const project = await loadProject(root);
 * assert.deepEqual(project.manifest.groups.map((g) => g.name), ["db"]);
 * assert.equal(project.registry.get("q").sources.prod.type, "pypi");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function loadProject(
  root: string,
  options: LoadOptions = {},
): Promise<Project> {
  const reader = options.reader ?? door;
  const manifestFile = join(root, MANIFEST_FILE);
  const manifestBytes = reader.read(manifestFile, { root }, MAX_YAML_BYTES + 1);
  if (manifestBytes === undefined) {
    throw new HpmInputError("not-found", `${manifestFile} not found`, undefined, "run `hpm init`");
  }
  const manifest = parseManifest(decodeYaml(manifestBytes, manifestFile), manifestFile);
  const localFile = join(root, LOCAL_FILE);
  const localBytes = reader.read(localFile, { root }, MAX_YAML_BYTES + 1);
  const overlay = localBytes === undefined
    ? undefined
    : parseLocalOverlay(decodeYaml(localBytes, localFile), localFile);
  const wanted = [
    ...manifest.groups.flatMap((g) => g.options),
    ...(overlay ? [...overlay.overrides.keys()] : []),
  ];
  const registry = await loadRegistry(manifest.registries, root, manifestFile, {
    ...options,
    wanted,
    reader,
  });
  const pyprojectFile = join(root, PYPROJECT_FILE);
  const pyproject = readText(
    pyprojectFile,
    root,
    PYPROJECT_FILE,
    "HPM manages a uv project: run `uv init` first",
  );
  const cache = cacheDir(options.env ?? Deno.env.toObject());
  return { root, manifest, overlay, registry, pyprojectFile, pyproject, cache, reader };
}

/**
 * What a local package's pyproject.toml declares of other packages, or
 * undefined if it has none that can be read.
 *
 * @param dir the package folder
 * @param reader what reads it
 * @returns normalised names of `[project] dependencies`, and of the packages
 *   its `[tool.uv.sources]` gives a source
 */
export function readLocalDependencies(
  dir: string,
  reader: Reader = door,
): DeclaredDependencies | undefined {
  let text: string;
  try {
    // The clone's own folder bounds what its pyproject.toml may link to.
    const bytes = reader.read(join(dir, PYPROJECT_FILE), { root: dir }, MAX_PYPROJECT_BYTES);
    if (bytes === undefined) return undefined;
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return declaredDependencies(text);
}

/**
 * Whether `dir` looks like a Python project (so uv can install it): it has a
 * pyproject.toml, setup.py or setup.cfg. They are read, not only looked for,
 * so that a reader keeping what planning saw keeps them.
 *
 * @param dir the folder
 * @param reader what reads them
 * @returns whether one of them is there
 */
export function isPackageDir(dir: string, reader: Reader = door): boolean {
  for (const name of [PYPROJECT_FILE, "setup.py", "setup.cfg"]) {
    try {
      if (reader.read(join(dir, name), { root: dir }, MAX_PYPROJECT_BYTES) !== undefined) {
        return true;
      }
    } catch (e) {
      // There, but not readable as it is (a link out of the clone, too large): uv decides.
      if (e instanceof HpmInputError) return true;
      throw e;
    }
  }
  return false;
}

/**
 * The project a command names (`root`, else the working folder's), found
 * and loaded without locking it: what the read-only listings read.
 *
 * @param context where the project is; runner, logger and refresh for remote registries
 * @returns the project
 * @throws {HpmInputError} when there is no project, or a file of it is malformed
 */
export async function loadProjectAt(context: CommandContext): Promise<Project> {
  return await loadProject(findProjectRoot(context.root), context);
}
