/**
 * HPM's own state, all of it in the user's state folder outside every project
 * (`$HPM_STATE_DIR`): the project locks, the fingerprints, the journals of
 * syncs and pulls in progress (or kept for the user), and the notices said
 * once, each named after the project's real path. None of it lives in a
 * project, which may come from a stranger: nothing a project ships is taken
 * for HPM's state (a `.hpm/` where earlier builds kept the journal is not even
 * looked at). The folder and every file HPM reads there must be real folders
 * and regular files of the current user's (no links anywhere; see
 * lib/io/files.ts).
 *
 * Imports no `node:` module, so the fast path can use it.
 *
 * @module
 */

import type { AtomicWriteOptions } from "../io/atomic_write.ts";
import { HpmInputError } from "../core/errors.ts";
import {
  folderNames,
  joinPath,
  makeFolders,
  ownFolder,
  readConfined,
  realPath,
  removeConfined,
  writeConfined,
} from "../io/files.ts";

/** The folder of the journals of syncs and pulls in progress, in the user's state folder. */
export const JOURNALS = "journals";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The per-user folder of HPM's project locks, fingerprints and journals: `$HPM_STATE_DIR`, else
 * `$XDG_STATE_HOME/hpm`, else `%LOCALAPPDATA%\hpm\state`, else
 * `~/.local/state/hpm`. Variables missing from `env` are taken from the
 * process (a caller's `env` that only sets RUN_MODE must not move the state).
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
      `no absolute folder for hpm's per-user state (project locks, fingerprints, journals): ${
        dir === undefined ? "HOME is not set" : `${dir} is relative`
      }`,
      undefined,
      "set HOME, or HPM_STATE_DIR to an absolute path",
    );
  }
  return dir;
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
  maxBytes: number,
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
function userStateFolder(env: Env, create: boolean): string | undefined {
  const dir = userStateDir(env);
  try {
    return ownFolder(dir, create) ? dir : undefined;
  } catch (e) {
    if (!(create && e instanceof Deno.errors.NotFound)) throw e;
  }
  // The folders above it are created only the first time.
  const parent = dir.replace(/[\\/][^\\/]+[\\/]?$/, "");
  if (parent && parent !== dir) makeFolders(parent);
  return ownFolder(dir, create) ? dir : undefined;
}

/**
 * A folder of the per-user state folder (`locks`, `fingerprints`,
 * {@link JOURNALS}), checked like it; created when asked.
 *
 * @param env the environment
 * @param name the folder's name
 * @param create create it (and the state folder) when missing
 * @returns its path, or undefined when it does not exist and `create` is not set
 * @throws {HpmInputError} as {@link userStateFolder}, for either folder
 */
export function userStateSubfolder(env: Env, name: string, create: boolean): string | undefined {
  const state = userStateFolder(env, create);
  const dir = state === undefined ? undefined : joinPath(state, name);
  return dir !== undefined && ownFolder(dir, create) ? dir : undefined;
}

/**
 * Whether an interrupted run left the project's journal (a sync's or a pull's),
 * seen without reading it: from the listing of the journals' folder, which is
 * empty unless a sync or a pull is in progress, was killed, or left the
 * user's copies there (Deno reports a missing file by throwing, which costs
 * more than listing an empty folder). Anything unreadable or odd on the way
 * is a yes, for the journal code to look at properly and report.
 *
 * @param root the project root
 * @param env where the per-user state folder is
 * @returns whether the journal code must run
 */
export async function journalLeft(root: string, env: Env): Promise<boolean> {
  try {
    const names = folderNames(joinPath(userStateDir(env), JOURNALS));
    if (names.length === 0) return false;
    // A sync's journal, or a pull's.
    for (const kind of ["journal", "pull"]) {
      if (names.includes(await projectStateName(root, kind))) return true;
    }
    return false;
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}

/**
 * The name of a project's file in a per-user state folder (its fingerprint,
 * its lock, its journal): the project's real path, encoded, or its hash when
 * too long for a file system.
 *
 * @param root the project root
 * @param extension the file's extension
 * @returns the file name
 */
export async function projectStateName(root: string, extension: string): Promise<string> {
  const real = realPath(root);
  const encoded = encodeURIComponent(real);
  // The whole name too must fit in a file name's 255 bytes (it is ASCII).
  const name = `${encoded}.${extension}`;
  if (encoded.length <= 200 && name.length <= 255) return name;
  // Only a path too long for a name is hashed: a run that never does loads no digest.
  const { sha256Hex } = await import("../io/digest.ts");
  return `${await sha256Hex(real)}.${extension}`;
}
