/**
 * Planning a sync: read the project, choose the mode, resolve the plan and
 * render pyproject.toml, writing nothing. `hpm sync` applies the plan;
 * `diff`, `check`, `status`, `verify` and `stage` read it.
 *
 * @module
 */

import { join, relative, resolve } from "node:path";
import { describeMove, registryMoves } from "../core/registry_move.ts";
import { Registry, type RegistryMove } from "../core/registry.ts";
import { parseRegistryLocation } from "../core/registry_location.ts";
import { cachedCopyAt } from "../registry/remote.ts";
import { door, homeFolder } from "../io/files.ts";
import { HpmInputError } from "../core/errors.ts";
import { type ModeOrigin, projectMode } from "../core/mode.ts";
import { isPackageDir, loadProject, readLocalDependencies } from "./load.ts";
import { findProjectRoot } from "./root.ts";
import type { CommandContext } from "./context.ts";
import type { Project } from "../core/project.ts";
import { applyPlan, type KeptItems } from "../edit/pyproject.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import { releaseDependencies, type ReleaseRead } from "./releases.ts";
import { type Resolution, resolvePlan } from "../core/resolve.ts";
import { denoRunner } from "../io/runner.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import { checkWorkspaceMembers } from "../core/workspace.ts";
import { runPool } from "../io/pool.ts";
import { devCheckout } from "../core/checkout.ts";
import { normalizeName } from "../core/names.ts";

// git processes reading releases at once.
const RELEASE_JOBS = 8;

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
  /** The git registries read at another state than pyproject.toml records (`--refresh`). */
  readonly moves: readonly RegistryMove[];
  /**
   * With `reportProblems`: why pyproject.toml cannot be written for the mode
   * (an entry of the user's collides with HPM's, or a layout HPM cannot edit);
   * `after` is then `before`.
   */
  readonly problem?: HpmInputError;
}

/** Options of {@link planSync}. */
export interface PlanOptions extends CommandContext {
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
  /**
   * Plan the committed form (`hpm stage`, `hpm check --staged`): without
   * hpm.local.yaml's `develop:`, which is this machine's.
   */
  readonly committed?: boolean;
}

/**
 * Work out what `hpm sync` would write, without writing anything (beyond
 * recovering an interrupted earlier run).
 *
 * @param options project, mode, environment
 * @returns the plan and both versions of pyproject.toml
 * @throws {HpmInputError} on bad input (for pyproject.toml, unless `reportProblems`)
 *
 * @example Usage
 * ```ts
 * import { planSync } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 *
 * const plan = await planSync({ root, mode: "prod" });
 * assert.equal(plan.changed, true);
 * assert.match(plan.after, /db = \["q==1\.0\.0"\]/);
 * // Nothing was written.
 * assert.equal(await Deno.readTextFile(`${root}/pyproject.toml`), plan.before);
 * await Deno.remove(root, { recursive: true });
 * ```
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
  const home = homeFolder(env);
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
      committed: options.committed,
    });
    const unread = resolution.packages.filter((p) => !p.localPath && !released.has(p.key));
    if (!unread.length) break;
    const lookup = { runner, project, env, log: options.log, refresh: options.refresh };
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
  const moves = await movesOf(project, resolution, env);
  for (const move of moves) options.log?.(describeMove(move));
  const plan = {
    project,
    mode,
    modeOrigin: origin,
    resolution,
    before: project.pyproject,
    missingClones,
    releasesFromFiles: [...released.values()].every((r) => r.fromFiles),
    moves,
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

// What moved, compared with the entries at the recorded commits where the cache has them.
async function movesOf(
  project: Project,
  resolution: Resolution,
  env: Readonly<Record<string, string | undefined>>,
): Promise<RegistryMove[]> {
  const recorded = new Map<string, Registry>();
  for (const { remote, copy } of project.registry.folders) {
    const where = remote && copy?.recorded ? parseRegistryLocation(remote) : undefined;
    if (where?.kind !== "git") continue;
    const dir = await cachedCopyAt(where, copy!.recorded!, env);
    if (dir) {
      recorded.set(remote!, new Registry([], [{ dir: join(dir, "packages"), root: dir }], door));
    }
  }
  return registryMoves(project.registry, resolution.packages, (location) => recorded.get(location));
}

/**
 * The folders inside the project that a scratch copy for `plan` leaves out
 * (see `lockInScratch`): the local clones and the dev checkouts of its
 * packages.
 *
 * @param plan the plan
 * @param env environment, for HOME or USERPROFILE (where dev clones may live)
 * @returns absolute paths
 */
export function scratchLeaveOut(
  plan: SyncPlan,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const root = plan.project.root;
  const home = homeFolder(env);
  return [
    ...new Set(plan.resolution.packages.flatMap((p) => {
      const path = p.localPath ?? devCheckout(plan.project, p.entry, plan.mode, home)?.path;
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
  const overlay = plan.project.overlay;
  const where = pkg.developed
    ? overlay!.positionOf([
      "develop",
      overlay!.develop.findIndex((n) => normalizeName(n) === pkg.key),
    ])
    : pkg.overridden
    ? { file: overlay!.file }
    : pkg.entry.positionOf(["sources", plan.mode, "path"]);
  const all = plan.missingClones.join(" ");
  return new HpmInputError(
    "missing-clone",
    `local clone of \`${name}\` is missing: ${rel} is not a Python project` +
      (plan.missingClones.length > 1
        ? ` (also missing: ${plan.missingClones.slice(1).join(", ")})`
        : ""),
    where,
    pkg.developed
      ? `run \`hpm clone ${all}\`, or stop developing it: \`hpm free ${name}\``
      : `run \`hpm sync${plan.modeOrigin === "flag" ? ` --mode ${plan.mode}` : ""} --clone\` ` +
        `(or \`hpm clone ${all}\` first), or sync another mode (--mode prod)`,
  );
}

/**
 * What to say after a rollback under a uv that had started: the environment
 * may hold what uv installed before it was stopped.
 *
 * @param plan the plan made after the rollback
 * @returns the warning, naming the sync that repairs it
 */
export function resyncHint(plan: SyncPlan): string {
  const mode = readManaged(plan.before, plan.project.pyprojectFile)?.mode ?? plan.mode;
  return `warning: the interrupted run's uv had started, so the environment may not match ` +
    `the restored files: run \`hpm sync --mode ${mode}\``;
}
