/**
 * `hpm sync`: the command line of a sync (lib/project/sync.ts does it), with
 * `--clone` to clone what the mode lacks first, and what it says.
 *
 * @module
 */

import { changeCounts, diffPyproject } from "../edit/pyproject_diff.ts";
import { ALREADY_IN_SYNC, syncSummary } from "../core/sync_result.ts";
import { type Io, pyprojectDiff } from "../io/terminal.ts";
import { commandContext, type GlobalFlags } from "../project/context.ts";
import {
  cloneFailure,
  cloneMissing,
  type CloneReport,
  confirmOnTerminal,
} from "../project/clones.ts";
import { sync, type SyncOptions } from "../project/sync.ts";

/** `hpm sync`'s command line: its options, and uv's arguments after `--`. */
export interface SyncFlags
  extends
    GlobalFlags,
    Pick<SyncOptions, "mode" | "dryRun" | "frozen" | "locked" | "adopt" | "uvArgs"> {
  /** Not `--no-install`. */
  readonly install: boolean;
  /** `--json`. */
  readonly json?: boolean;
  /** `--clone`: clone the missing dev checkouts first. */
  readonly clone?: boolean;
  /** `--yes`: with `clone`, clone outside the project without asking. */
  readonly yes?: boolean;
}

/**
 * `hpm sync`, whether the argument parser read its command line or cli.ts
 * read it plainly: the same words either way.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function syncCommand(flags: SyncFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { log } = context;
  let cloned: CloneReport | undefined;
  if (flags.clone) {
    cloned = await cloneMissing({
      ...context,
      yes: flags.yes,
      confirm: confirmOnTerminal(io),
      progress: !flags.quiet && Deno.stderr.isTerminal(),
    });
    const failure = cloneFailure(cloned, undefined, flags.quiet ? io : undefined);
    if (failure) throw failure;
  }
  const result = await sync({
    ...context,
    dryRun: flags.dryRun,
    install: flags.install,
    frozen: flags.frozen,
    locked: flags.locked,
    uvArgs: flags.uvArgs,
    adopt: flags.adopt,
    stream: !flags.quiet && !flags.json,
  });
  if (flags.json) {
    io.out(JSON.stringify(
      {
        targetMode: result.mode,
        modeOrigin: result.modeOrigin,
        dryRun: flags.dryRun ?? false,
        installed: result.installed,
        kept: result.kept,
        ...(cloned ? { cloned: cloned.results } : {}),
        ...diffPyproject(result.before, result.after),
      },
      null,
      2,
    ));
    return;
  }
  for (const k of result.kept) {
    const items = k.items.join(", ");
    log(
      k.handedOver
        ? `kept group ${k.group}: it holds what you added (${items}); hpm no longer manages it`
        : `kept what you added to hpm's groups: ${k.group}: ${items}`,
    );
  }
  if (flags.dryRun) {
    io.out(await pyprojectDiff(result.before, result.after, io) || ALREADY_IN_SYNC);
    return;
  }
  log(syncSummary(
    result.mode,
    result.modeOrigin,
    result.changed ? changeCounts(diffPyproject(result.before, result.after)) : undefined,
    result.installed,
    result.plan.develop,
  ));
}
