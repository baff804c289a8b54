/**
 * The uv command lines HPM runs, built as argument arrays (never a shell
 * string) so a value can never turn into an option.
 *
 * @module
 */

import { HpmInputError, HpmOperationError } from "./errors.ts";
import { findProgram } from "./runner.ts";

/** The file HPM edits. */
export const PYPROJECT_FILE = "pyproject.toml";
/** The lock file uv writes beside it. */
export const LOCK_FILE = "uv.lock";

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

/** What `hpm sync --frozen` warns when it changed pyproject.toml. */
export const FROZEN_WARNING: string =
  "warning: pyproject.toml changed, but --frozen installs uv.lock as it is " +
  "(made for the previous state); drop --frozen, or use --locked to check it";

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
 * The argv of `uv lock --check` that `hpm check` runs: whether uv would lock
 * anything differently, asked offline (a check never reaches the network).
 */
export const UV_LOCK_CHECK_ARGS: readonly string[] = [
  "lock",
  "--check",
  "--offline",
  "--no-progress",
];

/**
 * Fail unless uv can be found (`HPM_UV`, else `uv` on PATH), before anything
 * is written: a missing uv is found out up front, not after pyproject.toml was
 * changed and restored. Looks on disk only: starting uv just to ask would cost
 * as much as a no-op sync.
 *
 * @param env the environment (PATH, HPM_UV)
 * @throws {HpmOperationError} when uv cannot be found
 * @throws {HpmInputError} when HPM_UV is a relative path
 *
 * @example Usage
 * ```ts
 * import { requireUv } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => requireUv({ PATH: "" }), /uv cannot be run/);
 * ```
 */
export function requireUv(env: Readonly<Record<string, string | undefined>>): void {
  if (findProgram("uv", env) !== undefined) return;
  const override = env.HPM_UV;
  throw new HpmOperationError(
    `uv cannot be run (${
      override ? `uv: not found at HPM_UV=${override}` : "uv: not found on PATH"
    })`,
    "nothing was written; install uv (https://docs.astral.sh/uv/) or set HPM_UV to its path, " +
      "or write pyproject.toml only with --no-install",
  );
}
