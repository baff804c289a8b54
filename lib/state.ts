/**
 * HPM's own state: the `.hpm/` folder of a project (its journal) and the
 * user's state folder outside every project (`$HPM_STATE_DIR`: the key of
 * sealed records, the project locks, the fingerprints). A project may come from a
 * stranger with a `.hpm/` of their making, so state is never trusted because
 * of where it is:
 * - `.hpm/` and everything HPM reads in it must be real folders and regular
 *   files of the current user's (no links anywhere; see lib/files.ts);
 * - records HPM acts on there are sealed (see lib/seal.ts);
 * - a `.hpm/` tracked by git is refused outright (see {@link assertStateUntracked}).
 *
 * Imports no `node:` module, so the fast path can use it.
 *
 * @module
 */

import type { AtomicWriteOptions } from "./atomic_write.ts";
import { sha256Hex } from "./digest.ts";
import { HpmInputError } from "./errors.ts";
import { joinPath, ownFolder, readConfined, removeConfined, writeConfined } from "./files.ts";
import type { Runner } from "./runner.ts";

/** The state folder's name, at the project root. */
export const STATE_DIR = ".hpm";

/** The journal's folder in the state folder, and its file (see transaction.ts). */
export const JOURNAL_DIR = "journal";
/** The journal file in {@link JOURNAL_DIR}. */
export const JOURNAL_FILE = "journal.json";

/** Largest sealed state record HPM reads (the journal). */
export const MAX_RECORD_BYTES = 256 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The per-user folder of HPM's key, project locks and fingerprints: `$HPM_STATE_DIR`, else
 * `$XDG_STATE_HOME/hpm`, else `%LOCALAPPDATA%\hpm\state`, else
 * `~/.local/state/hpm`. Variables missing from `env` are taken from the
 * process (a caller's `env` that only sets RUN_MODE must not move the key).
 *
 * @param env the environment
 * @returns the folder, always absolute
 * @throws {HpmInputError} `usage` when no absolute folder can be found
 */
export function userStateDir(env: Env): string {
  const get = (name: string) => name in env ? env[name] : Deno.env.get(name);
  const home = get("HOME") ?? get("USERPROFILE");
  const xdg = get("XDG_STATE_HOME");
  const local = get("LOCALAPPDATA");
  const dir = get("HPM_STATE_DIR") ??
    (xdg
      ? joinPath(xdg, "hpm")
      : local
      ? joinPath(local, "hpm", "state")
      : home
      ? joinPath(home, ".local", "state", "hpm")
      : undefined);
  // A relative folder would put the key in whatever folder HPM runs in: a project.
  if (dir === undefined || !(dir.startsWith("/") || /^[A-Za-z]:[\\/]|^\\\\/.test(dir))) {
    throw new HpmInputError(
      "usage",
      `no absolute folder for hpm's per-user state (key, project locks, fingerprints): ${
        dir === undefined ? "HOME is not set" : `${dir} is relative`
      }`,
      undefined,
      "set HOME, or HPM_STATE_DIR to an absolute path",
    );
  }
  return dir;
}

/**
 * The project's state folder, verified (a real folder of the current user's);
 * created with its `.gitignore` when `create` is set.
 *
 * @param root the project root
 * @param create create it when missing
 * @returns its path, or undefined when it does not exist and `create` is not set
 * @throws {HpmInputError} `unsafe-path` when `.hpm` is a link, a file or another user's
 */
export async function stateFolder(root: string, create: boolean): Promise<string | undefined> {
  const dir = joinPath(root, STATE_DIR);
  const existed = ownFolder(dir, false);
  if (!existed && !create) return undefined;
  if (!existed) {
    ownFolder(dir, true);
    await writeConfined(
      joinPath(dir, ".gitignore"),
      "# Written by hpm: its journal\n*\n",
      { root: dir, strict: true },
    );
  }
  return dir;
}

/**
 * Refuse a `.hpm/` that git tracks in the project: it then came with the
 * project (from whoever committed it), and per-machine state must not.
 *
 * @param root the project root
 * @param runner runs git
 * @throws {HpmInputError} `state-tracked` when git tracks anything under `.hpm/`
 */
export async function assertStateUntracked(root: string, runner: Runner): Promise<void> {
  if (!ownFolder(joinPath(root, STATE_DIR), false)) return;
  // Loaded here: the fast path reads state files on every command and never asks git.
  const { trackedPaths } = await import("./git.ts");
  const tracked = await trackedPaths(runner, root, STATE_DIR);
  if (tracked.length) {
    throw new HpmInputError(
      "state-tracked",
      `${STATE_DIR}/ is tracked by git in ${root} (${tracked[0]}${
        tracked.length > 1 ? ` and ${tracked.length - 1} more` : ""
      }): it holds hpm's per-machine state and is never committed, so hpm will not use it`,
      { file: joinPath(root, STATE_DIR) },
      `run \`git rm -r --cached ${STATE_DIR}\`, add \`${STATE_DIR}/\` to .gitignore, and delete the folder`,
    );
  }
}

/**
 * Read a state file (strict: no links, regular, the user's, size-capped).
 *
 * @param dir the verified state folder (or a verified folder inside it)
 * @param name the file name
 * @param maxBytes the size limit
 * @returns its bytes, or undefined when missing
 */
export function readStateFile(
  dir: string,
  name: string,
  maxBytes = MAX_RECORD_BYTES,
): Uint8Array | undefined {
  return readConfined(joinPath(dir, name), { root: dir, strict: true }, maxBytes);
}

/**
 * Replace a state file atomically.
 *
 * @param dir the verified state folder (or a verified folder inside it)
 * @param name the file name
 * @param data its content
 * @param options whether it must survive a power loss (default: yes)
 */
export async function writeStateFile(
  dir: string,
  name: string,
  data: string | Uint8Array,
  options?: AtomicWriteOptions,
): Promise<void> {
  await writeConfined(joinPath(dir, name), data, { root: dir, strict: true }, options);
}

/**
 * Remove a state file (a link is removed itself, never followed).
 *
 * @param dir the verified state folder
 * @param name the file name
 */
export async function removeStateFile(dir: string, name: string): Promise<void> {
  await removeConfined(joinPath(dir, name), { root: dir, strict: true });
}

/**
 * The per-user state folder (see {@link userStateDir}), checked to be a real
 * folder of the user's own; created (with the folders above it) when asked.
 *
 * @param env the environment
 * @param create create it when missing
 * @returns its path, or undefined when it does not exist and `create` is not set
 * @throws {HpmInputError} `usage` without an absolute folder; `unsafe-path`
 *   when it is a link, a file or another user's
 */
export function userStateFolder(env: Env, create: boolean): string | undefined {
  const dir = userStateDir(env);
  try {
    return ownFolder(dir, create) ? dir : undefined;
  } catch (e) {
    if (!(create && e instanceof Deno.errors.NotFound)) throw e;
  }
  // The folders above it are created only the first time.
  const parent = dir.replace(/[\\/][^\\/]+[\\/]?$/, "");
  if (parent && parent !== dir) Deno.mkdirSync(parent, { recursive: true });
  return ownFolder(dir, create) ? dir : undefined;
}

/**
 * Whether an interrupted run left its journal in the project, seen without
 * reading it: the journal folder's listing (Deno reports a missing file by
 * throwing, which costs more than listing a small folder). No state folder is
 * a no; anything unreadable or odd on the way (a link, a file) a yes, for the
 * journal code to look at properly and refuse.
 *
 * @param root the project root
 * @returns whether the journal code must run
 */
export function journalLeft(root: string): boolean {
  const state = joinPath(root, STATE_DIR);
  try {
    if (!Deno.lstatSync(state).isDirectory) return true;
    const journal = [...Deno.readDirSync(state)].find((e) => e.name === JOURNAL_DIR);
    if (journal === undefined) return false;
    if (!journal.isDirectory) return true;
    return [...Deno.readDirSync(joinPath(state, JOURNAL_DIR))].some((e) => e.name === JOURNAL_FILE);
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}

/**
 * The name of a project's file in a per-user state folder (its fingerprint,
 * its lock): the project's real path, encoded, or its hash when too long for
 * a file system.
 *
 * @param root the project root
 * @param extension the file's extension
 * @returns the file name
 */
export async function projectStateName(root: string, extension: string): Promise<string> {
  const real = Deno.realPathSync(root);
  const name = encodeURIComponent(real);
  return `${name.length <= 200 ? name : await sha256Hex(real)}.${extension}`;
}
