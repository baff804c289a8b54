/**
 * Registries: folders of `packages/<name>.yaml`. An entry is read when a
 * command asks for it by name (`packages/<name>.yaml` opened directly) and
 * parsed then, so a large registry costs what the project uses, and one broken
 * entry only stops the commands that need that package. The folder is listed
 * only for `hpm registry list` and to suggest a name after a miss.
 *
 * @module
 */

import { join } from "node:path";
import { decodeYaml, MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { HpmInputError } from "./errors.ts";
import { normalizeName, suggestName } from "./names.ts";
import { NO_FILES, type Reader } from "./reader.ts";
import { parseRegistryEntry, type RegistryEntry } from "./registry_entry.ts";

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

/** A registry folder to look entries up in, by name. */
export interface RegistryFolder {
  /** The folder of entry files (a registry's `packages/`). */
  readonly dir: string;
  /** The folder entries must stay in (links out of it are refused). */
  readonly root: string;
  /** The remote registry it was fetched from (the folder is a cached copy). */
  readonly remote?: string;
  /** For a remote registry: what the copy is of, and how fresh. */
  readonly copy?: RemoteCopy;
}

/** What is known of a remote registry's cached copy. */
export interface RemoteCopy {
  /** A git repository or an https folder. */
  readonly kind: "git" | "http";
  /** For a git registry: the commit the copy is of. */
  readonly commit?: string;
  /** Whether that commit was asked for (the one pyproject.toml records), not the newest state. */
  readonly pinned: boolean;
  /** Whether the remote gave its newest state during this run. */
  readonly asked: boolean;
  /** When the remote last gave its newest state (ms since the epoch), when known. */
  readonly fetchedAt?: number;
  /** For a git registry: its newest state when the remote last gave it, when known. */
  readonly newest?: string;
  /**
   * Until when the copy is used without asking the remote again (ms since
   * the epoch); none for a pinned commit, which is used for good.
   */
  readonly freshUntil?: number;
  /** The commit pyproject.toml records, when the copy is at another (`--refresh` moved on). */
  readonly recorded?: string;
  /** Names the registry's newest state has that this pinned copy lacks (normalised). */
  readonly newestHas?: readonly string[];
}

/** One git registry the project moved to another state of. */
export interface RegistryMove {
  /** The registry as hpm.yaml names it. */
  readonly location: string;
  /** The commit pyproject.toml recorded. */
  readonly from: string;
  /** The commit the project is read at now. */
  readonly to: string;
  /**
   * What changed for the packages the project uses, one phrase each (`plug
   * prod v1.0.0 → v1.1.0`); undefined when the recorded state is not in the
   * cache to compare with.
   */
  readonly changes?: readonly string[];
}

/**
 * A commit as messages show it: its first seven characters.
 *
 * @param commit a commit id
 * @returns the short form
 */
export const shortCommit = (commit: string): string => commit.slice(0, 7);

/**
 * How long ago a time was, as messages say it (`just now`, `12 min ago`,
 * `3 h ago`, `2 days ago`).
 *
 * @param then the time (ms since the epoch)
 * @param now the time now
 * @returns the phrase
 */
export function ageOf(then: number, now: number): string {
  const minutes = Math.floor(Math.max(0, now - then) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} days ago`;
}

/**
 * What a copy's answer rests on, for a message: the commit pyproject.toml
 * records, or a cached copy of a given age; `--refresh` asks the remote.
 *
 * @param location the registry
 * @param copy its copy
 * @param now the time now
 * @returns the phrase, or undefined when the remote answered during this run
 */
export function copyNotice(location: string, copy: RemoteCopy, now: number): string | undefined {
  if (copy.pinned && copy.commit) {
    return `registry ${location} answered at ${
      shortCommit(copy.commit)
    }, the state pyproject.toml records`;
  }
  if (copy.asked) return undefined;
  const age = copy.fetchedAt === undefined ? "" : ` (fetched ${ageOf(copy.fetchedAt, now)})`;
  return `registry ${location} answered from its cached copy${age}: \`--refresh\` asks it again`;
}

const ENTRY_FILE = /\.ya?ml$/;

/**
 * The names of a registry folder's entry files (`*.yaml`, `*.yml`; not
 * folders, not hidden files), sorted.
 *
 * @param folder the registry folder
 * @param reader what lists it
 * @returns the file names; none when the folder does not exist
 * @throws {HpmInputError} `unsafe-path` when the folder is a link out of its root
 */
export function entryFiles(folder: RegistryFolder, reader: Reader): string[] {
  return (reader.list(folder.dir, { root: folder.root }) ?? [])
    .filter((e) => !e.isDirectory && ENTRY_FILE.test(e.name) && !e.name.startsWith("."))
    .map((e) => e.name).sort();
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
  readonly #files = new Map<string, RegistryFile | null>();
  readonly #parsed = new Map<string, RegistryEntry>();
  readonly #folders: readonly RegistryFolder[];
  readonly #listings = new Map<RegistryFolder, Map<string, string>>();
  readonly #reader: Reader;

  /**
   * Index entry files by normalised name; look further ones up in folders.
   *
   * @param files entry files already read, first in priority order; a later duplicate is shadowed
   * @param folders registry folders, in priority order, read by name on demand
   * @param reader what reads the folders' entries
   */
  constructor(
    files: Iterable<RegistryFile>,
    folders: readonly RegistryFolder[] = [],
    reader: Reader = NO_FILES,
  ) {
    this.#reader = reader;
    for (const f of files) {
      const key = normalizeName(f.stem);
      if (!this.#files.has(key)) this.#files.set(key, f);
    }
    this.#folders = folders;
  }

  /** The folders entries are looked up in, in priority order. */
  get folders(): readonly RegistryFolder[] {
    return this.#folders;
  }

  /**
   * A registry of these folders (what is known of a copy changed), its
   * entries read by the same reader.
   *
   * @param folders the folders, in priority order
   * @returns the registry
   */
  withFolders(folders: readonly RegistryFolder[]): Registry {
    return new Registry([], folders, this.#reader);
  }

  /** Normalised names of every known package, sorted (lists every folder). */
  names(): string[] {
    const names = new Set([...this.#files].flatMap(([k, f]) => f ? [k] : []));
    for (const folder of this.#folders) {
      for (const key of this.#listing(folder).keys()) names.add(key);
    }
    return [...names].sort();
  }

  /** Whether the registries know `name`. */
  has(name: string): boolean {
    return this.fileOf(name) !== undefined;
  }

  /** The entry file for `name`, unparsed, if known. */
  fileOf(name: string): RegistryFile | undefined {
    const key = normalizeName(name);
    if (!this.#files.has(key)) {
      let found: RegistryFile | null = null;
      for (const folder of this.#folders) {
        found = this.#lookUp(folder, key);
        if (found) break;
      }
      this.#files.set(key, found);
    }
    return this.#files.get(key) ?? undefined;
  }

  // `<name>.yaml` is opened directly, in the name's normal form; only a miss
  // lists the folder, for a file named in another PEP 503 form (the first in
  // order, whatever spelling was asked for: one name, one entry).
  #lookUp(folder: RegistryFolder, key: string): RegistryFile | null {
    for (const ext of [".yaml", ".yml"]) {
      const file = this.#read(folder, key + ext);
      if (file) return file;
    }
    const listed = this.#listing(folder).get(key);
    return listed === undefined ? null : this.#read(folder, listed);
  }

  #read(folder: RegistryFolder, name: string): RegistryFile | null {
    if (!ENTRY_FILE.test(name) || /[\\/]/.test(name) || name.startsWith(".")) return null;
    const file = join(folder.dir, name);
    const bytes = this.#reader.read(file, { root: folder.root }, MAX_YAML_BYTES + 1);
    if (bytes === undefined) return null;
    return {
      file,
      stem: name.replace(ENTRY_FILE, ""),
      text: decodeYaml(bytes, file),
      ...(folder.remote ? { remote: folder.remote } : {}),
    };
  }

  #listing(folder: RegistryFolder): Map<string, string> {
    let listing = this.#listings.get(folder);
    if (listing === undefined) {
      listing = new Map();
      for (const name of entryFiles(folder, this.#reader)) {
        const key = normalizeName(name.replace(ENTRY_FILE, ""));
        if (!listing.has(key)) listing.set(key, name);
      }
      this.#listings.set(folder, listing);
    }
    return listing;
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
    const f = this.fileOf(key);
    if (!f) throw this.unknown(name);
    const parsed = parseRegistryEntry(f.text, f.file, f.stem);
    const entry = f.remote ? { ...parsed, remote: f.remote } : parsed;
    this.#parsed.set(key, entry);
    return entry;
  }

  /** The error for an unknown package, with "did you mean". */
  unknown(name: string, where?: { file: string; line?: number; column?: number }): HpmInputError {
    const key = normalizeName(name);
    const newer = this.#folders.find((f) => f.copy?.newestHas?.includes(key));
    if (newer?.copy?.commit) {
      return new HpmInputError(
        "unknown-package",
        `unknown package \`${name}\`: registry ${newer.remote} has it only after ` +
          `${shortCommit(newer.copy.commit)}, the state pyproject.toml records`,
        where,
        "`hpm registry update` moves the project to the registry's newest state " +
          "(it prints what changes), or run the command with `--refresh`",
      );
    }
    const guess = suggestName(name, this.names());
    const now = Date.now();
    const notices = this.#folders.flatMap((f) =>
      f.copy && f.remote ? copyNotice(f.remote, f.copy, now) ?? [] : []
    );
    return new HpmInputError(
      "unknown-package",
      `unknown package \`${name}\`: no registry has it`,
      where,
      [
        guess
          ? `did you mean \`${guess}\`?`
          : "run `hpm registry list` to see known packages, or `hpm registry add` to add one",
        ...notices,
      ].join("; "),
    );
  }
}
