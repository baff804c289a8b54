/**
 * A sync: write pyproject.toml for the mode (planned by plan.ts) and run `uv
 * sync`, as one transaction; then record what decided it, for the fast path.
 * `hpm sync` runs it, and `hpm pull` after pulling.
 *
 * @module
 */

import { changeCounts, diffPyproject } from "../edit/pyproject_diff.ts";
import { cacheEnvOf, stateKey, takeFingerprint, writeFingerprint } from "../state/fingerprint.ts";
import { lockNow } from "../state/lock_memory.ts";
import { projectMode } from "../core/mode.ts";
import type { SyncResult } from "../core/sync_result.ts";
import { loadProject } from "./load.ts";
import { findProjectRoot } from "./root.ts";
import type { CommandContext } from "./context.ts";
import type { Project } from "../core/project.ts";
import type { Recovery } from "../state/transaction.ts";
import { PlanInputs } from "../state/plan_inputs.ts";
import {
  missingCloneError,
  planProject,
  resyncHint,
  scratchLeaveOut,
  type SyncPlan,
} from "./plan.ts";
import { denoRunner, programPath } from "../io/runner.ts";
import { leftBehindWarnings, type LeftCheckout } from "./checkout_state.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import { devCheckout } from "../core/checkout.ts";
import { displayPath } from "../core/registry_entry.ts";
import { homeFolder, reallyInside } from "../io/files.ts";
import { cacheDir } from "../registry/remote.ts";
import { releaseRefs } from "./releases.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import { requireUv, uvSyncArgs } from "../io/uv.ts";
import { runUvTransaction } from "../state/uv_transaction.ts";
import { VERSION } from "../core/version.ts";
import { commitModeOf } from "../core/commit_mode.ts";

/** Options of {@link sync}. */
export interface SyncOptions extends CommandContext {
  /** Show what would change and stop. */
  readonly dryRun?: boolean;
  /** Run `uv sync` after writing pyproject.toml. @default true */
  readonly install?: boolean;
  /** `uv sync --frozen`. */
  readonly frozen?: boolean;
  /** `uv sync --locked`. */
  readonly locked?: boolean;
  /** Extra arguments for `uv sync`. */
  readonly uvArgs?: readonly string[];
  /** Take entries that are exactly what HPM would write as HPM's; see `PlanOptions`. */
  readonly adopt?: boolean;
  /** Let uv write to the terminal directly. @default false */
  readonly stream?: boolean;
}

/**
 * Sync the project for a mode: update pyproject.toml and run `uv sync`, as one
 * transaction. If uv fails or the user interrupts, pyproject.toml and uv.lock
 * are restored byte for byte.
 *
 * @param options project, mode, flags, runner
 * @returns what was done
 * @throws {HpmInputError} on bad input (nothing written)
 * @throws {HpmOperationError} when uv cannot be run at all (checked before writing)
 * @throws {CommandFailedError} when uv fails (everything restored)
 * @throws {InterruptedError} on SIGINT/SIGTERM (everything restored)
 *
 * @example Usage
 * ```ts
 * import { recordingRunner, sync } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 *
 * // pyproject.toml written for prod, then `uv sync` through the runner (a recording one here).
 * const runner = recordingRunner();
 * const result = await sync({ root, mode: "prod", runner });
 * assert.equal(result.changed, true);
 * assert.deepEqual(runner.calls.map((c) => c.program), ["uv"]);
 * assert.match(await Deno.readTextFile(`${root}/pyproject.toml`), /"q==1\.0\.0"/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function sync(options: SyncOptions = {}): Promise<SyncResult> {
  const root = findProjectRoot(options.root);
  return await withProjectLock(
    root,
    (recovered) => syncLocked(root, options, recovered),
    lockOptions(options),
  );
}

/**
 * {@link sync} of a project whose lock the caller holds (`withProjectLock`),
 * as one step of a longer operation (`hpm pull`).
 *
 * @param root the project root
 * @param options as for {@link sync}
 * @param recovered what recovery did when the caller took the lock
 * @returns what was done
 */
export async function syncLocked(
  root: string,
  options: SyncOptions,
  recovered?: Recovery,
): Promise<SyncResult> {
  const startedAt = Date.now();
  const uvArgs = uvSyncArgs({
    frozen: options.frozen,
    locked: options.locked,
    extra: options.uvArgs,
  });
  // Before anything is written: an unusable HPM_UV is bad input.
  if (options.install ?? true) programPath("uv", options.env);
  const inputs = new PlanInputs();
  const plan = await planProject(
    await loadProject(root, { ...options, reader: inputs }),
    options,
  );
  if (recovered?.environmentMayDiffer && options.install === false) {
    options.log?.(resyncHint(plan));
  }
  if (plan.missingClones.length) throw missingCloneError(plan);
  const result = {
    mode: plan.mode,
    modeOrigin: plan.modeOrigin,
    plan: plan.resolution.plan,
    before: plan.before,
    after: plan.after,
    changed: plan.changed,
    installed: false,
    kept: plan.kept,
  };
  const install = options.install ?? true;
  if (options.dryRun) return result;
  const env = options.env ?? Deno.env.toObject();
  const leftOut = checkoutsLeftOut(plan, env);
  if (!plan.changed && !install) {
    await rememberSync(plan, inputs, startedAt, options, leftOut);
    return result;
  }
  // PATH and HPM_UV come from the process unless the caller's environment sets them.
  if (install) requireUv({ ...Deno.env.toObject(), ...options.env });
  // Git looks at the checkouts a switch leaves behind while uv runs; the
  // warnings follow the switch.
  let leftBehind: Promise<string[]> | undefined;
  const lookBehind = plan.changed && syncedMode(plan) !== plan.mode && leftOut.length &&
      options.log
    ? () => leftBehind = leftBehindWarnings(options.runner ?? denoRunner, plan.mode, leftOut)
    : undefined;
  const { lockBefore } = await runUvTransaction(
    root,
    plan.changed ? plan.after : undefined,
    install ? uvArgs : undefined,
    { ...options, whileUvRuns: lookBehind },
  );
  for (const line of (await leftBehind) ?? []) options.log?.(line);
  await rememberSync(plan, inputs, startedAt, options, leftOut, lockBefore);
  return { ...result, installed: install };
}

// The mode pyproject.toml was synced for before this sync.
function syncedMode(plan: SyncPlan): string | undefined {
  return readManaged(plan.before, plan.project.pyprojectFile)?.mode;
}

// The dev checkouts of the plan's packages that its mode does not install
// from (a prod mode's released sources): work in them that the release lacks
// is left behind by a switch to the mode. Checkouts in HPM's cache (a remote
// registry's) are not the user's and are left out.
function checkoutsLeftOut(
  plan: SyncPlan,
  env: Readonly<Record<string, string | undefined>>,
): LeftCheckout[] {
  const { project } = plan;
  const cache = cacheDir(env);
  return plan.resolution.packages.flatMap((p) => {
    if (p.localPath !== undefined) return [];
    const checkout = devCheckout(project, p.entry, plan.mode, homeFolder(env));
    if (!checkout || reallyInside(checkout.path, cache)) return [];
    return [{
      name: p.entry.name,
      path: checkout.path,
      shown: displayPath(checkout.path, project.root),
      refs: releaseRefs(p.source),
    }];
  });
}

// The committed mode as the files choose it (hpm.yaml and the registry
// entries of what the groups install: all inputs of the record).
function filesCommitMode(project: Project): { mode: string; origin: string } | undefined {
  try {
    return commitModeOf(project);
  } catch {
    return undefined; // none: `hpm stage` plans, and says why
  }
}

// The mode the files choose, without --mode and RUN_MODE.
function filesMode(project: Project): { mode: string; origin: string } | undefined {
  try {
    return projectMode(project);
  } catch {
    return undefined; // an invalid mode in the files, overridden by --mode or RUN_MODE
  }
}

// After a sync, record what decided it, so the next no-op, or the next switch
// back to this mode, is answered without parsing (fast_path.ts). What decided
// it is what planning read (`inputs`: hpm.yaml, hpm.local.yaml, the registry
// entries looked up and the folders listed, the clones' build files, the ref
// files of releases read from clones or from HPM's cache of a remote's
// releases, the cache's note of the newest state of a git registry read
// there), as it read them. A git registry read at the commit pyproject.toml
// records is as fixed as a local file; one read at its newest state, or an
// https registry, only for as long as its cached copy is used without asking
// the remote (the record says until when). `lockBefore`: uv.lock's hash
// before a switch that uv locked for (see `runUvTransaction`); the record
// then keeps what uv left, for the next switch back to this mode.
async function rememberSync(
  plan: SyncPlan,
  inputs: PlanInputs,
  startedAt: number,
  options: CommandContext,
  leftOut: readonly LeftCheckout[],
  lockBefore?: string | null,
) {
  const { project, resolution } = plan;
  const env = options.env ?? Deno.env.toObject();
  const fileMode = filesMode(project);
  // Before the inputs are taken: the committed mode may look up entries that
  // planning did not, and they are inputs too.
  const commit = filesCommitMode(project);
  const until = freshUntil(project);
  const why = fileMode === undefined
    ? "the mode hpm.local.yaml or hpm.yaml names is not a mode"
    : unrecorded(plan, inputs, until);
  if (why !== undefined) options.trace?.(`no record kept of this sync into ${plan.mode}: ${why}`);
  const recorded = why === undefined && Deno.build.os !== "windows";
  // uv.lock is read only for a record that will keep it.
  const lock = recorded && lockBefore !== undefined
    ? await lockNow(project.root, lockBefore)
    : undefined;
  const fingerprint = recorded &&
    await takeFingerprint({
      hpm: VERSION,
      root: project.root,
      mode: plan.mode,
      develop: resolution.plan.develop,
      fileMode: fileMode!,
      home: homeFolder(env),
      cacheEnv: cacheEnvOf(env),
      files: inputs.files,
      folders: inputs.folders,
      before: plan.before,
      after: plan.after,
      change: changeCounts(diffPyproject(plan.before, plan.after)),
      lock: lock?.lock,
      commit,
      // What `hpm stage` needs to stage this mode without planning it again;
      // a mode with local paths is never staged, nor a plan made from
      // hpm.local.yaml's registries (the committed form is hpm.yaml's).
      stage: resolution.packages.some((p) => p.localPath !== undefined) ||
          project.registries.overriding
        ? undefined
        : { plan: resolution.plan, leaveOut: scratchLeaveOut(plan, env) },
      // What a switch back to this mode warns about (see checkoutsLeftOut).
      checkouts: leftOut.length ? leftOut : undefined,
      ...(until === undefined ? {} : { until }),
      startedAt,
    });
  const key = stateKey(plan.mode, resolution.plan.develop);
  await writeFingerprint(project.root, key, fingerprint || undefined, env, lock?.bytes);
}

// Until when the remote registries' copies are used without asking again;
// undefined when every one is used for good (a commit pyproject.toml records).
function freshUntil(project: Project): number | undefined {
  const times = project.registry.folders.flatMap((f) => f.copy?.freshUntil ?? []);
  return times.length ? Math.min(...times) : undefined;
}

// Why a sync's record would not answer as the sync did, if it would not.
function unrecorded(plan: SyncPlan, inputs: PlanInputs, until?: number): string | undefined {
  const moved = plan.project.registry.folders.find((f) => f.copy?.recorded);
  if (moved) {
    return `registry ${moved.remote} was read at its newest state, not at the commit ` +
      "pyproject.toml recorded (`--refresh`)";
  }
  if (until !== undefined && until <= Date.now()) {
    return "a remote registry's cached copy is due to be asked again";
  }
  if (!plan.releasesFromFiles) {
    return "what a release declares was read from its remote, or git read it where files " +
      "do not tell";
  }
  if (plan.kept.length) return "it kept items you added to hpm's groups";
  if (!inputs.recordable) return "an input changed while it was read, or could not be read";
  return undefined;
}
