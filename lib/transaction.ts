/**
 * Sync transactions: a project lock so two HPM runs cannot interleave, and a
 * journal so that a run killed at any moment (SIGKILL included) leaves
 * `pyproject.toml` and `uv.lock` exactly as before or exactly as after; the
 * next run finishes or undoes it.
 *
 * State lives in `<project>/.hpm/` (ignored by git through its own .gitignore).
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";
import { HpmOperationError } from "./errors.ts";

const STATE_DIR = ".hpm";
const LOCK = "lock";
const JOURNAL = "journal";
const JOURNAL_FILE = "journal.json";

interface JournalRecord {
  pid: number;
  /** A program (uv) the transaction started, which may outlive a killed hpm. */
  child?: number;
  /** Its start time (/proc/PID/stat field 22), so a reused PID is never signalled. */
  childStart?: string;
  state: "applying" | "committed";
  files: { name: string; existed: boolean }[];
}

async function ensureStateDir(root: string): Promise<string> {
  const dir = join(root, STATE_DIR);
  await Deno.mkdir(join(dir, JOURNAL), { recursive: true });
  const ignore = join(dir, ".gitignore");
  try {
    await Deno.writeTextFile(ignore, "# Written by hpm: its lock and journal\n*\n", {
      createNew: true,
    });
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  return dir;
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

const STALE_AFTER_MS = 60 * 60 * 1000;

const HAS_PROC = (() => {
  try {
    Deno.statSync("/proc/self");
    return true;
  } catch {
    return false;
  }
})();

// Whether the process holding a lock is gone. Without /proc (macOS, Windows)
// liveness cannot be checked, so only a lock older than an hour counts as stale.
function holderGone(pid: number, mtime: number): boolean {
  if (pid === Deno.pid) return false;
  if (!HAS_PROC) return Date.now() - mtime > STALE_AFTER_MS;
  try {
    Deno.statSync(`/proc/${pid}`);
    return false;
  } catch {
    return true;
  }
}

/** Options for {@link withProjectLock}. */
export interface LockOptions {
  /** How long to wait for another HPM run to finish. @default 60000 */
  readonly timeoutMs?: number;
  /** Progress messages ("waiting for…"). */
  readonly log?: (message: string) => void;
}

/**
 * Run `fn` holding the project's lock. A second HPM run waits (telling the
 * user once), up to `timeoutMs`, then fails; a lock left by a dead process is
 * taken over.
 *
 * @param root the project root
 * @param fn what to do under the lock
 * @param options timeout and logger
 * @returns what `fn` returns
 * @throws {HpmOperationError} when the lock stays busy past the timeout
 */
export async function withProjectLock<T>(
  root: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const dir = await ensureStateDir(root);
  const path = join(dir, LOCK);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let told = false;
  while (true) {
    if (await tryCreateLock(path)) break;
    const holder = await readLock(path);
    if (holder === undefined) continue;
    if (holderGone(holder.pid, holder.mtime)) {
      await removeStaleLock(path, holder.pid, options.log);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new HpmOperationError(
        `another hpm run (process ${holder.pid}) holds the project lock`,
        `wait for it to finish; if it is gone, delete ${path}`,
      );
    }
    if (!told) {
      options.log?.(`waiting for another hpm run (process ${holder.pid}) to finish…`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

// Two waiters may find the same stale lock; the one that loses the race must
// not delete the lock the winner has just created, so it checks what it moved.
async function removeStaleLock(
  path: string,
  pid: number,
  log?: (message: string) => void,
): Promise<void> {
  const aside = `${path}.stale-${Deno.pid}`;
  try {
    await Deno.rename(path, aside);
  } catch {
    return; // another waiter moved it first
  }
  const moved = await readLock(aside);
  if (moved && moved.pid !== pid) {
    await Deno.link(aside, path).catch(() => {});
  } else {
    log?.(`removed a stale lock left by process ${pid}`);
  }
  await Deno.remove(aside).catch(() => {});
}

// The lock appears with its content already in it (written aside, then
// hard-linked into place), so a waiter never mistakes a lock being written for
// a stale one.
async function tryCreateLock(path: string): Promise<boolean> {
  const aside = `${path}.${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(aside, JSON.stringify({ pid: Deno.pid }) + "\n");
  try {
    await Deno.link(aside, path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  } finally {
    await Deno.remove(aside).catch(() => {});
  }
}

async function readLock(path: string): Promise<{ pid: number; mtime: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([Deno.readTextFile(path), Deno.stat(path)]);
    const pid = Number(JSON.parse(text).pid);
    return { pid: Number.isInteger(pid) ? pid : 0, mtime: stat.mtime?.getTime() ?? Date.now() };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    // Locks are never half-written, so unreadable content was not made by hpm.
    return { pid: 0, mtime: 0 };
  }
}

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Finish or undo a transaction that a killed HPM run left behind. Call it under
 * the project lock, before reading the project's files.
 *
 * @param root the project root
 * @returns a sentence for the user when something was recovered
 */
export async function recoverInterrupted(root: string): Promise<string | undefined> {
  const dir = join(root, STATE_DIR, JOURNAL);
  let record: JournalRecord;
  try {
    record = JSON.parse(await Deno.readTextFile(join(dir, JOURNAL_FILE)));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      await clearJournal(dir);
      return undefined;
    }
    throw e;
  }
  if (record.state === "committed") {
    await clearJournal(dir);
    return `an interrupted hpm run (process ${record.pid}) had finished; its journal was cleared`;
  }
  if (record.child !== undefined && record.childStart !== undefined) {
    await stopOrphan(record.child, record.childStart);
  }
  await restoreFrom(root, dir, record);
  await clearJournal(dir);
  return `an interrupted hpm run (process ${record.pid}) was rolled back: ` +
    `${record.files.map((f) => f.name).join(" and ")} restored`;
}

// A killed hpm can leave its uv running; restoring under it would let uv's
// late write of uv.lock mix the before and after states. Stop it first.
async function stopOrphan(pid: number, started: string): Promise<void> {
  const isOurs = () => procStartTime(pid) === started;
  if (!isOurs()) return;
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

async function restoreFrom(root: string, dir: string, record: JournalRecord): Promise<void> {
  for (const f of record.files) {
    const target = join(root, f.name);
    if (f.existed) {
      await writeFileAtomic(target, await Deno.readFile(join(dir, `${f.name}.before`)));
    } else {
      await Deno.remove(target).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    }
  }
}

// The journal file goes first: without it the copies mean nothing.
async function clearJournal(dir: string): Promise<void> {
  await Deno.remove(join(dir, JOURNAL_FILE)).catch(() => {});
  try {
    for await (const e of Deno.readDir(dir)) await Deno.remove(join(dir, e.name)).catch(() => {});
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
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
  #open = true;

  private constructor(root: string, dir: string, record: JournalRecord) {
    this.#root = root;
    this.#dir = dir;
    this.#record = record;
  }

  /**
   * Snapshot `files` (names relative to `root`) into the journal, then mark the
   * journal live. Nothing is written to the files themselves yet.
   *
   * @param root the project root
   * @param files the files the transaction may change
   * @returns the open transaction
   */
  static async begin(root: string, files: readonly string[]): Promise<Transaction> {
    const dir = join(await ensureStateDir(root), JOURNAL);
    const record: JournalRecord = { pid: Deno.pid, state: "applying", files: [] };
    for (const name of files) {
      const before = await readOptional(join(root, name));
      if (before !== undefined) await writeFileAtomic(join(dir, `${name}.before`), before);
      record.files.push({ name, existed: before !== undefined });
    }
    await writeFileAtomic(join(dir, JOURNAL_FILE), JSON.stringify(record));
    return new Transaction(root, dir, record);
  }

  /**
   * Replace one of the transaction's files atomically.
   *
   * @param name a file named at {@link Transaction.begin}
   * @param text its new content
   */
  async write(name: string, text: string): Promise<void> {
    if (!this.#record.files.some((f) => f.name === name)) {
      throw new Error(`${name} is not part of this transaction`);
    }
    await writeFileAtomic(join(this.#root, name), text);
  }

  /**
   * Record the process id of a program the transaction started (uv), so
   * recovery after a crash can stop it before restoring files.
   *
   * @param pid the child's process id
   */
  async recordChild(pid: number): Promise<void> {
    this.#record.child = pid;
    this.#record.childStart = procStartTime(pid);
    await writeFileAtomic(join(this.#dir, JOURNAL_FILE), JSON.stringify(this.#record));
  }

  /** Keep the changes and drop the journal. */
  async commit(): Promise<void> {
    if (!this.#open) return;
    this.#record.state = "committed";
    await writeFileAtomic(join(this.#dir, JOURNAL_FILE), JSON.stringify(this.#record));
    await clearJournal(this.#dir);
    this.#open = false;
  }

  /** Put every file back as it was at {@link Transaction.begin}, byte for byte. */
  async rollback(): Promise<void> {
    if (!this.#open) return;
    await restoreFrom(this.#root, this.#dir, this.#record);
    await clearJournal(this.#dir);
    this.#open = false;
  }
}
