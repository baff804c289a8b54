/**
 * Sealed records: the text of a state file that only this user's HPM, for
 * this project, can have written (an HMAC-SHA-256 under a per-user key kept
 * in the user's state folder, over the record and the project's real path).
 * The journal in `.hpm/` is sealed, so a `.hpm/` that came with a project (in
 * a commit, an archive) is never acted on.
 *
 * @module
 */

import { hex } from "./digest.ts";
import { joinPath, ownFolder, readConfined } from "./files.ts";
import { userStateDir, userStateFolder } from "./state.ts";

type Env = Readonly<Record<string, string | undefined>>;

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
 * @returns the file's text
 */
export async function sealRecord(root: string, value: unknown, env: Env): Promise<string> {
  const data = JSON.stringify({ root: Deno.realPathSync(root), value });
  return JSON.stringify({ data, mac: await mac(env, data) }) + "\n";
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
