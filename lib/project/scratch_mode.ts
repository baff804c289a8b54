/**
 * A mode of the project planned and locked in a scratch copy: `hpm verify`
 * (will it resolve?) and `hpm release` (does prod resolve, do its tests
 * pass there?). Apart from scratch_resolve.ts, which `hpm stage` loads on its
 * fast path without the planner.
 *
 * @module
 */

import type { CommandContext } from "./context.ts";
import { loadProject } from "./load.ts";
import { missingCloneError, planProject, scratchLeaveOut, type SyncPlan } from "./plan.ts";
import { findProjectRoot } from "./root.ts";
import { lockInScratch } from "./scratch_resolve.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";

/**
 * Plan a mode of the project (under its lock) and lock it in a scratch copy
 * (see {@link lockInScratch}): will it resolve? `use` gets the locked copy
 * and the plan.
 *
 * @param options project, mode, environment, runner; `stream` lets uv write;
 *   `committed` plans the mode as committed (hpm.local.yaml's `develop:` left out)
 * @param use what to do with the locked copy
 * @returns what `use` returns
 * @throws {HpmInputError} on bad input, or a dev clone the mode needs missing
 * @throws {CommandFailedError} when the mode does not resolve (uv's message inside)
 */
export async function lockModeInScratch<T>(
  options: CommandContext & { readonly stream?: boolean; readonly committed?: boolean },
  use: (scratch: string, plan: SyncPlan) => Promise<T>,
): Promise<T> {
  const root = findProjectRoot(options.root);
  const plan = await withProjectLock(
    root,
    async () =>
      await planProject(await loadProject(root, options), { ...options, absolutePaths: true }),
    lockOptions(options),
  );
  if (plan.missingClones.length) throw missingCloneError(plan);
  return await lockInScratch(
    {
      root: plan.project.root,
      mode: plan.mode,
      pyproject: plan.after,
      leaveOut: scratchLeaveOut(plan, options.env ?? Deno.env.toObject()),
      runner: options.runner,
      env: options.env,
      stream: options.stream,
      log: options.log,
    },
    (scratch) => use(scratch, plan),
  );
}
