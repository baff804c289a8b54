/**
 * Loading a project from disk: find its root, read hpm.yaml, hpm.local.yaml,
 * the registries and pyproject.toml. This is the read side of the I/O edge.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { decodeYaml } from "./_yaml.ts";
import { declaredDependencies } from "./dependencies.ts";
import { HpmInputError } from "./errors.ts";
import { type LocalOverlay, type Manifest, parseLocalOverlay, parseManifest } from "./manifest.ts";
import { loadRegistry, type Registry } from "./registry.ts";
import type { FetchRegistryOptions } from "./remote_registry.ts";

/** The manifest file name. */
export const MANIFEST_FILE = "hpm.yaml";
/** The per-machine overlay file name. */
export const LOCAL_FILE = "hpm.local.yaml";
/** The file HPM edits. */
export const PYPROJECT_FILE = "pyproject.toml";

/** Everything HPM reads from a project. */
export interface Project {
  /** Absolute project root. */
  readonly root: string;
  /** hpm.yaml. */
  readonly manifest: Manifest;
  /** hpm.local.yaml, when present. */
  readonly overlay?: LocalOverlay;
  /** The registries. */
  readonly registry: Registry;
  /** Absolute path of pyproject.toml. */
  readonly pyprojectFile: string;
  /** Its text. */
  readonly pyproject: string;
}

/**
 * The nearest folder at or above `start` holding hpm.yaml.
 *
 * @param start where to start looking
 * @returns the project root
 * @throws {HpmInputError} when there is none
 */
export async function findProjectRoot(start: string): Promise<string> {
  let dir = resolve(start);
  while (true) {
    try {
      await Deno.stat(join(dir, MANIFEST_FILE));
      return dir;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new HpmInputError(
        "not-found",
        `no ${MANIFEST_FILE} in ${resolve(start)} or any parent folder`,
        undefined,
        "run `hpm init` in your uv project, or pass --project DIR",
      );
    }
    dir = parent;
  }
}

async function readText(path: string, what: string, hint: string): Promise<string> {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(await Deno.readFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new HpmInputError("not-found", `${what} not found: ${path}`, undefined, hint);
    }
    if (e instanceof TypeError) {
      throw new HpmInputError("toml-syntax", "file is not valid UTF-8", { file: path });
    }
    throw e;
  }
}

/**
 * Read a project's files. Parsing and validation errors carry positions.
 *
 * @param root the project root
 * @param options runner, logger and environment for remote registries
 * @returns the project
 */
export async function loadProject(
  root: string,
  options: FetchRegistryOptions = {},
): Promise<Project> {
  const manifestFile = join(root, MANIFEST_FILE);
  const manifest = parseManifest(
    decodeYaml(
      await Deno.readFile(manifestFile).catch((e) => {
        if (e instanceof Deno.errors.NotFound) {
          throw new HpmInputError(
            "not-found",
            `${manifestFile} not found`,
            undefined,
            "run `hpm init`",
          );
        }
        throw e;
      }),
      manifestFile,
    ),
    manifestFile,
  );
  const localFile = join(root, LOCAL_FILE);
  let overlay: LocalOverlay | undefined;
  try {
    overlay = parseLocalOverlay(decodeYaml(await Deno.readFile(localFile), localFile), localFile);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const registry = await loadRegistry(manifest.registries, root, manifestFile, options);
  const pyprojectFile = join(root, PYPROJECT_FILE);
  const pyproject = await readText(
    pyprojectFile,
    PYPROJECT_FILE,
    "HPM manages a uv project: run `uv init` first",
  );
  return { root, manifest, overlay, registry, pyprojectFile, pyproject };
}

/**
 * The dependency names (normalised) a local package declares in its
 * pyproject.toml, or undefined if it has none that can be read.
 *
 * @param dir the package folder
 * @returns normalised names of `[project] dependencies`
 */
export function readLocalDependencies(dir: string): string[] | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(join(dir, PYPROJECT_FILE));
  } catch {
    return undefined;
  }
  return declaredDependencies(text);
}

/** Whether `dir` looks like a Python project (so uv can install it). */
export async function isPackageDir(dir: string): Promise<boolean> {
  for (const name of [PYPROJECT_FILE, "setup.py", "setup.cfg"]) {
    try {
      await Deno.stat(join(dir, name));
      return true;
    } catch { /* try the next */ }
  }
  return false;
}
