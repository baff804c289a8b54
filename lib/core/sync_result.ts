/**
 * What a sync did, and the words `sync`, `check` and `diff` report it in,
 * the same from the fast path (which loads this before anything else, so it
 * imports only types) and the normal one.
 *
 * @module
 */

import type { ChangeCounts } from "../edit/pyproject_diff.ts";
import type { KeptItems } from "../edit/pyproject.ts";
import type { ModeOrigin } from "./mode.ts";
import type { Plan } from "./plan.ts";

/** What `sync` did. */
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
 * What a sync says when it is done, from the fast path or the normal one:
 * "mode prod (from flag): pyproject.toml updated (dev → prod; 2 sources
 * changed), environment synced".
 *
 * @param mode the mode synced
 * @param origin where the mode came from
 * @param change what pyproject.toml's change was, in numbers; undefined when unchanged
 * @param installed whether uv ran
 * @param develop the plugins developed in the mode (from their clones), if any
 * @returns the sentence
 */
export function syncSummary(
  mode: string,
  origin: string,
  change: ChangeCounts | undefined,
  installed: boolean,
  develop: readonly string[] = [],
): string {
  const developing = develop.length ? `; ${develop.join(", ")} from ${clones(develop)}` : "";
  return `mode ${mode} (from ${origin}${developing}): ` +
    (change ? `pyproject.toml updated${changeSummary(change)}` : "pyproject.toml unchanged") +
    (installed ? ", environment synced" : "");
}

/**
 * What `hpm diff` and `hpm sync --dry-run` print when pyproject.toml has
 * nothing to change, from the fast path or the normal one.
 */
export const ALREADY_IN_SYNC = "pyproject.toml is already in sync";

/**
 * What `hpm check` says when a file is what the mode wants, from the fast
 * path or the normal one.
 *
 * @param file `pyproject.toml` (in sync) or `uv.lock` (matches)
 * @param mode the mode checked
 * @returns the sentence
 */
export function checkPassed(file: "pyproject.toml" | "uv.lock", mode: string): string {
  return file === "uv.lock"
    ? `uv.lock matches mode ${mode}`
    : `${file} is in sync for mode ${mode}`;
}

const clones = (names: readonly string[]) => names.length === 1 ? "its clone" : "their clones";

// " (dev → prod; 2 sources, 1 group changed)": what a sync changed, in a few words.
function changeSummary(d: ChangeCounts): string {
  const count = (n: number, what: string) => n ? [`${n} ${what}${n === 1 ? "" : "s"}`] : [];
  const counts = [...count(d.sources, "source"), ...count(d.groups, "group")];
  const parts = [
    ...(d.modeBefore && d.modeAfter && d.modeBefore !== d.modeAfter
      ? [`${d.modeBefore} → ${d.modeAfter}`]
      : []),
    ...(counts.length ? [`${counts.join(", ")} changed`] : []),
  ];
  return parts.length ? ` (${parts.join("; ")})` : "";
}
