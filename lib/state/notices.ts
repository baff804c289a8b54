/**
 * Notices said once: a warning that would be the same on every run until
 * something changes (a release whose pyproject.toml cannot be read, for as
 * long as its registry entry stays as it is) is remembered, by a key naming
 * that state, in the user's state folder beside the project's other files
 * there, and not said again for it.
 *
 * @module
 */

import { sha256Hex } from "../io/digest.ts";
import { projectStateName, readStateFile, userStateSubfolder, writeStateFile } from "./folder.ts";

const FOLDER = "notices";
// The keys kept per project: the newest, enough for every plugin of a large project.
const MAX_KEYS = 500;
const MAX_BYTES = MAX_KEYS * 65;

/**
 * Whether a notice is said for the first time for this state (`key`), which
 * is then remembered. When the state folder cannot be used, every time is the
 * first (the notice is said, as it would be without the memory).
 *
 * @param root the project root
 * @param env where the per-user state folder is
 * @param key what the notice is about, as it is now (an entry's text, a ref…)
 * @returns true when it has not been said for `key`
 */
export async function firstNotice(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
  key: string,
): Promise<boolean> {
  try {
    const dir = userStateSubfolder(env, FOLDER, true)!;
    const name = await projectStateName(root, "notices");
    const said = new TextDecoder().decode(readStateFile(dir, name, MAX_BYTES) ?? new Uint8Array())
      .split("\n").filter(Boolean);
    const hash = await sha256Hex(key);
    if (said.includes(hash)) return false;
    const kept = [...said, hash].slice(-MAX_KEYS);
    await writeStateFile(dir, name, kept.join("\n") + "\n", { durable: false });
    return true;
  } catch {
    return true;
  }
}
