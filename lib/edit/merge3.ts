/**
 * A three-way merge of texts by lines, with `git merge-file`'s rule: what
 * changed from `base` to `ours` and from `base` to `theirs` is combined when
 * the changes touch different lines; changes to the same lines, or to lines
 * next to each other, conflict unless they are the same change. Line endings
 * are kept as they are (a line is its text and its `\n` or `\r\n`). Pure.
 *
 * @module
 */

import { diffArrays } from "diff";

/** Lines both sides changed differently. */
export interface MergeConflict {
  /** The first line of `base` concerned (1-based). */
  readonly line: number;
  /** How many lines of `base` it spans (0: both sides inserted there). */
  readonly baseLines: number;
  /** What `ours` has there. */
  readonly ours: string;
  /** What `theirs` has there. */
  readonly theirs: string;
}

/** The merged text, or the conflicts that stop it. */
export type MergeResult =
  | { readonly text: string }
  | { readonly conflicts: readonly MergeConflict[] };

// base's lines [start, end) replaced by `lines`.
interface Hunk {
  readonly start: number;
  end: number;
  readonly lines: string[];
}

const linesOf = (text: string) => text === "" ? [] : text.split(/(?<=\n)/);

function hunks(base: readonly string[], other: readonly string[]): Hunk[] {
  const out: Hunk[] = [];
  let at = 0;
  let current: Hunk | undefined;
  for (const change of diffArrays([...base], [...other])) {
    if (!change.added && !change.removed) {
      if (current) out.push(current);
      current = undefined;
      at += change.count;
      continue;
    }
    current ??= { start: at, end: at, lines: [] };
    if (change.removed) {
      current.end += change.count;
      at += change.count;
    } else current.lines.push(...change.value);
  }
  if (current) out.push(current);
  return out;
}

// base[start, end) with the hunks inside it applied.
function applied(base: readonly string[], start: number, end: number, within: readonly Hunk[]) {
  const out: string[] = [];
  let at = start;
  for (const h of within) {
    out.push(...base.slice(at, h.start), ...h.lines);
    at = h.end;
  }
  out.push(...base.slice(at, end));
  return out.join("");
}

/**
 * Merge `ours` and `theirs`, both changed from `base`.
 *
 * @param base the common ancestor
 * @param ours one side (the user's working copy)
 * @param theirs the other side (what was pulled)
 * @returns the merged text, or every conflict
 *
 * @example Usage
 * ```ts
 * import { mergeThreeWay } from "./merge3.ts";
 * import assert from "node:assert/strict";
 *
 * const base = "a\nb\nc\nd\ne\n";
 * assert.deepEqual(mergeThreeWay(base, "A\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n"), {
 *   text: "A\nb\nc\nd\nE\n",
 * });
 * assert.ok("conflicts" in mergeThreeWay(base, "a\nB\nc\nd\ne\n", "a\nb2\nc\nd\ne\n"));
 * ```
 */
export function mergeThreeWay(base: string, ours: string, theirs: string): MergeResult {
  if (ours === theirs || theirs === base) return { text: ours };
  if (ours === base) return { text: theirs };
  const lines = linesOf(base);
  const sides = [hunks(lines, linesOf(ours)), hunks(lines, linesOf(theirs))];
  const all = [...sides[0].map((h) => ({ h, side: 0 })), ...sides[1].map((h) => ({ h, side: 1 }))]
    .sort((a, b) => a.h.start - b.h.start || a.h.end - b.h.end);
  const out: string[] = [];
  const conflicts: MergeConflict[] = [];
  let at = 0;
  for (let i = 0; i < all.length;) {
    // A cluster: hunks that overlap or touch, from either side.
    const start = all[i].h.start;
    let end = all[i].h.end;
    let j = i + 1;
    while (j < all.length && all[j].h.start <= end) end = Math.max(end, all[j++].h.end);
    const cluster = all.slice(i, j);
    const mine = cluster.filter((c) => c.side === 0).map((c) => c.h);
    const other = cluster.filter((c) => c.side === 1).map((c) => c.h);
    out.push(...lines.slice(at, start));
    const a = applied(lines, start, end, mine);
    const b = applied(lines, start, end, other);
    if (!mine.length || !other.length || a === b) out.push(mine.length ? a : b);
    else conflicts.push({ line: start + 1, baseLines: end - start, ours: a, theirs: b });
    at = end;
    i = j;
  }
  out.push(...lines.slice(at));
  return conflicts.length ? { conflicts } : { text: out.join("") };
}
