/**
 * Sync transactions: a journal so that a run killed at any moment (SIGKILL
 * included) leaves `pyproject.toml` and `uv.lock` exactly as before or
 * exactly as after; the next run finishes or undoes it. Use them under the
 * project lock (`project_lock.ts`).
 *
 * The journal lives in `<project>/.hpm/` (ignored by git through its own
 * .gitignore), sealed: a project can ship one, and one that does not verify
 * is never acted on.
 *
 * @module
 */

import { sha256Hex } from "./digest.ts";
import {
  joinPath,
  MAX_PYPROJECT_BYTES,
  MAX_UV_LOCK_BYTES,
  ownFolder,
  readConfined,
  removeConfined,
  writeConfined,
} from "./files.ts";
import { openRecord, sealRecord } from "./seal.ts";
import {
  JOURNAL_DIR,
  JOURNAL_FILE,
  readStateFile,
  removeStateFile,
  stateFolder,
  writeStateFile,
} from "./state.ts";

/** The only files a journal may ever name: a journal can restore nothing else. */
const JOURNALED = ["pyproject.toml", "uv.lock"] as const;
type JournaledFile = (typeof JOURNALED)[number];
const LIMITS: Record<JournaledFile, number> = {
  "pyproject.toml": MAX_PYPROJECT_BYTES,
  "uv.lock": MAX_UV_LOCK_BYTES,
};

type Env = Readonly<Record<string, string | undefined>>;

interface JournalRecord {
  pid: number;
  /** A program (uv) the transaction started, which may outlive a killed hpm. */
  child?: number;
  /** Its start time (/proc/PID/stat field 22), so a reused PID is never signalled. */
  childStart?: string;
  /** The program's name, which its command line must show. */
  childProgram?: string;
  /** A live journal: the transaction is neither kept nor undone yet. */
  state: "applying";
  /** Each file, whether it existed, and the SHA-256 of its saved copy. */
  files: { name: JournaledFile; existed: boolean; sha256?: string }[];
}

async function journalFolder(root: string): Promise<string> {
  const dir = (await stateFolder(root, true))!;
  const journal = joinPath(dir, JOURNAL_DIR);
  ownFolder(journal, true);
  return journal;
}

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot.
function procStartTime(pid: number): string | undefined {
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
 * Finish or undo a transaction that a killed HPM run left behind. Call it under
 * the project lock, before reading the project's files. A journal that does
 * not verify (not written by this user's HPM for this project, or tampered
 * with) is reported and left alone: nothing is restored, deleted or signalled.
 *
 * @param root the project root
 * @param env where the per-user key lives
 * @returns what was recovered, if anything
 */
export async function recoverInterrupted(
  root: string,
  env: Env = Deno.env.toObject(),
): Promise<Recovery | undefined> {
  const state = await stateFolder(root, false);
  if (state === undefined || !ownFolder(joinPath(state, JOURNAL_DIR), false)) return undefined;
  const dir = joinPath(state, JOURNAL_DIR);
  let bytes: Uint8Array | undefined;
  try {
    bytes = readStateFile(dir, JOURNAL_FILE);
  } catch (e) {
    return ignored(dir, e instanceof Error ? e.message : String(e));
  }
  if (bytes === undefined) return undefined;
  const record = parseJournal(await openRecord(root, bytes, env));
  if (record === undefined) {
    return ignored(dir, "it was not written by hpm for this project, or was changed since");
  }
  const saved = await savedCopies(dir, record);
  if (saved === undefined) {
    return ignored(dir, "its saved copies are missing or do not match it");
  }
  const ran = record.child !== undefined;
  if (ran && record.childStart !== undefined) {
    await stopOrphan(record.child!, record.childStart, record.childProgram ?? "uv");
  }
  await restoreFrom(root, record, saved);
  await clearJournal(dir, record);
  return {
    message: `an interrupted hpm run (process ${record.pid}) was rolled back: ` +
      `${record.files.map((f) => f.name).join(" and ")} restored`,
    environmentMayDiffer: ran,
  };
}

function ignored(dir: string, why: string): Recovery {
  return {
    message: `warning: ignored ${joinPath(dir, JOURNAL_FILE)}: ${why}; ` +
      `nothing was restored (delete ${dir} if you do not need it)`,
    environmentMayDiffer: false,
  };
}

function parseJournal(value: unknown): JournalRecord | undefined {
  const r = value as Partial<JournalRecord> | undefined;
  if (r === undefined || r === null || typeof r !== "object") return undefined;
  if (!Number.isInteger(r.pid) || r.state !== "applying") {
    return undefined;
  }
  if (!Array.isArray(r.files)) return undefined;
  const names = new Set<string>();
  for (const f of r.files) {
    if (!JOURNALED.includes(f?.name) || names.has(f.name) || typeof f.existed !== "boolean") {
      return undefined;
    }
    names.add(f.name);
  }
  if (r.child !== undefined && !Number.isInteger(r.child)) return undefined;
  return r as JournalRecord;
}

// The saved copies, checked against the hashes the sealed journal recorded.
async function savedCopies(
  dir: string,
  record: JournalRecord,
): Promise<Map<JournaledFile, Uint8Array> | undefined> {
  const out = new Map<JournaledFile, Uint8Array>();
  for (const f of record.files) {
    if (!f.existed) continue;
    let bytes: Uint8Array | undefined;
    try {
      bytes = readStateFile(dir, `${f.name}.before`, LIMITS[f.name]);
    } catch {
      return undefined;
    }
    if (bytes === undefined || (await sha256Hex(bytes)) !== f.sha256) return undefined;
    out.set(f.name, bytes);
  }
  return out;
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

// The journal file goes first: without it the copies mean nothing. Only the
// files a journal can have written are removed.
async function clearJournal(dir: string, record?: JournalRecord): Promise<void> {
  await removeStateFile(dir, JOURNAL_FILE);
  for (const name of record ? record.files.map((f) => f.name) : JOURNALED) {
    await removeStateFile(dir, `${name}.before`);
  }
}

/**
 * A journaled change to a few files of a project (`pyproject.toml`,
 * `uv.lock`). Use under {@link withProjectLock}.
 */
export class Transaction {
  readonly #root: string;
  readonly #dir: string;
  readonly #record: JournalRecord;
  readonly #saved: Map<JournaledFile, Uint8Array>;
  readonly #env: Env;
  #open = true;

  private constructor(
    root: string,
    dir: string,
    record: JournalRecord,
    saved: Map<JournaledFile, Uint8Array>,
    env: Env,
  ) {
    this.#root = root;
    this.#dir = dir;
    this.#record = record;
    this.#saved = saved;
    this.#env = env;
  }

  /**
   * Snapshot `files` into the journal, then mark the journal live (sealed, so
   * only this user's HPM will ever act on it). Nothing is written to the files
   * themselves yet.
   *
   * @param root the project root
   * @param files the files the transaction may change
   * @param env where the per-user key lives
   * @returns the open transaction
   * @throws {HpmInputError} when a file is unsafe (a link out of the project, not a regular file)
   */
  static async begin(
    root: string,
    files: readonly JournaledFile[],
    env: Env = Deno.env.toObject(),
  ): Promise<Transaction> {
    const dir = await journalFolder(root);
    const record: JournalRecord = { pid: Deno.pid, state: "applying", files: [] };
    const saved = new Map<JournaledFile, Uint8Array>();
    for (const name of files) {
      const before = readConfined(joinPath(root, name), { root }, LIMITS[name]);
      if (before !== undefined) {
        await writeStateFile(dir, `${name}.before`, before);
        saved.set(name, before);
      }
      record.files.push({
        name,
        existed: before !== undefined,
        ...(before !== undefined ? { sha256: await sha256Hex(before) } : {}),
      });
    }
    const tx = new Transaction(root, dir, record, saved, env);
    await tx.#seal();
    return tx;
  }

  // Synced to disk: after a power loss the journal must be there to undo a
  // half-done switch (replacing it with bytes not yet on disk could leave
  // neither the old journal nor the new one).
  async #seal(): Promise<void> {
    await writeStateFile(
      this.#dir,
      JOURNAL_FILE,
      await sealRecord(this.#root, this.#record, this.#env),
    );
  }

  /**
   * Replace one of the transaction's files atomically.
   *
   * @param name a file named at {@link Transaction.begin}
   * @param text its new content
   */
  async write(name: JournaledFile, text: string): Promise<void> {
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
    await this.#seal();
  }

  /** Keep the changes: removing the journal file is the commit. */
  async commit(): Promise<void> {
    if (!this.#open) return;
    await clearJournal(this.#dir, this.#record);
    this.#open = false;
  }

  /** Put every file back as it was at {@link Transaction.begin}, byte for byte. */
  async rollback(): Promise<void> {
    if (!this.#open) return;
    await restoreFrom(this.#root, this.#record, this.#saved);
    await clearJournal(this.#dir, this.#record);
    this.#open = false;
  }
}
