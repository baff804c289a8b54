/**
 * `hpm registry index`: write `index.json` into a local registry folder, so
 * that the folder, served as it is over https, can be listed
 * (`hpm registry list`) and suggest names. An https registry works without
 * one: its entries are then fetched by name.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { door, writeConfined } from "../io/files.ts";
import { loadProject } from "../project/load.ts";
import { findProjectRoot } from "../project/root.ts";
import type { CommandContext } from "../project/context.ts";
import { isValidPackageName, normalizeName } from "../core/names.ts";
import { entryFiles, Registry } from "../core/registry.ts";
import { localRegistryFolder } from "./load.ts";
import { indexProblem } from "./remote.ts";

/** What {@link registryIndex} wrote. */
export interface RegistryIndexResult {
  /** The index file. */
  readonly file: string;
  /** The names it lists, sorted. */
  readonly names: readonly string[];
}

/**
 * The text of `index.json` for a list of package names: `{"packages": [...]}`,
 * sorted, one name a line.
 *
 * @param names the registry's package names
 * @returns the JSON text
 *
 * @example Usage
 * ```ts
 * import { indexJson } from "./index_file.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(JSON.parse(indexJson(["b", "a"])), { packages: ["a", "b"] });
 * ```
 */
export function indexJson(names: readonly string[]): string {
  return JSON.stringify({ packages: [...names].sort() }, null, 1) + "\n";
}

/**
 * Write `index.json` into a local registry folder: `folder` (relative to the
 * working folder), else the project's first local registry. Every entry is
 * parsed first, so a broken one is reported instead of being published.
 *
 * @param options the folder, or the project to take it from
 * @returns the file and the names
 * @throws {HpmInputError} when there is no local registry, or an entry is invalid
 */
export async function registryIndex(
  options: CommandContext & { readonly folder?: string } = {},
): Promise<RegistryIndexResult> {
  let folder: string;
  if (options.folder !== undefined) folder = resolve(options.folder);
  else {
    const root = findProjectRoot(options.root);
    const project = await loadProject(root, options);
    folder = localRegistryFolder(
      root,
      project.registries,
      "index",
      "pass the registry folder: `hpm registry index PATH`",
    );
  }
  const packages = { dir: join(folder, "packages"), root: folder };
  const file = join(folder, "index.json");
  // A host serving the folder is asked for `packages/<name>.yaml` exactly as
  // the index lists the name: each entry must be there under one name.
  const registry = new Registry([], [packages], door);
  const names = new Map<string, string>();
  for (const entry of entryFiles(packages, door)) {
    const path = join(packages.dir, entry);
    const name = entry.replace(/\.ya?ml$/, "");
    if (!entry.endsWith(".yaml")) {
      throw new HpmInputError(
        "usage",
        `${path}: a host serving the registry is asked for packages/<name>.yaml`,
        { file: path },
        `rename it to ${name}.yaml`,
      );
    }
    // A file name that is not a package name: the entry's `name:` says why, at its line.
    if (!isValidPackageName(name)) registry.get(name);
    const twin = names.get(normalizeName(name));
    if (twin !== undefined) {
      throw new HpmInputError(
        "schema",
        `packages/${twin}.yaml and packages/${entry} are one package once normalised (PEP 503)`,
        { file: path },
        "keep one of them",
      );
    }
    names.set(normalizeName(name), name);
  }
  const listed = [...names.values()];
  const problem = indexProblem(listed);
  if (problem !== undefined) {
    throw new HpmInputError(
      "too-large",
      `${file} would be refused by HPM: it ${problem}`,
      { file },
      "an https registry serves at most 5000 packages: split it",
    );
  }
  // Every entry is parsed, so a broken one is reported instead of published.
  for (const name of listed) registry.get(name);
  await writeConfined(file, indexJson(listed), { root: folder });
  return { file, names: [...listed].sort() };
}
