/**
 * `hpm diff`: what `hpm sync` would change in pyproject.toml, as a unified
 * diff or structured (`--json`); nothing is written.
 *
 * @module
 */

import { ALREADY_IN_SYNC } from "../core/sync_result.ts";
import { diffPyproject } from "../edit/pyproject_diff.ts";
import { type Io, pyprojectDiff } from "../io/terminal.ts";
import { commandContext, type GlobalFlags } from "../project/context.ts";
import { planSync } from "../project/plan.ts";

/** `hpm diff`'s command line. */
export interface DiffFlags extends GlobalFlags {
  /** `--mode`. */
  readonly mode?: string;
  /** `--json`. */
  readonly json?: boolean;
}

/**
 * `hpm diff` (normal path), whether the argument parser read its command
 * line or cli.ts read it plainly.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function diffCommand(flags: DiffFlags, io: Io): Promise<void> {
  const plan = await planSync(commandContext(flags, io));
  if (flags.json) {
    io.out(
      JSON.stringify(
        { targetMode: plan.mode, ...diffPyproject(plan.before, plan.after) },
        null,
        2,
      ),
    );
  } else {
    io.out(await pyprojectDiff(plan.before, plan.after, io) || ALREADY_IN_SYNC);
  }
}
