/**
 * Registry entries: `packages/<name>.yaml`, where a plugin's code comes from
 * in each mode.
 *
 * @module
 */

import { isAbsolute, relative, sep } from "node:path";
import { registryEntrySchema } from "./_schemas.ts";
import { loadYaml, validateYaml } from "../edit/yaml_load.ts";
import { HpmInputError, type SourcePosition } from "./errors.ts";
import { normalizeName } from "./names.ts";

/** A `local` source: a clone on disk. */
export interface LocalSource {
  /** The source type. */
  readonly type: "local";
  /** The clone's path: relative to the project root, absolute, or `~/…`. */
  readonly path: string;
  /** Install it editable. */
  readonly editable: boolean;
}

/** A `git` source: a repository URL at a ref. At most one of ref/tag/branch/rev. */
export interface GitSource {
  /** The source type. */
  readonly type: "git";
  /** The repository URL (https, ssh, git or file). */
  readonly url: string;
  /** Any tag, branch or commit (written to uv as `rev`). */
  readonly ref?: string;
  /** A tag. */
  readonly tag?: string;
  /** A branch. */
  readonly branch?: string;
  /** A commit (or any ref). */
  readonly rev?: string;
  /** The package's folder inside the repository. */
  readonly subdirectory?: string;
}

/** A `pypi` source: a version on a package index. */
export interface PypiSource {
  /** The source type. */
  readonly type: "pypi";
  /** A PEP 440 specifier, normalised (`1.2.0` becomes `==1.2.0`). */
  readonly version?: string;
  /** A private index URL. */
  readonly index?: string;
}

/** Where a package's code comes from in one mode. */
export type Source = LocalSource | GitSource | PypiSource;

/** A validated registry entry, with where it was read from. */
export interface RegistryEntry {
  /** The name as written. */
  readonly name: string;
  /** PEP 503 normal form of the name. */
  readonly key: string;
  /** Optional description. */
  readonly description?: string;
  /** The git URL the code is developed in (for packages released on an index). */
  readonly repository?: string;
  /** Other registry packages this one needs (normalised names). */
  readonly requires: readonly string[];
  /**
   * Whether the entry lists `requires:` (an empty list included): then it is
   * the answer to what a release needs of the registry, which is not read
   * from the release itself.
   */
  readonly requiresListed: boolean;
  /** Source per mode. */
  readonly sources: Readonly<Record<string, Source>>;
  /** The file it came from. */
  readonly file: string;
  /**
   * The remote registry it came from, if any: its local paths must then stay
   * inside the project.
   */
  readonly remote?: string;
  /** Position of `sources:` (or of a mode under it) in that file, for errors. */
  readonly positionOf: (path: readonly PropertyKey[], key?: boolean) => SourcePosition;
}

/**
 * Parse and validate one registry entry. When `expectedName` is given (the
 * file name without `.yaml`), `name:` must agree with it after normalisation.
 *
 * @param text the YAML text
 * @param file its path, for errors
 * @param expectedName the name implied by the file name
 * @returns the entry
 * @throws {HpmInputError} on bad YAML, schema errors or a name mismatch
 *
 * @example Usage
 * ```ts
 * import { parseRegistryEntry } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const entry = parseRegistryEntry(
 *   "name: Rag4Code_Qdrant\nsources:\n  prod: {type: pypi, version: 1.2.0}\n",
 *   "packages/rag4code-qdrant.yaml",
 *   "rag4code-qdrant",
 * );
 * assert.equal(entry.key, "rag4code-qdrant");
 * assert.deepEqual(entry.sources.prod, { type: "pypi", version: "==1.2.0" });
 * ```
 */
export function parseRegistryEntry(
  text: string,
  file: string,
  expectedName?: string,
): RegistryEntry {
  const yaml = loadYaml(text, file);
  const data = validateYaml(yaml, registryEntrySchema);
  const key = normalizeName(data.name);
  if (expectedName !== undefined && normalizeName(expectedName) !== key) {
    throw new HpmInputError(
      "name-mismatch",
      `name \`${data.name}\` does not match the file name \`${expectedName}.yaml\``,
      yaml.positionOf(["name"]),
      `rename the file to \`${key}.yaml\` or fix \`name:\``,
    );
  }
  return {
    name: data.name,
    key,
    description: data.description,
    repository: data.repository,
    requires: (data.requires ?? []).map(normalizeName),
    requiresListed: data.requires !== undefined,
    sources: data.sources,
    file,
    positionOf: yaml.positionOf,
  };
}

/**
 * Where to change an entry, for a hint: its file for a local registry; for a
 * remote one, the registry itself (its file is HPM's cached copy, which the
 * next fetch replaces).
 *
 * @param entry the registry entry
 * @returns the file, or "`NAME`'s entry in the registry URL"
 *
 * @example Usage
 * ```ts
 * import { parseRegistryEntry } from "@hpm/cli";
 * import { entryPlace } from "./registry_entry.ts";
 * import assert from "node:assert/strict";
 *
 * const entry = parseRegistryEntry("name: q\nsources:\n  prod: {type: pypi}\n", "reg/packages/q.yaml");
 * assert.equal(entryPlace(entry), "reg/packages/q.yaml");
 * assert.equal(
 *   entryPlace({ ...entry, remote: "https://example.com/reg.git" }),
 *   "q's entry in the registry https://example.com/reg.git",
 * );
 * ```
 */
export function entryPlace(entry: RegistryEntry): string {
  return entry.remote === undefined
    ? entry.file
    : `${entry.name}'s entry in the registry ${entry.remote}`;
}

/**
 * The error for an entry that has no source for `mode`, naming the modes it has.
 *
 * @param entry the registry entry
 * @param mode the mode asked for
 * @param hint what to do (the default suggests adding the mode or choosing another)
 * @returns the error, pointing at `sources:` in the entry's file
 */
export function missingModeError(entry: RegistryEntry, mode: string, hint?: string): HpmInputError {
  return new HpmInputError(
    "missing-mode",
    `package \`${entry.name}\` has no source for mode \`${mode}\` (it has: ${
      Object.keys(entry.sources).join(", ")
    })`,
    entry.positionOf(["sources"], true),
    hint ?? `add a \`${mode}:\` source to ${entryPlace(entry)}, or choose another mode with --mode`,
  );
}

/**
 * The mode whose `local` source is a package's dev checkout: `mode` when its
 * source there is local, else `dev`, else the first mode with a local source.
 *
 * @param entry the registry entry
 * @param mode the mode asked for
 * @returns the mode, or undefined when no mode has a local source
 *
 * @example Usage
 * ```ts
 * import { parseRegistryEntry } from "@hpm/cli";
 * import { checkoutMode } from "./registry_entry.ts";
 * import assert from "node:assert/strict";
 *
 * const entry = parseRegistryEntry(
 *   "name: q\nsources:\n  work: {type: local, path: ./q}\n  prod: {type: pypi}\n",
 *   "q.yaml",
 * );
 * assert.equal(checkoutMode(entry, "prod"), "work");
 * ```
 */
export function checkoutMode(entry: RegistryEntry, mode: string): string | undefined {
  return [mode, "dev", ...Object.keys(entry.sources)]
    .find((m) => entry.sources[m]?.type === "local");
}

/**
 * The hint for an entry with no local source to develop from: where to add
 * one (the remote registry's entry, not HPM's copy of it).
 *
 * @param entry the registry entry
 * @returns the hint
 */
export function addCheckoutHint(entry: RegistryEntry): string {
  return `add a \`dev: {type: local, path: ./packages/${entry.name}}\` source to ${
    entryPlace(entry)
  }`;
}

/**
 * A path as shown to the user: relative to the project root (with `/`) when
 * inside it or near it, else absolute.
 *
 * @param path an absolute path
 * @param root the project root
 * @returns the path to show
 */
export function displayPath(path: string, root: string): string {
  const rel = relative(root, path);
  if (rel === "") return ".";
  // Far-away clones read better as the absolute path than as ../../../..
  if (isAbsolute(rel) || rel.split(sep).filter((p) => p === "..").length > 2) return path;
  return rel.split(sep).join("/");
}

/**
 * A short description of a source: `local packages/x (editable)`,
 * `git <url> @ v1.0.0`, `pypi ==1.2.0`.
 *
 * @param source the source
 * @param root the project root, to show local paths relative to it
 * @param localPath the absolute path of a local source, when known (after overrides)
 * @returns the description
 *
 * @example Usage
 * ```ts
 * import { describeSource } from "./registry_entry.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   describeSource({ type: "git", url: "https://example.com/q.git", tag: "v1.0.0" }),
 *   "git https://example.com/q.git @ v1.0.0",
 * );
 * assert.equal(describeSource({ type: "pypi", version: "==1.2.0" }), "pypi ==1.2.0");
 * assert.equal(
 *   describeSource({ type: "local", path: "./packages/q", editable: true }, "/p", "/p/packages/q"),
 *   "local packages/q (editable)",
 * );
 * ```
 */
export function describeSource(source: Source, root?: string, localPath?: string): string {
  switch (source.type) {
    case "local": {
      const path = root !== undefined && localPath !== undefined
        ? displayPath(localPath, root)
        : source.path;
      return `local ${path}${source.editable ? " (editable)" : ""}`;
    }
    case "git": {
      const ref = source.tag ?? source.ref ?? source.rev;
      const at = ref ? ` @ ${ref}` : source.branch ? ` @ branch ${source.branch}` : "";
      const sub = source.subdirectory ? ` (subdirectory ${source.subdirectory})` : "";
      return `git ${source.url}${at}${sub}`;
    }
    case "pypi":
      return `pypi ${source.version ?? "(any version)"}${
        source.index ? ` from ${source.index}` : ""
      }`;
  }
}
