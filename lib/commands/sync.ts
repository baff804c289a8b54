/**
 * `sync()` and its read-only twin `planSync()`: read the project, resolve the
 * mode, render pyproject.toml, and (for sync) write it and run `uv sync` as one
 * transaction.
 *
 * @module
 */

import { relative, resolve } from "node:path";
import { changeCounts, diffPyproject } from "../edit/pyproject_diff.ts";
import { HpmInputError } from "../core/errors.ts";
import { cacheEnvOf, lockNow, takeFingerprint, writeFingerprint } from "../state/fingerprint.ts";
import { type ModeOrigin, projectMode } from "../core/mode.ts";
import type { Plan } from "../core/plan.ts";
import { isPackageDir, loadProject, readLocalDependencies } from "../project/load.ts";
import { findProjectRoot } from "../project/root.ts";
import type { Project } from "../core/project.ts";
import { applyPlan, type KeptItems, readManaged } from "../edit/pyproject.ts";
import { PlanInputs } from "../state/plan_inputs.ts";
import { releaseDependencies, type ReleaseRead } from "../project/releases.ts";
import { parseRegistryLocation } from "../core/registry_location.ts";
import { type Resolution, resolvePlan } from "../core/resolve.ts";
import { denoRunner, programPath, type Runner } from "../io/runner.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import { requireUv, uvSyncArgs } from "../io/uv.ts";
import { runUvTransaction } from "../state/uv_transaction.ts";
import { VERSION } from "../core/version.ts";
import { checkWorkspaceMembers } from "../core/workspace.ts";
import { runPool } from "../io/pool.ts";
import { devCheckout } from "../core/checkout.ts";
import { commitModeOf } from "../core/commit_mode.ts";

// git processes reading releases at once.
const RELEASE_JOBS = 8;

/** Options shared by every command that reads a project. */
export interface ProjectOptions {
  /** The project root, or a folder inside it. @default Deno.cwd() */
  readonly root?: string;
  /** The mode (`--mode`); otherwise RUN_MODE, hpm.local.yaml, hpm.yaml, `dev`. */
  readonly mode?: string;
  /** Environment to read RUN_MODE and HOME from. @default Deno.env.toObject() */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Progress and notices for the user. */
  readonly log?: (message: string) => void;
  /** How long to wait for another hpm run holding the lock. @default 60000 */
  readonly lockTimeoutMs?: number;
  /** Runs uv and git. @default denoRunner */
  readonly runner?: Runner;
  /** Ask remote registries again even when their cached copies are fresh (`--refresh`). */
  readonly refresh?: boolean;
}

/** What {@link planSync} found: the project and what a sync would write. */
export interface SyncPlan {
  /** The loaded project. */
  readonly project: Project;
  /** The mode in force. */
  readonly mode: string;
  /** Where the mode came from. */
  readonly modeOrigin: ModeOrigin;
  /** The plan and its packages. */
  readonly resolution: Resolution;
  /** pyproject.toml now. */
  readonly before: string;
  /** pyproject.toml after a sync. */
  readonly after: string;
  /** Whether they differ. */
  readonly changed: boolean;
  /** What the user added to HPM's groups, which a sync keeps. */
  readonly kept: readonly KeptItems[];
  /** Local clones the mode needs that are not on disk. */
  readonly missingClones: readonly string[];
  /**
   * Whether files alone decided what the releases read from git declare (see
   * `releaseDependencies`): not when a remote was asked.
   */
  readonly releasesFromFiles: boolean;
  /**
   * With `reportProblems`: why pyproject.toml cannot be written for the mode
   * (an entry of the user's collides with HPM's, or a layout HPM cannot edit);
   * `after` is then `before`.
   */
  readonly problem?: HpmInputError;
}

/** Options of {@link planSync}. */
export interface PlanOptions extends ProjectOptions {
  /**
   * Return a pyproject.toml that cannot be written for the mode as `problem`
   * instead of throwing, so a report can still show everything else.
   */
  readonly reportProblems?: boolean;
  /**
   * Take entries of pyproject.toml that are exactly what HPM would write as
   * HPM's (after its `[tool.hpm]` record was deleted by hand).
   */
  readonly adopt?: boolean;
}

/**
 * Work out what `hpm sync` would write, without writing anything (beyond
 * recovering an interrupted earlier run).
 *
 * @param options project, mode, environment
 * @returns the plan and both versions of pyproject.toml
 * @throws {HpmInputError} on bad input (for pyproject.toml, unless `reportProblems`)
 */
export async function planSync(options: PlanOptions = {}): Promise<SyncPlan> {
  const root = findProjectRoot(options.root);
  return await withProjectLock(root, async (recovered) => {
    const plan = await planProject(await loadProject(root, options), options);
    if (recovered?.environmentMayDiffer) options.log?.(resyncHint(plan));
    return plan;
  }, lockOptions(options));
}

/**
 * {@link planSync} for a project already loaded (and locked by the caller).
 *
 * @param project the loaded project
 * @param options mode and environment; `absolutePaths` writes local paths absolute
 * @returns the plan and both versions of pyproject.toml
 */
export async function planProject(
  project: Project,
  options: PlanOptions & { readonly absolutePaths?: boolean },
): Promise<SyncPlan> {
  const env = options.env ?? Deno.env.toObject();
  const { mode, origin } = projectMode(project, { flag: options.mode, env: env.RUN_MODE });
  const home = env.HOME ?? env.USERPROFILE;
  const runner = options.runner ?? denoRunner;
  // Releases are read from git, which is async and the resolver is not: each
  // round reads the releases the previous one reached, until none is new.
  const released = new Map<string, ReleaseRead>();
  let resolution: Resolution;
  while (true) {
    resolution = resolvePlan({
      manifest: project.manifest,
      registry: project.registry,
      mode,
      root: project.root,
      overlay: project.overlay,
      home,
      cache: project.cache,
      localDependencies: (dir) => readLocalDependencies(dir, project.reader),
      releaseDependencies: (key) => released.get(key)?.dependencies,
      absolutePaths: options.absolutePaths,
    });
    const unread = resolution.packages.filter((p) => !p.localPath && !released.has(p.key));
    if (!unread.length) break;
    const lookup = { runner, project, env, log: options.log };
    const deps = await runPool(
      unread,
      RELEASE_JOBS,
      (p) => releaseDependencies(lookup, p.entry, p.source),
    );
    for (const [i, p] of unread.entries()) released.set(p.key, deps[i]);
  }
  const missingClones: string[] = [];
  for (const pkg of resolution.packages) {
    if (pkg.localPath && !isPackageDir(pkg.localPath, project.reader)) {
      missingClones.push(pkg.entry.name);
    }
  }
  const plan = {
    project,
    mode,
    modeOrigin: origin,
    resolution,
    before: project.pyproject,
    missingClones,
    releasesFromFiles: [...released.values()].every((r) => r.fromFiles),
  };
  try {
    const { text: after, changed, kept } = applyPlan(
      project.pyproject,
      resolution.plan,
      project.pyprojectFile,
      { adopt: options.adopt },
    );
    checkWorkspaceMembers(
      project.pyproject,
      project.pyprojectFile,
      project.root,
      resolution.packages.flatMap((p) =>
        p.localPath ? [{ name: p.entry.name, path: p.localPath }] : []
      ),
    );
    return { ...plan, after, changed, kept };
  } catch (e) {
    if (!options.reportProblems || !(e instanceof HpmInputError)) throw e;
    return { ...plan, after: project.pyproject, changed: false, kept: [], problem: e };
  }
}

/**
 * The folders inside the project that a scratch copy for `plan` leaves out
 * (see `lockInScratch`): the local clones and the dev checkouts of its
 * packages.
 *
 * @param plan the plan
 * @param env environment, for HOME (where dev clones may live)
 * @returns absolute paths
 */
export function scratchLeaveOut(
  plan: SyncPlan,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const root = plan.project.root;
  return [
    ...new Set(plan.resolution.packages.flatMap((p) => {
      const path = p.localPath ?? devCheckout(plan.project, p.entry, plan.mode, env.HOME)?.path;
      return path && !relative(root, path).startsWith("..") ? [resolve(path)] : [];
    })),
  ];
}

/**
 * The error for local clones a mode needs that are not on disk.
 *
 * @param plan a plan with `missingClones`
 * @returns the error, naming `hpm clone`
 */
export function missingCloneError(plan: SyncPlan): HpmInputError {
  const name = plan.missingClones[0];
  const pkg = plan.resolution.packages.find((p) => p.entry.name === name)!;
  const rel = relative(plan.project.root, pkg.localPath!) || ".";
  const where = pkg.overridden
    ? { file: plan.project.overlay!.file }
    : pkg.entry.positionOf(["sources", plan.mode, "path"]);
  const all = plan.missingClones.join(" ");
  return new HpmInputError(
    "missing-clone",
    `local clone of \`${name}\` is missing: ${rel} is not a Python project` +
      (plan.missingClones.length > 1
        ? ` (also missing: ${plan.missingClones.slice(1).join(", ")})`
        : ""),
    where,
    `run \`hpm clone ${all}\`, or sync another mode (--mode prod)`,
  );
}

/** Options of {@link sync}. */
export interface SyncOptions extends ProjectOptions {
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
  /** Take entries that are exactly what HPM would write as HPM's; see {@link PlanOptions}. */
  readonly adopt?: boolean;
  /** Let uv write to the terminal directly. @default false */
  readonly stream?: boolean;
}

/** What {@link sync} did. */
export interface SyncResult {
  /** The mode synced. */
  readonly mode: string;
  /** Where the mode came from. */
  readonly modeOrigin: ModeOrigin;
  /** The plan applied. */
  readonly plan: Plan;
  /** pyproject.toml before. */
  readonly before: string;
  /** pyproject.toml after (equal to `before` for a dry run). */
  readonly after: string;
  /** Whether pyproject.toml changed (or would, for a dry run). */
  readonly changed: boolean;
  /** Whether `uv sync` ran. */
  readonly installed: boolean;
  /** What the user added to HPM's groups, which the sync kept. */
  readonly kept: readonly KeptItems[];
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
 * ```ts ignore
 * import { recordingRunner, sync } from "@hpm/cli";
 *
 * const runner = recordingRunner();
 * await sync({ root: "examples/rag4code-core", mode: "prod", runner });
 * console.log(runner.calls.map((c) => c.args)); // [["sync"]]
 * ```
 */
export async function sync(options: SyncOptions = {}): Promise<SyncResult> {
  const startedAt = Date.now();
  const uvArgs = uvSyncArgs({
    frozen: options.frozen,
    locked: options.locked,
    extra: options.uvArgs,
  });
  // Before anything is written: an unusable HPM_UV is bad input.
  if (options.install ?? true) programPath("uv", options.env);
  const root = findProjectRoot(options.root);
  return await withProjectLock(root, async (recovered) => {
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
    if (!plan.changed && !install) {
      await rememberSync(plan, inputs, startedAt, options);
      return result;
    }
    // PATH and HPM_UV come from the process unless the caller's environment sets them.
    if (install) requireUv({ ...Deno.env.toObject(), ...options.env });
    const { lockBefore } = await runUvTransaction(
      root,
      plan.changed ? plan.after : undefined,
      install ? uvArgs : undefined,
      options,
    );
    await rememberSync(plan, inputs, startedAt, options, lockBefore);
    return { ...result, installed: install };
  }, lockOptions(options));
}

// After a rollback under a uv that had started, the environment may hold
// what uv installed before it was stopped.
function resyncHint(plan: SyncPlan): string {
  const mode = readManaged(plan.before, plan.project.pyprojectFile)?.mode ?? plan.mode;
  return `warning: the interrupted run's uv had started, so the environment may not match ` +
    `the restored files: run \`hpm sync --mode ${mode}\``;
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
// files of releases read from clones), as it read them. Some inputs change
// behind HPM's back and are never recorded: a remote registry (its cache
// refreshes on a timer) and a release read from a remote (a ref can move
// there). `lockBefore`: uv.lock's hash before a switch that uv locked for (see
// `runUvTransaction`); the record then keeps what uv left, for the next switch
// back to this mode.
async function rememberSync(
  plan: SyncPlan,
  inputs: PlanInputs,
  startedAt: number,
  options: ProjectOptions,
  lockBefore?: string | null,
) {
  const { project, resolution } = plan;
  const env = options.env ?? Deno.env.toObject();
  const fileMode = filesMode(project);
  // Before the inputs are taken: the committed mode may look up entries that
  // planning did not, and they are inputs too.
  const commit = filesCommitMode(project);
  const recorded = fileMode !== undefined && Deno.build.os !== "windows" &&
    project.manifest.registries.every((l) => parseRegistryLocation(l).kind === "local") &&
    plan.releasesFromFiles && !plan.kept.length && inputs.recordable;
  // uv.lock is read only for a record that will keep it.
  const lock = recorded && lockBefore !== undefined
    ? await lockNow(project.root, lockBefore)
    : undefined;
  const fingerprint = recorded &&
    await takeFingerprint({
      hpm: VERSION,
      root: project.root,
      mode: plan.mode,
      fileMode,
      home: env.HOME ?? env.USERPROFILE,
      cacheEnv: cacheEnvOf(env),
      files: inputs.files,
      folders: inputs.folders,
      before: plan.before,
      after: plan.after,
      change: changeCounts(diffPyproject(plan.before, plan.after)),
      lock: lock?.lock,
      commit,
      // What `hpm stage` needs to stage this mode without planning it again;
      // a mode with local paths is never staged.
      stage: resolution.packages.some((p) => p.localPath !== undefined)
        ? undefined
        : { plan: resolution.plan, leaveOut: scratchLeaveOut(plan, env) },
      startedAt,
    });
  await writeFingerprint(project.root, plan.mode, fingerprint || undefined, env, lock?.bytes);
}
