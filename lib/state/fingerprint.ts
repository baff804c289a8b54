/**
 * The fast path's memory. After a successful sync, HPM records, for the mode
 * synced, the content hash of every input that decided pyproject.toml
 * (hpm.yaml, hpm.local.yaml, the registry entries used and the listings of the
 * registry folders, the plugin clones' build files, the ref files of releases
 * read from clones), the environment that chose the mode, HPM's version, and
 * pyproject.toml before and after. When the inputs are unchanged, the result
 * is known without loading a parser: pyproject.toml as the sync left it is in
 * sync, and pyproject.toml as the sync found it becomes what the sync wrote
 * (a switch back to a mode synced before).
 *
 * Here are the records: what one holds, their validation, the records file,
 * and whether a record answers a run. A record is kept for each state a
 * project was synced into: a mode, with the plugins hpm.local.yaml develops
 * in it (see {@link stateKey}), so that prod and "prod, plug-a from its
 * clone" each keep their own record and their own uv.lock. A record holds the content planning
 * read (plan_inputs.ts), not a second read after the sync, so a sync that
 * succeeds always leaves one, however recently its inputs were written.
 * Whether its inputs are unchanged is inputs_check.ts's to say (stats vouch
 * for content, as in git's index); what a switch does with uv.lock is
 * lock_memory.ts's.
 *
 * The records are kept in the user's own state folder, never in the project.
 * This module is loaded on every `sync`, `check` and `diff` before anything
 * else, so it imports no package and no `node:` module: Deno APIs, the door
 * to the disk (files.ts) and the state folder's access (folder.ts).
 *
 * @module
 */

import { chooseMode, type ModeRequest } from "../core/mode.ts";
import type { ChangeCounts } from "../edit/pyproject_diff.ts";
import type { Plan } from "../core/plan.ts";
import type { LeftCheckout } from "../project/checkout_state.ts";
import type { SeenFile, SeenFolder } from "./plan_inputs.ts";
import { homeFolder, MAX_PYPROJECT_BYTES } from "../io/files.ts";
import {
  projectStateName,
  readStateFile,
  removeStateFile,
  userStateSubfolder,
  writeStateFile,
} from "./folder.ts";
import { changedInput, readOrRefused, type RecordedInput, recordInputs } from "./inputs_check.ts";
import { VERSION } from "../core/version.ts";

/** What a sync into one mode found, decided and left. */
export interface ModeRecord {
  /** The HPM version that wrote it. */
  readonly hpm: string;
  /** The project root. */
  readonly root: string;
  /** The mode synced. */
  readonly mode: string;
  /** The plugins installed from their clones although the mode's source is another. */
  readonly develop?: readonly string[];
  /** The mode hpm.local.yaml, hpm.yaml or the default give, without --mode or RUN_MODE. */
  readonly fileMode: string;
  /** Where `fileMode` came from. */
  readonly fileModeOrigin: string;
  /** The home folder, for `~` in paths. */
  readonly home: string | null;
  /** The variables that place HPM's cache (see {@link cacheEnvOf}). */
  readonly cacheEnv: string;
  /** Every input: files (present or absent) and folders whose listing decided. */
  readonly inputs: readonly RecordedInput[];
  /** pyproject.toml as the sync found it. */
  readonly before: string;
  /** pyproject.toml as the sync left it. */
  readonly after: string;
  /** What the sync changed, in numbers, for its message. */
  readonly change: ChangeCounts;
  /** uv.lock around a switch that ran uv (see {@link LockMemory}). */
  readonly lock?: LockMemory;
  /** The committed mode the files choose (see `commitModeOf`), if they choose one. */
  readonly commit?: { readonly mode: string; readonly origin: string };
  /** What `hpm stage` needs of this mode, when it installs nothing from a local path. */
  readonly stage?: RecordedStage;
  /** The dev checkouts the mode does not install from, which a switch to it warns about. */
  readonly checkouts?: readonly LeftCheckout[];
  /**
   * Until when the record holds (ms since the epoch): a remote registry read
   * from a cached copy that is asked again after that. None: for good.
   */
  readonly until?: number;
}

/**
 * uv.lock as a switch into a mode found it and as uv left it: a switch back
 * to that mode from the same pyproject.toml and the same uv.lock puts uv's
 * lock back too (its copy is kept beside the records), so uv checks a lock
 * that fits instead of resolving anew from the other mode's. A field of the
 * record; what a switch does with it is lock_memory.ts's.
 */
export interface LockMemory {
  /** sha256 of uv.lock before the switch; null when there was none. */
  readonly before: string | null;
  /** sha256 of uv.lock as uv left it. */
  readonly after: string;
}

/** What `hpm stage` takes from a record instead of planning. */
export interface RecordedStage {
  /** The mode's plan, applied to the working pyproject.toml. */
  readonly plan: Plan;
  /** The folders a scratch copy of the project leaves out (see `lockInScratch`). */
  readonly leaveOut: readonly string[];
}

/**
 * What {@link takeFingerprint} needs to know about a finished sync: what the
 * record keeps as it is, and what it is made from.
 */
export interface SyncInputs extends
  Pick<
    ModeRecord,
    | "hpm"
    | "root"
    | "mode"
    | "develop"
    | "cacheEnv"
    | "before"
    | "after"
    | "change"
    | "lock"
    | "commit"
    | "stage"
    | "checkouts"
    | "until"
  > {
  /** The mode without --mode and RUN_MODE, and its origin. */
  readonly fileMode: { readonly mode: string; readonly origin: string };
  /** The home folder used for `~`. */
  readonly home?: string;
  /** Every file whose content or absence decided the result, as planning read it. */
  readonly files: ReadonlyMap<string, SeenFile>;
  /** Every folder whose listing decided which files were read, as planning listed it. */
  readonly folders: ReadonlyMap<string, SeenFolder>;
  /** `Date.now()` before the sync read anything. */
  readonly startedAt: number;
}

const pyprojectOf = (root: string) => `${root}/pyproject.toml`;

/**
 * What a record and its copy of uv.lock are kept under: the mode, and the
 * plugins developed in it (`prod+plug-a`); `+` is in no mode or package name.
 *
 * @param mode the mode
 * @param develop the plugins developed in it, sorted
 * @returns the key
 */
export function stateKey(mode: string, develop: readonly string[] = []): string {
  return [mode, ...develop].join("+");
}

/**
 * A record's {@link stateKey}.
 *
 * @param r the record
 * @returns its key
 */
export const recordKey = (r: ModeRecord): string => stateKey(r.mode, r.develop);

/**
 * The variables that place HPM's cache, which a plan checks local paths
 * against: a record holds only while they are the same.
 *
 * @param env the environment
 * @returns them, as one comparable string
 */
export function cacheEnvOf(env: Readonly<Record<string, string | undefined>>): string {
  return JSON.stringify([env.HPM_CACHE_DIR, env.XDG_CACHE_HOME, env.LOCALAPPDATA]);
}

// The most a record keeps of pyproject.toml, before and after together (the
// record of the mode in force is read on every command; the largest real
// pyproject.toml seen is 136 KB).
const MAX_KEPT_BYTES = 1024 * 1024;

/**
 * The record of a finished sync, made from what planning read, or undefined
 * when pyproject.toml is too large to keep.
 *
 * An input's stat, taken now, vouches only when its times are settled before
 * the sync started: then it has not changed since planning read it. One that
 * changed after it was read has a time inside the run, so its content decides
 * the next check, and differs from what the record holds.
 *
 * @param inputs what decided the sync and what it left
 * @returns the record to store
 */
export async function takeFingerprint(inputs: SyncInputs): Promise<ModeRecord | undefined> {
  if (new TextEncoder().encode(inputs.before + inputs.after).length > MAX_KEPT_BYTES) {
    return undefined;
  }
  const recorded = await recordInputs(inputs.files, inputs.folders, inputs.startedAt);
  return {
    hpm: inputs.hpm,
    root: inputs.root,
    mode: inputs.mode,
    ...(inputs.develop?.length ? { develop: inputs.develop } : {}),
    fileMode: inputs.fileMode.mode,
    fileModeOrigin: inputs.fileMode.origin,
    home: inputs.home ?? null,
    cacheEnv: inputs.cacheEnv,
    inputs: recorded,
    before: inputs.before,
    after: inputs.after,
    change: inputs.change,
    ...(inputs.lock ? { lock: inputs.lock } : {}),
    ...(inputs.commit ? { commit: inputs.commit } : {}),
    ...(inputs.stage ? { stage: inputs.stage } : {}),
    ...(inputs.checkouts ? { checkouts: inputs.checkouts } : {}),
    ...(inputs.until === undefined ? {} : { until: inputs.until }),
  };
}

// The mode a run is in, decided as everywhere (core/mode.ts), the files'
// choice being the record's (they are among its inputs, so a record that
// holds knows it); undefined for a request no record answers.
function modeRequested(request: ModeRequest, fileMode: string): string | undefined {
  try {
    return chooseMode({ ...request, local: fileMode }).mode;
  } catch {
    return undefined; // an invalid --mode or RUN_MODE: the normal path says so
  }
}

/** What the fingerprint knows about this run, when it knows. */
export interface FastAnswer {
  /** The mode. */
  readonly mode: string;
  /** The plugins developed in it (see {@link stateKey}), when any. */
  readonly develop?: readonly string[];
  /** `flag`, `RUN_MODE`, `hpm.local.yaml`, `hpm.yaml` or `default`. */
  readonly origin: string;
  /** pyproject.toml to write for a switch; undefined when it is already in sync. */
  readonly write?: string;
  /** What the switch changes, in numbers. */
  readonly change?: ChangeCounts;
  /** uv.lock as the last switch into this mode found and left it. */
  readonly lock?: LockMemory;
  /** For a switch: the dev checkouts the mode does not install from. */
  readonly checkouts?: readonly LeftCheckout[];
}

/**
 * Whether a stored fingerprint answers this run: a record for the mode in
 * force from the same HPM, root and home, whose inputs are all unchanged, and
 * pyproject.toml as that sync left it (in sync) or found it (a switch).
 * Anything unreadable or unexpected is a no.
 *
 * @param stored the fingerprint as stored (unvalidated)
 * @param here the project root, HPM version, mode request and home folder of this run
 * @param why told why no record answers, when none does (for `--verbose`)
 * @returns the answer, or undefined
 */
export async function stillHolds(
  stored: unknown,
  here: { root: string; hpm: string; request: ModeRequest; home?: string; cacheEnv: string },
  why?: (reason: string) => void,
): Promise<FastAnswer | undefined> {
  let reason = "no record of a sync into this mode";
  try {
    const records = asRecords(stored);
    for (const r of records) {
      if (modeRequested(here.request, r.fileMode) !== r.mode) continue;
      reason = `no record of a sync into ${r.mode} by this hpm, here, for this home and cache`;
      if (
        r.hpm !== here.hpm || r.root !== here.root || r.home !== (here.home ?? null) ||
        r.cacheEnv !== here.cacheEnv
      ) continue;
      const origin = here.request.flag ? "flag" : here.request.env ? "RUN_MODE" : r.fileModeOrigin;
      const changed = await inputChanged(r);
      if (changed !== undefined) {
        reason = `${changed} since the last sync into ${r.mode}`;
        continue;
      }
      reason = `pyproject.toml is neither as the last sync into ${r.mode} found it nor as it ` +
        "left it";
      const now = readOrRefused(pyprojectOf(r.root), r.root, MAX_PYPROJECT_BYTES);
      if (now === null || now === "refused") break;
      // Compared as text, byte for byte: a byte order mark is kept, and bytes
      // that are not UTF-8 throw (the normal path reports them).
      const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(now);
      const state = { mode: r.mode, origin, ...(r.develop && { develop: r.develop }) };
      const lock = r.lock ? { lock: r.lock } : {};
      const checkouts = r.checkouts ? { checkouts: r.checkouts } : {};
      if (text === r.after) return { ...state, ...lock };
      if (text === r.before) {
        return { ...state, write: r.after, change: r.change, ...lock, ...checkouts };
      }
      break;
    }
  } catch {
    reason = "an input could not be read"; // the normal path reports it
  }
  why?.(reason);
  return undefined;
}

// What changed of a record's inputs, said relative to its project; undefined
// when nothing did.
async function inputChanged(r: ModeRecord): Promise<string | undefined> {
  if (r.until !== undefined && Date.now() >= r.until) {
    return "a remote registry's cached copy is due to be asked again";
  }
  const input = await changedInput(r.inputs);
  if (input === undefined) return undefined;
  const path = input.path.startsWith(`${r.root}/`)
    ? input.path.slice(r.root.length + 1)
    : input.path;
  return `${path} changed`;
}

/** What {@link recordedStage} found. */
export interface StageAnswer extends RecordedStage {
  /** The committed mode. */
  readonly mode: string;
  /** `flag`, or where the files chose it (`hpm.yaml`, `default`). */
  readonly origin: string;
}

/**
 * The committed mode's plan from the record of its last sync, when every
 * input of that sync is unchanged (pyproject.toml may be anything: `hpm
 * stage` applies the plan to the working file); undefined otherwise.
 *
 * @param root the project root
 * @param env where the per-user state folder is, HOME and the cache's variables
 * @param flag `--mode`, if given
 * @returns the plan and what the scratch copy leaves out, or undefined
 */
export async function recordedStage(
  root: string,
  env: Env,
  flag?: string,
): Promise<StageAnswer | undefined> {
  try {
    const here = {
      hpm: VERSION,
      home: homeFolder(env) ?? null,
      cacheEnv: cacheEnvOf(env),
    };
    for (const r of asRecords(await readFingerprint(root, env))) {
      if (r.hpm !== here.hpm || r.root !== root || r.home !== here.home) continue;
      if (r.cacheEnv !== here.cacheEnv || !r.stage) continue;
      const mode = flag || r.commit?.mode;
      if (mode !== r.mode || await inputChanged(r) !== undefined) continue;
      return { mode, origin: flag ? "flag" : r.commit!.origin, ...r.stage };
    }
  } catch {
    // unreadable input: planning reports it
  }
  return undefined;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isNames = (v: unknown) => v === undefined || (Array.isArray(v) && v.every(isString));
const isPath = (v: unknown): v is string => isString(v) && v.startsWith("/");

// The plan is the normal path's own output, kept whole; its shape is checked
// only as far as a record written by another version could differ.
function isStage(v: unknown): boolean {
  if (v === undefined) return true;
  const s = v as { plan?: Record<string, unknown>; leaveOut?: unknown } | null;
  const plan = s?.plan;
  return typeof plan === "object" && plan !== null && isString(plan.mode) &&
    Array.isArray(plan.groups) && Array.isArray(plan.sources) && Array.isArray(plan.indexes) &&
    Array.isArray(s!.leaveOut) && s!.leaveOut.every(isPath);
}

function isLock(v: unknown): boolean {
  const l = v as { before?: unknown; after?: unknown } | null | undefined;
  return l === undefined || (typeof l === "object" && l !== null &&
    (l.before === null || isString(l.before)) && isString(l.after));
}

function isCommit(v: unknown): boolean {
  const c = v as { mode?: unknown; origin?: unknown } | null | undefined;
  return c === undefined || (typeof c === "object" && c !== null && isString(c.mode) &&
    isString(c.origin));
}

function isCheckouts(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.every((c) => {
    const checkout = c as Record<string, unknown> | null;
    return typeof checkout === "object" && checkout !== null && isString(checkout.name) &&
      isPath(checkout.path) && isString(checkout.shown) && Array.isArray(checkout.refs) &&
      checkout.refs.every(isString);
  }));
}

function isInput(v: unknown): v is RecordedInput {
  if (typeof v !== "object" || v === null) return false;
  const i = v as Record<string, unknown>;
  const seen = i.seen as Record<string, unknown> | null;
  return isPath(i.path) && isPath(i.root) && (i.kind === "file" || i.kind === "folder") &&
    (isString(i.sha256) || (i.sha256 === null && i.kind === "file")) &&
    (seen === null || (typeof seen === "object" && isPath(seen.at) && isString(seen.stat)));
}
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/**
 * The records in a stored fingerprint that are well formed; none for one of
 * another format. Checked by hand: a schema library is exactly what the fast
 * path avoids loading.
 */
export function asRecords(v: unknown): ModeRecord[] {
  if (typeof v !== "object" || v === null) return [];
  const { format, modes } = v as { format?: unknown; modes?: unknown };
  if (format !== FORMAT || typeof modes !== "object" || modes === null) return [];
  return Object.values(modes).filter((m): m is ModeRecord => {
    if (typeof m !== "object" || m === null) return false;
    const r = m as Record<string, unknown>;
    const c = r.change as Record<string, unknown> | undefined;
    return isString(r.hpm) && isString(r.root) && isString(r.mode) && isNames(r.develop) &&
      isString(r.fileMode) &&
      isString(r.fileModeOrigin) && (r.home === null || isString(r.home)) &&
      isString(r.cacheEnv) && Array.isArray(r.inputs) && r.inputs.every(isInput) &&
      isString(r.before) && isString(r.after) && isLock(r.lock) && isCommit(r.commit) &&
      isStage(r.stage) && isCheckouts(r.checkouts) &&
      (r.until === undefined || Number.isFinite(r.until)) &&
      typeof c === "object" && c !== null && isCount(c.sources) && isCount(c.groups) &&
      (c.modeBefore === undefined || isString(c.modeBefore)) &&
      (c.modeAfter === undefined || isString(c.modeAfter));
  });
}

const FORMAT = 4;
// A record lists every input: a prod mode of 200 plugins released by tag
// holds some 1,600 ref files.
const MAX_RECORDS_BYTES = 8 * 1024 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

// The records of a project live in the user's own state folder, in a file
// named after the project's real path: no project, whoever committed or sent
// it, can put a record there, so a record needs no seal and the fast path no
// cryptography.
/** The state folder's subfolder that holds the records, and each mode's copy of uv.lock. */
export const FOLDER = "fingerprints";

// One record per line, starting with its mode and the files' mode, so that a
// check parses only a record that could answer it (each is kilobytes).
const LABEL = /^\{"mode":("(?:[^"\\]|\\.)*"),"fileMode":("(?:[^"\\]|\\.)*"),/;

function labelOf(line: Uint8Array): { mode: string; fileMode: string } | undefined {
  const found = LABEL.exec(new TextDecoder().decode(line.subarray(0, 1024)));
  try {
    return found ? { mode: JSON.parse(found[1]), fileMode: JSON.parse(found[2]) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The stored fingerprint of a project (unvalidated), or undefined when there
 * is none or the state folder is unusable: the records in the user's state
 * folder for the project's real path, only those `wanted` by their label.
 *
 * @param root the project root
 * @param env where the per-user state folder is
 * @param wanted the mode requested (see {@link stillHolds}); default: all records
 * @returns the records, to check with {@link stillHolds}
 */
export async function readFingerprint(
  root: string,
  env: Env,
  wanted?: ModeRequest,
): Promise<unknown> {
  let bytes: Uint8Array | undefined;
  try {
    const dir = userStateSubfolder(env, FOLDER, false);
    if (dir === undefined) return undefined;
    bytes = readStateFile(dir, await projectStateName(root, "jsonl"), MAX_RECORDS_BYTES);
  } catch {
    return undefined;
  }
  if (bytes === undefined) return undefined;
  const modes: Record<string, unknown> = {};
  for (let start = 0; start < bytes.length;) {
    const newline = bytes.indexOf(10, start);
    const end = newline < 0 ? bytes.length : newline;
    const line = bytes.subarray(start, end);
    start = end + 1;
    const label = labelOf(line);
    if (!label || (wanted && modeRequested(wanted, label.fileMode) !== label.mode)) continue;
    try {
      const stored = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(line));
      const record = stored?.record as { mode?: unknown; develop?: unknown } | undefined;
      if (
        stored?.format === FORMAT && typeof record?.mode === "string" && isNames(record.develop)
      ) {
        modes[stateKey(record.mode, record.develop as string[] | undefined)] = record;
      }
    } catch {
      // not a record: skipped
    }
  }
  return { format: FORMAT, modes };
}

/**
 * The name of a state's copy of uv.lock (see {@link LockMemory}), beside the
 * project's records: the state's key, encoded, or its hash when long (a few
 * plugins developed would pass a file name's 255 bytes).
 *
 * @param root the project root
 * @param key the state's {@link stateKey}
 * @returns the file name
 */
export async function lockCopyName(root: string, key: string): Promise<string> {
  const encoded = encodeURIComponent(key);
  // Shorter than a hash, so that no kept key can be taken for another's hash.
  if (encoded.length < 64) return await projectStateName(root, `${encoded}.uv.lock`);
  const { sha256Hex } = await import("../io/digest.ts");
  return await projectStateName(root, `${await sha256Hex(key)}.uv.lock`);
}

/**
 * Store the record of a sync into one state beside those of the other states
 * still valid for this HPM and project; or, without a record, drop that
 * state's (its inputs may have changed under the sync). The state's copy of
 * uv.lock is kept when the record has a {@link LockMemory}, and removed
 * otherwise.
 *
 * @param root the project root
 * @param key the state synced (its {@link stateKey})
 * @param record what {@link takeFingerprint} made, or undefined
 * @param env where the per-user state folder is
 * @param lock uv.lock as uv left it, whose hash is `record.lock.after`
 */
export async function writeFingerprint(
  root: string,
  key: string,
  record: ModeRecord | undefined,
  env: Env,
  lock?: Uint8Array,
): Promise<void> {
  const kept = asRecords(await readFingerprint(root, env))
    .filter((r) =>
      recordKey(r) !== key &&
      (record === undefined || (r.hpm === record.hpm && r.root === record.root))
    );
  const records = record ? [...kept, record] : kept;
  const dir = userStateSubfolder(env, FOLDER, records.length > 0);
  if (dir === undefined) return;
  const name = await projectStateName(root, "jsonl");
  const copy = await lockCopyName(root, key);
  // Not synced to disk: a copy lost to a power loss fails its hash, and uv locks anew.
  if (record?.lock && lock) await writeStateFile(dir, copy, lock, { durable: false });
  else await removeStateFile(dir, copy);
  if (!records.length) {
    await removeStateFile(dir, name);
    return;
  }
  const lines = records.map((r) =>
    JSON.stringify({ mode: r.mode, fileMode: r.fileMode, format: FORMAT, record: r }) + "\n"
  );
  // Not synced to disk: a record lost to a power loss only means the normal path.
  await writeStateFile(dir, name, lines.join(""), { durable: false });
}
