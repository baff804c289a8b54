/**
 * `hpm verify`: will this mode resolve? Runs `uv lock` on what `hpm sync`
 * would write, in a scratch copy of the project, so the working tree, uv.lock
 * and the virtual environment are never touched.
 *
 * @module
 */

import { lockModeInScratch } from "../project/scratch_mode.ts";
import { lockedPackageCount } from "../project/scratch_resolve.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import type { Io } from "../io/terminal.ts";

/** Options of {@link verify}. */
export interface VerifyOptions extends CommandContext {
  /** Let uv write to the terminal directly. @default false */
  readonly stream?: boolean;
}

/** What {@link verify} found. */
export interface VerifyResult {
  /** The mode verified. */
  readonly mode: string;
  /** Packages in the resolved lock. */
  readonly lockedPackages: number;
}

/**
 * Resolve a mode's environment (`uv lock`) in a temporary copy of the project.
 *
 * @param options project, mode, runner
 * @returns the mode and the number of locked packages
 * @throws {HpmInputError} on bad input
 * @throws {CommandFailedError} when the mode does not resolve (uv's message inside)
 *
 * @example Usage
 * ```ts
 * import { recordingRunner, verify } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 *
 * // `uv lock` runs in a scratch copy; a recording runner stands in for uv here.
 * const runner = recordingRunner();
 * const { mode } = await verify({ root, mode: "prod", runner });
 * assert.equal(mode, "prod");
 * assert.deepEqual(runner.calls[0].args.slice(0, 1), ["lock"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function verify(options: VerifyOptions = {}): Promise<VerifyResult> {
  return await lockModeInScratch(
    options,
    (scratch, plan) =>
      Promise.resolve({ mode: plan.mode, lockedPackages: lockedPackageCount(scratch) }),
  );
}

/** `hpm verify`'s command line: `--mode`. */
export type VerifyFlags = GlobalFlags & Pick<VerifyOptions, "mode">;

/**
 * `hpm verify`: whether the mode resolves, and how many packages it locks.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function verifyCommand(flags: VerifyFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { mode, lockedPackages } = await verify({ ...context, stream: flags.verbose });
  context.log(`mode ${mode} resolves (${lockedPackages} packages locked); nothing was changed`);
}
