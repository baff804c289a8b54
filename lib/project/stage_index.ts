/**
 * Staging the committed mode's pyproject.toml and uv.lock into git's index
 * (`hpm stage`, and the last step of `hpm release`): git plumbing
 * (`hash-object -w`, `update-index --cacheinfo`), so the working tree and the
 * environment stay as they are; committed.ts holds what `hpm check --staged`
 * shares with it.
 *
 * @module
 */

import { join } from "node:path";
import { CommandFailedError, HpmInputError } from "../core/errors.ts";
import {
  indexEntries,
  type IndexEntry,
  isIgnored,
  readBlob,
  type RepoState,
  repoState,
  setIndexEntries,
  unmergedPaths,
  writeBlob,
} from "../io/git.ts";
import type { CommitModeOrigin } from "../core/commit_mode.ts";
import { findProjectRoot } from "./root.ts";
import {
  notInRepo,
  planning,
  recordedCommit,
  statesDiffer,
  workingPyproject,
} from "./committed.ts";
import { applyPlan } from "../edit/pyproject.ts";
import { denoRunner, type Runner } from "../io/runner.ts";
import { lockInScratch } from "./scratch_resolve.ts";
import type { CommandContext } from "./context.ts";
import type { SyncPlan } from "./plan.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import { LOCK_FILE, PYPROJECT_FILE } from "../core/project.ts";

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
 * ```ts
 * import { denoRunner, recordingRunner, type Runner, stage, sync } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 * await denoRunner({ program: "git", args: ["init", "--quiet"], cwd: root });
 * await sync({ root, mode: "prod", install: false });
 *
 * // git runs for real; `uv lock` in the scratch copy is faked: it writes the lock uv would.
 * const lock = 'version = 1\nrequires-python = ">=3.9"\n\n[[package]]\nname = "q"\n' +
 *   'version = "1.0.0"\nsource = { registry = "https://pypi.org/simple" }\n';
 * const uv = recordingRunner((r) => {
 *   Deno.writeTextFileSync(`${r.cwd}/uv.lock`, lock);
 *   return { code: 0, stdout: "", stderr: "" };
 * });
 * const runner: Runner = (r) => r.program === "uv" ? uv(r) : denoRunner(r);
 * const { mode, files } = await stage({ root, runner, offline: true });
 * assert.equal(mode, "prod");
 * assert.deepEqual(files.map((f) => f.path), ["pyproject.toml", "uv.lock"]);
 * await Deno.remove(root, { recursive: true });
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
  // A record read at other registry states than the working pyproject.toml
  // records (`hpm registry update` moved it since) is not the committed form.
  if (working === undefined || statesDiffer(recorded.plan, working)) return undefined;
  options.log?.(`mode ${recorded.mode}'s plan comes from its last sync: its inputs are unchanged`);
  return {
    mode: recorded.mode,
    origin: recorded.origin as CommitModeOrigin,
    pyprojectFile,
    pyproject: applyPlan(working, recorded.plan, pyprojectFile).text,
    leaveOut: recorded.leaveOut,
  };
}

async function plannedForm(root: string, options: Opts): Promise<CommittedForm> {
  const [{ loadProject }, { planProject, scratchLeaveOut }, { commitModeOf }] = await planning();
  const project = await loadProject(root, { ...options, committed: true });
  const tried = project.overlay?.registries;
  if (tried) {
    options.log?.(
      `hpm.local.yaml's registry (${tried.join(", ")}) is not used for the committed form: ` +
        `it is planned from hpm.yaml's (${project.registries.locations.join(", ")}), as your ` +
        "teammates' and CI's are; push the registry change first",
    );
  }
  const { mode, origin } = commitModeOf(project, options.mode);
  const plan = await planProject(project, { ...options, mode, committed: true });
  // A missing clone is a local path too: cloning it would still leave a mode
  // that cannot be committed, so that is what is said.
  refuseLocalSources(plan, origin);
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
