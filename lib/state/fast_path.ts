/**
 * The no-op fast path of `sync`, `check` and `diff`: when the fingerprint of
 * the last sync still holds (see `fingerprint.ts`), the answer is known
 * without reading hpm.yaml or a registry, so no parser loads. Any doubt (an
 * argument it does not know, an interrupted run's journal, a fingerprint that
 * is missing, unreadable or different) sends the command down the normal
 * path, which is always right.
 *
 * Like `fingerprint.ts`, it imports no package and no `node:` module; `sync`
 * loads the transaction code only once it knows it will run uv, and uv.lock's
 * memory (`lock_memory.ts`) only for a switch or to check uv.lock.
 *
 * @module
 */

import {
  cacheEnvOf,
  type FastAnswer,
  readFingerprint,
  stateKey,
  stillHolds,
} from "./fingerprint.ts";
import {
  homeFolder,
  joinPath,
  MAX_PYPROJECT_BYTES,
  MAX_UV_LOCK_BYTES,
  readConfined,
} from "../io/files.ts";
import { journalLeft } from "./folder.ts";
import type { Runner } from "../io/runner.ts";
import { VERSION } from "../core/version.ts";
import { decidingRequest } from "../core/mode.ts";
import { findProjectRoot } from "../project/root.ts";

/** A `sync`, `check` or `diff` command line the fast path understands. */
export interface FastCommand {
  /** The command. */
  readonly name: "sync" | "check" | "diff";
  /** `-C DIR`. */
  readonly project?: string;
  /** `-q`. */
  readonly quiet: boolean;
  /** `-v`. */
  readonly verbose: boolean;
  /** `--mode`. */
  readonly mode?: string;
  /** `--pyproject-only` (check): uv.lock is not checked. */
  readonly pyprojectOnly: boolean;
  /** Not `--no-install` (sync). */
  readonly install: boolean;
  /** `--frozen` (sync). */
  readonly frozen: boolean;
  /** `--locked` (sync). */
  readonly locked: boolean;
  /** Arguments after `--` (sync). */
  readonly uvArgs: readonly string[];
}

// Plain `check` asks about uv.lock too. The fingerprint answers it only when
// uv.lock is, byte for byte, the one uv locked from this very pyproject.toml
// at the mode's last switch (so it locks every plugin from the mode's kind of
// source, which is what the normal path compares first), and uv, asked the
// normal path's question, agrees. Any other answer of uv's is the normal
// path's to put in words, and so is a source tree whose metadata uv might
// build to check (see plainlyStatic).
async function lockStillMatches(
  root: string,
  answer: FastAnswer,
  options: FastOptions,
): Promise<boolean> {
  if (!answer.lock) return false;
  const { lockUnchanged } = await import("./lock_memory.ts");
  if (!await lockUnchanged(root, answer.lock)) return false;
  if (!sourceTreesPlainlyStatic(root)) return false;
  const { uvLockCheckRequest } = await import("../io/uv.ts");
  let request;
  try {
    request = uvLockCheckRequest(root, options.env);
  } catch {
    return false; // no interpreter outside the project: the normal path says so
  }
  return (await options.runner(request)).code === 0;
}

// Whether every source tree uv.lock names (the project, local paths: what uv
// checks against its files) has a pyproject.toml that plainly gives uv all it
// checks, read as uv writes uv.lock; anything else is the normal path's to
// parse and judge (lib/project/lockfile_check.ts), so a tree uv would build
// is never handed to uv from here.
function sourceTreesPlainlyStatic(root: string): boolean {
  try {
    const lock = readConfined(joinPath(root, "uv.lock"), { root }, MAX_UV_LOCK_BYTES);
    if (!lock) return false;
    for (const [, kind, tree] of new TextDecoder().decode(lock).matchAll(SOURCE)) {
      if (kind === "path" || tree.includes("\\")) return false;
      if (kind !== "editable" && kind !== "directory") continue;
      const dir = tree.startsWith("/") ? tree : joinPath(root, tree);
      const pyproject = readConfined(
        joinPath(dir, "pyproject.toml"),
        { root: dir },
        MAX_PYPROJECT_BYTES,
      );
      if (!pyproject || !plainlyStatic(new TextDecoder().decode(pyproject))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

const SOURCE = /^source = \{ (\w+) = "([^"]*)"/gm;

/**
 * Whether a pyproject.toml, read as a text, declares nothing dynamic and has
 * a plain version in [project]: no "dynamic" anywhere, and no escape or
 * multi-line string that could spell it or hide a table header. Stricter
 * than the normal path's parse (`whyUvWouldBuild`), never looser: a file
 * this passes, uv reads all it checks from.
 *
 * @param text the file
 * @returns whether it is plainly static
 */
export function plainlyStatic(text: string): boolean {
  if (/dynamic|\\[uUx]|"""|'''/.test(text)) return false;
  const header = /^\[project\][ \t]*(?:#.*)?$/m.exec(text);
  if (!header) return false;
  const table = text.slice(header.index + header[0].length).split(/^[ \t]*\[/m)[0];
  return /^version[ \t]*=[ \t]*"[^"\\\n]*"[ \t]*(?:#.*)?$/m.test(table);
}

/** Where a fast answer applies, and what it is. */
export interface FastResult extends FastAnswer {
  /** The project root. */
  readonly root: string;
}

/** How {@link answerFast} runs uv and reports. */
export interface FastOptions {
  /** The environment: RUN_MODE, HOME, PATH, HPM_UV, where state and caches go. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Notices for the user. */
  readonly log: (message: string) => void;
  /** Runs uv. */
  readonly runner: Runner;
  /** Let uv write to the terminal. */
  readonly stream: boolean;
  /** Detail for `--verbose`: that the fingerprint answered, or why it could not. */
  readonly trace?: (message: string) => void;
}

const HIT = "nothing changed since the last sync: answered from its fingerprint";
const SWITCH =
  "inputs unchanged since this mode was last synced: its pyproject.toml is written again";

/**
 * Answer `command` from the fingerprint, or return undefined for the normal
 * path. `check` and `diff` answer "in sync" (plain `check` once `uv lock
 * --check` agrees on uv.lock); `sync` writes pyproject.toml when it switches
 * back to a mode synced before, and runs `uv sync`, under the project lock
 * and journal; `sync --no-install` of a no-op does nothing.
 *
 * @param command the parsed command line
 * @param options environment, logger, runner
 * @returns the mode in force and the root, or undefined
 * @throws {CommandFailedError} when uv fails (pyproject.toml and uv.lock restored)
 */
export async function answerFast(
  command: FastCommand,
  options: FastOptions,
): Promise<FastResult | undefined> {
  if (Deno.build.os === "windows") return undefined;
  let root;
  try {
    root = findProjectRoot(command.project);
  } catch {
    return undefined; // no project, or no way to look: the normal path says so
  }
  let request;
  try {
    request = decidingRequest({ flag: command.mode, env: options.env.RUN_MODE });
  } catch {
    return undefined; // not a mode name: the normal path says so
  }
  const here = {
    root,
    hpm: VERSION,
    request,
    home: homeFolder(options.env),
    cacheEnv: cacheEnvOf(options.env),
  };
  // Said with `--verbose`: why the normal path plans this run anew.
  const planned = (why: string) => options.trace?.(`planned anew: ${why}`);
  const check = async () =>
    await stillHolds(await readFingerprint(root, options.env, here.request), here, planned);
  const interrupted = async () => {
    const left = await journalLeft(root, options.env);
    if (left) planned("an interrupted run is to be finished or undone first");
    return left;
  };
  // Nothing to write and nothing to run needs no lock: the answer is given.
  if (command.name !== "sync" || !command.install) {
    // An interrupted run is the normal path's to finish or undo first.
    const answer = await interrupted() ? undefined : await check();
    if (answer?.write === undefined) {
      if (answer && command.name === "check" && !command.pyprojectOnly) {
        if (!await lockStillMatches(root, answer, options)) {
          planned("uv.lock is to be checked by the normal path");
          return undefined;
        }
      }
      if (answer) options.trace?.(HIT);
      return answer && { root, ...answer };
    }
    // check and diff of a switch show the difference: the normal path's work.
    if (command.name !== "sync") return undefined;
  }

  // Anything else is checked under the project lock (a check before it could
  // be undone by a run that finishes meanwhile), and the code that runs uv
  // loads with the lock's.
  const [{ requireUv, uvSyncArgs }, { withProjectLock }, { runUvTransaction }] = await Promise.all([
    import("../io/uv.ts"),
    import("./project_mutex.ts"),
    import("./uv_transaction.ts"),
  ]);
  const args = uvSyncArgs({
    frozen: command.frozen,
    locked: command.locked,
    extra: command.uvArgs,
  });
  return await withProjectLock(root, async () => {
    // An interrupted run (even one that died holding the lock while this
    // one waited) is the normal path's to finish or undo first.
    if (await interrupted()) return undefined;
    const answer = await check();
    if (!answer) return undefined;
    options.trace?.(answer.write === undefined ? HIT : SWITCH);
    if (answer.write !== undefined && command.install) {
      // As the normal path: a missing uv is found out before anything is written.
      requireUv(options.env);
    }
    // As the normal path: a switch warns about the work it leaves behind in
    // the dev checkouts; git is asked only then, while uv runs.
    let leftBehind: Promise<string[]> | undefined;
    let lookBehind: (() => void) | undefined;
    if (answer.checkouts?.length && answer.change?.modeBefore !== answer.mode) {
      const { leftBehindWarnings } = await import("../project/checkout_state.ts");
      const checkouts = answer.checkouts;
      lookBehind = () => leftBehind = leftBehindWarnings(options.runner, answer.mode, checkouts);
    }
    const key = stateKey(answer.mode, answer.develop);
    // The lock uv left for this mode, put back if uv.lock is what it was
    // when the record's switch began: the same inputs give the same output.
    const relock = answer.write !== undefined && command.install && answer.lock;
    let copy;
    if (relock) {
      const { readLockCopy } = await import("./lock_memory.ts");
      copy = await readLockCopy(root, key, relock, options.env);
    }
    // With nothing to write, starting uv finds it missing (runUvTransaction).
    const { lockBefore } = await runUvTransaction(
      root,
      answer.write,
      command.install ? args : undefined,
      {
        ...options,
        lock: copy && relock ? { when: relock.before, bytes: copy } : undefined,
        whileUvRuns: lookBehind,
      },
    );
    for (const line of (await leftBehind) ?? []) options.log(line);
    // What this switch found and uv left, for the next one.
    if (lockBefore !== undefined) {
      const { lockNow, rememberLock } = await import("./lock_memory.ts");
      const now = await lockNow(root, lockBefore);
      if (now) await rememberLock(root, key, now, options.env, answer.lock);
    }
    return { root, ...answer };
  }, {
    log: options.log,
    env: options.env,
  });
}
