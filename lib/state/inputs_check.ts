/**
 * Whether the inputs a sync recorded are as it found them, checked the way
 * git's index checks a file: an input's `lstat` (kind, device, inode, size,
 * modification and change times) vouches for its content while it is the
 * same, so an unchanged input is not read again; a different stat sends the
 * check to the content, whose hash decides (a `touch` changes nothing). A
 * stat that a change during the sync, or yet to come, could share (a time
 * inside the run or the second it started in) does not vouch: that input is
 * compared by content.
 *
 * Loaded on every `sync`, `check` and `diff` with the fingerprint
 * (fingerprint.ts), so it imports no package and no `node:` module, and loads
 * the SHA-256 code only when content must decide.
 *
 * @module
 */

import type { FolderEntry } from "../core/reader.ts";
import { HpmInputError } from "../core/errors.ts";
import { folderNames, listConfined, lstatOrUndefined, readConfined } from "../io/files.ts";
import type { SeenFile, SeenFolder } from "./plan_inputs.ts";

/** One input of a record, as the sync that recorded it found it. */
export interface RecordedInput {
  /** Its absolute path. */
  readonly path: string;
  /** The folder it is confined to, as planning read it (a link inside it is followed). */
  readonly root: string;
  /** A file (its bytes, or its absence) or a folder (the names in it and their kinds). */
  readonly kind: "file" | "folder";
  /** sha256 of the bytes or of the listing; null for a file that was absent. */
  readonly sha256: string | null;
  /**
   * What `lstat` said of it (of the nearest folder above it that exists,
   * when it was absent), when that vouches for the content: the same again
   * means unchanged, without reading. Null when it cannot vouch: a link (its
   * content is elsewhere), a time inside the sync, no change time.
   */
  readonly seen: { readonly at: string; readonly stat: string } | null;
}

const encoder = new TextEncoder();

// The most of one input read back: planning's own caps are lower (the ref
// files of a large clone's releases are the largest), so anything larger has
// changed since.
const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/**
 * A file's bytes as the door reads them now: null when it is absent,
 * "refused" when the door refuses it.
 *
 * Reads are synchronous on purpose: a handful of small files, each of which
 * would otherwise cross to a thread pool and back. They go through
 * lib/io/files.ts, confined to the folder planning confined them to and
 * size-capped. A file the door refuses now (a link elsewhere, /dev/zero) is
 * not what planning read (a record is never made from a refusal), so the
 * normal path runs and reports it.
 */
export function readOrRefused(
  path: string,
  root: string,
  maxBytes = MAX_INPUT_BYTES,
): Uint8Array | null | "refused" {
  try {
    return readConfined(path, { root }, maxBytes) ?? null;
  } catch (e) {
    if (e instanceof HpmInputError) return "refused";
    throw e;
  }
}

const parentOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf("/"), 1));
const baseOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);

// Folders listed while checking one record: their names (lowercased), or
// null for a folder that is not there.
type Listings = Map<string, Set<string> | null>;

// The names in a folder, each folder listed once per check; null for a
// folder that is not there, known without a system call when its own folder
// was listed. Deno reports a missing file by throwing, which costs fifty
// times the system call: a prod record holds dozens of absent ref files, and
// listing their folders is the cheap way to see that they still are.
function namesIn(dir: string, listed: Listings): Set<string> | null {
  let names = listed.get(dir);
  if (names !== undefined) return names;
  const above = dir === "/" ? undefined : listed.get(parentOf(dir));
  if (above === null || (above !== undefined && !above.has(baseOf(dir).toLowerCase()))) {
    names = null;
  } else {
    try {
      names = new Set(folderNames(dir).map((name) => name.toLowerCase()));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
      names = null;
    }
  }
  listed.set(dir, names);
  return names;
}

// An input's bytes; one recorded absent is looked for in its folder's
// listing first. Names are compared without case (a file system may ignore
// it) and a name that is not plain ASCII is always looked up, so the listing
// only ever saves a lookup that would have found nothing.
function readInput(input: RecordedInput, listed: Listings): Uint8Array | null | "refused" {
  const base = baseOf(input.path);
  if (
    input.sha256 === null && /^[\x21-\x7e]+$/.test(base) &&
    !namesIn(parentOf(input.path), listed)?.has(base.toLowerCase())
  ) {
    return null;
  }
  return readOrRefused(input.path, input.root);
}

// Names with their kind: a file replaced by a folder of the same name counts.
function listing(entries: Iterable<FolderEntry>): Uint8Array {
  const names: string[] = [];
  for (const e of entries) {
    names.push(`${e.isFile ? "f" : e.isDirectory ? "d" : "l"} ${e.name}`);
  }
  return encoder.encode(names.sort().join("\n"));
}

// A folder's listing now, through the door; a folder gone or refused is not
// what planning listed.
function listingNow(dir: string, root: string): Uint8Array | "refused" {
  try {
    const entries = listConfined(dir, { root });
    return entries === undefined ? "refused" : listing(entries);
  } catch (e) {
    if (e instanceof HpmInputError) return "refused";
    throw e;
  }
}

// Loaded when content must decide: while every stat vouches, a check hashes nothing.
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return await (await import("../io/digest.ts")).sha256Hex(bytes);
}

const hashOf = async (bytes: Uint8Array | null) => bytes === null ? null : await sha256Hex(bytes);

// What lstat says of a path that can vouch for its content, as git's index
// does: kind, device, inode, size and both times. The change time cannot be
// set by hand (unlike the modification time, which `touch -d`, `tar` and
// `cp -p` put back), and a folder's times change when a name in it comes or
// goes. A link vouches for nothing: its content is elsewhere.
function statOf(info: Deno.FileInfo): string | null {
  if (info.isSymlink || info.mtime === null || info.ctime === null || info.ino === null) {
    return null;
  }
  const kind = info.isFile ? "f" : info.isDirectory ? "d" : "o";
  return `${kind} ${info.dev} ${info.ino} ${info.size} ${info.mtime.getTime()} ${info.ctime.getTime()}`;
}

// Whether no change after `startedAt` can leave this time as it is: it is
// older than the clock's tick before the run or, kept in whole seconds (as
// Deno gives the change time), from an earlier second.
function settled(time: Date, startedAt: number): boolean {
  const t = time.getTime();
  return t % 1000 === 0 ? t < Math.floor(startedAt / 1000) * 1000 : t < startedAt - 50;
}

// At recording, before the content is read: the path's stat, or for an
// absent one its nearest existing folder's (nothing can appear below it
// without changing it). A time that a change yet to come could share does
// not vouch.
function seenOf(path: string, startedAt: number): RecordedInput["seen"] {
  for (let at = path;; at = parentOf(at)) {
    const info = lstatOrUndefined(at);
    if (info === undefined) {
      if (at === "/") return null;
      continue;
    }
    const stat = statOf(info);
    return stat === null || !settled(info.mtime!, startedAt) || !settled(info.ctime!, startedAt)
      ? null
      : { at, stat };
  }
}

// The stats taken while checking one record, by path (null: not there).
type Stats = Map<string, string | null>;

function statNow(path: string, stats: Stats): string | null {
  let stat = stats.get(path);
  if (stat === undefined) {
    const info = lstatOrUndefined(path);
    stat = info === undefined ? null : statOf(info);
    stats.set(path, stat);
  }
  return stat;
}

// Whether an input is as recorded: by its stat when that vouches and is the
// same, else by its content.
async function unchanged(input: RecordedInput, stats: Stats, listed: Listings): Promise<boolean> {
  if (input.seen !== null && statNow(input.seen.at, stats) === input.seen.stat) return true;
  const bytes = input.kind === "folder"
    ? listingNow(input.path, input.root)
    : readInput(input, listed);
  return bytes !== "refused" && await hashOf(bytes) === input.sha256;
}

/**
 * The inputs planning read, as a record keeps them: each one's hash, and its
 * stat when that vouches (taken now, it does only when its times are settled
 * before `startedAt`: then it has not changed since planning read it).
 *
 * @param files every file whose content or absence decided, as planning read it
 * @param folders every folder whose listing decided, as planning listed it
 * @param startedAt `Date.now()` before the sync read anything
 * @returns the inputs, files first
 */
export async function recordInputs(
  files: ReadonlyMap<string, SeenFile>,
  folders: ReadonlyMap<string, SeenFolder>,
  startedAt: number,
): Promise<RecordedInput[]> {
  const recorded: RecordedInput[] = [];
  for (const [path, { root, bytes }] of files) {
    const seen = seenOf(path, startedAt);
    recorded.push({ path, root, kind: "file", sha256: await hashOf(bytes), seen });
  }
  for (const [path, { root, entries }] of folders) {
    const seen = seenOf(path, startedAt);
    recorded.push({ path, root, kind: "folder", sha256: await hashOf(listing(entries)), seen });
  }
  return recorded;
}

/**
 * The first input of a record that is not as it was.
 *
 * @param inputs the record's inputs
 * @returns it, or undefined when each one's stat vouches or its content is the same
 */
export async function changedInput(
  inputs: readonly RecordedInput[],
): Promise<RecordedInput | undefined> {
  const stats: Stats = new Map();
  const listed: Listings = new Map();
  for (const input of inputs) {
    if (!await unchanged(input, stats, listed)) return input;
  }
  return undefined;
}
