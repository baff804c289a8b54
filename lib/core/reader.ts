/**
 * How the pure core reads files without doing I/O itself: a reader is handed
 * in (the door, lib/io/files.ts, or a reader that keeps what it read), so the
 * registry and the planner can be given files from anywhere, a test's map
 * included.
 *
 * @module
 */

/** The folder a file must stay in, and how strictly it is checked. */
export interface Confinement {
  /** The folder the file must stay in, after links are followed. */
  readonly root: string;
  /**
   * HPM's own state: no symbolic link at all, and (where the platform says)
   * owned by the current user.
   */
  readonly strict?: boolean;
}

/** An entry of a folder, as a reader lists it. */
export interface FolderEntry {
  /** Its name. */
  readonly name: string;
  /** A regular file. */
  readonly isFile: boolean;
  /** A folder. */
  readonly isDirectory: boolean;
  /** A symbolic link. */
  readonly isSymlink: boolean;
}

/** Reads files and lists folders, each confined to a folder. */
export interface Reader {
  /**
   * A file's bytes, at most `maxBytes`.
   *
   * @returns its bytes, or undefined when it does not exist
   * @throws {HpmInputError} when it may not be read (a link out of its root, too large)
   */
  read(path: string, where: Confinement, maxBytes: number): Uint8Array | undefined;
  /**
   * A folder's entries.
   *
   * @returns them, or undefined when the folder does not exist
   * @throws {HpmInputError} when it may not be listed (a link out of its root)
   */
  list(dir: string, where: Confinement): FolderEntry[] | undefined;
}

/**
 * A reader of no files at all: for a registry made only of the entries
 * given to it.
 *
 * @example Usage
 * ```ts
 * import { NO_FILES } from "./reader.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(NO_FILES.read("/x/hpm.yaml", { root: "/x" }, 1024), undefined);
 * ```
 */
export const NO_FILES: Reader = { read: () => undefined, list: () => undefined };
