/**
 * The no-op fast path of `sync`, `check` and `diff`: when the fingerprint of
 * the last sync still holds (see `fingerprint.ts`), the answer is known
 * without reading hpm.yaml or a registry, so no parser loads. Any doubt (an
 * argument it does not know, an interrupted run's journal, a fingerprint that
 * is missing, unreadable or different) sends the command down the normal
 * path, which is always right.
 *
 * Like `fingerprint.ts`, it imports no package and no `node:` module; `sync`
 * loads the transaction code only once it knows it will run uv.
 *
 * @module
 */

import {
  cacheEnvOf,
  type FastAnswer,
  fingerprintFile,
  openFingerprint,
  readFingerprint,
  stillHolds,
  unchangedSince,
} from "./fingerprint.ts";
import type { PlainCommand } from "./plain_command.ts";
import { STATE_DIR } from "./state.ts";
import type { Runner } from "./runner.ts";
import { VERSION } from "./version.ts";

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
  /** Not `--no-install` (sync). */
  readonly install: boolean;
  /** `--frozen` (sync). */
  readonly frozen: boolean;
  /** `--locked` (sync). */
  readonly locked: boolean;
  /** Arguments after `--` (sync). */
  readonly uvArgs: readonly string[];
}

/**
 * The command line read plainly (see `plain_command.ts`), when the fast path
 * can answer it: `sync`, `check --pyproject-only` (plain `check` also asks uv
 * about uv.lock) or `diff`; anything else (other commands, `--refresh`, both
 * `--frozen` and `--locked`) is undefined, for the full parser.
 *
 * @param command the plain command line, if it is one
 * @returns the command, or undefined
 */
export function fastCommandOf(command: PlainCommand | undefined): FastCommand | undefined {
  if (!command || !["sync", "check", "diff"].includes(command.name)) return undefined;
  const { flags } = command;
  if ((command.name === "check") !== (flags["pyproject-only"] === true)) return undefined;
  if (flags.refresh || (flags.frozen && flags.locked)) return undefined;
  const value = (v: string | true | undefined) => typeof v === "string" ? v : undefined;
  return {
    name: command.name as FastCommand["name"],
    project: value(flags.project),
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
    mode: value(flags.mode),
    install: !flags["no-install"],
    frozen: flags.frozen === true,
    locked: flags.locked === true,
    uvArgs: command.rest,
  };
}

// `path.resolve` for POSIX paths, without node:path.
function absolute(path: string): string {
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${Deno.cwd()}/${path}`).split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "" && part !== ".") parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/**
 * The nearest folder holding hpm.yaml, as `findProjectRoot` finds it, without
 * loading it (POSIX paths only). Synchronous, like every file access here: a
 * few calls, each cheaper than a round trip through the async pool.
 *
 * @param start the folder to search from (absolute, or relative to the working folder)
 * @returns the project root, or undefined when no folder above holds hpm.yaml
 */
export function nearestProjectRoot(start: string): string | undefined {
  let dir = absolute(start);
  while (true) {
    try {
      Deno.statSync(`${dir === "/" ? "" : dir}/hpm.yaml`);
      return dir;
    } catch {
      if (dir === "/") return undefined;
      dir = dir.slice(0, dir.lastIndexOf("/")) || "/";
    }
  }
}

// Whether an interrupted run left its journal. Seen in the listings of two
// small folders: Deno reports a missing file by throwing, which costs more.
// No state folder is a no; anything unreadable a yes: the normal path looks
// properly.
function journalLeft(root: string): boolean {
  const state = `${root}/${STATE_DIR}`;
  const has = (dir: string, name: string) =>
    [...Deno.readDirSync(dir)].some((e) => e.name === name);
  try {
    return has(state, "journal") && has(`${state}/journal`, "journal.json");
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}

/** Where a fast answer applies, and what it is. */
export interface FastResult extends FastAnswer {
  /** The project root. */
  readonly root: string;
}

/** How {@link answerFast} runs uv and reports. */
export interface FastOptions {
  /** Environment: RUN_MODE and HOME. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Notices for the user. */
  readonly log: (message: string) => void;
  /** Runs uv. */
  readonly runner: Runner;
  /** Let uv write to the terminal. */
  readonly stream: boolean;
  /** Detail for `--verbose`: that the fingerprint answered. */
  readonly trace?: (message: string) => void;
}

const HIT = "nothing changed since the last sync: answered from its fingerprint";
const SWITCH =
  "inputs unchanged since this mode was last synced: its pyproject.toml is written again";

/**
 * Answer `command` from the fingerprint, or return undefined for the normal
 * path. `check` and `diff` answer "in sync"; `sync` writes pyproject.toml
 * when it switches back to a mode synced before, and runs `uv sync`, under
 * the project lock and journal; `sync --no-install` of a no-op does nothing.
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
  const root = nearestProjectRoot(command.project ?? Deno.cwd());
  if (root === undefined) return undefined;
  const here = {
    root,
    hpm: VERSION,
    request: { flag: command.mode, env: options.env.RUN_MODE },
    home: options.env.HOME ?? options.env.USERPROFILE,
    cacheEnv: cacheEnvOf(options.env),
  };
  // An interrupted run is the normal path's to finish or undo first.
  if (journalLeft(root)) return undefined;
  const file = await fingerprintFile(root, options.env);
  const answer = file && await stillHolds(openFingerprint(file, here.request), here);
  // check and diff of a switch show the difference: the normal path's work.
  if (!answer || (answer.write !== undefined && command.name !== "sync")) return undefined;
  if (command.name !== "sync" || (!command.install && answer.write === undefined)) {
    options.trace?.(HIT);
    return { root, ...answer };
  }

  // The project lock is sealed: WebCrypto imports the key on another thread
  // while the other modules that run uv load.
  const sealing = import("./seal.ts").then(({ preloadKey }) => preloadKey(options.env));
  const [{ FROZEN_WARNING, requireUv, uvSyncArgs }, { withProjectLock }, { runUvTransaction }] =
    await Promise.all([
      import("./uv.ts"),
      import("./transaction.ts"),
      import("./uv_transaction.ts"),
      sealing,
    ]);
  const args = uvSyncArgs({
    frozen: command.frozen,
    locked: command.locked,
    extra: command.uvArgs,
  });
  // As the normal path: a missing uv is found out before anything is written.
  if (command.install) requireUv({ ...Deno.env.toObject(), ...options.env });
  return await withProjectLock(root, async (recovered) => {
    // Files were restored: the normal path plans from them.
    if (recovered) return undefined;
    // Another run may have finished before this one got the lock: check
    // again, unless the record and pyproject.toml are as they were (such a
    // run rewrites the record, or pyproject.toml, or changed nothing).
    const still = await unchangedSince(root, options.env, file, answer.pyproject)
      ? answer
      : await stillHolds(await readFingerprint(root, options.env, here.request), here);
    if (!still) return undefined;
    options.trace?.(still.write === undefined ? HIT : SWITCH);
    if (still.write !== undefined && command.install && command.frozen) {
      options.log(FROZEN_WARNING);
    }
    await runUvTransaction(root, still.write, command.install ? args : undefined, options);
    return { root, ...still };
  }, {
    log: options.log,
    env: options.env,
    runner: options.runner,
    recover: true,
    stateCheckedBefore: true,
  });
}
