/**
 * What a plan was made from: every file and folder listing that planning read
 * through the door, with the bytes (or absence, or names) it saw then. A
 * sync's record (fingerprint.ts) is made from these, not from a second read
 * after the sync: what was read is what decided, however recently the file
 * was written, so a sync that succeeds always leaves its record.
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";
import type { Confinement, FolderEntry, Reader } from "../core/reader.ts";
import { door } from "../io/files.ts";

/** A file as planning read it. */
export interface SeenFile {
  /** The folder it was confined to (a link inside it is followed). */
  readonly root: string;
  /** Its bytes; null when it was absent. */
  readonly bytes: Uint8Array | null;
}

/** A folder as planning listed it. */
export interface SeenFolder {
  /** The folder it was confined to. */
  readonly root: string;
  /** Its entries. */
  readonly entries: readonly FolderEntry[];
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null) =>
  a === b || (a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]));

/**
 * A reader that reads through the door and keeps what it saw.
 *
 * @example Usage
 * ```ts
 * import { PlanInputs } from "./plan_inputs.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/hpm.yaml`, "groups: {}\n");
 * const inputs = new PlanInputs();
 * inputs.read(`${dir}/hpm.yaml`, { root: dir }, 1024);
 * inputs.read(`${dir}/hpm.local.yaml`, { root: dir }, 1024);
 * assert.equal(inputs.files.get(`${dir}/hpm.local.yaml`)?.bytes, null);
 * assert.equal(inputs.recordable, true);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class PlanInputs implements Reader {
  /** Files by path. */
  readonly files: Map<string, SeenFile> = new Map();
  /** Folders by path. */
  readonly folders: Map<string, SeenFolder> = new Map();
  #recordable = true;

  /**
   * Whether a record may be made from what was seen: not when the door
   * refused a read (the planner went on without it, and a refusal's words say
   * nothing of the content behind it), nor when one file read twice gave two
   * answers (it changed while planning read it).
   */
  get recordable(): boolean {
    return this.#recordable;
  }

  /** Read a file through the door, keeping what was read. */
  read(path: string, where: Confinement, maxBytes: number): Uint8Array | undefined {
    let bytes;
    try {
      bytes = door.read(path, where, maxBytes);
    } catch (e) {
      if (e instanceof HpmInputError) this.#recordable = false;
      throw e;
    }
    this.#keep(path, where.root, bytes ?? null);
    return bytes;
  }

  /** List a folder through the door, keeping the names. */
  list(dir: string, where: Confinement): FolderEntry[] | undefined {
    let entries;
    try {
      entries = door.list(dir, where);
    } catch (e) {
      if (e instanceof HpmInputError) this.#recordable = false;
      throw e;
    }
    // An absent folder is an error wherever planning lists one.
    if (entries === undefined) this.#recordable = false;
    else this.folders.set(dir, { root: where.root, entries });
    return entries;
  }

  #keep(path: string, root: string, bytes: Uint8Array | null): void {
    const before = this.files.get(path);
    if (before && (before.root !== root || !sameBytes(before.bytes, bytes))) {
      this.#recordable = false;
    }
    this.files.set(path, { root, bytes });
  }
}
