/**
 * Sync transactions: a journal so that a run killed at any moment (SIGKILL
 * included) leaves `pyproject.toml` and `uv.lock` exactly as before or
 * exactly as after; the next run finishes or undoes it. Use them under the
 * project lock (`project_mutex.ts`). A file changed by hand since the kill is
 * never overwritten: the journal is kept for the user instead.
 *
 * The journal is one file in the user's state folder (journal_file.ts): a
 * line of JSON, then the saved bytes of each file.
 *
 * @module
 */

import { HpmOperationError } from "../core/errors.ts";
import { sha256Hex } from "../io/digest.ts";
import {
  joinPath,
  MAX_PYPROJECT_BYTES,
  MAX_UV_LOCK_BYTES,
  readConfined,
  realPath,
  writeConfined,
} from "../io/files.ts";
import { HAS_PROC, procRuns, procStartTime } from "../io/processes.ts";
import { JournalFile, putBack, type SavedCopies } from "./journal_file.ts";

/** The only files a journal may ever name: a journal can restore nothing else. */
const JOURNALED = ["pyproject.toml", "uv.lock"] as const;
type JournaledFile = (typeof JOURNALED)[number];
const LIMITS: Record<JournaledFile, number> = {
  "pyproject.toml": MAX_PYPROJECT_BYTES,
  "uv.lock": MAX_UV_LOCK_BYTES,
};
const MAX_COPY_BYTES = MAX_PYPROJECT_BYTES + MAX_UV_LOCK_BYTES;
// uv's output: uv may have written it before it was stopped (even a uv not
// yet recorded), so recovery cannot tell a hand edit from uv's and restores it.
const UV_OUTPUT: JournaledFile = "uv.lock";

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
  /**
   * Each file, whether it existed, the size and SHA-256 of its saved copy,
   * and the SHA-256 of what the transaction writes to it, if anything.
   */
  files: {
    name: JournaledFile;
    existed: boolean;
    size?: number;
    sha256?: string;
    after?: string;
  }[];
}

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
 * One that cannot be settled without losing the user's work (a file changed
 * by hand since) is left for the user, and the run stops.
 *
 * @param root the project root
 * @param env where the per-user state folder is
 * @returns what was recovered, if anything (one line per journal)
 * @throws {HpmInputError} when the state folder is unsafe (a link, another user's)
 * @throws {HpmOperationError} when a journal is left for the user (nothing done)
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
  const file = await JournalFile.of(root, "journal", env, false);
  if (file === undefined) return undefined;
  let read;
  try {
    read = file.read(MAX_COPY_BYTES);
  } catch (e) {
    return ignored(file.path, e instanceof Error ? e.message : String(e));
  }
  if (read === undefined) return undefined;
  const journal = read === "damaged"
    ? undefined
    : await parseJournal(read.header, read.copies, realPath(root));
  if (journal === undefined) {
    return ignored(
      file.path,
      "it is not an hpm journal of this project, or its saved copies do not match it",
    );
  }
  const { record, saved } = journal;
  const ran = record.child !== undefined;
  if (ran && record.childStart !== undefined) {
    await stopOrphan(record.child!, record.childStart, record.childProgram ?? "uv");
  }
  for (const f of record.files) {
    if (f.name === UV_OUTPUT) continue;
    const now = readConfined(joinPath(root, f.name), { root }, LIMITS[f.name]);
    const hash = now && await sha256Hex(now);
    if (hash === undefined ? f.existed : hash !== f.sha256 && hash !== f.after) {
      throw new HpmOperationError(
        `an interrupted hpm run (process ${record.pid}) cannot be rolled back: ${f.name} has ` +
          "changed since; nothing was done",
        `the files as they were before it are kept in its journal: ${file.keptHint}`,
      );
    }
  }
  await restoreFrom(root, record, saved);
  await file.remove();
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

// The record and the copies, each copy checked against the size and hash the
// record gives; undefined for anything else (the file is input like any other).
async function parseJournal(
  header: unknown,
  copies: SavedCopies,
  realRoot: string,
): Promise<{ record: JournalRecord; saved: Map<JournaledFile, Uint8Array> } | undefined> {
  const r = header as Partial<JournalRecord> | null;
  if (r === null || typeof r !== "object" || !Number.isInteger(r.pid)) return undefined;
  if (r.state !== "applying" || r.root !== realRoot || !Array.isArray(r.files)) return undefined;
  if (r.child !== undefined && !Number.isInteger(r.child)) return undefined;
  const text = (v: unknown) => v === undefined || typeof v === "string";
  if (!text(r.childStart) || !text(r.childProgram)) return undefined;
  const names = new Set<string>();
  const saved = new Map<JournaledFile, Uint8Array>();
  for (const f of r.files) {
    if (
      !JOURNALED.includes(f?.name) || names.has(f.name) || typeof f.existed !== "boolean" ||
      !text(f.after)
    ) {
      return undefined;
    }
    names.add(f.name);
    if (!f.existed) continue;
    const copy = await copies.take(f.size, f.sha256);
    if (copy === undefined) return undefined;
    saved.set(f.name, copy);
  }
  return copies.done ? { record: r as JournalRecord, saved } : undefined;
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
  for (const f of record.files) {
    await putBack(root, f.name, f.existed ? saved.get(f.name)! : undefined);
  }
}

/**
 * A journaled change to a few files of a project (`pyproject.toml`,
 * `uv.lock`). Use under {@link withProjectLock}.
 */
export class Transaction {
  readonly #root: string;
  readonly #file: JournalFile;
  readonly #record: JournalRecord;
  readonly #saved: Map<JournaledFile, Uint8Array>;
  #open = true;

  private constructor(
    root: string,
    file: JournalFile,
    record: JournalRecord,
    saved: Map<JournaledFile, Uint8Array>,
  ) {
    [this.#root, this.#file, this.#record, this.#saved] = [root, file, record, saved];
  }

  /**
   * Snapshot `files` into the journal, which then is live, with what the
   * transaction will write (so that recovery can tell it from a hand edit).
   * Nothing is written to the files themselves yet.
   *
   * @param root the project root
   * @param files the files the transaction may change
   * @param env where the per-user state folder is
   * @param writes what {@link Transaction.write} may write to each file
   * @returns the open transaction
   * @throws {HpmInputError} when a file is unsafe (a link out of the project,
   *   not a regular file) or the state folder is
   * @throws {HpmOperationError} when a journal that recovery left is there
   */
  static async begin(
    root: string,
    files: readonly JournaledFile[],
    env: Env = Deno.env.toObject(),
    writes: Partial<Record<JournaledFile, string | Uint8Array>> = {},
  ): Promise<Transaction> {
    const file = await JournalFile.fresh(root, "journal", env);
    const record: JournalRecord = {
      pid: Deno.pid,
      root: realPath(root),
      state: "applying",
      files: [],
    };
    const saved = new Map<JournaledFile, Uint8Array>();
    for (const name of files) {
      const before = readConfined(joinPath(root, name), { root }, LIMITS[name]);
      if (before !== undefined) saved.set(name, before);
      const after = writes[name];
      record.files.push({
        name,
        existed: before !== undefined,
        ...(before !== undefined ? { size: before.length, sha256: await sha256Hex(before) } : {}),
        ...(after !== undefined ? { after: await sha256Hex(after) } : {}),
      });
    }
    const tx = new Transaction(root, file, record, saved);
    await tx.#save();
    return tx;
  }

  // Synced to disk: after a power loss the journal must be there to undo a
  // half-done switch (replacing it with bytes not yet on disk could leave
  // neither the old journal nor the new one).
  async #save(): Promise<void> {
    await this.#file.write(this.#record, [...this.#saved.values()]);
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
   * @param text its new content, as given there
   */
  async write(name: JournaledFile, text: string | Uint8Array): Promise<void> {
    const file = this.#record.files.find((f) => f.name === name);
    if (file?.after === undefined || file.after !== await sha256Hex(text)) {
      throw new Error(`${name}: not what this transaction said it would write`);
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
    await this.#file.remove();
    this.#open = false;
  }

  /** Put every file back as it was at {@link Transaction.begin}, byte for byte. */
  async rollback(): Promise<void> {
    if (!this.#open) return;
    await restoreFrom(this.#root, this.#record, this.#saved);
    await this.#file.remove();
    this.#open = false;
  }
}
