/**
 * Opening the project's registries: local folders as they are, remote ones
 * fetched into the cache first (registry/remote.ts). The registry itself, and
 * its lookups by name, are lib/core/registry.ts, reading through the reader
 * given here.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import type { Reader } from "../core/reader.ts";
import { Registry, type RegistryFolder } from "../core/registry.ts";
import { parseRegistryLocation } from "../core/registry_location.ts";
import { door } from "../io/files.ts";
import { fetchRegistry, type FetchRegistryOptions, RegistryLoad } from "./remote.ts";

/**
 * Open the project's registries (I/O). Relative folders are relative to
 * `root`; remote registries are fetched into the cache first, all at once and
 * within one deadline (`HPM_REGISTRY_TIMEOUT`), each used from its cache when
 * it cannot be reached in time. A missing folder is an error. Entries are read
 * later, by name.
 *
 * @param locations registry locations in priority order
 * @param root the project root
 * @param manifestFile hpm.yaml's path, for errors
 * @param options runner, logger and environment for remote registries; what reads entries
 * @returns the registry
 */
export async function loadRegistry(
  locations: readonly string[],
  root: string,
  manifestFile = "hpm.yaml",
  options: FetchRegistryOptions & { readonly reader?: Reader } = {},
): Promise<Registry> {
  const load = options.load ?? new RegistryLoad(options.env ?? Deno.env.toObject());
  // Each remote's notices, said in hpm.yaml's order whichever answers first.
  const notices = locations.map(() => [] as string[]);
  const fetches = new Map<string, Promise<string>>();
  const parsed = locations.map(parseRegistryLocation);
  const bases = await Promise.allSettled(parsed.map((where, i) => {
    if (where.kind === "local") return Promise.resolve(resolve(root, where.path));
    // A registry listed twice is fetched once (and its cache locked once).
    const key = JSON.stringify(where);
    let fetched = fetches.get(key);
    if (fetched === undefined) {
      const log = (message: string) => notices[i].push(message);
      fetched = fetchRegistry(where, { ...options, log, load });
      fetches.set(key, fetched);
    }
    return fetched;
  }));
  const folders: RegistryFolder[] = [];
  for (const [i, location] of locations.entries()) {
    for (const message of notices[i]) options.log?.(message);
    const settled = bases[i];
    if (settled.status === "rejected") throw settled.reason;
    const base = settled.value;
    const dir = join(base, "packages");
    let isFolder = false;
    try {
      isFolder = Deno.statSync(dir).isDirectory;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (!isFolder) {
      throw new HpmInputError(
        "not-found",
        `registry folder \`${dir}\` does not exist`,
        { file: manifestFile },
        "check `registry:` in hpm.yaml, or run `hpm init`",
      );
    }
    folders.push({
      dir,
      root: base,
      ...(parsed[i].kind === "local" ? {} : { remote: location }),
    });
  }
  return new Registry([], folders, options.reader ?? door);
}
