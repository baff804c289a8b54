/**
 * Opening the project's registries: local folders as they are, remote ones
 * fetched into the cache first (registry/remote.ts). The registry itself, and
 * its lookups by name, are lib/core/registry.ts, reading through the reader
 * given here.
 *
 * @module
 */

import { basename, join, resolve } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import type { RegistriesInForce } from "../core/manifest.ts";
import type { Reader } from "../core/reader.ts";
import { Registry, type RegistryFolder } from "../core/registry.ts";
import { parseRegistryLocation } from "../core/registry_location.ts";
import { door, statOrUndefined } from "../io/files.ts";
import {
  type FetchedRegistry,
  fetchRegistryCopy,
  type FetchRegistryOptions,
  RegistryLoad,
} from "./remote.ts";

/** Options of {@link loadRegistry}. */
export interface LoadRegistryOptions extends Omit<FetchRegistryOptions, "commit"> {
  /** What reads the entries (and the cache's notes that chose a copy). @default door */
  readonly reader?: Reader;
  /**
   * The commit to read each git registry at, by its location as hpm.yaml
   * names it (pyproject.toml's record); a git registry not named is read at
   * its newest state.
   */
  readonly commits?: ReadonlyMap<string, string>;
  /**
   * What pyproject.toml records, by location: a copy at another commit says
   * so (`RemoteCopy.recorded`), for a report of the move. @default commits
   */
  readonly recorded?: ReadonlyMap<string, string>;
}

/**
 * Open the project's registries (I/O). Relative folders are relative to
 * `root`; remote registries are fetched into the cache first, all at once and
 * within one deadline (`HPM_REGISTRY_TIMEOUT`), each used from its cache when
 * it cannot be reached in time. A missing folder is an error. Entries are read
 * later, by name.
 *
 * @param locations registry locations in priority order
 * @param root the project root
 * @param listFile the file listing them (hpm.yaml, or hpm.local.yaml), for errors
 * @param options runner, logger and environment for remote registries; what reads entries; the
 *   commits to read git registries at
 * @returns the registry
 */
export async function loadRegistry(
  locations: readonly string[],
  root: string,
  listFile = "hpm.yaml",
  options: LoadRegistryOptions = {},
): Promise<Registry> {
  const load = options.load ?? new RegistryLoad(options.env ?? Deno.env.toObject());
  // Each remote's notices, said in hpm.yaml's order whichever answers first.
  const notices = locations.map(() => [] as string[]);
  const fetches = new Map<string, Promise<FetchedRegistry>>();
  const parsed = locations.map(parseRegistryLocation);
  const bases = await Promise.allSettled(parsed.map((where, i) => {
    if (where.kind === "local") return Promise.resolve({ dir: resolve(root, where.path) });
    // A registry listed twice is fetched once (and its cache locked once).
    const key = JSON.stringify(where);
    let fetched = fetches.get(key);
    if (fetched === undefined) {
      const log = (message: string) => notices[i].push(message);
      const commit = where.kind === "git" ? options.commits?.get(locations[i]) : undefined;
      fetched = fetchRegistryCopy(where, { ...options, log, load, commit });
      fetches.set(key, fetched);
    }
    return fetched;
  }));
  const folders: RegistryFolder[] = [];
  for (const [i, location] of locations.entries()) {
    for (const message of notices[i]) options.log?.(message);
    const settled = bases[i];
    if (settled.status === "rejected") throw settled.reason;
    const { dir: base, copy } = settled.value as Partial<FetchedRegistry> & { dir: string };
    const dir = join(base, "packages");
    if (!statOrUndefined(dir)?.isDirectory) {
      throw new HpmInputError(
        "not-found",
        `registry folder \`${dir}\` does not exist`,
        { file: listFile },
        `check \`registry:\` in ${basename(listFile)}, or run \`hpm init\``,
      );
    }
    const recorded = (options.recorded ?? options.commits)?.get(location);
    folders.push({
      dir,
      root: base,
      ...(copy === undefined ? {} : {
        remote: location,
        copy: recorded !== undefined && copy.commit !== recorded ? { ...copy, recorded } : copy,
      }),
    });
  }
  return new Registry([], folders, options.reader ?? door);
}

/**
 * The first registry in force that is a folder: where `hpm registry add`
 * writes an entry and `hpm registry index` writes index.json.
 *
 * @param root the project's root (relative locations start there)
 * @param registries the registries in force
 * @param task what the folder is wanted for, for the message (`add to`)
 * @param hint what to do when every registry is remote
 * @returns the folder's absolute path
 * @throws {HpmInputError} `usage` when every registry is remote
 */
export function localRegistryFolder(
  root: string,
  registries: RegistriesInForce,
  task: string,
  hint: string,
): string {
  const local = registries.locations.map(parseRegistryLocation)
    .find((r) => r.kind === "local");
  if (!local) {
    throw new HpmInputError(
      "usage",
      `every registry in ${
        basename(registries.file)
      } is remote: there is no local folder to ${task}`,
      { file: registries.file },
      hint,
    );
  }
  return resolve(root, local.path);
}
