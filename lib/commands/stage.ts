/**
 * The committed form: commit pyproject.toml and uv.lock in one mode (`prod`)
 * while working in another (`dev`). `hpm stage` writes that form into the git
 * index only (git plumbing: `hash-object -w`, `update-index --cacheinfo`), so
 * the working tree and the environment stay in dev; `hpm check --staged`
 * guards it in a pre-commit hook; `hpm status` shows working tree, index and
 * HEAD side by side.
 *
 * @module
 */

import { join } from "node:path";
import { CommandFailedError, HpmInputError } from "../core/errors.ts";
import {
  headBlob,
  indexEntries,
  type IndexEntry,
  isIgnored,
  readBlob,
  type RepoLocation,
  repoLocation,
  type RepoState,
  repoState,
  setIndexEntries,
  unmergedPaths,
  writeBlob,
} from "../io/git.ts";
import type { CommitModeOrigin } from "../core/commit_mode.ts";
import { recordedStage, type StageAnswer } from "../state/fingerprint.ts";
import { isModeName } from "../core/mode.ts";
import { findProjectRoot } from "../project/root.ts";
import { MAX_PYPROJECT_BYTES, readConfined } from "../io/files.ts";
import type { Plan } from "../core/plan.ts";
import type { Project } from "../core/project.ts";
import { applyPlan, foreignSources, readManaged } from "../edit/pyproject.ts";
import { lockSourceProblems } from "../project/lockfile_check.ts";
import { parseToml } from "../edit/toml/parse.ts";
import { denoRunner, type Runner } from "../io/runner.ts";
import { lockInScratch } from "../project/scratch_resolve.ts";
import type { CommandContext } from "../project/context.ts";
import type { SyncPlan } from "../project/plan.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import { decodeUtf8 } from "../edit/utf8.ts";
import { LOCK_FILE, PYPROJECT_FILE } from "../core/project.ts";

// How errors name the files in git's index: their bytes are not the working
// files', which an error must not quote.
const STAGED_PYPROJECT = `${PYPROJECT_FILE} (staged)`;
const STAGED_LOCK = `${LOCK_FILE} (staged)`;

// hpm.yaml's and the registry's parsers, and the planner, load only when
// `hpm stage` plans: from the committed mode's record it needs none of them
// (loading them is most of a stage's time).
const planning = () =>
  Promise.all([
    import("../project/load.ts"),
    import("../project/plan.ts"),
    import("../core/commit_mode.ts"),
  ]);

// A committed pyproject.toml must not point at anyone's disk.
function refuseLocalSources(plan: SyncPlan, origin: CommitModeOrigin): void {
  const local = plan.resolution.packages.find((p) => p.localPath !== undefined);
  if (!local) return;
  const { manifest } = plan.project;
  throw new HpmInputError(
    "commit-mode",
    `mode ${plan.mode} installs \`${local.entry.name}\` from a local path, which cannot be committed`,
    origin === "hpm.yaml" ? manifest.positionOf(["commit-mode"]) : undefined,
    "commit a mode whose sources are released: `hpm stage --mode prod`, or `commit-mode: prod` " +
      "in hpm.yaml",
  );
}

async function gitRepo(runner: Runner, root: string): Promise<RepoLocation> {
  const repo = await repoLocation(runner, root);
  if (repo) return repo;
  throw notInRepo(root);
}

function notInRepo(root: string): HpmInputError {
  return new HpmInputError(
    "git-state",
    `${root} is not in a git work tree`,
    undefined,
    "run `git init` first; `hpm stage` writes into git's index",
  );
}

/** What `hpm stage` reads from git before it decides anything. */
interface IndexSide {
  readonly repo: RepoState;
  /** Paths with unresolved conflicts. */
  readonly unmerged: readonly string[];
  /** pyproject.toml's and uv.lock's paths relative to the top. */
  readonly paths: { readonly pyproject: string; readonly lock: string };
  /** Their index entries. */
  readonly before: { readonly pyproject?: IndexEntry; readonly lock?: IndexEntry };
  /** Whether uv.lock is staged: it is in the index, or git does not ignore it. */
  readonly stageLock: boolean;
  /** The staged uv.lock, to start from. */
  readonly baseLock?: string;
}

// Only reads: the repository, conflicts, the two index entries, the staged
// uv.lock (three rounds of git, the independent calls side by side).
async function readIndexSide(runner: Runner, root: string): Promise<IndexSide | undefined> {
  const repo = await repoState(runner, root);
  if (!repo) return undefined;
  const paths = { pyproject: repo.prefix + PYPROJECT_FILE, lock: repo.prefix + LOCK_FILE };
  const [unmerged, { before, stageLock, baseLock }] = await Promise.all([
    unmergedPaths(runner, repo.top),
    indexEntries(runner, repo.top, [paths.pyproject, paths.lock]).then(async (entries) => {
      const before = { pyproject: entries.get(paths.pyproject), lock: entries.get(paths.lock) };
      // A project that keeps uv.lock out of git (an ignored, untracked file)
      // still gets its lock checked, but only pyproject.toml is staged.
      const [stageLock, baseLock] = await Promise.all([
        before.lock !== undefined || !(await isIgnored(runner, repo.top, paths.lock)),
        before.lock && readBlob(runner, repo.top, before.lock.blob),
      ]);
      return { before, stageLock, baseLock };
    }),
  ]);
  return { repo, unmerged, paths, before, stageLock, baseLock };
}

function refuseUnstageable(side: IndexSide): void {
  const { unmerged, repo: { operation } } = side;
  if (unmerged.length) {
    throw new HpmInputError(
      "git-state",
      `the index has unresolved conflicts (${unmerged.slice(0, 3).join(", ")}` +
        `${unmerged.length > 3 ? ", …" : ""}); nothing was staged`,
      undefined,
      "resolve them and `git add` the files (or abort the merge), then run `hpm stage`",
    );
  }
  if (operation) {
    throw new HpmInputError(
      "git-state",
      `a ${operation} is in progress: the index holds git's result for it; nothing was staged`,
      undefined,
      `finish it with \`git commit\` (\`hpm check --staged\` guards it) or abort it ` +
        `(\`git ${operation} --abort\`), then run \`hpm stage\``,
    );
  }
  for (const [path, entry] of Object.entries(side.before)) {
    if (entry && entry.mode !== "100644" && entry.mode !== "100755") {
      throw new HpmInputError(
        "git-state",
        `${side.paths[path as keyof IndexSide["paths"]]} is in the index as mode ${entry.mode}, ` +
          "not a regular file; nothing was staged",
        undefined,
        "make it a regular file in git (`git rm --cached` it and `git add` the file), then " +
          "run `hpm stage`",
      );
    }
  }
}

/** Options of {@link stage}. */
export interface StageOptions extends CommandContext {
  /** Let uv write to the terminal directly. @default false */
  readonly stream?: boolean;
  /** Resolve from uv's cache only, never online. @default HPM_OFFLINE=1 */
  readonly offline?: boolean;
}

/** What {@link stage} did. */
export interface StageResult {
  /** The committed mode. */
  readonly mode: string;
  /** Where it came from. */
  readonly modeOrigin: CommitModeOrigin;
  /** The files staged, relative to the repository's top, and whether the index changed. */
  readonly files: readonly { readonly path: string; readonly changed: boolean }[];
}

/**
 * Stage the committed mode's pyproject.toml and uv.lock: the working
 * pyproject.toml with HPM's entries replaced by that mode's (the user's own
 * changes kept), and the lock `uv lock` makes for it in a scratch copy
 * (starting from the staged lock, from uv's cache when it can). Only git's
 * index changes; the working tree, uv.lock on disk and `.venv` do not.
 *
 * @param options project, `mode` (default: the committed mode), runner
 * @returns the mode and the files staged
 * @throws {HpmInputError} nothing staged: `commit-mode`, `git-state` (conflicts,
 *   a merge in progress, no repository), `unresolvable` (uv's message inside)
 *
 * @example Usage
 * ```ts ignore
 * import { stage } from "@hpm/cli";
 *
 * const { mode, files } = await stage({ root: "." });
 * console.log(`staged ${files.map((f) => f.path).join(", ")} in mode ${mode}`);
 * ```
 */
export async function stage(options: StageOptions = {}): Promise<StageResult> {
  const root = findProjectRoot(options.root);
  const runner = options.runner ?? denoRunner;
  const env = options.env ?? Deno.env.toObject();
  return await withProjectLock(root, async (recovered) => {
    // Git is read while hpm.yaml, the registry and the releases load and plan;
    // its findings are reported after the plan's, as if read in turn.
    const reading = readIndexSide(runner, root);
    reading.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
    const opts = { ...options, runner, env };
    try {
      const form = (!recovered && await recordedForm(root, opts)) || await plannedForm(root, opts);
      const side = await reading;
      if (!side) throw notInRepo(root);
      refuseUnstageable(side);
      return await stageForm(root, side, form, opts);
    } finally {
      await reading.catch(() => {}); // no git left running once the lock is released
    }
  }, lockOptions(options));
}

/** The committed form of pyproject.toml, and what a scratch copy for it leaves out. */
interface CommittedForm {
  readonly mode: string;
  readonly origin: CommitModeOrigin;
  readonly pyprojectFile: string;
  /** The working pyproject.toml with HPM's entries replaced by the mode's. */
  readonly pyproject: string;
  readonly leaveOut: readonly string[];
}

type Opts = StageOptions & Required<Pick<StageOptions, "runner" | "env">>;

// The committed form from the record of the last sync into the committed mode,
// when every input of that sync is unchanged (see fingerprint.ts): its plan
// applied to the working pyproject.toml, exactly as planning would apply it.
// Anything else (no record, a changed input, a pyproject.toml that cannot be
// read) is the planner's to handle and report.
async function recordedForm(root: string, options: Opts): Promise<CommittedForm | undefined> {
  const recorded = await recordedCommit(root, options.env, options.mode);
  if (!recorded) return undefined;
  const pyprojectFile = join(root, PYPROJECT_FILE);
  const working = workingPyproject(root);
  if (working === undefined) return undefined;
  options.log?.(`mode ${recorded.mode}'s plan comes from its last sync: its inputs are unchanged`);
  return {
    mode: recorded.mode,
    origin: recorded.origin as CommitModeOrigin,
    pyprojectFile,
    pyproject: applyPlan(working, recorded.plan, pyprojectFile).text,
    leaveOut: recorded.leaveOut,
  };
}

// The committed mode's plan from its record (see recordedStage), unless a
// --mode that is no mode name asks for planning to refuse it in its words.
async function recordedCommit(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
  flag: string | undefined,
): Promise<StageAnswer | undefined> {
  if (Deno.build.os === "windows" || (flag !== undefined && !isModeName(flag))) return undefined;
  return await recordedStage(root, env, flag);
}

async function plannedForm(root: string, options: Opts): Promise<CommittedForm> {
  const [{ loadProject }, { missingCloneError, planProject, scratchLeaveOut }, { commitModeOf }] =
    await planning();
  const project = await loadProject(root, options);
  const { mode, origin } = commitModeOf(project, options.mode);
  const plan = await planProject(project, { ...options, mode });
  refuseLocalSources(plan, origin);
  if (plan.missingClones.length) throw missingCloneError(plan);
  return {
    mode,
    origin,
    pyprojectFile: project.pyprojectFile,
    pyproject: plan.after,
    leaveOut: scratchLeaveOut(plan, options.env),
  };
}

async function stageForm(
  root: string,
  side: IndexSide,
  form: CommittedForm,
  options: Opts,
): Promise<StageResult> {
  const { runner, env } = options;
  const { mode, origin } = form;
  const { repo, paths, before, stageLock, baseLock } = side;
  const offline = options.offline ?? env.HPM_OFFLINE === "1";
  try {
    return await lockInScratch({
      root,
      mode,
      pyproject: form.pyproject,
      leaveOut: form.leaveOut,
      baseLock,
      offline: offline ? "only" : "first",
      runner,
      env,
      stream: options.stream,
      log: options.log,
    }, async (scratch) => {
      const files: [string, string, IndexEntry | undefined][] = [
        [PYPROJECT_FILE, paths.pyproject, before.pyproject],
      ];
      if (stageLock) files.push([LOCK_FILE, paths.lock, before.lock]);
      const staged = await Promise.all(
        files.map(async ([file, path, old]) => ({
          path,
          mode: old?.mode ?? "100644",
          blob: await writeBlob(runner, repo.top, join(scratch, file), path),
          old: old?.blob,
        })),
      );
      await setIndexEntries(runner, repo.top, staged);
      return {
        mode,
        modeOrigin: origin,
        files: staged.map((e) => ({ path: e.path, changed: e.blob !== e.old })),
      };
    });
  } catch (e) {
    if (!(e instanceof CommandFailedError) || e.program !== "uv") throw e;
    throw new HpmInputError(
      "unresolvable",
      `mode ${mode} does not resolve, so nothing was staged; uv says:\n${e.stderrTail.trim()}`,
      { file: form.pyprojectFile },
      offline
        ? "offline (--offline, HPM_OFFLINE=1), uv may use only its cache: go online to let it " +
          "fetch what is missing"
        : `fix what uv names in pyproject.toml (\`hpm verify --mode ${mode}\` shows the same)`,
    );
  }
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
 * import { applyPlan, stagedProblems } from "@hpm/cli";
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
    if (!problems.length && applyPlan(staged.pyproject, plan, file).changed) {
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
 * ```ts ignore
 * import { checkStaged } from "@hpm/cli";
 *
 * const { problems } = await checkStaged({ root: "." });
 * if (problems.length) console.log("run `hpm stage`");
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
    const plan = recorded && recordedPlanFor(root, staged.pyproject, recorded.plan);
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
  const project = await loadProject(root, options);
  const { mode, origin } = commitModeOf(project, options.mode);
  return async (pyproject: string | undefined) => ({
    mode,
    origin,
    plan: await planProject(
      pyproject === undefined
        ? project
        : { ...project, pyproject, pyprojectFile: STAGED_PYPROJECT },
      { ...options, mode, reportProblems: true },
    ),
  });
}

// A staged pyproject.toml giving a plugin hpm manages a source of its own
// collides with the plan, which the check reports as one of its problems
// rather than as an error.
function hasForeignSources(staged: string | undefined, plan: Plan): boolean {
  return staged !== undefined && foreignSources(staged, plan, STAGED_PYPROJECT).length > 0;
}

// The working pyproject.toml, read through the door; undefined when it cannot
// be read (planning then reports why).
function workingPyproject(root: string): string | undefined {
  const file = join(root, PYPROJECT_FILE);
  try {
    const bytes = readConfined(file, { root }, MAX_PYPROJECT_BYTES);
    return bytes === undefined ? undefined : decodeUtf8(bytes, file);
  } catch {
    return undefined;
  }
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

/** The mode of pyproject.toml in the working tree, the index and HEAD. */
export interface CommittedForms {
  /** The committed mode; null when none can be chosen. */
  readonly commitMode: string | null;
  /** The working tree's mode (null: HPM manages nothing in it). */
  readonly worktree: string | null;
  /** Whether the index differs from HEAD (something is staged). */
  readonly staged: boolean;
  /** The index's mode (null: not in the index, or HPM manages nothing in it). */
  readonly index: string | null;
  /** HEAD's mode (null: no commit, not in HEAD, or HPM manages nothing in it). */
  readonly head: string | null;
}

/**
 * pyproject.toml's mode in the working tree, the index and HEAD, for
 * `hpm status`.
 *
 * @param project the loaded project
 * @param runner runs git
 * @returns the three modes, or null outside a git work tree
 */
export async function committedForms(
  project: Project,
  runner: Runner,
): Promise<CommittedForms | null> {
  const repo = await repoLocation(runner, project.root);
  if (!repo) return null;
  const path = repo.prefix + PYPROJECT_FILE;
  const modeOf = (text: string | undefined) => {
    try {
      return text === undefined ? null : readManaged(text)?.mode ?? null;
    } catch {
      return null; // a damaged record is `hpm check`'s to report
    }
  };
  const [index, head] = await Promise.all([
    indexEntries(runner, repo.top, [path]).then((e) => e.get(path)),
    headBlob(runner, repo.top, path),
  ]);
  let commitMode: string | null = null;
  const { commitModeOf } = await import("../core/commit_mode.ts");
  try {
    commitMode = commitModeOf(project).mode;
  } catch (e) {
    if (!(e instanceof HpmInputError)) throw e;
  }
  return {
    commitMode,
    worktree: modeOf(project.pyproject),
    staged: index?.blob !== head,
    index: modeOf(index && await readBlob(runner, repo.top, index.blob)),
    head: modeOf(head && await readBlob(runner, repo.top, head)),
  };
}
