/**
 * Each state's memory of uv.lock (see {@link LockMemory}; a state is a mode,
 * with the plugins developed in it: `stateKey`): uv.lock as it is after uv
 * ran, whether it is still the one uv left, the copy kept for a state read
 * back for a switch into it, and the memory brought up to date after such a
 * switch. The memory itself is a field of the state's record, and
 * its copy is kept beside the records (fingerprint.ts): this module reads
 * uv.lock, and is loaded only when a command will (a switch, plain `check`),
 * not by every no-op.
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";
import { sha256Hex } from "../io/digest.ts";
import { joinPath, MAX_UV_LOCK_BYTES, readConfined } from "../io/files.ts";
import {
  asRecords,
  FOLDER,
  lockCopyName,
  type LockMemory,
  readFingerprint,
  recordKey,
  writeFingerprint,
} from "./fingerprint.ts";
import { readStateFile, userStateSubfolder } from "./folder.ts";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The copy of uv.lock kept for a state, when it is the one `lock` names.
 *
 * @param root the project root
 * @param key the state's `stateKey`
 * @param lock what the state's record says of uv.lock
 * @param env where the per-user state folder is
 * @returns its bytes, or undefined when missing, unreadable or different
 */
export async function readLockCopy(
  root: string,
  key: string,
  lock: LockMemory,
  env: Env,
): Promise<Uint8Array | undefined> {
  try {
    const dir = userStateSubfolder(env, FOLDER, false);
    const bytes = dir && readStateFile(dir, await lockCopyName(root, key), MAX_UV_LOCK_BYTES);
    return bytes && await sha256Hex(bytes) === lock.after ? bytes : undefined;
  } catch {
    return undefined; // uv locks anew, as it would without HPM
  }
}

/**
 * uv.lock as it is now, after uv ran, with what it was before (see
 * {@link LockMemory}).
 *
 * @param root the project root
 * @param before sha256 of uv.lock before the switch (null: absent)
 * @returns the memory and the bytes to keep, or undefined when there is no uv.lock (or none to keep)
 */
export async function lockNow(
  root: string,
  before: string | null,
): Promise<{ lock: LockMemory; bytes: Uint8Array } | undefined> {
  let bytes;
  try {
    bytes = readConfined(joinPath(root, "uv.lock"), { root }, MAX_UV_LOCK_BYTES);
  } catch (e) {
    // One the door refuses now (a link out, too large) is not kept; the sync itself succeeded.
    if (e instanceof HpmInputError) return undefined;
    throw e;
  }
  return bytes && { lock: { before, after: await sha256Hex(bytes) }, bytes };
}

/**
 * Whether uv.lock is, byte for byte, the one uv left after the switch that
 * `lock` remembers: uv then locked it from the pyproject.toml of that
 * switch. Anything unreadable is a no.
 *
 * @param root the project root
 * @param lock what a mode's record says of uv.lock
 * @returns whether uv.lock is that one
 */
export async function lockUnchanged(root: string, lock: LockMemory): Promise<boolean> {
  try {
    return (await lockNow(root, null))?.lock.after === lock.after;
  } catch {
    return false; // the normal path reads it and reports
  }
}

/**
 * Keep what a switch back to a state found and left of uv.lock in that
 * state's record, when it differs from what the record says (a record holds
 * while its inputs do; uv.lock is not one of them, so a switch from the
 * record can meet a uv.lock changed since).
 *
 * @param root the project root
 * @param key the state switched to (its `stateKey`)
 * @param now what {@link lockNow} found
 * @param env where the per-user state folder is
 * @param recorded what the record said, as the caller read it under this lock
 */
export async function rememberLock(
  root: string,
  key: string,
  now: { lock: LockMemory; bytes: Uint8Array },
  env: Env,
  recorded: LockMemory | undefined,
): Promise<void> {
  const same = (l?: LockMemory) => l?.before === now.lock.before && l?.after === now.lock.after;
  if (same(recorded)) return;
  const r = asRecords(await readFingerprint(root, env)).find((r) => recordKey(r) === key);
  if (r && !same(r.lock)) {
    await writeFingerprint(root, key, { ...r, lock: now.lock }, env, now.bytes);
  }
}
