/**
 * The journal of `hpm pull`, so that a pull killed at any moment (SIGKILL
 * included) leaves pyproject.toml and uv.lock in one of two forms, never a
 * mix, and loses none of the user's work: as the user had them (the pull
 * undone, before git moved HEAD), or in the committed form of the pulled
 * commit with the user's own edits carried over (after). The next run under
 * the project lock finishes or undoes it (see `recoverInterrupted`).
 *
 * A pull swaps the committed form in for the working copies (so that git can
 * fast-forward them), fast-forwards, then writes what they become. The
 * journal holds the working copies and what they become, and names the
 * commit before and after: whether git moved HEAD decides which way
 * recovery goes. A git that outlives a killed hpm is waited for first.
 * Like the sync's journal it is one file in the user's state folder
 * (journal_file.ts), a line of JSON and the saved copies.
 *
 * @module
 */

import { HpmOperationError } from "../core/errors.ts";
import { sha256Hex } from "../io/digest.ts";
import { headCommit } from "../io/git.ts";
import {
  joinPath,
  MAX_PYPROJECT_BYTES,
  MAX_UV_LOCK_BYTES,
  readConfined,
  realPath,
} from "../io/files.ts";
import { procStartTime } from "../io/processes.ts";
import { denoRunner } from "../io/runner.ts";
import { JournalFile, putBack, type SavedCopies } from "./journal_file.ts";

/** The only files a pull journal may name. */
const FILES = ["pyproject.toml", "uv.lock"] as const;
/** A file a pull changes. */
export type PulledName = (typeof FILES)[number];
const MAX_COPY_BYTES = 2 * (MAX_PYPROJECT_BYTES + MAX_UV_LOCK_BYTES);
// How long recovery waits for a git left running by a killed pull.
const WAIT_FOR_GIT_MS = 30_000;

type Env = Readonly<Record<string, string | undefined>>;

/** One of the files a pull changes, in each form it has along the way (undefined: absent). */
export interface PulledFile {
  /** pyproject.toml or uv.lock, in the project root. */
  readonly name: PulledName;
  /** The working copy before the pull. */
  readonly worktree?: Uint8Array;
  /** What a checkout of HEAD writes: swapped in so that git can fast-forward the file. */
  readonly head?: Uint8Array;
  /** What a checkout of the pulled commit writes. */
  readonly pulled?: Uint8Array;
  /** What it is once pulled: the pulled form with the user's own edits. */
  readonly result?: Uint8Array;
}

/** Where a pull stands. */
type Phase = "swap" | "merge" | "pulled";
const FORMS = ["worktree", "head", "pulled", "result"] as const;
type Form = (typeof FORMS)[number];
// The forms whose bytes the journal keeps: what recovery may write back.
const KEPT = ["worktree", "result"] as const;

interface FileRecord {
  name: PulledName;
  /** Each form's SHA-256 (null: absent), and for the kept ones their size. */
  sha256: Record<Form, string | null>;
  size: Partial<Record<(typeof KEPT)[number], number>>;
}

interface JournalRecord {
  kind: "pull";
  pid: number;
  root: string;
  phase: Phase;
  /** The commit before the pull, and the one it fast-forwards to. */
  head: string;
  target: string;
  /** The mode the pull syncs last, for the message after a recovery. */
  mode: string;
  /** A git the pull started, which may outlive a killed hpm, and its start time. */
  child?: number;
  childStart?: string;
  files: FileRecord[];
}

const hashOf = async (bytes: Uint8Array | undefined) =>
  bytes === undefined ? null : await sha256Hex(bytes);

// The saved copies, in the order the record lists them.
const copiesOf = (files: readonly PulledFile[]) =>
  files.flatMap((f) => KEPT.flatMap((form) => f[form] ? [f[form]!] : []));

// The record and the kept copies, each checked against its size and hash;
// undefined for anything else.
async function decode(
  header: unknown,
  copies: SavedCopies,
  realRoot: string,
): Promise<{ record: JournalRecord; files: PulledFile[] } | undefined> {
  const r = header as Partial<JournalRecord> | null;
  const commit = (v: unknown) => typeof v === "string" && /^[0-9a-f]{40,64}$/.test(v);
  if (
    r === null || typeof r !== "object" || r.kind !== "pull" || !Number.isInteger(r.pid) ||
    r.root !== realRoot || !["swap", "merge", "pulled"].includes(r.phase as string) ||
    !commit(r.head) || !commit(r.target) || typeof r.mode !== "string" ||
    !Array.isArray(r.files) || (r.child !== undefined && !Number.isInteger(r.child)) ||
    (r.childStart !== undefined && typeof r.childStart !== "string")
  ) return undefined;
  const files: PulledFile[] = [];
  for (const f of r.files) {
    if (!FILES.includes(f?.name) || files.some((g) => g.name === f.name)) return undefined;
    const file: Record<string, unknown> = { name: f.name };
    for (const form of FORMS) {
      const hash = f.sha256?.[form];
      if (hash !== null && typeof hash !== "string") return undefined;
    }
    for (const form of KEPT) {
      if (f.sha256[form] === null) continue;
      const copy = await copies.take(f.size?.[form], f.sha256[form]);
      if (copy === undefined) return undefined;
      file[form] = copy;
    }
    files.push(file as unknown as PulledFile);
  }
  return copies.done ? { record: r as JournalRecord, files } : undefined;
}

// Put each file in `form` (absent: removed).
async function writeForm(root: string, files: readonly PulledFile[], form: Form): Promise<void> {
  for (const f of files) await putBack(root, f.name, f[form]);
}

/**
 * A pull in progress: its journal written before the first file is touched,
 * kept up to date at each step, removed when the pull is done or undone.
 * Use under the project lock.
 */
export class PullJournal {
  readonly #root: string;
  readonly #file: JournalFile;
  readonly #record: JournalRecord;
  readonly #files: readonly PulledFile[];
  #open = true;

  private constructor(
    root: string,
    file: JournalFile,
    record: JournalRecord,
    files: readonly PulledFile[],
  ) {
    [this.#root, this.#file, this.#record, this.#files] = [root, file, record, files];
  }

  /**
   * Write the journal of a pull from `head` to `target`; no file is touched yet.
   *
   * @param root the project root
   * @param pull the commits, the mode synced last, and the files in each form
   * @param env where the per-user state folder is
   * @returns the open journal
   * @throws {HpmOperationError} when a pull journal is there already: one
   *   recovery left, with the user's copies (see {@link recoverPull})
   */
  static async begin(
    root: string,
    pull: {
      readonly head: string;
      readonly target: string;
      readonly mode: string;
      readonly files: readonly PulledFile[];
    },
    env: Env,
  ): Promise<PullJournal> {
    const file = await JournalFile.fresh(root, "pull", env);
    const files: FileRecord[] = [];
    for (const f of pull.files) {
      const sha256 = {} as Record<Form, string | null>;
      for (const form of FORMS) sha256[form] = await hashOf(f[form]);
      const size: FileRecord["size"] = {};
      for (const form of KEPT) if (f[form]) size[form] = f[form]!.length;
      files.push({ name: f.name, sha256, size });
    }
    const record: JournalRecord = {
      kind: "pull",
      pid: Deno.pid,
      root: realPath(root),
      phase: "swap",
      head: pull.head,
      target: pull.target,
      mode: pull.mode,
      files,
    };
    const journal = new PullJournal(root, file, record, pull.files);
    await journal.#save();
    return journal;
  }

  // Synced to disk, as the sync's journal is: it must survive a power loss.
  async #save(): Promise<void> {
    await this.#file.write(this.#record, copiesOf(this.#files));
  }

  /** Put the committed form of HEAD in place of the working copies, for git to fast-forward. */
  async swap(): Promise<void> {
    await writeForm(this.#root, this.#files, "head");
    this.#record.phase = "merge";
    await this.#save();
  }

  /**
   * Record the git that fast-forwards, so that recovery waits for it.
   *
   * @param pid its process id
   */
  async recordChild(pid: number): Promise<void> {
    this.#record.child = pid;
    this.#record.childStart = procStartTime(pid);
    await this.#save();
  }

  /** Git moved HEAD to the target: the files become what they are once pulled. */
  async pulled(): Promise<void> {
    await writeForm(this.#root, this.#files, "result");
    this.#record.phase = "pulled";
    delete this.#record.child;
    delete this.#record.childStart;
    await this.#save();
  }

  /** Git did not move HEAD: the working copies go back as they were; the journal goes. */
  async rollback(): Promise<void> {
    if (!this.#open) return;
    await writeForm(this.#root, this.#files, "worktree");
    await this.end();
  }

  /** The pull is done: the journal goes. */
  async end(): Promise<void> {
    if (!this.#open) return;
    await this.#file.remove();
    this.#open = false;
  }
}

// Until the git a killed pull started has ended (checked by its start time,
// so a reused process id is not waited for); false when it is still running.
async function gitEnded(record: JournalRecord): Promise<boolean> {
  if (record.child === undefined || record.childStart === undefined) return true;
  const end = Date.now() + WAIT_FOR_GIT_MS;
  while (procStartTime(record.child) === record.childStart) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Finish or undo a pull that a killed HPM run left behind: before git moved
 * HEAD, the working copies go back; after, the files become what the pull
 * made of them (the committed form with the user's edits). A file that is in
 * none of the forms the pull gave it (changed since, by hand), or a HEAD that
 * is neither commit while the files are not as the user had them, leaves
 * everything as it is, the journal too, which keeps the user's copies: the
 * run stops there, and so does every run until the user has taken what they
 * need and deleted it. Call it under the project lock.
 *
 * @param root the project root
 * @param env where the per-user state folder is
 * @returns what was done, for the user; undefined when no pull was interrupted
 * @throws {HpmOperationError} when the journal is left: the user's copies in
 *   it, or the pull's git still running
 */
export async function recoverPull(root: string, env: Env): Promise<string | undefined> {
  const file = await JournalFile.of(root, "pull", env, false);
  if (file === undefined) return undefined;
  let read;
  try {
    read = file.read(MAX_COPY_BYTES);
  } catch (e) {
    return `warning: ignored ${file.path}: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (read === undefined) return undefined;
  const journal = read === "damaged"
    ? undefined
    : await decode(read.header, read.copies, realPath(root));
  if (journal === undefined) {
    return `warning: ignored ${file.path}: it is not an hpm pull journal of this project, or ` +
      "its saved copies do not match it; nothing was restored (delete it if you do not need it)";
  }
  const { record, files } = journal;
  const who = `an interrupted hpm pull (process ${record.pid})`;
  const forward = `${who} had pulled ${record.target.slice(0, 12)}: pyproject.toml and ` +
    "uv.lock are in the committed form, with your own edits; run `hpm sync` " +
    `to bring mode ${record.mode} back`;
  if (record.phase === "pulled") {
    await file.remove();
    return forward;
  }
  if (!await gitEnded(record)) {
    throw new HpmOperationError(
      `${who} left git running (process ${record.child}); nothing was done`,
      "run hpm again once it has ended",
    );
  }
  const kept = (why: string) =>
    new HpmOperationError(
      `${who} can be neither finished nor undone: ${why}; nothing was done`,
      `your working copies are kept in its journal: ${file.keptHint}`,
    );
  const now = new Map<PulledName, string | null>();
  for (const f of record.files) {
    const limit = f.name === "uv.lock" ? MAX_UV_LOCK_BYTES : MAX_PYPROJECT_BYTES;
    now.set(f.name, await hashOf(readConfined(joinPath(root, f.name), { root }, limit)));
  }
  // Asked whatever the step: after a kill the user may have pulled by hand.
  const head = await headCommit(denoRunner, root);
  // Files still as the user had them need nothing, wherever HEAD is.
  const asHad = record.files.every((f) => now.get(f.name) === f.sha256.worktree);
  const form: Form | undefined = head === record.head || (asHad && head !== record.target)
    ? "worktree"
    : head === record.target
    ? "result"
    : undefined;
  if (form === undefined) throw kept("HEAD has moved since");
  // Only files the pull left in one of its own forms are written.
  for (const f of record.files) {
    if (!FORMS.some((k) => f.sha256[k] === now.get(f.name))) {
      throw kept(`${f.name} has changed since`);
    }
  }
  await writeForm(root, files, form);
  await file.remove();
  return form === "result"
    ? forward
    : `${who} was undone before it pulled: pyproject.toml and uv.lock are as you had them`;
}
