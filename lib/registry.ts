/**
 * Registries: folders of `packages/<name>.yaml`. Files are read up front (the
 * I/O edge) and parsed on demand, so one broken entry only stops the commands
 * that need that package.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { decodeYaml } from "./_yaml.ts";
import { HpmInputError } from "./errors.ts";
import { normalizeName, suggestName } from "./names.ts";
import { parseRegistryEntry, type RegistryEntry } from "./registry_entry.ts";
import {
  fetchRegistry,
  type FetchRegistryOptions,
  parseRegistryLocation,
} from "./remote_registry.ts";

/** The text of one registry entry file, not yet parsed. */
export interface RegistryFile {
  /** The path of the file. */
  readonly file: string;
  /** The file name without `.yaml`. */
  readonly stem: string;
  /** Its text. */
  readonly text: string;
  /** The remote registry it was fetched from (the file is a cached copy). */
  readonly remote?: string;
}

/**
 * The packages that the project's registries know, first registry winning.
 *
 * @example Usage
 * ```ts
 * import { Registry } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const registry = new Registry([{
 *   file: "reg/packages/rag4code-qdrant.yaml",
 *   stem: "rag4code-qdrant",
 *   text: "name: rag4code-qdrant\nsources:\n  prod: {type: pypi, version: '1.0'}\n",
 * }]);
 * assert.deepEqual(registry.names(), ["rag4code-qdrant"]);
 * assert.equal(registry.get("Rag4Code_Qdrant").sources.prod.type, "pypi");
 * ```
 */
export class Registry {
  readonly #files = new Map<string, RegistryFile>();
  readonly #parsed = new Map<string, RegistryEntry>();

  /**
   * Index entry files by normalised name.
   *
   * @param files entry files in priority order; a later duplicate is shadowed
   */
  constructor(files: Iterable<RegistryFile>) {
    for (const f of files) {
      const key = normalizeName(f.stem);
      if (!this.#files.has(key)) this.#files.set(key, f);
    }
  }

  /** Normalised names of every known package, sorted. */
  names(): string[] {
    return [...this.#files.keys()].sort();
  }

  /** Whether the registries know `name`. */
  has(name: string): boolean {
    return this.#files.has(normalizeName(name));
  }

  /** The entry file for `name`, unparsed, if known. */
  fileOf(name: string): RegistryFile | undefined {
    return this.#files.get(normalizeName(name));
  }

  /**
   * The parsed entry for `name`.
   *
   * @throws {HpmInputError} when unknown (with a suggestion) or invalid
   */
  get(name: string): RegistryEntry {
    const key = normalizeName(name);
    const cached = this.#parsed.get(key);
    if (cached) return cached;
    const f = this.#files.get(key);
    if (!f) throw this.unknown(name);
    const entry = parseRegistryEntry(f.text, f.file, f.stem);
    this.#parsed.set(key, entry);
    return entry;
  }

  /** The error for an unknown package, with "did you mean". */
  unknown(name: string, where?: { file: string; line?: number; column?: number }): HpmInputError {
    const guess = suggestName(name, this.names());
    return new HpmInputError(
      "unknown-package",
      `unknown package \`${name}\`: no registry has it`,
      where,
      guess
        ? `did you mean \`${guess}\`?`
        : "run `hpm registry list` to see known packages, or `hpm registry add` to add one",
    );
  }
}

/**
 * Read the entry files of the project's registries (I/O). Relative folders are
 * relative to `root`; remote registries are fetched into the cache first (and
 * used from it when offline). A missing folder is an error.
 *
 * @param locations registry locations in priority order
 * @param root the project root
 * @param manifestFile hpm.yaml's path, for errors
 * @param options runner, logger and environment for remote registries
 * @returns the registry
 */
export async function loadRegistry(
  locations: readonly string[],
  root: string,
  manifestFile = "hpm.yaml",
  options: FetchRegistryOptions = {},
): Promise<Registry> {
  const files: RegistryFile[] = [];
  for (const location of locations) {
    const parsed = parseRegistryLocation(location);
    const dir = parsed.kind === "local"
      ? join(resolve(root, parsed.path), "packages")
      : join(await fetchRegistry(parsed, options), "packages");
    let names: string[];
    try {
      names = [];
      for await (const e of Deno.readDir(dir)) {
        if (e.isFile && /\.ya?ml$/.test(e.name)) names.push(e.name);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new HpmInputError(
        "not-found",
        `registry folder \`${dir}\` does not exist`,
        { file: manifestFile },
        "check `registry:` in hpm.yaml, or run `hpm init`",
      );
    }
    names.sort();
    for (const name of names) {
      const file = join(dir, name);
      files.push({
        file,
        stem: name.replace(/\.ya?ml$/, ""),
        text: decodeYaml(await Deno.readFile(file), file),
        remote: parsed.kind === "local" ? undefined : location,
      });
    }
  }
  return new Registry(files);
}
