/**
 * The one door to the disk for every file HPM reads or writes on a user's
 * behalf: project files (pyproject.toml, uv.lock, hpm.yaml, hpm.local.yaml),
 * registry entries, clones' pyproject.toml, HPM's state and the cache.
 *
 * A project cloned from a stranger, a registry and the cache are all
 * untrusted (see docs/security.md), so every access states the folder it must
 * stay in (its root) and goes through the checks here:
 * - a path whose real location (after symbolic links) leaves its root is
 *   refused; in strict mode (HPM's own state) any symbolic link is refused;
 * - only regular files are read or replaced (no devices, FIFOs, folders);
 * - every read is size-capped before the bytes are read, and the file opened
 *   is checked to be the one that was inspected;
 * - writes are atomic and never follow a link out of the root.
 *
 * It imports nothing but core/errors.ts (and types), so the fast path can use it without
 * loading `node:` modules.
 *
 * @module
 */

import type { AtomicWriteOptions } from "./atomic_write.ts";
import type { Confinement, Reader } from "../core/reader.ts";
import { HpmInputError } from "../core/errors.ts";

const WINDOWS = Deno.build.os === "windows";

/** Largest pyproject.toml HPM reads (the largest real one seen is 136 KB). */
export const MAX_PYPROJECT_BYTES = 4 * 1024 * 1024;
/** Largest uv.lock HPM copies into its journal. */
export const MAX_UV_LOCK_BYTES = 64 * 1024 * 1024;

/** Join path parts with `/` (which Deno accepts on every platform). */
export function joinPath(first: string, ...rest: string[]): string {
  let out = first;
  for (const part of rest) {
    if (part === "") continue;
    out = out === "" ? part : `${out.replace(/[\\/]+$/, "")}/${part.replace(/^[\\/]+/, "")}`;
  }
  return out;
}

/**
 * Whether `path` is absolute on POSIX or on Windows (`C:\`, `\\server`),
 * whatever system HPM runs on: the rule for the folders HPM keeps its state
 * and cache in, which must never be relative to the folder it runs in.
 */
export function isAbsoluteAnywhere(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]|^\\\\/.test(path);
}

/**
 * The home folder `~` stands for in a registry's or hpm.local.yaml's paths:
 * `HOME`, else `USERPROFILE` (Windows).
 *
 * @param env the environment
 * @returns the folder, or undefined when neither is set
 *
 * @example Usage
 * ```ts
 * import { homeFolder } from "./files.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(homeFolder({ USERPROFILE: "C:/Users/me" }), "C:/Users/me");
 * ```
 */
export function homeFolder(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env.HOME ?? env.USERPROFILE;
}

function comparable(path: string): string {
  const unified = WINDOWS ? path.replaceAll("\\", "/").toLowerCase() : path;
  return unified.length > 1 ? unified.replace(/\/+$/, "") : unified;
}

/**
 * Whether `path` is `dir` or inside it. Both must be absolute and free of
 * `..` (real paths are).
 */
export function isInside(path: string, dir: string): boolean {
  const p = comparable(path);
  const d = comparable(dir);
  return p === d || p.startsWith(d.endsWith("/") ? d : `${d}/`);
}

/**
 * Whether the real location of `path` (links followed) is inside the real
 * location of `dir`; false when either does not exist.
 */
export function reallyInside(path: string, dir: string): boolean {
  try {
    return isInside(Deno.realPathSync(path), Deno.realPathSync(dir));
  } catch {
    return false;
  }
}

function refuse(path: string, why: string, hint: string): HpmInputError {
  return new HpmInputError("unsafe-path", `${path} ${why}`, { file: path }, hint);
}

const realRoots = new Map<string, string>();

function realRoot(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = Deno.realPathSync(root);
    realRoots.set(root, real);
  }
  return real;
}

/**
 * What a path itself is (`lstat`: a link is not followed), without reading
 * it: the stats that vouch for an input (state/inputs_check.ts). No root
 * applies, as nothing is read or followed.
 *
 * @param path the path
 * @returns what it is, or undefined when nothing is there (a path below a file included)
 */
export function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

function checkOwner(path: string, info: Deno.FileInfo): void {
  const uid = Deno.uid();
  if (uid !== null && info.uid !== null && info.uid !== uid) {
    throw refuse(
      path,
      "belongs to another user",
      "HPM only uses state and cache files of the user running it; delete it",
    );
  }
}

/**
 * Where a file really is, checked against its confinement; undefined when it
 * does not exist.
 *
 * @param path the file (absolute, or relative to the working folder)
 * @param where the folder it must stay in
 * @returns the real path and what `lstat`/`stat` said of it
 * @throws {HpmInputError} `unsafe-path` when it leaves its root, is a link in
 *   strict mode, or is not a regular file
 */
export function locate(
  path: string,
  where: Confinement,
): { real: string; info: Deno.FileInfo } | undefined {
  const link = lstatOrUndefined(path);
  if (link === undefined) return undefined;
  if (where.strict) {
    if (link.isSymlink) {
      throw refuse(
        path,
        "is a symbolic link",
        "HPM's state files are never links; delete it (HPM recreates what it needs)",
      );
    }
    checkOwner(path, link);
  }
  // A file that is not a link, confined to the folder it is in, is inside
  // that folder wherever it really is: no realpath at all (the fingerprint's
  // forty reads). Elsewhere a file that is not a link is where its folder
  // really is: one realpath per folder (cached), not one per file.
  const inOwnFolder = !link.isSymlink && parentOf(path) === where.root;
  let real: string;
  try {
    real = link.isSymlink
      ? Deno.realPathSync(path)
      : inOwnFolder
      ? path
      : joinPath(realRoot(parentOf(path)), baseName(path));
  } catch (e) {
    // A dangling link: nothing is there to read, and nothing may be written through it.
    if (e instanceof Deno.errors.NotFound) {
      throw refuse(path, "is a broken symbolic link", "replace the link with the file itself");
    }
    throw e;
  }
  if (!inOwnFolder && !isInside(real, realRoot(where.root))) {
    throw refuse(
      path,
      `is a link to ${real}, outside ${where.root}`,
      "HPM does not follow links out of the folder a file belongs to; replace the link with the file itself",
    );
  }
  const info = link.isSymlink ? Deno.statSync(real) : link;
  if (!info.isFile) {
    throw refuse(path, "is not a regular file", "replace it with a regular file");
  }
  return { real, info };
}

// The text of small files read through here, so an error can quote the
// offending line without reading the disk again (the file may have changed,
// or be a link the error is about).
const SNIPPET_LIMIT = 1024 * 1024;
const readTexts = new Map<string, Uint8Array>();

/**
 * Read a file through the door: confined, regular, at most `maxBytes`.
 *
 * @param path the file
 * @param where the folder it must stay in
 * @param maxBytes the size limit
 * @returns its bytes, or undefined when it does not exist
 * @throws {HpmInputError} `unsafe-path` (see {@link locate}) or `too-large`
 */
export function readConfined(
  path: string,
  where: Confinement,
  maxBytes: number,
): Uint8Array | undefined {
  const found = locate(path, where);
  if (found === undefined) return undefined;
  const tooLarge = (size: number | string) =>
    new HpmInputError(
      "too-large",
      `${path} is ${size} bytes; the limit is ${maxBytes}`,
      { file: path },
      "check that this is the right file",
    );
  if (found.info.size > maxBytes) throw tooLarge(found.info.size);
  const file = Deno.openSync(found.real, { read: true });
  try {
    const opened = file.statSync();
    // The file opened must be the one inspected, not one swapped in since.
    if (!opened.isFile || (opened.ino !== null && opened.ino !== found.info.ino)) {
      throw refuse(path, "changed while it was being read", "run the command again");
    }
    const buffer = new Uint8Array(Math.min(opened.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = file.readSync(buffer.subarray(length));
      if (n === null) break;
      length += n;
    }
    if (length > maxBytes) throw tooLarge(`more than ${maxBytes}`);
    const bytes = buffer.subarray(0, length);
    if (length <= SNIPPET_LIMIT) readTexts.set(path, bytes);
    return bytes;
  } finally {
    file.close();
  }
}

/**
 * The bytes of a file as HPM last read it through {@link readConfined}, for
 * quoting in error messages.
 *
 * @param path the path it was read by
 * @returns the bytes, if that file was read (and is small)
 */
export function lastRead(path: string): Uint8Array | undefined {
  return readTexts.get(path);
}

/**
 * The door as a {@link Reader} that can be handed down: loading a project
 * passes one to everything that reads an input of the plan (a sync passes
 * one that keeps what was read, `PlanInputs`).
 */
export const door: Reader = {
  read: (path, where, maxBytes) => readConfined(path, where, maxBytes),
  list: (dir, where) => listConfined(dir, where),
};

/**
 * Replace a file atomically, confined to a folder. A link inside the root is
 * written through (its target is replaced); the parent folder's real location
 * must be inside the root too.
 *
 * @param path the file
 * @param data its new content
 * @param where the folder it must stay in
 * @param options whether to sync to disk (default: yes)
 * @throws {HpmInputError} `unsafe-path` when the write would leave the root
 */
export async function writeConfined(
  path: string,
  data: string | Uint8Array,
  where: Confinement,
  options?: AtomicWriteOptions,
): Promise<void> {
  // Loaded on the first write: a no-op reads through this door and writes nothing.
  const { writeFileAtomic } = await import("./atomic_write.ts");
  await writeFileAtomic(confinedTarget(path, where), data, options);
}

function splitAt(path: string): number {
  return Math.max(path.lastIndexOf("/"), WINDOWS ? path.lastIndexOf("\\") : -1);
}

function baseName(path: string): string {
  return path.slice(splitAt(path) + 1);
}

function parentOf(path: string): string {
  const cut = splitAt(path);
  return cut < 0 ? "." : cut === 0 ? "/" : path.slice(0, cut);
}

// The real location of the folder `dir`, which must be inside the root
// (`path` is the file or folder being made there, for the message).
function confinedFolder(dir: string, path: string, where: Confinement): string {
  const real = Deno.realPathSync(dir);
  if (!isInside(real, realRoot(where.root))) {
    throw refuse(
      path,
      `is in ${real}, outside ${where.root}`,
      "a folder on its path is a link out of the project; replace it with a real folder",
    );
  }
  return real;
}

// The real folder a new or removed entry lives in, which must be inside the root.
function confinedParent(path: string, where: Confinement): string {
  return confinedFolder(parentOf(path), path, where);
}

// Where writing `path` lands: the file it really is (checked by `locate`), or
// a new entry in its parent's real folder, which must be inside the root.
function confinedTarget(path: string, where: Confinement): string {
  return locate(path, where)?.real ?? joinPath(confinedParent(path, where), baseName(path));
}

/**
 * Create a folder, and the missing folders above it, inside a root: the
 * deepest one that exists must really be a folder inside the root, so no
 * folder is ever created through a link out of it.
 *
 * @param path the folder
 * @param where the folder it must stay in
 * @throws {HpmInputError} `unsafe-path` when it would be made outside the root, or a file is in the way
 */
export function makeFolderConfined(path: string, where: Confinement): void {
  const missing: string[] = [];
  let dir = path;
  while (lstatOrUndefined(dir) === undefined && parentOf(dir) !== dir) {
    missing.push(dir);
    dir = parentOf(dir);
  }
  const real = confinedFolder(dir, path, where);
  if (!Deno.statSync(real).isDirectory) {
    throw refuse(dir, "is not a folder", "move it away, or choose another folder");
  }
  for (const folder of missing.reverse()) Deno.mkdirSync(folder);
}

/**
 * Open a file to hold an advisory lock on, confined to a folder; created
 * empty (private) when missing. The caller closes it.
 *
 * @param path the file
 * @param where the folder it must stay in
 * @returns the open file, readable and writable
 * @throws {HpmInputError} `unsafe-path` (see {@link locate})
 */
export function openLockFile(path: string, where: Confinement): Deno.FsFile {
  return Deno.openSync(confinedTarget(path, where), {
    read: true,
    write: true,
    create: true,
    mode: 0o600,
  });
}

/**
 * Remove a regular file (or a link itself, never its target), confined to a
 * folder. A missing file is not an error.
 *
 * @param path the file
 * @param where the folder it must stay in
 */
export async function removeConfined(path: string, where: Confinement): Promise<void> {
  const info = lstatOrUndefined(path);
  if (info === undefined) return;
  if (info.isDirectory) throw refuse(path, "is a folder", "remove it yourself if it is not needed");
  const target = joinPath(confinedParent(path, where), baseName(path));
  if (where.strict && !info.isSymlink) checkOwner(path, info);
  await Deno.remove(target).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

/**
 * Make sure a folder of HPM's own (state, cache) exists and is a real folder
 * of the current user's, not a link. Created private (0700).
 *
 * @param path the folder
 * @param create create it when missing (its parent must exist)
 * @returns whether it exists now
 * @throws {HpmInputError} `unsafe-path` when it is a link, not a folder, or another user's
 */
export function ownFolder(path: string, create: boolean): boolean {
  let info = lstatOrUndefined(path);
  if (info === undefined) {
    if (!create) return false;
    try {
      Deno.mkdirSync(path, { mode: 0o700 });
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    info = Deno.lstatSync(path);
  }
  if (info.isSymlink) {
    throw refuse(
      path,
      "is a symbolic link",
      "HPM keeps its state in a real folder; delete the link (HPM recreates the folder)",
    );
  }
  if (!info.isDirectory) {
    throw refuse(path, "is not a folder", "delete it; HPM recreates the folder");
  }
  checkOwner(path, info);
  return true;
}

/**
 * The names of the entries of a folder whose real location is inside its
 * root (a folder linked out of it is refused, so its names are never shown).
 *
 * @param dir the folder
 * @param where the folder it must stay in
 * @returns the entries' names and kinds, or undefined when the folder does not exist
 */
export function listConfined(
  dir: string,
  where: Confinement,
): Deno.DirEntry[] | undefined {
  let real: string;
  try {
    real = Deno.realPathSync(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (!isInside(real, realRoot(where.root))) {
    throw refuse(
      dir,
      `is a link to ${real}, outside ${where.root}`,
      "HPM does not follow links out of the folder a registry belongs to",
    );
  }
  return [...Deno.readDirSync(real)];
}

/**
 * What is at a path, links followed (`stat`), without reading it: whether a
 * project's manifest, a registry's `packages/` or a hook is there. Questions
 * of place, not of content, so no root or size cap applies here: what is
 * then read goes through {@link readConfined}.
 *
 * @param path the path
 * @returns what it is, or undefined when nothing is there
 * @throws what `stat` throws for anything but a missing path (a file on the way, no permission)
 */
export function statOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * What kind of thing is at a path, links followed, for a question whose
 * answer is "no" when the path cannot be looked at (is there an environment,
 * an interpreter, a checkout?). Reads nothing, like {@link statOrUndefined}.
 *
 * @param path the path
 * @returns `file`, `folder` or `other`; undefined when nothing is there or it cannot be looked at
 */
export function kindOf(path: string): "file" | "folder" | "other" | undefined {
  try {
    const info = Deno.statSync(path);
    return info.isFile ? "file" : info.isDirectory ? "folder" : "other";
  } catch {
    return undefined;
  }
}

/**
 * Where a path really is, links followed: the name a project's state is kept
 * under, or a place to compare with {@link isInside}. Reads nothing.
 *
 * @param path an existing path
 * @returns its real, absolute path
 * @throws what `realpath` throws (NotFound when it does not exist)
 */
export function realPath(path: string): string {
  return Deno.realPathSync(path);
}

/**
 * The names in a folder, links followed: for whether a name is there (a
 * journal left, a file absent), never to show them or read what they name,
 * which goes through {@link readConfined}. So no root applies: a name says
 * no more than an `lstat` of the path below it would.
 *
 * @param dir the folder
 * @returns the names of its entries
 * @throws what listing throws (NotFound, NotADirectory, no permission)
 */
export function folderNames(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name);
}

/**
 * Create a folder and any missing folders above it, where no root confines
 * them: the place is the user's or git's (the state folder's parents from
 * `$HPM_STATE_DIR`, git's hooks folder), never one a file HPM read names.
 * What HPM keeps there is checked on its own ({@link ownFolder}, writes
 * confined to the folder).
 *
 * @param path the folder
 */
export function makeFolders(path: string): void {
  Deno.mkdirSync(path, { recursive: true });
}

/**
 * Let a file be run (mode 0755), confined like a write: the pre-commit hook
 * HPM wrote.
 *
 * @param path the file
 * @param where the folder it must stay in
 * @throws {HpmInputError} `unsafe-path` (see {@link locate}); what `chmod`
 *   throws (Windows has no mode bits)
 */
export async function makeExecutable(path: string, where: Confinement): Promise<void> {
  await Deno.chmod(confinedTarget(path, where), 0o755);
}
