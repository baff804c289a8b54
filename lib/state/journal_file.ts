/**
 * A journal's file, for a sync (transaction.ts) and a pull (pull_journal.ts):
 * one file in the user's state folder (`journals/`, named after the
 * project's real path and the journal's kind, as the lock and the
 * fingerprint are), a line of JSON, then saved copies of files. No project
 * can plant one there, so it needs no seal; it is read like every state file
 * (no links, the user's own, size-capped) and each copy is checked against
 * the size and SHA-256 its line gives.
 *
 * @module
 */

import { HpmOperationError } from "../core/errors.ts";
import { sha256Hex } from "../io/digest.ts";
import { joinPath, locate, removeConfined, writeConfined } from "../io/files.ts";
import * as stateFolder from "./folder.ts";

// The JSON line before the copies.
const MAX_HEADER_BYTES = 64 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

/** The copies after a journal's line, taken in order, each checked. */
export interface SavedCopies {
  /**
   * The next copy, if its line's `size` and `sha256` are right for it.
   *
   * @param size what the line says of its size
   * @param sha256 what the line says of its hash
   * @returns the bytes, or undefined when they do not match
   */
  take(size: unknown, sha256: unknown): Promise<Uint8Array | undefined>;
  /** Whether every byte of the journal was taken. */
  readonly done: boolean;
}

/**
 * A project's journal of one kind: written whole and synced to disk (it must
 * survive a power loss to undo a half-done change), read back, removed.
 */
export class JournalFile {
  /** Where it is: the checked folder, and the file's name there. */
  readonly dir: string;
  readonly name: string;

  private constructor(dir: string, name: string) {
    this.dir = dir;
    this.name = name;
  }

  /**
   * The project's journal of `kind`.
   *
   * @param root the project root
   * @param kind `journal` (a sync's) or `pull`
   * @param env where the per-user state folder is
   * @param create create the folders when missing
   * @returns it, or undefined when the folder is missing and not created
   * @throws {HpmInputError} when the state folder is unsafe (a link, another user's)
   */
  static async of(
    root: string,
    kind: "journal" | "pull",
    env: Env,
    create: boolean,
  ): Promise<JournalFile | undefined> {
    const dir = stateFolder.userStateSubfolder(env, stateFolder.JOURNALS, create);
    if (dir === undefined) return undefined;
    return new JournalFile(dir, await stateFolder.projectStateName(root, kind));
  }

  /**
   * The project's journal of `kind`, for a change about to begin: refused
   * while an earlier one is there, which recovery left because it holds what
   * the user may need (a new journal would replace it).
   *
   * @param root the project root
   * @param kind `journal` (a sync's) or `pull`
   * @param env where the per-user state folder is
   * @returns it, its folders created
   * @throws {HpmOperationError} when the project's journal of `kind` is there
   * @throws {HpmInputError} when the state folder is unsafe (a link, another user's)
   */
  static async fresh(root: string, kind: "journal" | "pull", env: Env): Promise<JournalFile> {
    const file = (await JournalFile.of(root, kind, env, true))!;
    if (locate(file.path, { root: file.dir, strict: true }) !== undefined) {
      throw new HpmOperationError(
        `an interrupted hpm run left ${file.path}, which was neither finished nor undone; ` +
          "nothing was changed",
        file.keptHint,
      );
    }
    return file;
  }

  /** What the user does with a journal left for them: the hint of a recovery that could not settle it. */
  get keptHint(): string {
    return `take what you need from ${this.path} (a line of JSON, then the saved files' bytes), ` +
      "delete it, then run hpm again";
  }

  /** The file's path, for messages. */
  get path(): string {
    return joinPath(this.dir, this.name);
  }

  /**
   * Replace it: the line, then the copies.
   *
   * @param header the line's data
   * @param copies the saved copies, in the order the line lists them
   */
  async write(header: unknown, copies: readonly Uint8Array[]): Promise<void> {
    const parts = [new TextEncoder().encode(JSON.stringify(header) + "\n"), ...copies];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    await stateFolder.writeStateFile(this.dir, this.name, out);
  }

  /**
   * Read it back: its line parsed, and its copies to take in order.
   *
   * @param maxCopyBytes the most its copies may hold together
   * @returns the line's data (unchecked) and the copies; undefined when there
   *   is no journal; `damaged` when its line is not one line of JSON
   * @throws {HpmInputError} when it is not a regular file of the user's, or too large
   */
  read(
    maxCopyBytes: number,
  ): { header: unknown; copies: SavedCopies } | "damaged" | undefined {
    const bytes = stateFolder.readStateFile(this.dir, this.name, MAX_HEADER_BYTES + maxCopyBytes);
    if (bytes === undefined) return undefined;
    const newline = bytes.subarray(0, MAX_HEADER_BYTES).indexOf(10);
    if (newline < 0) return "damaged";
    let header: unknown;
    try {
      header = JSON.parse(
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, newline)),
      );
    } catch {
      return "damaged";
    }
    let at = newline + 1;
    const copies = {
      async take(size: unknown, sha256: unknown) {
        if (typeof size !== "number" || !Number.isInteger(size) || size < 0) return undefined;
        if (at + size > bytes.length) return undefined;
        const copy = bytes.subarray(at, at + size);
        if (await sha256Hex(copy) !== sha256) return undefined;
        at += size;
        return copy;
      },
      get done() {
        return at === bytes.length;
      },
    };
    return { header, copies };
  }

  /** Remove it: the change it journaled is kept, or undone. */
  async remove(): Promise<void> {
    await stateFolder.removeStateFile(this.dir, this.name);
  }
}

/**
 * Put a project's file back as a journal saved it (absent: removed),
 * atomically.
 *
 * @param root the project root
 * @param name the file, in the root
 * @param bytes its saved copy, or undefined when it did not exist
 */
export async function putBack(
  root: string,
  name: string,
  bytes: Uint8Array | undefined,
): Promise<void> {
  const target = joinPath(root, name);
  if (bytes === undefined) await removeConfined(target, { root });
  else await writeConfined(target, bytes, { root });
}
