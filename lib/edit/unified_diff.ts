/**
 * A unified text diff of pyproject.toml, for people (`hpm diff`, `hpm check`,
 * `sync --dry-run`). Its own module so that a sync, which only counts what
 * changed (`pyproject_diff.ts`), does not load the diff package.
 *
 * @module
 */

import { structuredPatch } from "diff";

/** Colours for {@link unifiedDiff}; identity functions turn colour off. */
export interface DiffColors {
  /** Added lines. */
  readonly added: (s: string) => string;
  /** Removed lines. */
  readonly removed: (s: string) => string;
  /** Hunk headers and file names. */
  readonly header: (s: string) => string;
}

const plain: DiffColors = { added: (s) => s, removed: (s) => s, header: (s) => s };

/**
 * A unified diff of two texts (empty string when equal). Line endings are
 * compared too, but shown without the `\r`.
 *
 * @param before the old text
 * @param after the new text
 * @param file the file name for the header
 * @param colors optional colouring
 * @returns the diff
 *
 * @example Usage
 * ```ts
 * import { unifiedDiff } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const d = unifiedDiff("a\nb\n", "a\nc\n", "pyproject.toml");
 * assert.match(d, /^-b$/m);
 * assert.match(d, /^\+c$/m);
 * ```
 */
export function unifiedDiff(
  before: string,
  after: string,
  file: string,
  colors: DiffColors = plain,
): string {
  if (before === after) return "";
  const patch = structuredPatch(file, file, before, after, "", "", { context: 3 });
  const out = [colors.header(`--- a/${file}`), colors.header(`+++ b/${file}`)];
  for (const h of patch.hunks) {
    out.push(colors.header(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`));
    for (const line of h.lines) {
      const shown = line.replace(/\r$/, "");
      out.push(
        line.startsWith("+")
          ? colors.added(shown)
          : line.startsWith("-")
          ? colors.removed(shown)
          : shown,
      );
    }
  }
  return out.join("\n") + "\n";
}
