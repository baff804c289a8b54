/**
 * Sync transactions: a journal so that a run killed at any moment (SIGKILL
 * included) leaves `pyproject.toml` and `uv.lock` exactly as before or
 * exactly as after; the next run finishes or undoes it. Use them under the
 * project lock (`project_lock.ts`).
 *
 * The journal is one file in the user's state folder (`journals/`, named
 * after the project's real path, as the lock and the fingerprint are): a line
 * of JSON, then the saved bytes of each file. No project can plant one there,
 * so it needs no seal; it is read like every state file (no links, the user's
 * own, size-capped) and its copies are checked against their hashes.
 *
 * @module
 */

import { sha256Hex } from "../io/digest.ts";
import {
  joinPath,
  MAX_PYPROJECT_BYTES,
  MAX_UV_LOCK_BYTES,
  readConfined,
  removeConfined,
  writeConfined,
} from "../io/files.ts";
import {
  JOURNALS,
  projectStateName,
  readStateFile,
  removeStateFile,
  userStateSubfolder,
  writeStateFile,
} from "./folder.ts";

/** The only files a journal may ever name: a journal can restore nothing else. */
const JOURNALED = ["pyproject.toml", "uv.lock"] as const;
type JournaledFile = (typeof JOURNALED)[number];
const LIMITS: Record<JournaledFile, number> = {
  "pyproject.toml": MAX_PYPROJECT_BYTES,
  "uv.lock": MAX_UV_LOCK_BYTES,
};
// The JSON line before the copies.
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_JOURNAL_BYTES = MAX_HEADER_BYTES + MAX_PYPROJECT_BYTES + MAX_UV_LOCK_BYTES;

type Env = Readonly<Record<string, string | undefined>>;

interface JournalRecord {
  pid: number;
  /** The project's real path (the file's name may be its hash). */
  root: string;
  /** A program (uv) the transaction started, which may outlive a killed hpm. */
  child?: number;
  /** Its start time (/proc/PID/stat field 22), so a reused PID is never signalled. */
  childStart?: string;
  /** The program's name, which its command line must show. */
  childProgram?: string;
  /** A live journal: the transaction is neither kept nor undone yet. */
  state: "applying";
  /** Each file, whether it existed, and the size and SHA-256 of its saved copy. */
  files: { name: JournaledFile; existed: boolean; size?: number; sha256?: string }[];
}

/**
 * When a process started (field 22 of /proc/PID/stat, in clock ticks since
 * boot), so that a process id that was reused is never taken for it.
 *
 * @param pid the process id
 * @returns the start time, or undefined when the process is gone (or a zombie) or there is no /proc
 */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

// Whether the process's command line shows `program` as what runs (a
// launcher such as a pyenv shim runs it as its first argument).
function procRuns(pid: number, program: string): boolean {
  try {
    const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").slice(0, 2);
    const want = program.replace(/^.*[\\/]/, "").replace(/\.exe$/i, "");
    return argv.some((a) => a.replace(/^.*[\\/]/, "").replace(/\.exe$/i, "") === want);
  } catch {
    return false;
  }
}

const HAS_PROC = (() => {
  try {
    Deno.statSync("/proc/self");
    return true;
  } catch {
    return false;
  }
})();

/** What {@link recoverInterrupted} did. */
export interface Recovery {
  /** A sentence for the user. */
  readonly message: string;
  /**
   * A program (uv) of the interrupted run may have changed the environment
   * before it was stopped: the environment may not match the restored files.
   */
  readonly environmentMayDiffer: boolean;
}

/**
 * Finish or undo what a killed HPM run left behind: a sync's transaction,
 * then a pull (see pull_journal.ts), whose sync it may have been. Call it
 * under the project lock, before reading the project's files. A journal that
 * does not check out (damaged, another project's, copies that do not match)
 * is reported and left alone: nothing is restored, deleted or signalled.
 *
 * @param root the project root
 * @param env where the per-user state folder is
 * @returns what was recovered, if anything (one line per journal)
 * @throws {HpmInputError} when the state folder is unsafe (a link, another user's)
 */
export async function recoverInterrupted(
  root: string,
  env: Env = Deno.env.toObject(),
): Promise<Recovery | undefined> {
  const synced = await recoverSync(root, env);
  const pulled = await (await import("./pull_journal.ts")).recoverPull(root, env);
  if (pulled === undefined) return synced;
  return {
    message: synced ? `${synced.message}\n${pulled}` : pulled,
    environmentMayDiffer: synced?.environmentMayDiffer ?? false,
  };
}

async function recoverSync(root: string, env: Env): Promise<Recovery | undefined> {
  const dir = userStateSubfolder(env, JOURNALS, false);
  if (dir === undefined) return undefined;
  const name = await projectStateName(root, "journal");
  let bytes: Uint8Array | undefined;
  try {
    bytes = readStateFile(dir, name, MAX_JOURNAL_BYTES);
  } catch (e) {
    return ignored(joinPath(dir, name), e instanceof Error ? e.message : String(e));
  }
  if (bytes === undefined) return undefined;
  const journal = await parseJournal(bytes, Deno.realPathSync(root));
  if (journal === undefined) {
    return ignored(
      joinPath(dir, name),
      "it is not an hpm journal of this project, or its saved copies do not match it",
    );
  }
  const { record, saved } = journal;
  const ran = record.child !== undefined;
  if (ran && record.childStart !== undefined) {
    await stopOrphan(record.child!, record.childStart, record.childProgram ?? "uv");
  }
  await restoreFrom(root, record, saved);
  await removeStateFile(dir, name);
  return {
    message: `an interrupted hpm run (process ${record.pid}) was rolled back: ` +
      `${record.files.map((f) => f.name).join(" and ")} restored`,
    environmentMayDiffer: ran,
  };
}

function ignored(file: string, why: string): Recovery {
  return {
    message: `warning: ignored ${file}: ${why}; ` +
      `nothing was restored (delete it if you do not need it)`,
    environmentMayDiffer: false,
  };
}

// The journal's bytes: its record as one line of JSON, then each saved copy.
function encodeJournal(
  record: JournalRecord,
  saved: ReadonlyMap<JournaledFile, Uint8Array>,
): Uint8Array {
  const parts = [new TextEncoder().encode(JSON.stringify(record) + "\n"), ...saved.values()];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// The record and the copies, each copy checked against the size and hash the
// record gives; undefined for anything else (the file is input like any other).
async function parseJournal(
  bytes: Uint8Array,
  realRoot: string,
): Promise<{ record: JournalRecord; saved: Map<JournaledFile, Uint8Array> } | undefined> {
  const newline = bytes.subarray(0, MAX_HEADER_BYTES).indexOf(10);
  if (newline < 0) return undefined;
  let r: Partial<JournalRecord>;
  try {
    r = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, newline)));
  } catch {
    return undefined;
  }
  if (r === null || typeof r !== "object" || !Number.isInteger(r.pid)) return undefined;
  if (r.state !== "applying" || r.root !== realRoot || !Array.isArray(r.files)) return undefined;
  if (r.child !== undefined && !Number.isInteger(r.child)) return undefined;
  const text = (v: unknown) => v === undefined || typeof v === "string";
  if (!text(r.childStart) || !text(r.childProgram)) return undefined;
  const names = new Set<string>();
  const saved = new Map<JournaledFile, Uint8Array>();
  let at = newline + 1;
  for (const f of r.files) {
    if (!JOURNALED.includes(f?.name) || names.has(f.name) || typeof f.existed !== "boolean") {
      return undefined;
    }
    names.add(f.name);
    if (!f.existed) continue;
    if (!Number.isInteger(f.size) || f.size! < 0 || at + f.size! > bytes.length) return undefined;
    const copy = bytes.subarray(at, at + f.size!);
    if (await sha256Hex(copy) !== f.sha256) return undefined;
    saved.set(f.name, copy);
    at += f.size!;
  }
  return at === bytes.length ? { record: r as JournalRecord, saved } : undefined;
}

// A killed hpm can leave its uv running; restoring under it would let uv's
// late write of uv.lock mix the before and after states. Stop it first, but
// only when it is verifiably that uv: same process start time and a command
// line running the program. Without /proc nothing is signalled.
async function stopOrphan(pid: number, started: string, program: string): Promise<void> {
  const isOurs = () => procStartTime(pid) === started;
  if (!HAS_PROC || !isOurs() || !procRuns(pid, program)) return;
  try {
    Deno.kill(pid, "SIGTERM");
  } catch { /* already gone */ }
  for (let i = 0; i < 100 && isOurs(); i++) await new Promise((r) => setTimeout(r, 50));
  if (isOurs()) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
    for (let i = 0; i < 40 && isOurs(); i++) await new Promise((r) => setTimeout(r, 50));
  }
}

async function restoreFrom(
  root: string,
  record: JournalRecord,
  saved: ReadonlyMap<JournaledFile, Uint8Array>,
): Promise<void> {
  const where = { root };
  for (const f of record.files) {
    const target = joinPath(root, f.name);
    if (f.existed) await writeConfined(target, saved.get(f.name)!, where);
    else await removeConfined(target, where);
  }
}

/**
 * A journaled change to a few files of a project (`pyproject.toml`,
 * `uv.lock`). Use under {@link withProjectLock}.
 */
export class Transaction {
  readonly #root: string;
  readonly #dir: string;
  readonly #name: string;
  readonly #record: JournalRecord;
  readonly #saved: Map<JournaledFile, Uint8Array>;
  #open = true;

  private constructor(
    root: string,
    dir: string,
    name: string,
    record: JournalRecord,
    saved: Map<JournaledFile, Uint8Array>,
  ) {
    this.#root = root;
    this.#dir = dir;
    this.#name = name;
    this.#record = record;
    this.#saved = saved;
  }

  /**
   * Snapshot `files` into the journal, which then is live. Nothing is written
   * to the files themselves yet.
   *
   * @param root the project root
   * @param files the files the transaction may change
   * @param env where the per-user state folder is
   * @returns the open transaction
   * @throws {HpmInputError} when a file is unsafe (a link out of the project,
   *   not a regular file) or the state folder is
   */
  static async begin(
    root: string,
    files: readonly JournaledFile[],
    env: Env = Deno.env.toObject(),
  ): Promise<Transaction> {
    const dir = userStateSubfolder(env, JOURNALS, true)!;
    const name = await projectStateName(root, "journal");
    const record: JournalRecord = {
      pid: Deno.pid,
      root: Deno.realPathSync(root),
      state: "applying",
      files: [],
    };
    const saved = new Map<JournaledFile, Uint8Array>();
    for (const file of files) {
      const before = readConfined(joinPath(root, file), { root }, LIMITS[file]);
      if (before !== undefined) saved.set(file, before);
      record.files.push({
        name: file,
        existed: before !== undefined,
        ...(before !== undefined ? { size: before.length, sha256: await sha256Hex(before) } : {}),
      });
    }
    const tx = new Transaction(root, dir, name, record, saved);
    await tx.#save();
    return tx;
  }

  // Synced to disk: after a power loss the journal must be there to undo a
  // half-done switch (replacing it with bytes not yet on disk could leave
  // neither the old journal nor the new one).
  async #save(): Promise<void> {
    await writeStateFile(this.#dir, this.#name, encodeJournal(this.#record, this.#saved));
  }

  /**
   * The SHA-256 of a file as {@link Transaction.begin} found it.
   *
   * @param name a file named at {@link Transaction.begin}
   * @returns its hash, null when it did not exist, undefined when not part of the transaction
   */
  savedSha256(name: JournaledFile): string | null | undefined {
    const file = this.#record.files.find((f) => f.name === name);
    return file && (file.sha256 ?? null);
  }

  /**
   * Replace one of the transaction's files atomically.
   *
   * @param name a file named at {@link Transaction.begin}
   * @param text its new content
   */
  async write(name: JournaledFile, text: string | Uint8Array): Promise<void> {
    if (!this.#record.files.some((f) => f.name === name)) {
      throw new Error(`${name} is not part of this transaction`);
    }
    await writeConfined(joinPath(this.#root, name), text, { root: this.#root });
  }

  /**
   * Record the process id of a program the transaction started (uv), so
   * recovery after a crash can stop it before restoring files.
   *
   * @param pid the child's process id
   * @param program what it runs (its command line must show it)
   */
  async recordChild(pid: number, program = "uv"): Promise<void> {
    this.#record.child = pid;
    this.#record.childStart = procStartTime(pid);
    this.#record.childProgram = program;
    await this.#save();
  }

  /** Keep the changes: removing the journal is the commit. */
  async commit(): Promise<void> {
    if (!this.#open) return;
    await removeStateFile(this.#dir, this.#name);
    this.#open = false;
  }

  /** Put every file back as it was at {@link Transaction.begin}, byte for byte. */
  async rollback(): Promise<void> {
    if (!this.#open) return;
    await restoreFrom(this.#root, this.#record, this.#saved);
    await removeStateFile(this.#dir, this.#name);
    this.#open = false;
  }
}
