/**
 * The committed form: pyproject.toml and uv.lock as the committed mode
 * (`commitModeOf`) writes them, which `hpm stage` puts in git's index, `hpm
 * check --staged` checks there, and `hpm status` shows beside the working
 * tree and HEAD. What those commands share.
 *
 * @module
 */

import { join } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { headBlob, indexEntries, readBlob, repoLocation } from "../io/git.ts";
import { recordedStage, type StageAnswer } from "../state/fingerprint.ts";
import { isModeName } from "../core/mode.ts";
import { MAX_PYPROJECT_BYTES, readConfined } from "../io/files.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import type { Runner } from "../io/runner.ts";
import { decodeUtf8 } from "../edit/utf8.ts";
import { type Project, PYPROJECT_FILE } from "../core/project.ts";
import type { Plan, RegistryState } from "../core/plan.ts";

/**
 * hpm.yaml's and the registry's parsers and the planner, loaded only when
 * `hpm stage` or `hpm check --staged` plans: from the committed mode's
 * record they need none of them (loading them is most of a stage's time).
 *
 * @returns project/load.ts, project/plan.ts and core/commit_mode.ts
 */
export const planning = () =>
  Promise.all([
    import("../project/load.ts"),
    import("../project/plan.ts"),
    import("../core/commit_mode.ts"),
  ]);

/**
 * The error for a project outside any git work tree.
 *
 * @param root the project root
 * @returns the error
 */
export function notInRepo(root: string): HpmInputError {
  return new HpmInputError(
    "git-state",
    `${root} is not in a git work tree`,
    undefined,
    "run `git init` first; `hpm stage` writes into git's index",
  );
}

/**
 * The committed mode's plan from the record of its last sync (see
 * `recordedStage`), unless a --mode that is no mode name asks for planning
 * to refuse it in its words.
 *
 * @param root the project root
 * @param env where the per-user state folder is, HOME
 * @param flag `--mode`, if given
 * @returns the recorded plan, or undefined for planning
 */
export async function recordedCommit(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
  flag: string | undefined,
): Promise<StageAnswer | undefined> {
  if (Deno.build.os === "windows" || (flag !== undefined && !isModeName(flag))) return undefined;
  return await recordedStage(root, env, flag);
}

/**
 * The working pyproject.toml, read through the door; undefined when it
 * cannot be read (planning then reports why).
 *
 * @param root the project root
 * @returns its text, or undefined
 */
export function workingPyproject(root: string): string | undefined {
  const file = join(root, PYPROJECT_FILE);
  try {
    const bytes = readConfined(file, { root }, MAX_PYPROJECT_BYTES);
    return bytes === undefined ? undefined : decodeUtf8(bytes, file);
  } catch {
    return undefined;
  }
}

// The git registries' states a pyproject.toml's record names; undefined when
// it names none, or cannot be read (planning reports why).
function recordedStates(text: string): readonly RegistryState[] | undefined {
  try {
    return readManaged(text)?.registries;
  } catch {
    return undefined;
  }
}

/**
 * The plan a pyproject.toml is checked against: `plan` itself, or, for a file
 * whose record names no registry state (written before HPM recorded them),
 * `plan` without its states, so that a commit made then is checked as it was
 * then: against the registries as they are read now.
 *
 * @param text the pyproject.toml checked
 * @param plan the plan
 * @returns the plan to compare it with
 */
export function planToCheck(text: string, plan: Plan): Plan {
  if (!plan.registries || recordedStates(text) !== undefined) return plan;
  const { registries: _, ...rest } = plan;
  return rest;
}

/**
 * Whether a pyproject.toml records other registry states than `plan` was
 * read at: then it is checked against a plan read at its own.
 *
 * @param plan the plan
 * @param text the pyproject.toml
 * @returns whether its record names states, and other ones
 */
export function statesDiffer(plan: Plan, text: string): boolean {
  const states = recordedStates(text);
  return states !== undefined && JSON.stringify(states) !== JSON.stringify(plan.registries ?? []);
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
