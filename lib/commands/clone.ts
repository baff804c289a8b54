/**
 * `hpm clone`: put the dev checkouts of plugins on disk (project/clones.ts),
 * a line per plugin, then a summary.
 *
 * @module
 */

import { commandContext, type GlobalFlags } from "../project/context.ts";
import type { Io } from "../io/terminal.ts";
import {
  clone,
  cloneFailure,
  type CloneOptions,
  confirmOnTerminal,
  summarizeClone,
} from "../project/clones.ts";

// The library's cloning, public where `hpm clone` is.
export {
  clone,
  cloneFailure,
  cloneMissing,
  type CloneOptions,
  type CloneOutcome,
  type CloneReport,
  confirmOnTerminal,
  summarizeClone,
} from "../project/clones.ts";

/** `hpm clone`'s command line: its options and the packages named. */
export interface CloneFlags extends GlobalFlags, Pick<CloneOptions, "update" | "yes" | "mode"> {
  /** The packages named (none: every plugin of every group). */
  readonly packages: readonly string[];
  /** `--jobs`, as given. */
  readonly jobs: string;
  /** `--json`. */
  readonly json?: boolean;
}

/**
 * `hpm clone`: a line per plugin, then a summary; asks before cloning
 * outside the project when stdin is a terminal.
 *
 * @param flags the command line
 * @param io where it reports
 * @throws {HpmOperationError} when a clone failed (the others were cloned)
 */
export async function cloneCommand(flags: CloneFlags, io: Io): Promise<void> {
  const report = await clone({
    ...commandContext(flags, io),
    packages: flags.packages.length ? flags.packages : undefined,
    jobs: Number(flags.jobs),
    update: flags.update,
    yes: flags.yes,
    confirm: confirmOnTerminal(io),
    progress: !flags.quiet && Deno.stderr.isTerminal(),
  });
  if (flags.json) io.out(JSON.stringify(report, null, 2));
  else if (!flags.quiet) io.out(summarizeClone(report));
  const failure = cloneFailure(report, undefined, flags.quiet ? io : undefined);
  if (failure) throw failure;
}
