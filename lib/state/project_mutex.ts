/**
 * The project lock: one HPM run at a time changes a project. It is an
 * advisory lock that the operating system holds for the run (`flock`,
 * `LockFileEx`) on a file in the user's own state folder, so:
 *
 * - no project can plant, fake or block it (nothing in the project is read);
 * - a run that dies, even by SIGKILL or a power loss, releases it: there is
 *   no stale lock to detect and no record to seal;
 * - taking it is one open and one system call, which the no-op fast path
 *   pays on every `hpm sync`.
 *
 * The lock file holds the holder's process id, for the "waiting for" message
 * only. It is never deleted: a waiter would otherwise lock a file that is no
 * longer the project's.
 *
 * @module
 */

import { HpmOperationError } from "../core/errors.ts";
import { joinPath, openLockFile } from "../io/files.ts";
import { journalLeft, projectStateName, userStateSubfolder } from "./folder.ts";
import type { Recovery } from "./transaction.ts";

/** Options for {@link withProjectLock}. */
export interface LockOptions {
  /** How long to wait for another HPM run to finish. @default 60000 */
  readonly timeoutMs?: number;
  /** Progress messages ("waiting for…"). */
  readonly log?: (message: string) => void;
  /** Where the per-user state folder is. @default Deno.env.toObject() */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Finish or undo an interrupted earlier run first (see
   * `recoverInterrupted`); its message goes to `log`. A journal it has to
   * leave (the user's copies in it) stops the run before `fn`.
   */
  readonly recover?: boolean;
}

/**
 * The lock options of a command that reads the project: its timeout, logger
 * and environment, recovering an interrupted run first.
 *
 * @param options the command's options
 * @returns options for {@link withProjectLock}
 */
export function lockOptions(options: {
  readonly lockTimeoutMs?: number;
  readonly log?: (message: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}): LockOptions {
  return {
    timeoutMs: options.lockTimeoutMs,
    log: options.log,
    env: options.env,
    recover: true,
  };
}

// The process id the holder wrote; undefined when unreadable (Windows locks
// are mandatory, so a held file cannot be read there).
function holderOf(file: Deno.FsFile): number | undefined {
  try {
    const buffer = new Uint8Array(32);
    file.seekSync(0, Deno.SeekMode.Start);
    const n = file.readSync(buffer) ?? 0;
    const pid = Number(new TextDecoder().decode(buffer.subarray(0, n)).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Run `fn` holding the project's lock. A second HPM run waits (telling the
 * user once), up to `timeoutMs`, then fails.
 *
 * @param root the project root
 * @param fn what to do under the lock; given what recovery did, if asked to recover
 * @param options timeout, logger, recovery
 * @returns what `fn` returns
 * @throws {HpmOperationError} when the lock stays busy past the timeout, or
 *   recovery had to leave a journal (nothing is done until the user settles it)
 * @throws {HpmInputError} when the state folder is unsafe (a link, another user's)
 */
export async function withProjectLock<T>(
  root: string,
  fn: (recovered?: Recovery) => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const env = options.env ?? Deno.env.toObject();
  const dir = userStateSubfolder(env, "locks", true)!;
  const file = openLockFile(joinPath(dir, await projectStateName(root, "lock")), {
    root: dir,
    strict: true,
  });
  try {
    // Deno gained a lock that does not wait in 2.7; an older one would throw a TypeError.
    if (typeof file.tryLockSync !== "function") {
      throw new HpmOperationError(
        `Deno ${Deno.version.deno} cannot take the project lock`,
        "hpm needs Deno 2.7 or later: upgrade Deno (`deno upgrade`), or use the hpm binary",
      );
    }
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let told = false;
    while (!file.tryLockSync(true)) {
      const holder = holderOf(file);
      const who = holder === undefined ? "another hpm run" : `another hpm run (process ${holder})`;
      if (Date.now() >= deadline) {
        throw new HpmOperationError(
          `${who} holds the project lock`,
          "wait for it to finish: the lock goes with that process",
        );
      }
      if (!told) {
        options.log?.(`waiting for ${who} to finish…`);
        told = true;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // From offset 0 (reading the holder's id while waiting moved it), always
    // the same width, cut there: it replaces any earlier holder's record whole.
    const record = new TextEncoder().encode(`${Deno.pid}`.padEnd(20) + "\n");
    file.seekSync(0, Deno.SeekMode.Start);
    file.writeSync(record);
    file.truncateSync(record.length);
    // Only a journal left behind needs the journal code loaded.
    const recovered = options.recover && await journalLeft(root, env)
      ? await (await import("./transaction.ts")).recoverInterrupted(root, env)
      : undefined;
    for (const line of recovered?.message.split("\n") ?? []) options.log?.(line);
    return await fn(recovered);
  } finally {
    // Closing releases the lock.
    file.close();
  }
}
