/**
 * Remote registries: a git repository (cloned into a cache, optionally at a
 * pinned ref: `https://host/reg.git#v3`) or an HTTPS base URL serving the
 * registry folder's layout (`packages/<name>.yaml`, and optionally
 * `index.json`, which `hpm registry index` writes). Either way the result is a folder in
 * the cache with the local layout, so reading it is the local code path. A
 * registry that cannot be reached is used from its cache, and HPM says so.
 *
 * @module
 */

import { dirname } from "node:path";
import { decodeYaml, MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { sha256Hex } from "../io/digest.ts";
import { removeCacheFolder, renameIntoPlace } from "../io/cache_copies.ts";
import { CommandFailedError, excerpt, HpmInputError, HpmOperationError } from "../core/errors.ts";
import {
  door,
  homeFolder,
  isAbsoluteAnywhere,
  joinPath,
  lstatOrUndefined,
  makeFolders,
  openLockFile,
  ownFolder,
  readConfined,
  removeConfined,
  writeConfined,
} from "../io/files.ts";
import { blobBytes, type GitCall, gitFailure, runGit, treeEntries } from "../io/git.ts";
import { isValidPackageName, normalizeName } from "../core/names.ts";
import { parseRegistryEntry } from "../core/registry_entry.ts";
import { denoRunner, readLimited, type Runner } from "../io/runner.ts";
import type { RegistryLocation } from "../core/registry_location.ts";
import type { Reader } from "../core/reader.ts";
import type { RemoteCopy } from "../core/registry.ts";

/** How long a fetched registry is used without asking the remote again. */
const FRESH_MS = 10 * 60 * 1000;
const MAX_INDEX_BYTES = 1024 * 1024;
const MAX_PACKAGES = 5000;
/** A whole load of the project's registries (every request, every git fetch) must end by then. */
const DEFAULT_DEADLINE_S = 60;
const MAX_REDIRECTS = 5;
// What a refresh may write to the cache: a registry is small YAML entries
// (5,000 of 1 KB are 5 MB), and a remote must not be able to fill the disk.
const MAX_REFRESH_BYTES = 16 * 1024 * 1024;
const MAX_REFRESH_FILES = MAX_PACKAGES;
// …and what one load of every registry in hpm.yaml may write, together.
const MAX_LOAD_BYTES = 64 * 1024 * 1024;
const MAX_LOAD_FILES = 4 * MAX_PACKAGES;

/**
 * Where HPM keeps fetched registries: `$HPM_CACHE_DIR`, else the user cache
 * folder. Variables missing from `env` are taken from the process; with no
 * home at all, a folder under the system's temporary folder (never the
 * working folder, which may be a project). A relative `XDG_CACHE_HOME`,
 * `LOCALAPPDATA` or home is passed over, as the XDG spec asks; a relative
 * `HPM_CACHE_DIR` is refused, as a relative `HPM_STATE_DIR` is: either would
 * put HPM's cache in whatever folder it runs in, maybe a project.
 *
 * @param env the environment
 * @returns the cache folder, always absolute
 * @throws {HpmInputError} `usage` for a relative `HPM_CACHE_DIR`
 */
export function cacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const all = { ...Deno.env.toObject(), ...env };
  if (all.HPM_CACHE_DIR) {
    if (isAbsoluteAnywhere(all.HPM_CACHE_DIR)) return all.HPM_CACHE_DIR;
    throw new HpmInputError(
      "usage",
      `HPM_CACHE_DIR=${all.HPM_CACHE_DIR} is a relative path`,
      undefined,
      "set HPM_CACHE_DIR to an absolute path, or unset it",
    );
  }
  const absolute = (dir: string | undefined) => dir && isAbsoluteAnywhere(dir) ? dir : undefined;
  const xdg = absolute(all.XDG_CACHE_HOME);
  if (xdg) return joinPath(xdg, "hpm");
  const local = absolute(all.LOCALAPPDATA);
  if (local) return joinPath(local, "hpm", "cache");
  const home = absolute(homeFolder(all));
  if (home) return joinPath(home, ".cache", "hpm");
  return joinPath(all.TMPDIR ?? all.TEMP ?? "/tmp", `hpm-cache-${Deno.uid() ?? "user"}`);
}

/** Options of {@link fetchRegistry}. */
export interface FetchRegistryOptions {
  /** Runs git. @default denoRunner */
  readonly runner?: Runner;
  /** Notices (offline, refreshed). */
  readonly log?: (message: string) => void;
  /**
   * Environment: cache location, `HPM_OFFLINE=1` to never ask the remote,
   * `HPM_REGISTRY_TIMEOUT` (seconds, default 60) to bound a whole load of
   * the registries.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Ask the remote even when the cached copy is fresh (`--refresh`). */
  readonly refresh?: boolean;
  /**
   * The packages the project names (hpm.yaml's groups, hpm.local.yaml's
   * overrides): what is fetched, with what they `require:`, from a static
   * registry that serves no index.
   */
  readonly wanted?: readonly string[];
  /**
   * The load this fetch is part of, shared by its fetches (one deadline, one
   * cap on what they write). @default a load of its own
   */
  readonly load?: RegistryLoad;
  /**
   * For a git registry: the commit to read it at (the one pyproject.toml
   * records), taken from the cache, or fetched when the cache lacks it,
   * whatever the age of the cached copy; the remote's newest state is not
   * asked for. @default its newest state
   */
  readonly commit?: string;
  /** Reads the cache's note of a git registry's newest state, so a record keeps it. @default door */
  readonly reader?: Reader;
}

/** A remote registry fetched into the cache: where its copy is, and what is known of it. */
export interface FetchedRegistry {
  /** The copy, laid out like a local registry folder. */
  readonly dir: string;
  /** What the copy is of, and how fresh. */
  readonly copy: RemoteCopy;
}

/**
 * One load of a project's remote registries: the deadline every fetch in it
 * must meet (`HPM_REGISTRY_TIMEOUT` seconds from its start), and what its
 * refreshes may still write to the cache.
 *
 * @example Usage
 * ```ts
 * import { RegistryLoad } from "./remote.ts";
 * import assert from "node:assert/strict";
 *
 * const load = new RegistryLoad({ HPM_REGISTRY_TIMEOUT: "5" });
 * assert.ok(load.deadline - Date.now() <= 5_000);
 * ```
 */
export class RegistryLoad {
  readonly #started = Date.now();
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #cap = new WriteCap(
    MAX_LOAD_BYTES,
    MAX_LOAD_FILES,
    "the project's registries together",
  );

  /**
   * Start a load now.
   *
   * @param env the environment (`HPM_REGISTRY_TIMEOUT`)
   */
  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#env = env;
  }

  /**
   * How many seconds the load may take: read when first needed, so an unset
   * or bad `HPM_REGISTRY_TIMEOUT` matters only when a remote is asked.
   *
   * @throws {HpmInputError} when `HPM_REGISTRY_TIMEOUT` is not a number of seconds
   */
  get seconds(): number {
    const seconds = Number(this.#env.HPM_REGISTRY_TIMEOUT ?? DEFAULT_DEADLINE_S);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new HpmInputError(
        "usage",
        `HPM_REGISTRY_TIMEOUT=${this.#env.HPM_REGISTRY_TIMEOUT} is not a number of seconds`,
        undefined,
        "for example HPM_REGISTRY_TIMEOUT=120",
      );
    }
    return seconds;
  }

  /** When every fetch of the load must have ended (ms since the epoch). */
  get deadline(): number {
    return this.#started + this.seconds * 1000;
  }

  /**
   * Count what a refresh is about to write against the whole load's cap.
   *
   * @param shown the registry, for the message
   * @param bytes bytes about to be written
   * @param files files about to be written
   * @throws {HpmInputError} `too-large` when the load would write more than its cap
   */
  spend(shown: string, bytes: number, files: number): void {
    this.#cap.spend(shown, bytes, files);
  }
}

// What may still be written to the cache, by one refresh or one whole load.
class WriteCap {
  readonly #limits: readonly [bytes: number, files: number];
  readonly #who: string;
  #bytes: number;
  #files: number;

  constructor(bytes: number, files: number, who: string) {
    this.#limits = [bytes, files];
    [this.#bytes, this.#files] = this.#limits;
    this.#who = who;
  }

  spend(shown: string, bytes: number, files: number): void {
    this.#bytes -= bytes;
    this.#files -= files;
    if (this.#bytes >= 0 && this.#files >= 0) return;
    const [maxBytes, maxFiles] = this.#limits;
    throw new HpmInputError(
      "too-large",
      `registry ${shown}: ${this.#who} may write at most ${
        this.#bytes < 0 ? `${maxBytes} bytes` : `${maxFiles} files`
      } to the cache`,
      undefined,
      "a registry holds small YAML entries; check the registry URLs in hpm.yaml",
    );
  }
}

// What one refresh writes, counted against its own cap and its load's.
function refreshMeter(shown: string, load: RegistryLoad): (bytes: number, files: number) => void {
  const own = new WriteCap(MAX_REFRESH_BYTES, MAX_REFRESH_FILES, "a refresh");
  return (bytes, files) => {
    own.spend(shown, bytes, files);
    load.spend(shown, bytes, files);
  };
}

// When the cache was last refreshed: the stamp's time, if the stamp is a
// regular file (a link or anything else means "never"), and never later than
// now (a stamp dated in the future must not freeze a planted copy).
function fetchedAt(stamp: string): number | undefined {
  const info = lstatOrUndefined(stamp);
  const when = info?.isFile ? info.mtime?.getTime() : undefined;
  return when !== undefined && when <= Date.now() ? when : undefined;
}

function isFolder(path: string): boolean {
  return lstatOrUndefined(path)?.isDirectory ?? false;
}

/**
 * One of the cache's own folders (`registries`, `releases`), created private:
 * it and the cache folder must be real folders of the user's, never links.
 *
 * @param env the environment (where the cache is)
 * @param name the folder
 * @returns its path
 * @throws {HpmInputError} `unsafe-path` when the cache or the folder is a link or another user's
 */
export function cacheFolder(
  env: Readonly<Record<string, string | undefined>>,
  name: "registries" | "releases",
): string {
  const root = cacheDir(env);
  makeFolders(dirname(root));
  ownFolder(root, true);
  const folder = joinPath(root, name);
  ownFolder(folder, true);
  return folder;
}

/**
 * Bring a remote registry's cached copy up to date (at most every ten
 * minutes, or now with `refresh`), falling back to the cache when the remote
 * cannot be reached. Runs sharing the cache take turns (a lock per registry);
 * a fetch ends by its load's deadline, and writes at most its caps.
 *
 * @param location a remote location from `parseRegistryLocation`
 * @param options runner, logger, environment
 * @returns the cache folder, laid out like a local registry
 * @throws {HpmOperationError} when the remote cannot be reached and nothing is cached
 * @throws {HpmInputError} when the remote serves something hostile (too large, not a registry)
 */
export async function fetchRegistry(
  location: Exclude<RegistryLocation, { kind: "local" }>,
  options: FetchRegistryOptions = {},
): Promise<string> {
  return (await fetchRegistryCopy(location, options)).dir;
}

/**
 * {@link fetchRegistry}, saying what the copy is of: for a git registry the
 * commit (`options.commit` when given: taken from the cache, fetched when the
 * cache lacks it, never replaced by a newer state), and for either kind how
 * fresh it is. A git registry's copy is a folder per commit, never changed
 * once made, so what is read there is as good as the commit it is of.
 *
 * @param location a remote location from `parseRegistryLocation`
 * @param options runner, logger, environment, the commit to read
 * @returns the copy and what is known of it
 * @throws {HpmOperationError} when the remote cannot be reached and the cache lacks what is asked for
 * @throws {HpmInputError} when the remote serves something hostile (too large, not a registry)
 */
export async function fetchRegistryCopy(
  location: Exclude<RegistryLocation, { kind: "local" }>,
  options: FetchRegistryOptions = {},
): Promise<FetchedRegistry> {
  const env = options.env ?? Deno.env.toObject();
  const registries = cacheFolder(env, "registries");
  const dir = joinPath(registries, await cacheKey(location));
  // Never through a link planted at its path, as the project lock.
  const lock = openLockFile(`${dir}.lock`, { root: registries, strict: true });
  try {
    // An exclusive lock, released by the system even if this process dies.
    await lock.lock(true);
    const at = { options, env, registries, dir, shown: shownLocation(location) };
    return location.kind === "git"
      ? await fetchGitLocked({ ...at, location })
      : await fetchHttpLocked({ ...at, location });
  } finally {
    lock.close();
  }
}

// One registry's folder in the cache, by its URL (and ref).
async function cacheKey(location: Exclude<RegistryLocation, { kind: "local" }>) {
  const key = location.kind === "git" ? `${location.url}#${location.ref ?? ""}` : location.url;
  return (await sha256Hex(key)).slice(0, 16);
}

function shownLocation(location: Exclude<RegistryLocation, { kind: "local" }>): string {
  return location.kind === "git" && location.ref ? `${location.url}#${location.ref}` : location.url;
}

/** What a fetch of one registry works with, under its lock. */
interface Locked<L> {
  readonly location: L;
  readonly options: FetchRegistryOptions;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The cache's folder of registries. */
  readonly registries: string;
  /** This registry's folder in it. */
  readonly dir: string;
  readonly shown: string;
}

// Why a fetch failed, for a message: past the deadline, whatever stopped it
// (an aborted request, git stopped) was the deadline.
function whyFailed(e: unknown, deadline: number, load: RegistryLoad): string {
  return Date.now() >= deadline
    ? `no answer within HPM_REGISTRY_TIMEOUT=${load.seconds} s`
    : e instanceof CommandFailedError
    ? gitFailure(e.stderrTail) ?? e.message
    : e instanceof Error
    ? e.message
    : String(e);
}

/**
 * The remote's newest state, fetched by `ask` within the load's deadline, or
 * the cached copy (`cached`, when there is one), which answers without
 * asking while it is fresh, always with HPM_OFFLINE=1, and when the remote
 * cannot be reached; either is said.
 */
async function newestOrCached<T>(
  { options, env, shown }: Locked<unknown>,
  when: number | undefined,
  cached: (() => T) | undefined,
  ask: (deadline: number, spend: (bytes: number, files: number) => void) => Promise<T>,
): Promise<T> {
  const offline = env.HPM_OFFLINE === "1";
  const fresh = !options.refresh && when !== undefined && Date.now() - when < FRESH_MS;
  if (cached && (offline || fresh)) {
    if (offline) options.log?.(`registry ${shown}: offline (HPM_OFFLINE=1), using the cached copy`);
    return cached();
  }
  if (offline) {
    throw new HpmOperationError(
      `registry ${shown} has no cached copy and HPM_OFFLINE=1 is set`,
      "run once with network access, or unset HPM_OFFLINE",
    );
  }
  const load = options.load ?? new RegistryLoad(env);
  const deadline = load.deadline;
  try {
    return await ask(deadline, refreshMeter(shown, load));
  } catch (e) {
    if (e instanceof HpmInputError) throw e;
    const why = whyFailed(e, deadline, load);
    if (!cached) {
      throw new HpmOperationError(
        `cannot fetch registry ${shown}: ${why}`,
        "check the URL and your network; once fetched, a registry also works offline",
      );
    }
    const from = when
      ? ` from ${new Date(when).toISOString().slice(0, 16).replace("T", " ")} UTC`
      : "";
    options.log?.(`registry ${shown}: cannot reach it (${why}); using the cached copy${from}`);
    return cached();
  }
}

async function fetchHttpLocked(
  at: Locked<{ kind: "http"; url: string }>,
): Promise<FetchedRegistry> {
  const { location, options, env, registries, dir } = at;
  const stamp = `${dir}.fetched`;
  const when = fetchedAt(stamp);
  const copy = (asked: boolean, at = when): FetchedRegistry => ({
    dir,
    copy: {
      kind: "http",
      pinned: false,
      asked,
      ...(at === undefined ? {} : { fetchedAt: at, freshUntil: at + FRESH_MS }),
    },
  });
  // A static registry's copy holds the entries asked for so far: a name not
  // asked for before is a reason to ask the remote, unless nothing may be
  // asked (the lookup then refuses the name, saying which copy it looked in).
  const cached = isFolder(dir) && isFolder(joinPath(dir, "packages")) &&
    (env.HPM_OFFLINE === "1" || !missingFromStaticCopy(dir, options.wanted ?? []));
  return await newestOrCached(
    at,
    when,
    cached ? () => copy(false) : undefined,
    async (deadline, spend) => {
      await refreshHttp(location.url, dir, deadline, options.wanted ?? [], spend);
      await writeStamp(stamp, registries, new Date().toISOString());
      return copy(true, Date.now());
    },
  );
}

async function writeStamp(stamp: string, registries: string, text: string) {
  const own = { root: registries, strict: true };
  await removeConfined(stamp, own);
  await writeConfined(stamp, text + "\n", own);
}

const COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

// A git registry's stamp holds the commit its remote last gave as its newest
// state; its time is when. Read through `reader`, so a record made from the
// copy the stamp chose keeps what chose it.
function newestOf(stamp: string, registries: string, reader: Reader): string | undefined {
  try {
    const bytes = reader.read(stamp, { root: registries, strict: true }, 128);
    const text = bytes && new TextDecoder().decode(bytes).trim();
    return text && COMMIT.test(text) ? text : undefined;
  } catch {
    return undefined; // not a stamp of HPM's own: never fetched
  }
}

// The folder of a git registry's copy at a commit.
const copyDir = (dir: string, commit: string) => joinPath(dir, "at", commit);

async function fetchGitLocked(
  at: Locked<{ kind: "git"; url: string; ref?: string }>,
): Promise<FetchedRegistry> {
  const { location, options, env, registries, dir, shown } = at;
  const stamp = `${dir}.fetched`;
  const when = fetchedAt(stamp);
  const newest = newestOf(stamp, registries, door);
  const runner = options.runner ?? denoRunner;
  const made = (commit: string) => isFolder(joinPath(copyDir(dir, commit), "packages"));
  const result = (commit: string, asked: boolean, at = when): FetchedRegistry => {
    // The stamp chose a copy that is not pinned: a record of what was read
    // there keeps the stamp as it is now, which chose it.
    if (commit !== options.commit) newestOf(stamp, registries, options.reader ?? door);
    return { dir: copyDir(dir, commit), copy: copyOf(commit, asked, at) };
  };
  const copyOf = (commit: string, asked: boolean, at: number | undefined): RemoteCopy => ({
    kind: "git",
    commit,
    pinned: commit === options.commit,
    asked,
    ...(at === undefined ? {} : { fetchedAt: at }),
    ...(asked ? { newest: commit } : newest ? { newest } : {}),
    ...(commit === options.commit || at === undefined ? {} : { freshUntil: at + FRESH_MS }),
  });
  const wanted = options.commit;
  if (wanted === undefined) {
    const cached = newest !== undefined && made(newest) ? () => result(newest, false) : undefined;
    return await newestOrCached(at, when, cached, async (deadline, spend) => {
      const git = gitIn(dir, runner, deadline);
      const commit = await fetchInto(git, location.url, dir, spend, location.ref ?? "HEAD");
      if (!made(commit)) await makeCopy(git, dir, commit, spend, shown);
      await writeStamp(stamp, registries, commit);
      return result(commit, true, Date.now());
    });
  }
  if (!COMMIT.test(wanted)) {
    throw new HpmInputError(
      "schema",
      `registry ${shown}: \`${excerpt(wanted)}\` is not a commit id`,
    );
  }
  if (made(wanted)) return result(wanted, false);
  if (env.HPM_OFFLINE === "1") {
    throw new HpmOperationError(
      `registry ${shown}: its commit ${wanted.slice(0, 7)}, which pyproject.toml records, ` +
        "is not in the cache and HPM_OFFLINE=1 is set",
      "run once with network access, or unset HPM_OFFLINE",
    );
  }
  const load = options.load ?? new RegistryLoad(env);
  const deadline = load.deadline;
  try {
    const git = gitIn(dir, runner, deadline);
    const spend = refreshMeter(shown, load);
    await fetchInto(git, location.url, dir, spend, wanted, location.ref);
    await makeCopy(git, dir, wanted, spend, shown);
  } catch (e) {
    if (e instanceof HpmInputError) throw e;
    throw new HpmOperationError(
      `cannot fetch registry ${shown} at ${wanted.slice(0, 7)}, the commit pyproject.toml ` +
        `records: ${whyFailed(e, deadline, load)}`,
      "check your network and your access to the registry; if that commit is gone from " +
        "it, `hpm registry update` moves the project to the registry's newest state",
    );
  }
  return result(wanted, false);
}

/**
 * The folder of a git registry's copy at `commit`, when the cache has made
 * it (a move's report reads what the project was at from there).
 *
 * @param location a git registry
 * @param commit the commit
 * @param env where the cache is
 * @returns the folder, laid out like a local registry, or undefined
 */
export async function cachedCopyAt(
  location: Extract<RegistryLocation, { kind: "git" }>,
  commit: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  if (!COMMIT.test(commit)) return undefined;
  const at = copyDir(joinPath(cacheDir(env), "registries", await cacheKey(location)), commit);
  return isFolder(joinPath(at, "packages")) ? at : undefined;
}

// `git count-objects -v` sizes are in KiB.
function objectBytes(counts: string): number {
  const kib = (key: string) => Number(counts.match(new RegExp(`^${key}: (\\d+)$`, "m"))?.[1] ?? 0);
  return (kib("size") + kib("size-pack")) * 1024;
}

/** git in a registry's repository in the cache, every call within the load's deadline. */
interface Git {
  (args: string[], call?: { network?: "repository" }): Promise<string>;
  readonly runner: Runner;
  /** How a call made now must run. @throws {Error} once the deadline has passed */
  readonly call: () => GitCall;
}

function gitIn(dir: string, runner: Runner, deadline: number): Git {
  const call = () => {
    if (Date.now() >= deadline) throw new Error("deadline passed");
    return { env: { GIT_TERMINAL_PROMPT: "0" }, timeoutMs: deadline - Date.now() };
  };
  const git = async (args: string[], { network }: { network?: "repository" } = {}) => {
    const r = await runGit(runner, dir, args, { ...call(), ...(network ? { network } : {}) });
    if (r.code !== 0) throw new CommandFailedError("git", args, r.code, r.stderr);
    return r.stdout.trim();
  };
  return Object.assign(git, { runner, call });
}

// Fetch `what` (the ref, or a commit) into the registry's repository, made
// first when missing: one commit, no tags, nothing a remote could add beside
// it (its history, a thousand tags). A commit a server will not give by its
// id is looked for in the history of `ref`. What it wrote is counted after
// it, since git cannot cap a fetch.
async function fetchInto(
  git: Git,
  url: string,
  dir: string,
  spend: (bytes: number, files: number) => void,
  what: string,
  ref?: string,
): Promise<string> {
  if (!isFolder(joinPath(dir, ".git"))) {
    ownFolder(dir, true);
    await git(["init", "--quiet"]);
    await git(["remote", "add", "origin", url]);
  }
  ownFolder(dir, false);
  const before = objectBytes(await git(["count-objects", "-v"]));
  const fetch = (depth: string, target: string) =>
    git(
      ["fetch", "--quiet", "--force", "--no-tags", depth, "--end-of-options", "origin", target],
      { network: "repository" },
    );
  let commit: string;
  try {
    if (COMMIT.test(what)) {
      try {
        await fetch("--depth=1", what);
      } catch (e) {
        if (!(e instanceof CommandFailedError)) throw e;
        await fetch("--depth=2147483647", ref ?? "HEAD");
      }
      commit = await git(["rev-parse", "--verify", "--end-of-options", `${what}^{commit}`]);
    } else {
      await fetch("--depth=1", what);
      commit = await git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"]);
    }
    spend(objectBytes(await git(["count-objects", "-v"])) - before, 0);
  } catch (e) {
    // Too much was fetched: the repository goes, objects and all (the next fetch starts afresh).
    if (e instanceof HpmInputError) await removeCacheFolder(dir);
    throw e;
  }
  return commit;
}

// The registry's copy at `commit`: the entry files of its packages/ (what a
// registry is read for), their blobs as the commit holds them, written
// through the door into a folder of their own, renamed into place whole.
// git writes nothing: a checkout would apply the registry's .gitattributes,
// and with them any filter the user configured (git-lfs, which would then
// fetch from wherever the registry's .lfsconfig says). What it would write is
// counted first.
async function makeCopy(
  git: Git,
  dir: string,
  commit: string,
  spend: (bytes: number, files: number) => void,
  shown: string,
): Promise<void> {
  const short = commit.slice(0, 7);
  const [packages] = (await treeEntries(git.runner, dir, commit, ["packages"], git.call()))
    .filter((e) => e.path === "packages");
  if (packages === undefined) {
    throw new HpmOperationError(`the registry has no packages/ folder at ${short}`);
  }
  if (packages.mode !== "040000") {
    throw new HpmInputError(
      "unsafe-path",
      `registry ${shown}: its packages/ at ${short} is a link or a file, not a folder`,
      undefined,
      "HPM reads a registry's entries from its own packages/ folder, and follows no link",
    );
  }
  // Files named as a package's entry: no link, folder or submodule, no name a
  // file system could read as a path.
  const entries = (await treeEntries(git.runner, dir, packages.object, [], git.call()))
    .filter((e) => {
      const stem = e.path.match(/^(.*)\.ya?ml$/)?.[1];
      return /^100\d{3}$/.test(e.mode) && stem !== undefined && isValidPackageName(stem);
    });
  const bytes = entries.reduce((sum, e) => sum + (e.size ?? 0), 0);
  spend(bytes, entries.length);
  const contents = await blobBytes(
    git.runner,
    dir,
    entries.map((e) => e.object),
    bytes,
    git.call(),
  );
  const copies = joinPath(dir, "at");
  ownFolder(copies, true);
  const fresh = joinPath(copies, `${commit}.new-${Deno.pid}`);
  await removeCacheFolder(fresh);
  try {
    ownFolder(fresh, true);
    ownFolder(joinPath(fresh, "packages"), true);
    const own = { root: fresh, strict: true };
    for (const [i, e] of entries.entries()) {
      await writeConfined(joinPath(fresh, "packages", e.path), contents[i], own);
    }
    await renameIntoPlace(fresh, copyDir(dir, commit));
  } finally {
    await removeCacheFolder(fresh).catch(() => {});
  }
}

// Redirects are followed only within the registry's own origin (same scheme,
// host and port): a registry must not be able to send HPM to another host,
// such as an internal service, and have that answer cached and shown.
async function fetchLimited(
  url: string,
  limit: number,
  deadline: number,
): Promise<Uint8Array>;
async function fetchLimited(
  url: string,
  limit: number,
  deadline: number,
  optional: true,
): Promise<Uint8Array | undefined>;
async function fetchLimited(
  url: string,
  limit: number,
  deadline: number,
  optional = false,
): Promise<Uint8Array | undefined> {
  const origin = new URL(url).origin;
  let current = url;
  let response: Response;
  for (let hops = 0;; hops++) {
    response = await fetch(current, {
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      redirect: "manual",
    });
    if (response.status < 300 || response.status >= 400) break;
    await response.body?.cancel();
    const next = response.headers.get("location");
    const target = next === null ? undefined : new URL(next, current);
    if (target === undefined || target.origin !== origin) {
      throw new HpmInputError(
        "schema",
        `${url} redirects to ${target?.href ?? "nowhere"}, outside ${origin}`,
        undefined,
        "HPM follows a registry's redirects only within its own origin; use the final URL in hpm.yaml",
      );
    }
    if (hops >= MAX_REDIRECTS) throw new Error(`${url}: too many redirects`);
    current = target.href;
  }
  if (!response.ok) {
    await response.body?.cancel();
    if (optional && response.status === 404) return undefined;
    throw new Error(`${current}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? 0);
  const tooLarge = () =>
    new HpmInputError(
      "too-large",
      `${current} is larger than ${limit} bytes`,
      undefined,
      "a registry serves small files; check the registry URL",
    );
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const bytes = response.body ? await readLimited(response.body, limit) : new Uint8Array();
  if (bytes === undefined) throw tooLarge();
  return bytes;
}

const STATIC_MARK = ".static";
const ASKED = ".asked";

function missingFromStaticCopy(dir: string, wanted: readonly string[]): boolean {
  if (!isFolder(joinPath(dir, "packages")) || !wanted.length) return false;
  let asked: Set<string>;
  try {
    if (!lstatOrUndefined(joinPath(dir, STATIC_MARK))?.isFile) return false;
    asked = new Set(
      new TextDecoder().decode(
        readConfined(joinPath(dir, ASKED), { root: dir, strict: true }, MAX_INDEX_BYTES),
      )
        .split("\n").filter(Boolean),
    );
  } catch {
    return false;
  }
  return wanted.some((name) => !asked.has(normalizeName(name)));
}

// An https registry is the registry folder's layout served as it is. With an
// index.json (`["name", …]` or `{"packages": [...]}`, see `hpm registry
// index`) every entry is fetched, so listing and suggestions work; without
// one, the entries the project names are fetched by name, with what they
// `require:`. Names are checked before they become file names, so a hostile
// registry cannot write outside the cache.
async function refreshHttp(
  base: string,
  dir: string,
  deadline: number,
  wanted: readonly string[],
  spend: (bytes: number, files: number) => void,
) {
  const indexUrl = `${base}/index.json`;
  const listed = await fetchIndex(indexUrl, deadline);
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  const fresh = `${dir}.new-${Deno.pid}`;
  await removeCacheFolder(fresh);
  ownFolder(fresh, true);
  ownFolder(joinPath(fresh, "packages"), true);
  const own = { root: parent, strict: true };
  const write = (file: string, data: Uint8Array | string) => {
    spend(typeof data === "string" ? new TextEncoder().encode(data).length : data.length, 1);
    return writeConfined(file, data, own);
  };
  const entryUrl = (name: string) => `${base}/packages/${encodeURIComponent(name)}.yaml`;
  try {
    if (listed !== undefined) {
      for (const n of listed) {
        const entry = await fetchLimited(entryUrl(n), MAX_YAML_BYTES, deadline);
        await write(joinPath(fresh, "packages", `${n}.yaml`), entry);
      }
    } else {
      const asked = new Set<string>();
      const queue = wanted.map(normalizeName);
      while (queue.length) {
        const name = queue.shift()!;
        if (asked.has(name) || !isValidPackageName(name)) continue;
        asked.add(name);
        if (asked.size > MAX_PACKAGES) break;
        const entry = await fetchLimited(entryUrl(name), MAX_YAML_BYTES, deadline, true);
        if (entry === undefined) continue;
        const file = joinPath(fresh, "packages", `${name}.yaml`);
        await write(file, entry);
        queue.push(...parseRegistryEntry(decodeYaml(entry, file), file, name).requires);
      }
      await write(joinPath(fresh, ASKED), [...asked].join("\n") + "\n");
      await write(joinPath(fresh, STATIC_MARK), "");
    }
    // Swap in the complete new copy; a failure above leaves the old cache whole.
    await removeCacheFolder(dir);
    await renameIntoPlace(fresh, dir);
  } catch (e) {
    await removeCacheFolder(fresh).catch(() => {});
    throw e;
  }
}

// The names index.json lists, or undefined when the registry serves none (404).
async function fetchIndex(indexUrl: string, deadline: number): Promise<string[] | undefined> {
  const bytes = await fetchLimited(indexUrl, MAX_INDEX_BYTES, deadline, true);
  if (bytes === undefined) return undefined;
  let names: unknown;
  try {
    names = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new HpmInputError("schema", `${indexUrl} is not valid JSON`);
  }
  const list = Array.isArray(names) ? names : (names as { packages?: unknown })?.packages;
  if (!Array.isArray(list)) {
    throw new HpmInputError(
      "schema",
      `${indexUrl} must be a list of at most ${MAX_PACKAGES} package names`,
    );
  }
  const problem = indexProblem(list);
  if (problem !== undefined) throw new HpmInputError("schema", `${indexUrl} ${problem}`);
  return list as string[];
}

/**
 * Why HPM would refuse an `index.json` listing `names`, if it would: more
 * names than it reads, a value that is not a package name, or one package
 * listed twice (in two PEP 503 forms).
 *
 * @param names what the index lists
 * @returns the reason, as a phrase after the index's name, or undefined
 *
 * @example Usage
 * ```ts
 * import { indexProblem } from "./remote.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(indexProblem(["plug", "Rag_Plug"]), undefined);
 * assert.equal(indexProblem(["../x"]), 'lists "../x", which is not a package name');
 * ```
 */
export function indexProblem(names: readonly unknown[]): string | undefined {
  if (names.length > MAX_PACKAGES) {
    return `lists ${names.length} names; HPM reads at most ${MAX_PACKAGES}`;
  }
  const seen = new Map<string, string>();
  for (const n of names) {
    if (typeof n !== "string" || !isValidPackageName(n)) {
      const shown = typeof n === "string"
        ? JSON.stringify(excerpt(n))
        : excerpt(JSON.stringify(n) ?? String(n));
      return `lists ${shown}, which is not a package name`;
    }
    const twin = seen.get(normalizeName(n));
    if (twin !== undefined) return `lists \`${twin}\` and \`${n}\`, one package once normalised`;
    seen.set(normalizeName(n), n);
  }
  return undefined;
}
