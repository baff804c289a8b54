/**
 * The no-op fast path's memory. After a successful sync, HPM records the
 * content hash of every input that decided pyproject.toml (hpm.yaml,
 * hpm.local.yaml, the registry entries used and the listings of the registry
 * folders, the plugin clones' build files) together with the mode, the
 * environment that chose it, HPM's version and the hash of the pyproject.toml
 * it left. When all of that is unchanged, the result is known without loading
 * a parser: the answer of the last sync stands.
 *
 * Content hashes, not times, decide a match (a `touch` changes nothing). Times
 * serve only when recording: an input whose change time falls inside the run
 * may have changed between being read and being hashed, so nothing is
 * recorded then.
 *
 * This module is loaded on every `sync`, `check` and `diff` before anything
 * else, so it imports no package and no `node:` module: Deno APIs and the
 * state folder's own access (state.ts), through which the fingerprint is
 * sealed like the journal.
 *
 * @module
 */

import {
  openRecord,
  readStateFile,
  removeStateFile,
  sealRecord,
  stateFolder,
  writeStateFile,
} from "./state.ts";

/** What a fingerprint says decided a sync, and what the sync left. */
export interface Fingerprint {
  /** Format of this record. */
  readonly format: 1;
  /** The HPM version that wrote it. */
  readonly hpm: string;
  /** The project root. */
  readonly root: string;
  /** The mode synced. */
  readonly mode: string;
  /** The mode hpm.local.yaml, hpm.yaml or the default give, without --mode or RUN_MODE. */
  readonly fileMode: string;
  /** Where `fileMode` came from. */
  readonly fileModeOrigin: string;
  /** The home folder, for `~` in paths. */
  readonly home: string | null;
  /** Input files (absolute), present or absent; pyproject.toml is always the first. */
  readonly files: readonly string[];
  /** Registry folders (absolute) whose listing decided which entry files were read. */
  readonly folders: readonly string[];
  /** sha256 of all of their contents (absence and listings included), in that order. */
  readonly digest: string;
}

/** What {@link takeFingerprint} needs to know about a finished sync. */
export interface SyncInputs {
  /** The HPM version. */
  readonly hpm: string;
  /** The project root. */
  readonly root: string;
  /** The mode synced. */
  readonly mode: string;
  /** The mode without --mode and RUN_MODE, and its origin. */
  readonly fileMode: { readonly mode: string; readonly origin: string };
  /** The home folder used for `~`. */
  readonly home?: string;
  /** Every file whose content or absence decided the result. */
  readonly files: readonly string[];
  /** Every folder whose listing decided which files were read. */
  readonly folders: readonly string[];
  /** pyproject.toml's text after the sync. */
  readonly pyproject: string;
  /** `Date.now()` before the sync read anything. */
  readonly startedAt: number;
}

/** How the current run would choose its mode (before reading any file). */
export interface ModeRequest {
  /** `--mode`. */
  readonly flag?: string;
  /** `$RUN_MODE`. */
  readonly env?: string;
}

const encoder = new TextEncoder();

// Reads are synchronous on purpose: a handful of small files, and each
// asynchronous call would cross to a thread pool that a cold process must
// first start. One digest over everything, for the same reason.
function readOrNull(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

// Names with their kind: a file replaced by a folder of the same name counts.
function listing(dir: string): Uint8Array {
  const names: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    names.push(`${e.isFile ? "f" : e.isDirectory ? "d" : "l"} ${e.name}`);
  }
  return encoder.encode(names.sort().join("\n"));
}

// Each part framed by its name and length, so no two input sets share a stream.
async function digestOf(parts: readonly [string, Uint8Array | null][]): Promise<string> {
  const chunks = parts.flatMap(([name, bytes]) => [
    encoder.encode(`${name}\0${bytes === null ? "absent" : bytes.length}\0`),
    bytes ?? new Uint8Array(),
  ]);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// File times come from the kernel's coarse clock (a tick behind at most) or,
// on some file systems, whole seconds; a change inside the run must not look
// older than the run's start.
function changedSince(info: Deno.FileInfo, startedAt: number): boolean {
  const times = [info.ctime, info.mtime].flatMap((t) => t ? [t.getTime()] : []);
  if (!times.length) return true;
  const latest = Math.max(...times);
  const slack = latest % 1000 === 0 ? 2000 : 50;
  return latest >= startedAt - slack;
}

function touchedDuringRun(path: string, startedAt: number): boolean {
  try {
    return changedSince(Deno.statSync(path), startedAt);
  } catch (e) {
    // Absent now: absent is what gets recorded, and what must stay true.
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

const pyprojectOf = (root: string) => `${root}/pyproject.toml`;

/**
 * The fingerprint of a finished sync, or undefined when an input changed
 * while it ran (its content then may not be what the sync read).
 *
 * @param inputs what decided the sync and what it left
 * @returns the fingerprint to store
 */
export async function takeFingerprint(inputs: SyncInputs): Promise<Fingerprint | undefined> {
  const files = [...new Set(inputs.files)];
  const folders = [...new Set(inputs.folders)];
  if ([...files, ...folders].some((p) => touchedDuringRun(p, inputs.startedAt))) return undefined;
  return {
    format: 1,
    hpm: inputs.hpm,
    root: inputs.root,
    mode: inputs.mode,
    fileMode: inputs.fileMode.mode,
    fileModeOrigin: inputs.fileMode.origin,
    home: inputs.home ?? null,
    files: [pyprojectOf(inputs.root), ...files],
    folders,
    digest: await digestOf([
      [pyprojectOf(inputs.root), encoder.encode(inputs.pyproject)],
      ...files.map((f): [string, Uint8Array | null] => [f, readOrNull(f)]),
      ...folders.map((d): [string, Uint8Array] => [d, listing(d)]),
    ]),
  };
}

/** The mode in force when a fingerprint still holds, and where it came from. */
export interface FastAnswer {
  /** The mode. */
  readonly mode: string;
  /** `flag`, `RUN_MODE`, `hpm.local.yaml`, `hpm.yaml` or `default`. */
  readonly origin: string;
}

/**
 * Whether a stored fingerprint still describes the project: same HPM, same
 * root, same mode chosen the same way, every input and pyproject.toml
 * unchanged. Anything unreadable or unexpected is a no.
 *
 * @param stored the fingerprint as stored (unvalidated JSON)
 * @param here the project root, HPM version, mode request and home folder of this run
 * @returns the mode in force when everything matches, else undefined
 */
export async function stillHolds(
  stored: unknown,
  here: { root: string; hpm: string; request: ModeRequest; home?: string },
): Promise<FastAnswer | undefined> {
  const fp = asFingerprint(stored);
  if (!fp || fp.hpm !== here.hpm || fp.root !== here.root || fp.home !== (here.home ?? null)) {
    return undefined;
  }
  const chosen = here.request.flag !== undefined && here.request.flag !== ""
    ? { mode: here.request.flag, origin: "flag" }
    : here.request.env !== undefined && here.request.env !== ""
    ? { mode: here.request.env, origin: "RUN_MODE" }
    : { mode: fp.fileMode, origin: fp.fileModeOrigin };
  if (chosen.mode !== fp.mode) return undefined;
  try {
    const digest = await digestOf([
      ...fp.files.map((f): [string, Uint8Array | null] => [f, readOrNull(f)]),
      ...fp.folders.map((d): [string, Uint8Array] => [d, listing(d)]),
    ]);
    return digest === fp.digest ? chosen : undefined;
  } catch {
    return undefined;
  }
}

const isString = (v: unknown): v is string => typeof v === "string";
const isPaths = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((p) => isString(p) && p.startsWith("/"));

// Checked by hand: a schema library is exactly what the fast path avoids loading.
function asFingerprint(v: unknown): Fingerprint | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const ok = r.format === 1 && isString(r.hpm) && isString(r.root) && isString(r.mode) &&
    isString(r.fileMode) && isString(r.fileModeOrigin) && (r.home === null || isString(r.home)) &&
    isPaths(r.files) && r.files[0] === pyprojectOf(String(r.root)) && isPaths(r.folders) &&
    isString(r.digest);
  return ok ? r as unknown as Fingerprint : undefined;
}

const STATE_FILE = "fingerprint.json";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The stored fingerprint of a project (unvalidated), or undefined when there
 * is none or it does not verify (not sealed by this user's HPM for this
 * project: never trusted from a commit or another machine).
 *
 * @param root the project root
 * @param env where the per-user key lives
 * @returns the record, to check with {@link stillHolds}
 */
export async function readFingerprint(root: string, env: Env): Promise<unknown> {
  try {
    const dir = await stateFolder(root, false);
    const bytes = dir === undefined ? undefined : readStateFile(dir, STATE_FILE);
    return bytes === undefined ? undefined : await openRecord(root, bytes, env);
  } catch {
    return undefined; // an unsafe state folder is the normal path's to report
  }
}

/**
 * Store a project's fingerprint, sealed.
 *
 * @param root the project root
 * @param fingerprint what {@link takeFingerprint} made
 * @param env where the per-user key lives
 */
export async function writeFingerprint(
  root: string,
  fingerprint: Fingerprint,
  env: Env,
): Promise<void> {
  const dir = (await stateFolder(root, true))!;
  await writeStateFile(dir, STATE_FILE, await sealRecord(root, fingerprint, env));
}

/**
 * Drop a project's fingerprint, so the next command takes the normal path.
 *
 * @param root the project root
 */
export async function forgetFingerprint(root: string): Promise<void> {
  const dir = await stateFolder(root, false);
  if (dir !== undefined) await removeStateFile(dir, STATE_FILE);
}
