/**
 * HPM's own state in a project: the `.hpm/` folder (its lock, its journal,
 * its fingerprint). A project may come from a stranger with a `.hpm/` of
 * their making, so state is never trusted because of where it is:
 * - `.hpm/` and everything HPM reads in it must be real folders and regular
 *   files of the current user's (no links anywhere; see lib/files.ts);
 * - records HPM acts on are sealed with an HMAC under a per-user key kept
 *   outside every project (`$HPM_STATE_DIR`, else the user's state folder),
 *   and bound to the project's real path: a record that does not verify was
 *   not written by this user's HPM for this project, and is never acted on;
 * - a `.hpm/` tracked by git is refused outright (see {@link assertStateUntracked}).
 *
 * Imports no `node:` module, so the fast path can use it.
 *
 * @module
 */

import type { AtomicWriteOptions } from "./atomic_write.ts";
import { hex } from "./digest.ts";
import { HpmInputError } from "./errors.ts";
import { joinPath, ownFolder, readConfined, removeConfined, writeConfined } from "./files.ts";
import type { Runner } from "./runner.ts";

/** The state folder's name, at the project root. */
export const STATE_DIR = ".hpm";

/** Largest state record HPM reads (journal, lock, fingerprint). */
export const MAX_RECORD_BYTES = 256 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The per-user folder of HPM's key: `$HPM_STATE_DIR`, else
 * `$XDG_STATE_HOME/hpm`, else `%LOCALAPPDATA%\hpm\state`, else
 * `~/.local/state/hpm`. Variables missing from `env` are taken from the
 * process (a caller's `env` that only sets RUN_MODE must not move the key).
 *
 * @param env the environment
 * @returns the folder, always absolute
 * @throws {HpmInputError} `usage` when no absolute folder can be found
 */
export function userStateDir(env: Env): string {
  const all: Env = { ...Deno.env.toObject(), ...env };
  const home = all.HOME ?? all.USERPROFILE;
  const dir = all.HPM_STATE_DIR ??
    (all.XDG_STATE_HOME
      ? joinPath(all.XDG_STATE_HOME, "hpm")
      : all.LOCALAPPDATA
      ? joinPath(all.LOCALAPPDATA, "hpm", "state")
      : home
      ? joinPath(home, ".local", "state", "hpm")
      : undefined);
  // A relative folder would put the key in whatever folder HPM runs in: a project.
  if (dir === undefined || !(dir.startsWith("/") || /^[A-Za-z]:[\\/]|^\\\\/.test(dir))) {
    throw new HpmInputError(
      "usage",
      `no absolute folder for hpm's per-user key (${dir ?? "HOME is not set"})`,
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
      "# Written by hpm: its lock and journal\n*\n",
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

const keys = new Map<string, Promise<CryptoKey>>();

// The key as it is on disk, in a folder checked as the user's own; undefined
// when there is none yet.
function readKey(dir: string): Uint8Array | undefined {
  return ownFolder(dir, false)
    ? readConfined(joinPath(dir, "key"), { root: dir, strict: true }, 1024)
    : undefined;
}

function importKey(bytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(new TextDecoder().decode(bytes).trim()),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/**
 * Start importing the per-user key, when there is one, so that WebCrypto
 * (which answers from another thread) works while the caller reads files.
 * Never creates a key: a command that only reads must not write one.
 *
 * @param env where the key lives
 */
export function preloadKey(env: Env): void {
  try {
    const dir = userStateDir(env);
    const bytes = keys.has(dir) ? undefined : readKey(dir);
    if (bytes === undefined) return;
    const key = importKey(bytes);
    key.catch(() => {}); // whoever uses it sees the failure
    keys.set(dir, key);
  } catch {
    // no usable key folder: the command that needs it reports that
  }
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
  if (create && !ownFolder(dir, false)) {
    const parent = dir.replace(/[\\/][^\\/]+[\\/]?$/, "");
    if (parent && parent !== dir) Deno.mkdirSync(parent, { recursive: true });
  }
  return ownFolder(dir, create) ? dir : undefined;
}

// The key is created once per user, atomically (written aside, then linked
// into place), so two first runs at once agree on it.
function loadKey(env: Env): Promise<CryptoKey> {
  const dir = userStateDir(env);
  let key = keys.get(dir);
  if (key === undefined) {
    key = (async () => {
      const file = joinPath(dir, "key");
      let bytes = readKey(dir);
      if (bytes === undefined) {
        userStateFolder(env, true);
        const aside = joinPath(dir, `.key-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
        const fresh = hex(crypto.getRandomValues(new Uint8Array(32))) + "\n";
        Deno.writeTextFileSync(aside, fresh, { createNew: true, mode: 0o600 });
        try {
          Deno.linkSync(aside, file);
        } catch (e) {
          if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
        } finally {
          Deno.removeSync(aside);
        }
        bytes = readKey(dir)!;
      }
      return await importKey(bytes);
    })();
    keys.set(dir, key);
  }
  return key;
}

async function mac(env: Env, text: string): Promise<string> {
  return hex(await crypto.subtle.sign("HMAC", await loadKey(env), new TextEncoder().encode(text)));
}

/**
 * Seal a record for a project: the text of a state file that only this
 * user's HPM, for this project, can have written.
 *
 * @param root the project root (its real path is bound into the seal)
 * @param value the record
 * @param env where the key lives
 * @param label fields written before the seal, not sealed: to find a record
 *   among several without opening each (never to be trusted)
 * @returns the file's text: one line
 */
export async function sealRecord(
  root: string,
  value: unknown,
  env: Env,
  label: Readonly<Record<string, string>> = {},
): Promise<string> {
  const data = JSON.stringify({ root: Deno.realPathSync(root), value });
  return JSON.stringify({ ...label, data, mac: await mac(env, data) }) + "\n";
}

/**
 * Open a sealed record; undefined when it does not verify (not HPM's, another
 * project's, tampered with, or not JSON at all).
 *
 * @param root the project root it must belong to
 * @param bytes the file's bytes
 * @param env where the key lives
 * @returns the record, or undefined
 */
export async function openRecord(
  root: string,
  bytes: Uint8Array,
  env: Env,
): Promise<unknown | undefined> {
  let outer: { data?: unknown; mac?: unknown };
  try {
    outer = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof outer?.data !== "string" || typeof outer.mac !== "string") return undefined;
  const expected = await mac(env, outer.data);
  // Constant-time compare: the record is attacker input.
  let diff = expected.length ^ outer.mac.length;
  for (let i = 0; i < expected.length; i++) {
    diff |= expected.charCodeAt(i) ^ (outer.mac.charCodeAt(i) || 0);
  }
  if (diff !== 0) return undefined;
  const inner = JSON.parse(outer.data) as { root?: unknown; value?: unknown };
  return inner.root === Deno.realPathSync(root) ? inner.value : undefined;
}
