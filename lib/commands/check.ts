/**
 * `hpm check`: is pyproject.toml (and uv.lock) what `hpm sync` would write
 * for the mode? A CI guard. With `--staged`: are the pyproject.toml and
 * uv.lock in git's index the committed mode's form (what `hpm stage`
 * writes)? For a pre-commit hook.
 *
 * @module
 */

import { join } from "node:path";
import { indexEntries, readBlob, type RepoLocation, repoLocation } from "../io/git.ts";
import { commitModeOf, type CommitModeOrigin } from "../core/commit_mode.ts";
import type { Plan } from "../core/plan.ts";
import { applyPlan } from "../edit/pyproject.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import { foreignSources } from "../edit/pyproject_policy.ts";
import { checkLock, lockSourceProblems } from "../project/lockfile_check.ts";
import type { SyncPlan } from "../project/plan.ts";
import { HpmOperationError } from "../core/errors.ts";
import { checkPassed } from "../core/sync_result.ts";
import { type Io, pyprojectDiff } from "../io/terminal.ts";
import { parseToml } from "../edit/toml/parse.ts";
import { denoRunner, type Runner } from "../io/runner.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { findProjectRoot } from "../project/root.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import {
  notInRepo,
  planning,
  planToCheck,
  recordedCommit,
  statesDiffer,
  workingPyproject,
} from "../project/committed.ts";
import type { Project } from "../core/project.ts";
import { LOCK_FILE, PYPROJECT_FILE } from "../core/project.ts";
// How errors name the files in git's index: their bytes are not the working
// files', which an error must not quote.
const STAGED_PYPROJECT = `${PYPROJECT_FILE} (staged)`;
const STAGED_LOCK = `${LOCK_FILE} (staged)`;

async function gitRepo(runner: Runner, root: string): Promise<RepoLocation> {
  const repo = await repoLocation(runner, root);
  if (repo) return repo;
  throw notInRepo(root);
}

/**
 * Why a staged pyproject.toml / uv.lock is not the committed form of `plan`'s
 * mode. Pure.
 *
 * @param staged the texts in the index (undefined: not staged)
 * @param plan the committed mode's plan
 * @returns one line per problem; empty when the form is right
 * @throws {HpmInputError} `toml-syntax` when the staged pyproject.toml or uv.lock cannot be parsed
 *
 * @example Usage
 * ```ts
 * import { applyPlan } from "@hpm/cli";
 * import { stagedProblems } from "./check.ts";
 * import assert from "node:assert/strict";
 *
 * const plan = (mode: string, table: [string, string | boolean][]) => ({
 *   mode,
 *   groups: [{ name: "db", requirements: ["q"] }],
 *   sources: [{ name: "q", table }],
 *   indexes: [],
 * });
 * const prod = plan("prod", [["git", "https://example.com/q.git"], ["tag", "v1"]]);
 * const dev = applyPlan("", plan("dev", [["path", "packages/q"], ["editable", true]])).text;
 * assert.deepEqual(stagedProblems({ pyproject: dev }, prod), [
 *   "pyproject.toml is in mode dev, not the committed mode prod",
 *   "pyproject.toml installs `q` from a local path (packages/q, editable)",
 * ]);
 * assert.deepEqual(stagedProblems({ pyproject: applyPlan(dev, prod).text }, prod), []);
 * ```
 */
export function stagedProblems(
  staged: { readonly pyproject?: string; readonly lock?: string },
  plan: Plan,
): string[] {
  const problems: string[] = [];
  if (staged.pyproject !== undefined) {
    const file = STAGED_PYPROJECT;
    const record = readManaged(staged.pyproject, file);
    if (record && record.mode !== plan.mode) {
      problems.push(
        `pyproject.toml is in mode ${record.mode}, not the committed mode ${plan.mode}`,
      );
    }
    const data = parseToml(staged.pyproject, file) as { tool?: { uv?: { sources?: unknown } } };
    const sources = (data.tool?.uv?.sources ?? {}) as Record<string, Record<string, unknown>>;
    for (const name of record?.sources ?? []) {
      const path = sources[name]?.path;
      if (typeof path !== "string") continue;
      problems.push(
        `pyproject.toml installs \`${name}\` from a local path (${path}` +
          `${sources[name].editable === true ? ", editable" : ""})`,
      );
    }
    problems.push(...foreignSources(staged.pyproject, plan, file));
    if (
      !problems.length &&
      applyPlan(staged.pyproject, planToCheck(staged.pyproject, plan), file).changed
    ) {
      problems.push(
        `pyproject.toml's hpm entries are not what mode ${plan.mode} writes ` +
          "(hpm.yaml or the registry changed since it was staged)",
      );
    }
  }
  if (staged.lock !== undefined) {
    problems.push(...lockSourceProblems(staged.lock, plan, STAGED_LOCK));
  }
  return problems;
}

/** What {@link checkStaged} found. */
export interface StagedCheck {
  /** The committed mode. */
  readonly mode: string;
  /** Where it came from. */
  readonly modeOrigin: CommitModeOrigin;
  /** Why the index is not in the committed form; empty when it is. */
  readonly problems: readonly string[];
}

/**
 * Whether the pyproject.toml and uv.lock in the git index are the committed
 * mode's form (what `hpm stage` writes): no local path, no editable entry,
 * the committed mode's record. For a pre-commit hook.
 *
 * @param options project, `mode` (default: the committed mode), runner
 * @returns the mode and the problems found
 * @throws {HpmInputError} `git-state` outside a git work tree; `commit-mode`
 *
 * @example Usage
 * ```ts
 * import { checkStaged, denoRunner, sync } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 * const git = (...args: string[]) => denoRunner({ program: "git", args, cwd: root });
 * await git("init", "--quiet");
 * await sync({ root, mode: "prod", install: false });
 * await git("add", "pyproject.toml");
 *
 * const { mode, problems } = await checkStaged({ root });
 * assert.equal(mode, "prod");
 * assert.deepEqual(problems, []);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function checkStaged(options: CommandContext = {}): Promise<StagedCheck> {
  const root = findProjectRoot(options.root);
  const runner = options.runner ?? denoRunner;
  const env = options.env ?? Deno.env.toObject();
  return await withProjectLock(root, async (recovered) => {
    // A pre-commit hook runs this on every commit: from the committed mode's
    // record it needs no parser, as `hpm stage` (see recordedForm).
    const recorded = recovered ? undefined : await recordedCommit(root, env, options.mode);
    // Planned, hpm.yaml and the registry load before git is asked: their errors come first.
    const planner = recorded ? undefined : await committedPlanner(root, options);
    const repo = await gitRepo(runner, root);
    const paths = [PYPROJECT_FILE, LOCK_FILE].map((f) => repo.prefix + f);
    const entries = await indexEntries(runner, repo.top, paths);
    const [pyproject, lock] = await Promise.all(
      paths.map((p) =>
        entries.has(p) ? readBlob(runner, repo.top, entries.get(p)!.blob) : undefined
      ),
    );
    const staged = { pyproject, lock };
    // A staged form made at other registry states is checked at its own.
    const plan = recorded && !statesDiffer(recorded.plan, staged.pyproject ?? "") &&
      recordedPlanFor(root, staged.pyproject, recorded.plan);
    if (plan) {
      const modeOrigin = recorded.origin as CommitModeOrigin;
      return { mode: recorded.mode, modeOrigin, problems: stagedProblems(staged, plan) };
    }
    const planned = await (planner ?? await committedPlanner(root, options))(staged.pyproject);
    const { problem, resolution } = planned.plan;
    if (problem && !hasForeignSources(staged.pyproject, resolution.plan)) throw problem;
    return {
      mode: planned.mode,
      modeOrigin: planned.origin,
      problems: stagedProblems(staged, resolution.plan),
    };
  }, lockOptions(options));
}

// The committed mode's plan, planned anew: hpm.yaml and the registry loaded
// now, the plan made for the pyproject.toml given (the staged one) or the
// working one; a pyproject.toml the plan cannot be applied to is its
// `problem`.
async function committedPlanner(root: string, options: CommandContext) {
  const [{ loadProject }, { planProject }, { commitModeOf }] = await planning();
  const project = await loadProject(root, { ...options, committed: true });
  const { mode, origin } = commitModeOf(project, options.mode);
  const planFor = (at: Project, pyproject: string | undefined) =>
    planProject(
      pyproject === undefined ? at : { ...at, pyproject, pyprojectFile: STAGED_PYPROJECT },
      { ...options, mode, reportProblems: true, committed: true },
    );
  return async (pyproject: string | undefined) => {
    let plan = await planFor(project, pyproject);
    // The staged form records other registry states: it is checked at its own.
    if (pyproject !== undefined && statesDiffer(plan.resolution.plan, pyproject)) {
      plan = await planFor(
        await loadProject(root, { ...options, committed: true, recordedIn: pyproject }),
        pyproject,
      );
    }
    return { mode, origin, plan };
  };
}

// A staged pyproject.toml giving a plugin hpm manages a source of its own
// collides with the plan, which the check reports as one of its problems
// rather than as an error.
function hasForeignSources(staged: string | undefined, plan: Plan): boolean {
  return staged !== undefined && foreignSources(staged, plan, STAGED_PYPROJECT).length > 0;
}

// The recorded plan, once applied to the pyproject.toml that planning would
// apply it to (the staged one, else the working one), so that a file it
// cannot take fails in planning's words; undefined sends the check to
// planning, which reports what could not be read.
function recordedPlanFor(root: string, staged: string | undefined, plan: Plan): Plan | undefined {
  const text = staged ?? workingPyproject(root);
  if (text === undefined) return undefined;
  if (hasForeignSources(staged, plan)) return plan;
  applyPlan(text, plan, staged === undefined ? join(root, PYPROJECT_FILE) : STAGED_PYPROJECT);
  return plan;
}

// A check of the committed mode is most often CI's, on a commit: the fix is
// then to commit that mode's form (`hpm stage`), not to switch a working
// tree; a check of another mode is only ever a working tree's.
function fixHint(plan: SyncPlan): string {
  const sync = `\`hpm sync --mode ${plan.mode}\``;
  let committed: string | undefined;
  try {
    committed = commitModeOf(plan.project).mode;
  } catch {
    committed = undefined; // no committed mode: nothing is staged for one
  }
  return committed === plan.mode
    ? `to commit mode ${plan.mode}'s form, run \`hpm stage && git commit\` where the ` +
      `${readManaged(plan.before, plan.project.pyprojectFile)?.mode ?? "other"} form was ` +
      `committed (its working tree stays as it is); to switch this working tree, run ${sync}`
    : `run ${sync}`;
}

/** `hpm check`'s command line. */
export interface CheckFlags extends GlobalFlags {
  /** `--mode`. */
  readonly mode?: string;
  /** `--staged`: check git's index instead. */
  readonly staged?: boolean;
  /** `--pyproject-only`: not uv.lock. */
  readonly pyprojectOnly?: boolean;
  /** `--allow-build`: ask uv even when it would run a build backend to answer. */
  readonly allowBuild?: boolean;
}

/**
 * `hpm check` (normal path), whether the argument parser read its command
 * line or cli.ts read it plainly.
 *
 * @param flags the command line
 * @param io where it reports
 * @throws {HpmOperationError} when pyproject.toml, uv.lock or the staged files are not in the mode
 */
export async function checkCommand(flags: CheckFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { log } = context;
  if (flags.staged) {
    const { mode, problems } = await checkStaged(context);
    for (const p of problems) io.out(p);
    if (problems.length) {
      throw new HpmOperationError(
        `the staged pyproject.toml / uv.lock are not in the committed mode ${mode}`,
        `run \`hpm stage\` to stage mode ${mode}'s form (your working tree stays as it is); ` +
          "a source named above that hpm did not write must first be removed from pyproject.toml",
      );
    }
    log(`the staged files are in the committed mode ${mode}`);
    return;
  }
  // The planner loads only here: a pre-commit hook's check from the record needs none of it.
  const { planSync } = await import("../project/plan.ts");
  const plan = await planSync({ ...context, reportProblems: true });
  if (plan.problem) {
    // A source of the user's for a plugin hpm manages collides with the plan:
    // for a check, that is drift, named entry by entry.
    const foreign = plan.problem.code === "conflict"
      ? foreignSources(plan.before, plan.resolution.plan, plan.project.pyprojectFile)
      : [];
    if (!foreign.length) throw plan.problem;
    for (const f of foreign) io.out(f);
    throw new HpmOperationError(
      `pyproject.toml gives ${foreign.length === 1 ? "a plugin" : "plugins"} hpm manages ` +
        `another source than mode ${plan.mode}'s`,
      `remove ${foreign.length === 1 ? "it" : "them"} from pyproject.toml (from a requirement, ` +
        `its URL): hpm writes each plugin's source for the mode (\`hpm sync --mode ${plan.mode}\`)`,
    );
  }
  const asRecorded = planToCheck(plan.before, plan.resolution.plan);
  if (plan.changed && applyPlan(plan.before, asRecorded, plan.project.pyprojectFile).changed) {
    io.out(await pyprojectDiff(plan.before, plan.after, io));
    const synced = readManaged(plan.before, plan.project.pyprojectFile)?.mode;
    throw new HpmOperationError(
      synced !== undefined && synced !== plan.mode
        ? `pyproject.toml is in mode ${synced}, not the checked mode ${plan.mode}`
        : `pyproject.toml is out of sync with hpm.yaml for mode ${plan.mode}`,
      fixHint(plan),
    );
  }
  if (plan.changed) {
    log(
      "pyproject.toml records no registry state (an older hpm wrote it), so it was checked " +
        "against the registries' newest states; `hpm sync` or `hpm stage` records them",
    );
  }
  log(checkPassed("pyproject.toml", plan.mode));
  if (flags.pyprojectOnly) return;
  const lock = await checkLock(plan, { ...context, allowBuild: flags.allowBuild });
  if (!lock.present) {
    log(`no uv.lock: nothing to check there (\`hpm sync --mode ${plan.mode}\` writes one)`);
    return;
  }
  if (lock.problems.length) {
    for (const p of lock.problems) io.out(p);
    // pyproject.toml is in the mode already, whichever is committed: only a lock is missing.
    throw new HpmOperationError(
      `uv.lock does not match mode ${plan.mode} (pyproject.toml does: uv.lock was not locked again)`,
      `run \`hpm sync --mode ${plan.mode}\` to lock it again (after \`hpm sync --no-install\`, ` +
        "say); `hpm check --pyproject-only` checks pyproject.toml alone",
    );
  }
  if (lock.uvSkipped) {
    throw new HpmOperationError(
      `uv.lock was not checked by uv: ${lock.uvSkipped}, so uv would have to run its ` +
        "build backend to check it, and hpm check runs no code from the project",
      `uv.lock locks every plugin from mode ${plan.mode}'s kind of source; where running the ` +
        "project's code is acceptable (its own CI), `hpm check --allow-build` asks uv anyway " +
        "(and `hpm check --pyproject-only` checks pyproject.toml alone)",
    );
  }
  if (lock.uvUnanswered) {
    throw new HpmOperationError(
      `uv could not check uv.lock offline, so it is not known to match mode ${plan.mode}: ` +
        lock.uvUnanswered,
      "let uv fetch what it needs first (`uv lock --check`, online), then run `hpm check` " +
        "again; `hpm check --pyproject-only` checks pyproject.toml alone",
    );
  }
  log(checkPassed("uv.lock", plan.mode));
}
