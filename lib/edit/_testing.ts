/**
 * Test support for the tests of the pyproject.toml editor (pyproject_test.ts,
 * pyproject_record_test.ts, pyproject_policy_test.ts, toml/scan_test.ts,
 * tests/corpus_test.ts): plans, files as HPM writes them, and the corpus of
 * real pyproject.toml files.
 *
 * @module
 */

import assert from "node:assert/strict";
import { HpmInputError } from "../core/errors.ts";
import type { Plan, PlannedSource } from "../core/plan.ts";

/**
 * shared/corpus/pyproject/: shared/ lies beside the repository, in CI as on a
 * developer's machine.
 */
export const CORPUS: URL = new URL("../../../shared/corpus/pyproject/", import.meta.url);

/**
 * The names of the `.toml` files in `dir` (one of the corpus's folders),
 * sorted. A missing folder fails the test: a skip would pass whatever the
 * corpus would have shown, as it did when a move left the path pointing
 * nowhere.
 */
export function corpusFiles(dir: URL = CORPUS): string[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    throw new Error(
      `the corpus is missing: ${dir.pathname} (shared/ belongs beside the repository)`,
    );
  }
  return entries.filter((e) => e.isFile && e.name.endsWith(".toml")).map((e) => e.name).sort();
}

/** The comment HPM writes under `[tool.hpm]`. */
export const COMMENT = "# Managed by hpm: edit hpm.yaml and run `hpm sync` instead of " +
  "editing the entries listed here.";

/** The lines, each ended by `\n`. */
export function lines(...text: string[]): string {
  return text.map((line) => line + "\n").join("");
}

/** The fields of a record, those left out empty. */
export interface RecordFields {
  mode?: string;
  groups?: string[];
  packages?: string[];
  sources?: string[];
  indexes?: string[];
  defaultGroups?: string[];
  created?: string[];
}

/** The [tool.hpm] block as applyPlan writes it (short lists only). */
export function record(r: RecordFields): string[] {
  const list = (items: string[] = []) => `[${items.map((i) => JSON.stringify(i)).join(", ")}]`;
  return [
    "[tool.hpm]",
    COMMENT,
    `mode = "${r.mode ?? "dev"}"`,
    `groups = ${list(r.groups)}`,
    `packages = ${list(r.packages)}`,
    `sources = ${list(r.sources)}`,
    `indexes = ${list(r.indexes)}`,
    `default-groups = ${list(r.defaultGroups)}`,
    `created = ${list(r.created)}`,
  ];
}

/** A plugin's source in dev and in prod. */
export const qdrantDev: PlannedSource = {
  name: "rag4code-qdrant",
  table: [["path", "packages/rag4code-qdrant"], ["editable", true]],
};
export const qdrantProd: PlannedSource = {
  name: "rag4code-qdrant",
  table: [["git", "https://github.com/rag4code/adapter-qdrant.git"], ["tag", "v1.0.0"]],
};

/** A plan of these groups, sources and indexes. */
export function plan(
  groups: Record<string, string[]>,
  sources: PlannedSource[] = [],
  indexes: { name: string; url: string }[] = [],
  mode = "dev",
): Plan {
  return {
    mode,
    groups: Object.entries(groups).map(([name, requirements]) => ({ name, requirements })),
    sources,
    indexes,
  };
}

/** One group of one plugin, from its clone. */
export const devPlan = plan({ "vector-db": ["rag4code-qdrant"] }, [qdrantDev]);

/** The value at `path` in parsed TOML, as plain JSON data (smol-toml makes null-prototype objects). */
export function at(value: unknown, ...path: string[]): unknown {
  const found = path.reduce((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);
  return found === undefined ? undefined : JSON.parse(JSON.stringify(found));
}

/** An `assert.throws` check: an {@link HpmInputError} with this code, position and message, and a hint. */
export function inputError(code: string, line?: number, column?: number, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof HpmInputError, `expected HpmInputError, got ${e}`);
    assert.equal(e.code, code);
    if (line !== undefined) assert.equal(e.line, line);
    if (column !== undefined) assert.equal(e.column, column);
    if (message) assert.match(e.message, message);
    assert.ok(e.hint, "an error has a hint");
    return true;
  };
}
