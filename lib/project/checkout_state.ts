/**
 * A plugin's dev checkout as git tells it: its branch, uncommitted changes,
 * commits not pushed and commits after the release ref. `hpm status` shows
 * it; a sync that switches to a mode that does not install from the checkout
 * (prod) warns about the work it leaves behind. It reaches only the doors,
 * so the fast path's switch loads it without a parser.
 *
 * @module
 */

import { CommandFailedError } from "../core/errors.ts";
import { kindOf, reallyInside } from "../io/files.ts";
import { cloneState, commitsAfter, hasOwnGit } from "../io/git.ts";
import { runPool } from "../io/pool.ts";
import type { Runner } from "../io/runner.ts";

/** What git says of a checkout. Fields that could not be determined are null. */
export interface CheckoutState {
  /** Whether the folder exists. */
  readonly exists: boolean;
  /** Whether it is a git clone of its own (and git was asked). */
  readonly git: boolean;
  /** The current branch; null when detached or unknown. */
  readonly branch: string | null;
  /** When detached: the tag at HEAD, or its short commit. */
  readonly detachedAt: string | null;
  /** Uncommitted changes, tracked or untracked. */
  readonly dirty: boolean | null;
  /** How many paths have uncommitted changes. */
  readonly changedPaths: number | null;
  /** The release ref found in the clone (the first candidate when none is). */
  readonly ref: string | null;
  /** Whether `ref` exists in the clone. */
  readonly refExists: boolean | null;
  /** Commits on HEAD that `ref` does not have (unreleased work). */
  readonly commitsAfterRef: number | null;
  /** Commits on HEAD that its upstream branch does not have, as of the last fetch. */
  readonly commitsNotPushed: number | null;
  /** What went wrong asking git, if anything. */
  readonly error: string | null;
}

/**
 * How many checkouts are looked at at once: each costs two git processes
 * (four when its HEAD is detached), and a few at a time keep a large project
 * from starting hundreds.
 */
export const CHECKOUT_JOBS = 8;

/**
 * Ask git about a checkout: nothing reaches a remote, and git runs only in a
 * clone of its own that is not inside `cache` (a registry could lay out a
 * repository in its cached copy).
 *
 * @param runner runs git
 * @param path the checkout
 * @param refs the release refs to count commits after, most likely first
 * @param cache HPM's cache folder, where git never runs
 * @returns its state
 */
export async function inspectCheckout(
  runner: Runner,
  path: string,
  refs: readonly string[],
  cache?: string,
): Promise<CheckoutState> {
  const base: CheckoutState = {
    exists: kindOf(path) === "folder",
    git: false,
    branch: null,
    detachedAt: null,
    dirty: null,
    changedPaths: null,
    ref: refs[0] ?? null,
    refExists: null,
    commitsAfterRef: null,
    commitsNotPushed: null,
    error: null,
  };
  if (!base.exists || !hasOwnGit(path) || (cache !== undefined && reallyInside(path, cache))) {
    return base;
  }
  try {
    const state = await cloneState(runner, path);
    let found: Pick<CheckoutState, "ref" | "refExists" | "commitsAfterRef"> = {
      ref: base.ref,
      refExists: refs.length ? false : null,
      commitsAfterRef: null,
    };
    for (const ref of refs) {
      const after = await commitsAfter(runner, path, ref);
      if (after !== undefined) {
        found = { ref, refExists: true, commitsAfterRef: after };
        break;
      }
    }
    return {
      ...base,
      ...found,
      git: true,
      branch: state.branch ?? null,
      detachedAt: state.detachedAt ?? null,
      dirty: state.dirty,
      changedPaths: state.changedPaths,
      commitsNotPushed: state.notPushed ?? null,
    };
  } catch (e) {
    if (!(e instanceof CommandFailedError)) throw e;
    const detail = e.stderrTail.trim().split("\n").at(-1) || e.message;
    return { ...base, git: true, error: detail };
  }
}

/** A dev checkout that a mode does not install from, to look at before switching to it. */
export interface LeftCheckout {
  /** The package, as its registry entry names it. */
  readonly name: string;
  /** The checkout's absolute path. */
  readonly path: string;
  /** The path as shown to the user. */
  readonly shown: string;
  /** The refs the mode's source releases, most likely first (none for a branch or a range). */
  readonly refs: readonly string[];
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/**
 * The warning for one checkout a switch to `mode` leaves behind, e.g.
 * `warning: plug: 3 commits after v1.0.0 and 2 uncommitted changes in
 * packages/plug, which prod will not contain`; undefined when it holds no
 * such work (or git could not say).
 *
 * @param checkout the checkout
 * @param mode the mode switched to
 * @param state what git said of it
 * @returns the line, or undefined
 *
 * @example Usage
 * ```ts
 * import { leftBehindWarning } from "./checkout_state.ts";
 * import assert from "node:assert/strict";
 *
 * const state = {
 *   exists: true, git: true, branch: "main", detachedAt: null, dirty: false, changedPaths: 0,
 *   ref: "v1.0.0", refExists: true, commitsAfterRef: 3, commitsNotPushed: 0, error: null,
 * };
 * assert.equal(
 *   leftBehindWarning({ name: "plug", path: "/p/packages/plug", shown: "packages/plug", refs: ["v1.0.0"] }, "prod", state),
 *   "warning: plug: 3 commits after v1.0.0 in packages/plug, which prod will not contain",
 * );
 * ```
 */
export function leftBehindWarning(
  checkout: LeftCheckout,
  mode: string,
  state: CheckoutState,
): string | undefined {
  const parts: string[] = [];
  if (state.commitsAfterRef) {
    parts.push(`${plural(state.commitsAfterRef, "commit")} after ${state.ref}`);
  }
  if (state.dirty) parts.push(plural(state.changedPaths ?? 0, "uncommitted change"));
  if (state.commitsNotPushed) parts.push(`${plural(state.commitsNotPushed, "commit")} not pushed`);
  if (!parts.length) return undefined;
  const what = parts.length === 1
    ? parts[0]
    : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return `warning: ${checkout.name}: ${what} in ${checkout.shown}, which ${mode} will not contain`;
}

/**
 * The warnings for the checkouts a switch to `mode` leaves behind, one line
 * per checkout that holds work the mode will not contain; git asks a few at a
 * time, and never reaches a remote. A switch starts it beside its own work
 * (uv's run) and says the lines once that is done, so the promise never
 * rejects: git failing to answer is a warning of its own, not a failed switch.
 *
 * @param runner runs git
 * @param mode the mode switched to
 * @param checkouts the dev checkouts it does not install from
 * @returns the lines, in the order of `checkouts`
 */
export async function leftBehindWarnings(
  runner: Runner,
  mode: string,
  checkouts: readonly LeftCheckout[],
): Promise<string[]> {
  try {
    const states = await runPool(
      checkouts,
      CHECKOUT_JOBS,
      (c) => inspectCheckout(runner, c.path, c.refs),
    );
    return checkouts.flatMap((c, i) => leftBehindWarning(c, mode, states[i]) ?? []);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return [`warning: could not ask git about the dev checkouts ${mode} leaves behind: ${why}`];
  }
}
