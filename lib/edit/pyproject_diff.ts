/**
 * The structured difference of two pyproject.toml documents (requirements
 * and sources added, removed, changed), for scripts and for a sync's
 * one-line summary. The text diff for people is `unified_diff.ts`.
 *
 * @module
 */

import { parseToml } from "./toml/parse.ts";

/** One group's requirement changes. */
export interface RequirementChange {
  /** `project.dependencies`, or the dependency group name. */
  readonly group: string;
  /** Requirements only in the new document. */
  readonly added: readonly string[];
  /** Requirements only in the old document. */
  readonly removed: readonly string[];
}

/** One `[tool.uv.sources]` entry that differs. */
export interface SourceChange {
  /** The package name. */
  readonly name: string;
  /** The old value, absent when added. */
  readonly before?: unknown;
  /** The new value, absent when removed. */
  readonly after?: unknown;
}

/** The structured difference of two pyproject documents. */
export interface PyprojectDiff {
  /** HPM's recorded mode in each (`[tool.hpm] mode`). */
  readonly mode: { readonly before?: string; readonly after?: string };
  /** Requirement changes per group. */
  readonly requirements: readonly RequirementChange[];
  /** Source changes. */
  readonly sources: readonly SourceChange[];
  /** `tool.uv.default-groups` before and after, when it differs. */
  readonly defaultGroups?: { readonly before?: unknown; readonly after?: unknown };
  /** Whether anything differs at all (including bytes outside these entries). */
  readonly changed: boolean;
}

/** What a sync changed, in numbers: what its one-line message says. */
export interface ChangeCounts {
  /** HPM's recorded mode before, when there was one. */
  readonly modeBefore?: string;
  /** HPM's recorded mode after. */
  readonly modeAfter?: string;
  /** Sources changed. */
  readonly sources: number;
  /** Groups whose requirements changed. */
  readonly groups: number;
}

/**
 * The numbers of a {@link PyprojectDiff}, small enough to keep.
 *
 * @param d the difference
 * @returns the mode change and the counts of changed sources and groups
 *
 * @example Usage
 * ```ts
 * import { diffPyproject } from "@hpm/cli";
 * import { changeCounts } from "./pyproject_diff.ts";
 * import assert from "node:assert/strict";
 *
 * const d = diffPyproject('[tool.hpm]\nmode = "dev"\n', '[tool.hpm]\nmode = "prod"\n');
 * assert.deepEqual(changeCounts(d), { modeBefore: "dev", modeAfter: "prod", sources: 0, groups: 0 });
 * ```
 */
export function changeCounts(d: PyprojectDiff): ChangeCounts {
  return {
    ...(d.mode.before === undefined ? {} : { modeBefore: d.mode.before }),
    ...(d.mode.after === undefined ? {} : { modeAfter: d.mode.after }),
    sources: d.sources.length,
    groups: d.requirements.length,
  };
}

type Doc = {
  project?: { dependencies?: unknown[] };
  "dependency-groups"?: Record<string, unknown[]>;
  tool?: {
    uv?: { sources?: Record<string, unknown>; "default-groups"?: unknown };
    hpm?: { mode?: string };
  };
};

const asText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The document as JSON data, to compare and print: integers past 2^53 become strings. */
function jsonOf(text: string): Doc {
  return JSON.parse(JSON.stringify(
    parseToml(text, "pyproject.toml"),
    (_key, v) =>
      typeof v === "bigint" ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v,
  ));
}

/**
 * Compare two pyproject.toml texts by meaning: requirements per group, sources,
 * default groups and HPM's mode.
 *
 * @param before the old text
 * @param after the new text
 * @returns the differences
 * @throws {HpmInputError} `toml-syntax` when either text is not valid TOML 1.0
 *
 * @example Usage
 * ```ts
 * import { diffPyproject } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const d = diffPyproject(
 *   '[dependency-groups]\nvector-db = ["a"]\n',
 *   '[dependency-groups]\nvector-db = ["a", "b==1.0"]\n',
 * );
 * assert.deepEqual(d.requirements, [{ group: "vector-db", added: ["b==1.0"], removed: [] }]);
 * ```
 */
export function diffPyproject(before: string, after: string): PyprojectDiff {
  const a = jsonOf(before);
  const b = jsonOf(after);
  const lists = (d: Doc): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    if (Array.isArray(d.project?.dependencies)) {
      out.set("project.dependencies", d.project.dependencies.map(asText));
    }
    for (const [g, reqs] of Object.entries(d["dependency-groups"] ?? {})) {
      if (Array.isArray(reqs)) out.set(g, reqs.map(asText));
    }
    return out;
  };
  const la = lists(a);
  const lb = lists(b);
  const requirements: RequirementChange[] = [];
  for (const group of new Set([...la.keys(), ...lb.keys()])) {
    const x = la.get(group) ?? [];
    const y = lb.get(group) ?? [];
    const added = y.filter((r) => !x.includes(r));
    const removed = x.filter((r) => !y.includes(r));
    if (added.length || removed.length) requirements.push({ group, added, removed });
  }
  const sa = a.tool?.uv?.sources ?? {};
  const sb = b.tool?.uv?.sources ?? {};
  const sources: SourceChange[] = [];
  for (const name of new Set([...Object.keys(sa), ...Object.keys(sb)])) {
    if (JSON.stringify(sa[name]) !== JSON.stringify(sb[name])) {
      sources.push({ name, before: sa[name], after: sb[name] });
    }
  }
  const dga = a.tool?.uv?.["default-groups"];
  const dgb = b.tool?.uv?.["default-groups"];
  return {
    mode: { before: a.tool?.hpm?.mode, after: b.tool?.hpm?.mode },
    requirements,
    sources,
    defaultGroups: JSON.stringify(dga) === JSON.stringify(dgb)
      ? undefined
      : { before: dga, after: dgb },
    changed: before !== after,
  };
}
