/**
 * A plugin's release as its registry source names it: the git refs that are
 * the release, and what the release itself declares it depends on.
 *
 * @module
 */

import { posix } from "node:path";
import { devCheckout } from "../core/checkout.ts";
import { declaredDependencies } from "../core/dependencies.ts";
import type { DeclaredDependencies } from "../core/resolve.ts";
import { sha256Hex } from "../io/digest.ts";
import { homeFolder, joinPath, MAX_PYPROJECT_BYTES, ownFolder, reallyInside } from "../io/files.ts";
import { fileAtRef, hasOwnGit, refFiles, remoteFileAtRef } from "../io/git.ts";
import { type Project, PYPROJECT_FILE } from "../core/project.ts";
import { entryPlace, type RegistryEntry, type Source } from "../core/registry_entry.ts";
import { firstNotice } from "../state/notices.ts";
import { cacheDir, cacheFolder } from "../registry/remote.ts";
import type { Runner } from "../io/runner.ts";

/**
 * The refs a source releases, most likely first: a git source's tag, ref,
 * rev or branch; for an exact pypi version `v1.2.0` and `1.2.0` (how releases
 * are usually tagged).
 *
 * @param source the source (undefined: none)
 * @returns the candidate refs, possibly none
 */
export function releaseRefs(source: Source | undefined): string[] {
  if (source?.type === "git") {
    const ref = source.tag ?? source.ref ?? source.rev ?? source.branch;
    return ref ? [ref] : [];
  }
  if (source?.type === "pypi") {
    const exact = /^===?([0-9][A-Za-z0-9.+!_-]*)$/.exec(source.version ?? "");
    if (exact) return [`v${exact[1]}`, exact[1]];
  }
  return [];
}

/** How long fetching one release's pyproject.toml may take. */
const FETCH_TIMEOUT_MS = 60_000;

/** Where {@link releaseDependencies} looks, and how it reports. */
export interface ReleaseLookup {
  /** Runs git. */
  readonly runner: Runner;
  /** The loaded project. */
  readonly project: Project;
  /** Environment: HOME (for `~`), the cache folder, `HPM_OFFLINE=1`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Says when a release could not be read. */
  readonly log?: (message: string) => void;
  /** Read releases from their remotes again, not from what the cache kept (`--refresh`). */
  readonly refresh?: boolean;
}

/** What a release declares, and whether files alone decided that answer. */
export interface ReleaseRead {
  /** What the release declares of other packages; undefined when it could not be read. */
  readonly dependencies?: DeclaredDependencies;
  /**
   * Whether files alone decided the answer, each read through the project's
   * reader: the release was read from a dev clone's ref files, or the source
   * has no release on a remote to fall back to. False when a remote was asked
   * (a ref can move there) or git looked where files do not tell, so the
   * answer is not recorded.
   */
  readonly fromFiles: boolean;
}

/**
 * What a release of a package depends on, by its own pyproject.toml at the
 * release ref: read from the package's dev clone when it has the ref (no
 * network), else, for a git source, from HPM's cache of its remote, where a
 * ref fetched once is kept (fetched shallowly when the cache lacks it, not
 * with `HPM_OFFLINE=1`). A release ref is taken to stay where it was, as
 * uv.lock keeps the commit it locked a tag at: `refresh` asks the remote
 * again; a `branch:` source, which moves, is always asked, never answered
 * from the dev clone's branch of that name (so not at all with
 * `HPM_OFFLINE=1`). This is how a mode
 * without local clones (prod) finds the plugins a plugin needs, as dev mode
 * does from the clone's working tree.
 *
 * @param lookup runner, project, environment, log
 * @param entry the package's registry entry
 * @param source its source in the mode
 * @returns the dependencies, and what decided them
 */
export async function releaseDependencies(
  lookup: ReleaseLookup,
  entry: RegistryEntry,
  source: Source,
): Promise<ReleaseRead> {
  const refs = releaseRefs(source);
  // The entry's own `requires:` is the answer: the release is not read.
  if (!refs.length || entry.requiresListed) return { fromFiles: true };
  // A branch moves: the dev clone's own (unpushed work, or behind) is not the
  // release, and no files decide where the remote's is now.
  const keep = source.type !== "git" || source.branch === undefined;
  const local = keep ? await fromDevClone(lookup, entry, refs) : { fromFiles: false };
  if (local.dependencies !== undefined || source.type !== "git") return local;
  const cache = await releaseCache(lookup.env, source.url);
  const path = source.subdirectory
    ? posix.join(source.subdirectory, PYPROJECT_FILE)
    : PYPROJECT_FILE;
  // Only once HPM made the repository: git must not look above it for one.
  if (keep && !lookup.refresh && hasOwnGit(cache)) {
    const kept = await fromClone(lookup, cache, refs.slice(0, 1), path);
    if (kept.dependencies !== undefined) {
      return { ...kept, fromFiles: kept.fromFiles && local.fromFiles };
    }
  }
  if (lookup.env.HPM_OFFLINE === "1") return { fromFiles: false };
  const read = await remoteFileAtRef(
    lookup.runner,
    cache,
    source.url,
    refs[0],
    path,
    FETCH_TIMEOUT_MS,
    MAX_PYPROJECT_BYTES,
    keep,
  );
  if ("text" in read) return { dependencies: declaredDependencies(read.text), fromFiles: false };
  // Said once for the entry as it is (a setup.py-only plugin never has one):
  // a changed entry, or another ref, is a new state, said again.
  const state = `${entry.key}\n${refs[0]}\n${lookup.project.registry.fileOf(entry.key)?.text}`;
  if (await firstNotice(lookup.project.root, lookup.env, state)) {
    lookup.log?.(
      `could not read ${entry.name}'s pyproject.toml at ${refs[0]} from ${source.url} ` +
        `(${read.reason}): the plugins it depends on in the registry are not known; list them ` +
        `with \`requires:\` in ${entryPlace(entry)} (\`requires: []\` for none)`,
    );
  }
  return { fromFiles: false };
}

// HPM's own repository for a remote's releases, in the cache.
async function releaseCache(
  env: Readonly<Record<string, string | undefined>>,
  url: string,
): Promise<string> {
  const dir = joinPath(cacheFolder(env, "releases"), (await sha256Hex(url)).slice(0, 16));
  ownFolder(dir, true);
  return dir;
}

async function fromDevClone(
  { runner, project, env }: ReleaseLookup,
  entry: RegistryEntry,
  refs: readonly string[],
): Promise<ReleaseRead> {
  const checkout = devCheckout(project, entry, "dev", homeFolder(env));
  if (!checkout) return { fromFiles: true };
  // Git runs only in a clone of its own (a folder of the core's repository
  // would answer with the core's files), never in a registry's cached checkout.
  if (reallyInside(checkout.path, cacheDir(env))) return { fromFiles: false };
  if (!hasOwnGit(checkout.path)) {
    // That the clone is not there is part of the answer: read, its absence is kept.
    try {
      project.reader.read(joinPath(checkout.path, ".git"), { root: checkout.path }, 0);
      return { fromFiles: true };
    } catch {
      return { fromFiles: false }; // a link: git would not run there, and no record says so
    }
  }
  return await fromClone({ runner, project }, checkout.path, refs, PYPROJECT_FILE);
}

// A release's pyproject.toml in a clone of its repository (a dev clone, or
// HPM's cache of the remote), at the first of `refs` it has.
async function fromClone(
  { runner, project }: Pick<ReleaseLookup, "runner" | "project">,
  dir: string,
  refs: readonly string[],
  path: string,
): Promise<ReleaseRead> {
  let fromFiles = true;
  for (const ref of refs) {
    // Read before git reads them (see refFiles).
    if (!refFiles(dir, ref, project.reader)) fromFiles = false;
    const text = await fileAtRef(runner, dir, ref, path, MAX_PYPROJECT_BYTES);
    if (text !== undefined) return { dependencies: declaredDependencies(text), fromFiles };
  }
  return { fromFiles };
}
