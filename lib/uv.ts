/**
 * The uv command lines HPM runs, built as argument arrays (never a shell
 * string) so a value can never turn into an option.
 *
 * @module
 */

import { HpmInputError, HpmOperationError } from "./errors.ts";
import type { Runner } from "./runner.ts";

/** Flags of `hpm sync` that reach `uv sync`. */
export interface UvSyncFlags {
  /** Pass `--frozen`: install from uv.lock without checking it. */
  readonly frozen?: boolean;
  /** Pass `--locked`: fail if uv.lock is out of date. */
  readonly locked?: boolean;
  /** Extra arguments given after `--` on the hpm command line. */
  readonly extra?: readonly string[];
}

/**
 * The argv of `uv sync` for these flags.
 *
 * @param flags hpm's flags
 * @returns the arguments after `uv`
 * @throws {HpmInputError} when `frozen` and `locked` are both set
 *
 * @example Usage
 * ```ts
 * import { uvSyncArgs } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(uvSyncArgs({ locked: true, extra: ["--no-dev"] }), ["sync", "--locked", "--no-dev"]);
 * ```
 */
export function uvSyncArgs(flags: UvSyncFlags = {}): string[] {
  if (flags.frozen && flags.locked) {
    throw new HpmInputError(
      "usage",
      "--frozen and --locked cannot be used together",
      undefined,
      "--locked checks uv.lock, --frozen skips the check: choose one",
    );
  }
  return [
    "sync",
    ...(flags.frozen ? ["--frozen"] : []),
    ...(flags.locked ? ["--locked"] : []),
    ...(flags.extra ?? []),
  ];
}

/**
 * The argv of `uv lock` that `hpm verify` and `hpm stage` run in a scratch copy.
 *
 * @param flags `offline`: resolve from uv's cache only; `python`: the interpreter to use
 * @returns the arguments after `uv`
 */
export function uvLockArgs(
  flags: { readonly offline?: boolean; readonly python?: string } = {},
): string[] {
  return [
    "lock",
    "--no-progress",
    ...(flags.offline ? ["--offline"] : []),
    ...(flags.python ? ["--python", flags.python] : []),
  ];
}

/**
 * Fail unless uv runs (`uv --version`), before anything is written: a missing
 * uv is found out up front, not after pyproject.toml was changed and restored.
 *
 * @param runner runs uv
 * @param cwd where to run it
 * @throws {HpmOperationError} when uv cannot be run
 *
 * @example Usage
 * ```ts
 * import { recordingRunner, requireUv } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const missing = recordingRunner(() => ({ code: 127, stdout: "", stderr: "uv: not found" }));
 * await assert.rejects(requireUv(missing, "."), /uv cannot be run/);
 * ```
 */
export async function requireUv(runner: Runner, cwd: string): Promise<void> {
  const r = await runner({ program: "uv", args: ["--version"], cwd });
  if (r.code === 0) return;
  throw new HpmOperationError(
    `uv cannot be run (${(r.stderr.trim() || `exit code ${r.code}`).split("\n")[0]})`,
    "nothing was written; install uv (https://docs.astral.sh/uv/) or set HPM_UV to its path, " +
      "or write pyproject.toml only with --no-install",
  );
}
