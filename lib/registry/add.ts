/**
 * `hpm registry add`: write a new registry entry from flags.
 *
 * @module
 */

import { join } from "node:path";
import { stringify } from "yaml";
import { writeConfined } from "../io/files.ts";
import { HpmInputError } from "../core/errors.ts";
import { normalizeName } from "../core/names.ts";
import { loadProject } from "../project/load.ts";
import { findProjectRoot } from "../project/root.ts";
import { localRegistryFolder } from "./load.ts";
import { parseRegistryEntry } from "../core/registry_entry.ts";
import { checkReleaseOnRemote } from "./release_check.ts";
import { denoRunner } from "../io/runner.ts";
import type { CommandContext } from "../project/context.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import type { Registry } from "../core/registry.ts";
import { remoteRegistryError } from "./pin_entry.ts";

/** What a new registry entry says. */
export interface NewEntry {
  /** The package name. */
  readonly name: string;
  /** Optional description. */
  readonly description?: string;
  /** The dev clone path. @default `./packages/<name>` */
  readonly devPath?: string;
  /** The prod git URL. */
  readonly git?: string;
  /** The prod git ref (with `git`). */
  readonly ref?: string;
  /** The prod version on an index (instead of `git`). */
  readonly pypi?: string;
  /** A private index URL (with `pypi`). */
  readonly index?: string;
  /** The git URL the code is developed in (with `pypi`: a `git` source already says it). */
  readonly repository?: string;
}

const scalar = (value: string) => stringify(value).trimEnd();

/**
 * Render and validate a registry entry's YAML.
 *
 * @param entry what it says
 * @returns the YAML text
 * @throws {HpmInputError} when a value is invalid (same checks as reading)
 *
 * @example Usage
 * ```ts
 * import { renderRegistryEntry } from "./add.ts";
 * import assert from "node:assert/strict";
 *
 * const text = renderRegistryEntry({ name: "q", git: "https://example.com/q.git", ref: "v1.0.0" });
 * assert.match(text, /prod:\n    type: git\n    url: https:\/\/example.com\/q.git\n    ref: v1.0.0/);
 * ```
 */
export function renderRegistryEntry(entry: NewEntry): string {
  if (entry.git && entry.pypi) {
    throw new HpmInputError("usage", "give either --git or --pypi, not both");
  }
  if (entry.ref && !entry.git) throw new HpmInputError("usage", "--ref goes with --git");
  if (entry.index && !entry.pypi) throw new HpmInputError("usage", "--index goes with --pypi");
  if (entry.repository && !entry.pypi) {
    throw new HpmInputError(
      "usage",
      "--repository goes with --pypi",
      undefined,
      "a --git source is already where `hpm clone` clones from",
    );
  }
  const lines = [
    "# yaml-language-server: $schema=../registry-entry.schema.json",
    `name: ${scalar(entry.name)}`,
  ];
  if (entry.description) lines.push(`description: ${scalar(entry.description)}`);
  if (entry.repository) lines.push(`repository: ${scalar(entry.repository)}`);
  lines.push(
    "sources:",
    "  dev:",
    "    type: local",
    `    path: ${scalar(entry.devPath ?? `./packages/${normalizeName(entry.name)}`)}`,
    "    editable: true",
  );
  if (entry.git) {
    lines.push("  prod:", "    type: git", `    url: ${scalar(entry.git)}`);
    if (entry.ref) lines.push(`    ref: ${scalar(entry.ref)}`);
  } else if (entry.pypi) {
    lines.push("  prod:", "    type: pypi", `    version: ${scalar(entry.pypi)}`);
    if (entry.index) lines.push(`    index: ${scalar(entry.index)}`);
  }
  const text = lines.join("\n") + "\n";
  parseRegistryEntry(text, `${normalizeName(entry.name)}.yaml`, entry.name);
  return text;
}

/** Options of {@link registryAdd}. */
export interface RegistryAddOptions extends CommandContext {
  /** Check that `ref` exists on the `git` remote (`git ls-remote`; not with `HPM_OFFLINE=1`). @default true */
  readonly verify?: boolean;
}

/**
 * Add a package to the project's first local registry. Refuses to replace an
 * existing entry, and (unless `verify` is false) a `ref` that the `git`
 * remote does not have.
 *
 * @param entry what it says
 * @param options where the project is; whether to ask the remote
 * @returns the file written
 * @throws {HpmInputError} on invalid values or an existing entry
 * @throws {HpmOperationError} when the remote answers and lacks `ref`
 */
export async function registryAdd(
  entry: NewEntry,
  options: RegistryAddOptions = {},
): Promise<string> {
  const text = renderRegistryEntry(entry);
  const root = findProjectRoot(options.root);
  return await withProjectLock(root, async () => {
    const project = await loadProject(root, options);
    if (project.registry.has(entry.name)) throw alreadyThere(project.registry, entry.name);
    const folder = localRegistryFolder(
      root,
      project.registries,
      "add to",
      "add the entry in the registry's own repository, or list a local folder first",
    );
    const file = join(folder, "packages", `${normalizeName(entry.name)}.yaml`);
    if (entry.git && entry.ref && options.verify !== false) {
      await checkReleaseOnRemote({
        runner: options.runner ?? denoRunner,
        cwd: root,
        url: entry.git,
        ref: entry.ref,
        name: entry.name,
        command: "hpm registry add",
        log: options.log ?? (() => {}),
        offline: (options.env ?? Deno.env.toObject()).HPM_OFFLINE === "1",
      });
    }
    await writeConfined(file, text, { root: folder });
    return file;
  }, lockOptions(options));
}

// A remote registry's entry is changed in a clone of its repository: the file
// that has it here is HPM's cached copy, which no hint may send anyone to edit.
function alreadyThere(registry: Registry, name: string): HpmInputError {
  const { file, remote } = registry.fileOf(name)!;
  if (remote) {
    return new HpmInputError(
      "usage",
      `\`${name}\` is already in the remote registry ${remote}`,
      undefined,
      remoteRegistryError(registry.get(name), remote).hint,
    );
  }
  return new HpmInputError(
    "usage",
    `\`${name}\` is already in the registry: ${file}`,
    undefined,
    "edit that file, or `hpm pin` to change its prod ref",
  );
}
