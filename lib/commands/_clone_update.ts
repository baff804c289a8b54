/**
 * `hpm clone --update`: bring an existing dev checkout up to date with its
 * remote, only when that cannot lose or mix anyone's work: a clean clone on a
 * branch that is behind its upstream is fast-forwarded; one with uncommitted
 * changes, unpushed commits, a detached HEAD or no upstream is left exactly
 * as it is, and the reason reported.
 *
 * @module
 */

import {
  aheadBehind,
  cloneState,
  fastForward,
  fetchRemote,
  hasOwnGit,
  upstreamOf,
} from "../io/git.ts";
import type { Runner } from "../io/runner.ts";

/** What {@link updateCheckout} did. */
export interface UpdateOutcome {
  /** `updated` (fast-forwarded), `current` (nothing to pull), `kept` (left alone). */
  readonly status: "updated" | "current" | "kept";
  /** What was pulled, or why it was left alone. */
  readonly reason?: string;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/**
 * Fetch and fast-forward one checkout when it is clean and only behind.
 *
 * @param runner runs git
 * @param dir the checkout
 * @param env extra environment for `git fetch`
 * @returns what happened
 * @throws {CommandFailedError} when fetching or fast-forwarding fails
 */
export async function updateCheckout(
  runner: Runner,
  dir: string,
  env?: Readonly<Record<string, string>>,
): Promise<UpdateOutcome> {
  if (!hasOwnGit(dir)) return { status: "kept", reason: "not a git clone of its own" };
  const state = await cloneState(runner, dir);
  if (state.branch === undefined) {
    return { status: "kept", reason: `detached at ${state.detachedAt}, not on a branch` };
  }
  if (state.dirty) {
    return { status: "kept", reason: plural(state.changedPaths, "uncommitted change") };
  }
  if ((await upstreamOf(runner, dir)) === undefined) {
    return { status: "kept", reason: `branch ${state.branch} tracks no remote branch` };
  }
  await fetchRemote(runner, dir, env);
  const { ahead, behind } = await aheadBehind(runner, dir);
  if (ahead > 0) {
    const pull = behind > 0 ? `, ${behind} to pull: diverged` : "";
    return { status: "kept", reason: `${plural(ahead, "commit")} not pushed${pull}` };
  }
  if (behind === 0) return { status: "current" };
  const { from, to } = await fastForward(runner, dir);
  return {
    status: "updated",
    reason: `fast-forwarded ${plural(behind, "commit")} (${from}..${to})`,
  };
}
