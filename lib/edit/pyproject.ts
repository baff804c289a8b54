/**
 * The surgical pyproject.toml editor: makes the file hold exactly what a
 * {@link Plan} says HPM manages, and touches no byte outside HPM's entries.
 *
 * What HPM owns is recorded in a `[tool.hpm]` table at the end of the file;
 * only entries listed there are ever changed or removed, and in HPM's groups
 * only the items it recorded: what the user adds to them stays. Applying an
 * empty plan removes everything HPM wrote and gives back the file as it was
 * before HPM's first edit, byte for byte (a group holding items of the user's
 * stays, with those items).
 *
 * @module
 */

import { posix } from "node:path";
import { HpmInputError, type SourcePosition } from "../core/errors.ts";
import { normalizeName } from "../core/names.ts";
import type { Plan, PlannedIndex, SourceTable } from "../core/plan.ts";
import { parseToml, scanTomlFile, type TomlTable } from "./toml/parse.ts";
import {
  type ArrayValue,
  type KeyValue,
  lineColumn,
  type ScannedToml,
  type ScannedValue,
  scanToml,
  type TableRegion,
} from "./toml/scan.ts";

/** What HPM owns in a pyproject.toml, as recorded in its `[tool.hpm]` table. */
export interface ManagedRecord {
  /** The mode of the last apply. */
  readonly mode: string;
  /** `[dependency-groups]` keys HPM wrote, in plan order. */
  readonly groups: readonly string[];
  /**
   * The items HPM wrote into those groups, as `group/package` (normalised
   * names), sorted. Anything else in a group is the user's and is kept.
   * Undefined in a record from before HPM recorded items: then every item
   * of its groups is HPM's.
   */
  readonly packages?: readonly string[];
  /** `[tool.uv.sources]` keys HPM wrote, sorted. */
  readonly sources: readonly string[];
  /** Names of the `[[tool.uv.index]]` entries HPM wrote, sorted. */
  readonly indexes: readonly string[];
  /**
   * Elements HPM put into `tool.uv.default-groups`, sorted. When HPM created
   * that key (see `created`), these are HPM's groups in it.
   */
  readonly defaultGroups: readonly string[];
  /**
   * Tables and keys HPM created, sorted: any of `dependency-groups`,
   * `tool.uv`, `tool.uv.sources`, `tool.uv.default-groups`. HPM deletes them
   * again once it no longer needs them.
   */
  readonly created: readonly string[];
}

/** Items of the user's that {@link applyPlan} kept in a group HPM manages (or managed). */
export interface KeptItems {
  /** The group. */
  readonly group: string;
  /** The items, as written (`"pytest-mock>=3.14"`). */
  readonly items: readonly string[];
  /** Whether HPM no longer manages the group: it stays only for these items. */
  readonly handedOver: boolean;
}

/** The result of {@link applyPlan}. */
export interface ApplyResult {
  /** The new file text (the very same string when nothing changed). */
  readonly text: string;
  /** Whether `text` differs from the input. */
  readonly changed: boolean;
  /** What the user added to HPM's groups, which HPM kept. */
  readonly kept: readonly KeptItems[];
}

/** Options of {@link applyPlan}. */
export interface ApplyOptions {
  /**
   * Take entries the user has that are exactly what the plan would write as
   * HPM's (recovery after `[tool.hpm]` was deleted). An entry that differs is
   * still a conflict.
   */
  readonly adopt?: boolean;
}

type Path = readonly string[];

const DEPENDENCY_GROUPS: Path = ["dependency-groups"];
const TOOL_UV: Path = ["tool", "uv"];
const SOURCES: Path = ["tool", "uv", "sources"];
const INDEX: Path = ["tool", "uv", "index"];
const DEFAULT_GROUPS: Path = ["tool", "uv", "default-groups"];
const RECORD: Path = ["tool", "hpm"];
const CREATED_DEFAULT_GROUPS = "tool.uv.default-groups";
const MAX_LINE = 88;
const RECORD_COMMENT = "# Managed by hpm: edit hpm.yaml and run `hpm sync` instead of " +
  "editing the entries listed here.";
// Blocks HPM adds at the end of the file keep this order, so that taking one
// away and adding it back (a mode switch) puts it where it was.
const RANK_INDEX = 3;
const RANK_RECORD = 4;
const CREATED_RANK: Readonly<Record<string, number>> = {
  "dependency-groups": 0,
  "tool.uv": 1,
  "tool.uv.sources": 2,
};
const CREATED = [...Object.keys(CREATED_RANK), CREATED_DEFAULT_GROUPS];
const LAYOUT_HINT = "write it as a table with its own [header] line so hpm can add its " +
  "entries next to yours";
const recordHint = (mode = "MODE") =>
  "restore [tool.hpm] from version control, or delete it and run " +
  `\`hpm sync --mode ${mode} --adopt\` to take back the entries that match what hpm would write`;

/**
 * A plan that manages nothing: applying it removes every entry HPM wrote.
 *
 * @param mode the mode to record (it is not written: an empty plan leaves no record)
 * @returns a plan with no groups, sources or indexes
 *
 * @example Usage
 * ```ts
 * import { emptyPlan } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(emptyPlan("dev"), { mode: "dev", groups: [], sources: [], indexes: [] });
 * ```
 */
export function emptyPlan(mode: string): Plan {
  return { mode, groups: [], sources: [], indexes: [] };
}

/**
 * Read HPM's `[tool.hpm]` record from pyproject.toml text.
 *
 * @param text the pyproject.toml text
 * @param file the file name used in error positions
 * @returns the record, or undefined when the file has no `[tool.hpm]` table
 * @throws {HpmInputError} `toml-syntax` when the text is not valid TOML 1.0;
 *   `toml-layout` when `[tool.hpm]` is not a record HPM wrote
 *
 * @example Usage
 * ```ts
 * import { readManaged } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const text = [
 *   "[tool.hpm]",
 *   'mode = "prod"',
 *   'groups = ["vector-db"]',
 *   'sources = ["rag4code-qdrant"]',
 *   "indexes = []",
 *   'default-groups = ["vector-db"]',
 *   'created = ["dependency-groups"]',
 *   "",
 * ].join("\n");
 * assert.equal(readManaged(text)?.mode, "prod");
 * assert.deepEqual(readManaged(text)?.defaultGroups, ["vector-db"]);
 * assert.equal(readManaged('[project]\nname = "core"\n'), undefined);
 * ```
 */
export function readManaged(text: string, file = "pyproject.toml"): ManagedRecord | undefined {
  return recordOf(parseToml(text, file), text, file);
}

/** A package a {@link Plan} installs. */
export interface PlannedPackage {
  /** Its name as the plan writes it (`Rag4Code-Qdrant`). */
  readonly name: string;
  /** The requirement the plan writes for it (`rag4code-qdrant==1.2.0`). */
  readonly requirement: string;
}

/**
 * Every package `plan` installs: the plugins of its groups (those only needed
 * by others included), by normalised name. These are the packages HPM
 * manages: their source in pyproject.toml and uv.lock is the mode's, or none.
 *
 * @param plan the plan
 * @returns the packages, by normalised name
 *
 * @example Usage
 * ```ts
 * import { plannedPackages } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const plan = {
 *   mode: "prod",
 *   groups: [{ name: "llm", requirements: ["Rag4Code_OpenAI==1.2.0"] }],
 *   sources: [],
 *   indexes: [],
 * };
 * assert.deepEqual(
 *   plannedPackages(plan).get("rag4code-openai"),
 *   { name: "Rag4Code_OpenAI", requirement: "Rag4Code_OpenAI==1.2.0" },
 * );
 * ```
 */
export function plannedPackages(plan: Plan): ReadonlyMap<string, PlannedPackage> {
  const packages = new Map<string, PlannedPackage>();
  for (const requirement of plan.groups.flatMap((g) => g.requirements)) {
    const name = nameAsWritten(requirement);
    if (name !== undefined && !packages.has(normalizeName(name))) {
      packages.set(normalizeName(name), { name, requirement });
    }
  }
  return packages;
}

/**
 * What in pyproject.toml gives a package `plan` installs another source than
 * the plan's, and was not written by HPM: a `[tool.uv.sources]` entry (a
 * local path, another git URL or ref, an index, or any source where the plan
 * writes none), or a requirement with a URL (`plug @ file:///…`) in a list of
 * the user's. Whoever wrote it, it would install that package from somewhere
 * the mode does not say. One line each, starting
 * `pyproject.toml:LINE:COLUMN:`. Pure.
 *
 * ({@link applyPlan} refuses such a file: the entry collides with the plan.)
 *
 * @param text the pyproject.toml text
 * @param plan the mode's plan
 * @param file the file name used in error positions
 * @returns the entries, one sentence each; empty when there is none
 * @throws {HpmInputError} `toml-syntax` when the text is not valid TOML 1.0;
 *   `toml-layout` when `[tool.hpm]` is damaged
 *
 * @example Usage
 * ```ts
 * import { foreignSources } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const plan = {
 *   mode: "prod",
 *   groups: [{ name: "db", requirements: ["q==1.0.0"] }],
 *   sources: [],
 *   indexes: [],
 * };
 * const text = '[tool.uv.sources]\nq = { path = "packages/q", editable = true }\n';
 * assert.deepEqual(foreignSources(text, plan), [
 *   'pyproject.toml:2:1: [tool.uv.sources] q = { path = "packages/q", editable = true } is ' +
 *   "not mode prod's source for q (mode prod installs q==1.0.0 from the package index, with " +
 *   "no source)",
 * ]);
 * assert.deepEqual(foreignSources('[tool.uv.sources]\nmine = { path = "../mine" }\n', plan), []);
 * ```
 */
export function foreignSources(text: string, plan: Plan, file = "pyproject.toml"): string[] {
  const parsed = parseToml(text, file);
  const record = recordOf(parsed, text, file, plan.mode);
  const sources = usersSources(parsed, plan, new Set(record?.sources.map(normalizeName)))
    .filter((s) => !s.wanted || !sameSource(s.value, s.wanted));
  const references = directReferences(parsed, plan, new Set(record?.groups.map(normalizeName)));
  if (!sources.length && !references.length) return [];
  const scan = scanTomlFile(text, file);
  const line = (offset: number | undefined, what: string, source: ManagedSource) => {
    const { line, column } = lineColumn(text, offset ?? 0);
    return `pyproject.toml:${line}:${column}: ${what} is not mode ${plan.mode}'s source for ` +
      `${source.name} (${modesSource(source, plan.mode)})`;
  };
  return [
    ...sources.map((s) =>
      line(
        locate(scan, [...SOURCES, s.key]),
        `[${dotted(SOURCES)}] ${renderKey(s.key)} = ${renderValue(s.value)}`,
        s,
      )
    ),
    ...references.map((r) =>
      line(referenceOffset(scan, r), `${tomlString(r.item)} in \`${dotted(r.path)}\``, r)
    ),
  ];
}

/**
 * Make pyproject.toml hold exactly what `plan` says HPM manages: its
 * dependency groups, `[tool.uv.sources]` entries, `[[tool.uv.index]]` entries,
 * HPM's groups in `tool.uv.default-groups`, and the `[tool.hpm]` record. Every
 * other byte is kept: comments, blank lines, order, quoting, indentation, line
 * endings and a byte order mark. New lines use the file's line ending.
 *
 * A file without a final newline keeps having none, so that removing
 * everything HPM wrote gives back the very same bytes.
 *
 * @param text the current pyproject.toml text
 * @param plan what HPM must manage
 * @param file the file name used in error positions
 * @param options `adopt`: take the user's entries that are exactly what the
 *   plan would write as HPM's
 * @returns the new text, whether it changed (an unchanged result is the very
 *   same string), and the user's items kept in HPM's groups
 * @throws {HpmInputError} `toml-syntax` when the text is not valid TOML 1.0;
 *   `conflict` when the plan needs a group, source or index name the user
 *   already wrote (unless `adopt` and it matches exactly); `toml-layout` when a table HPM must extend is written in a
 *   form it cannot safely extend (an inline table or dotted keys), or when
 *   `[tool.hpm]` is damaged; `schema` when a value cannot be written
 *   as TOML
 *
 * @example Usage
 * ```ts
 * import { applyPlan, emptyPlan } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const original = '[project]\nname = "core"\n';
 * const plan = {
 *   mode: "dev",
 *   groups: [{ name: "vector-db", requirements: ["rag4code-qdrant"] }],
 *   sources: [{
 *     name: "rag4code-qdrant",
 *     table: [["path", "packages/rag4code-qdrant"], ["editable", true]] as const,
 *   }],
 *   indexes: [],
 * };
 * const { text, changed } = applyPlan(original, plan);
 * assert.ok(changed);
 * assert.match(text, /^vector-db = \["rag4code-qdrant"\]$/m);
 * assert.match(
 *   text,
 *   /^rag4code-qdrant = \{ path = "packages\/rag4code-qdrant", editable = true \}$/m,
 * );
 * assert.equal(applyPlan(text, plan).changed, false);
 * assert.equal(applyPlan(text, emptyPlan("dev")).text, original);
 * ```
 */
export function applyPlan(
  text: string,
  plan: Plan,
  file = "pyproject.toml",
  options: ApplyOptions = {},
): ApplyResult {
  const parsed = parseToml(text, file);
  const record = recordOf(parsed, text, file, plan.mode);
  const newline = text.indexOf("\n");
  const eol = newline > 0 && text[newline - 1] === "\r" ? "\r\n" : "\n";
  // Statements are edited as whole lines, so the last one needs its newline
  // while editing; it is taken off again at the end.
  const noFinalNewline = text.length > 0 && text !== "\uFEFF" && !text.endsWith("\n");
  const start = noFinalNewline ? text + eol : text;
  const doc = new Doc(start, eol, file);
  const ctx: Context = {
    doc,
    plan,
    parsed,
    record,
    ownedGroups: new Set(record?.groups.map(normalizeName)),
    ownedSources: new Set(record?.sources.map(normalizeName)),
    ownedIndexes: new Set(record?.indexes),
    ownedItems: record?.packages && new Set(record.packages),
    created: new Set(record?.created.filter((name) => CREATED.includes(name))),
    defaultGroups: [],
    adoptedGroups: new Set(),
    kept: [],
  };
  const adopted = checkConflicts(ctx, options.adopt ?? false);
  // With a record, what HPM created is known; without one, it is inferred.
  if (adopted && !record) adoptCreated(ctx);
  removeStaleEntries(ctx);
  removeStaleDefaultGroups(ctx);
  writeGroups(ctx);
  writeDefaultGroups(ctx);
  writeSources(ctx);
  writeIndexes(ctx);
  removeEmptyCreatedTables(ctx);
  writeRecord(ctx);
  if (doc.text === start) return { text, changed: false, kept: ctx.kept };
  const result = noFinalNewline && doc.text.endsWith(eol)
    ? doc.text.slice(0, -eol.length)
    : doc.text;
  verify(result, plan, file, ctx.kept);
  return { text: result, changed: true, kept: ctx.kept };
}

interface Context {
  readonly doc: Doc;
  readonly plan: Plan;
  /** The input, parsed: the user's entries, which HPM never edits. */
  readonly parsed: TomlTable;
  readonly record: ManagedRecord | undefined;
  readonly ownedGroups: Set<string>;
  readonly ownedSources: Set<string>;
  readonly ownedIndexes: Set<string>;
  /** `group/package` items HPM wrote; undefined for a record that predates them. */
  readonly ownedItems: ReadonlySet<string> | undefined;
  readonly created: Set<string>;
  defaultGroups: string[];
  /** Groups taken over by `adopt`: their default-groups elements are HPM's too. */
  readonly adoptedGroups: Set<string>;
  /** The user's items in HPM's groups, kept. */
  readonly kept: KeptItems[];
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The text being edited; it is rescanned after each edit. */
class Doc {
  #scan?: ScannedToml;
  readonly #original: string;
  /** Every edit made, in order: errors point into the file as the user has it. */
  readonly #history: { start: number; removed: number; inserted: number }[] = [];

  constructor(public text: string, readonly eol: string, readonly file: string) {
    this.#original = text;
  }

  get scan(): ScannedToml {
    this.#scan ??= scanTomlFile(this.text, this.file);
    return this.#scan;
  }

  edit(...edits: Edit[]): void {
    for (const e of [...edits].sort((a, b) => b.start - a.start)) {
      this.text = this.text.slice(0, e.start) + e.text + this.text.slice(e.end);
      this.#history.push({ start: e.start, removed: e.end - e.start, inserted: e.text.length });
    }
    this.#scan = undefined;
  }

  insert(at: number, text: string): void {
    this.edit({ start: at, end: at, text });
  }

  remove(start: number, end: number): void {
    this.edit({ start, end, text: "" });
  }

  /** The position in the original text of `offset` in the edited text. */
  where(offset: number): SourcePosition {
    let at = offset;
    for (const e of this.#history.toReversed()) {
      if (at >= e.start + e.inserted) at += e.removed - e.inserted;
      else if (at > e.start) at = e.start;
    }
    return { file: this.file, ...lineColumn(this.#original, at) };
  }

  region(path: Path): TableRegion | undefined {
    return this.scan.regions.find((r) =>
      r.header && !r.header.array && samePath(r.header.path, path)
    );
  }

  lineStartOf(offset: number): number {
    // lastIndexOf treats a negative position as 0, which would find a newline at offset 0.
    const lineStart = offset > 0 ? this.text.lastIndexOf("\n", offset - 1) + 1 : 0;
    return Math.max(lineStart, this.scan.contentStart);
  }

  lineEndAfter(offset: number): number {
    const newline = this.text.indexOf("\n", offset);
    return newline < 0 ? this.text.length : newline + 1;
  }

  /**
   * Where the block whose first line starts at `lineStart` begins, counting the
   * blank line HPM writes before each table it adds.
   */
  blankLineBefore(lineStart: number): number {
    if (lineStart <= this.scan.contentStart) return lineStart;
    const previous = this.lineStartOf(lineStart - 1);
    return /^[ \t]*\r?\n$/.test(this.text.slice(previous, lineStart)) ? previous : lineStart;
  }

  blockStart(region: TableRegion): number {
    return this.blankLineBefore(region.header!.lineStart);
  }

  blockEnd(region: TableRegion): number {
    return region.entries.at(-1)?.lineEnd ?? region.header!.lineEnd;
  }

  /** What HPM puts before a table it adds at `at`: a blank line, unless at the very top. */
  separatorAt(at: number): string {
    return at > this.scan.contentStart ? this.eol : "";
  }
}

function recordOf(
  parsed: TomlTable,
  text: string,
  file: string,
  planMode?: string,
): ManagedRecord | undefined {
  const table = valueAt(parsed, RECORD);
  if (table === undefined) return undefined;
  const fail = (path: Path, expected: string): never => {
    const scan = scanToml(text);
    const offset = locate(scan, path) ?? locate(scan, RECORD);
    const where = offset === undefined ? { file } : { file, ...lineColumn(text, offset) };
    throw new HpmInputError(
      "toml-layout",
      `cannot read hpm's record in ${file}: \`${dotted(path)}\` must be ${expected}`,
      where,
      recordHint(planMode),
    );
  };
  if (!isTable(table)) return fail(RECORD, "a table");
  const list = (key: string): string[] => {
    const value = table[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      return fail([...RECORD, key], "an array of strings");
    }
    return value;
  };
  const mode = table.mode;
  if (typeof mode !== "string") return fail([...RECORD, "mode"], "a string");
  return {
    mode,
    groups: list("groups"),
    packages: table.packages === undefined ? undefined : list("packages"),
    sources: list("sources"),
    indexes: list("indexes"),
    defaultGroups: list("default-groups"),
    created: list("created"),
  };
}

function sameRequirements(value: unknown, requirements: readonly string[]): boolean {
  return Array.isArray(value) && value.length === requirements.length &&
    value.every((v, i) => v === requirements[i]);
}

/**
 * Whether a source value means what `table` says to uv: key order, `./` in a
 * path and an explicit `editable = false` (uv's default) make no difference.
 */
function sameSource(value: unknown, table: SourceTable): boolean {
  if (!isTable(value)) return false;
  const canonical = (t: TomlTable): TomlTable => {
    const out = { ...t };
    if (out.editable === false) delete out.editable;
    if (typeof out.path === "string") out.path = posix.normalize(out.path).replace(/(.)\/$/, "$1");
    return out;
  };
  const a = canonical(value);
  const b = canonical(Object.fromEntries(table));
  return Object.keys(a).length === Object.keys(b).length &&
    Object.keys(a).every((k) => a[k] === b[k]);
}

function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

function valueAt(root: TomlTable, path: Path): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (!isTable(value)) return undefined;
    value = value[key];
  }
  return value;
}

function samePath(a: Path, b: Path): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** Whether `a` is `b` or one of its ancestors. */
function isPrefix(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((k, i) => k === b[i]);
}

function dotted(path: Path): string {
  return path.map(renderKey).join(".");
}

// ---------------------------------------------------------------------------
// Rendering. Every string goes through tomlString: values come from registries.

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r",
};

function tomlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch in SHORT_ESCAPES) out += SHORT_ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else if (code >= 0xd800 && code <= 0xdfff) {
      throw new HpmInputError(
        "schema",
        `cannot write ${JSON.stringify(value)} to pyproject.toml: it is not valid Unicode`,
        undefined,
        "fix the value in the registry",
      );
    } else out += ch;
  }
  return out + '"';
}

function renderKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

/** An array of strings: on one line when `prefix` plus the array fit, else one element a line. */
function renderArray(prefix: string, items: readonly string[], eol: string): string {
  return renderRawArray(prefix, items.map(tomlString), eol);
}

/** {@link renderArray} for elements already rendered (the user's, kept as written). */
function renderRawArray(prefix: string, items: readonly string[], eol: string): string {
  const oneLine = `[${items.join(", ")}]`;
  if (items.length === 0 || prefix.length + oneLine.length <= MAX_LINE) return oneLine;
  return `[${eol}${items.map((item) => `    ${item},${eol}`).join("")}]`;
}

function renderOneLineArray(items: readonly string[]): string {
  return `[${items.map(tomlString).join(", ")}]`;
}

function renderInlineTable(table: SourceTable): string {
  return renderValue(Object.fromEntries(table));
}

/** A value as TOML on one line (inline tables, arrays), for messages and {@link renderInlineTable}. */
function renderValue(value: unknown): string {
  if (typeof value === "string") return tomlString(value);
  if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
  if (value instanceof Date) return value.toISOString();
  if (!isTable(value)) return String(value);
  const entries = Object.entries(value).map(([k, v]) => `${renderKey(k)} = ${renderValue(v)}`);
  return entries.length ? `{ ${entries.join(", ")} }` : "{}";
}

function renderIndex(index: PlannedIndex, eol: string): string {
  return [
    "[[tool.uv.index]]",
    `name = ${tomlString(index.name)}`,
    `url = ${tomlString(index.url)}`,
    "explicit = true",
    "",
  ].join(eol);
}

function renderRecord(record: ManagedRecord, eol: string): string {
  const array = (key: string, items: readonly string[]) =>
    `${key} = ${renderArray(`${key} = `, items, eol)}`;
  return [
    "[tool.hpm]",
    RECORD_COMMENT,
    `mode = ${tomlString(record.mode)}`,
    array("groups", record.groups),
    array("packages", record.packages ?? []),
    array("sources", record.sources),
    array("indexes", record.indexes),
    array("default-groups", record.defaultGroups),
    array("created", record.created),
    "",
  ].join(eol);
}

// ---------------------------------------------------------------------------
// Finding things.

/**
 * Offset of the key that defines `path` (or the first thing inside it), looking
 * into inline tables too.
 */
function locate(scan: ScannedToml, path: Path): number | undefined {
  const within = (full: Path, keyStart: number, value: ScannedValue): number | undefined => {
    if (isPrefix(path, full)) return keyStart;
    if (!isPrefix(full, path) || value.kind !== "inline-table") return undefined;
    for (const entry of value.entries) {
      const found = within([...full, ...entry.key], entry.keyStart, entry.value);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  for (const statement of scan.statements) {
    if (statement.kind === "header") {
      if (isPrefix(path, statement.path)) return statement.keyStart;
    } else {
      const found = within(
        [...statement.table, ...statement.key],
        statement.keyStart,
        statement.value,
      );
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The statement whose full key path is `path`. One under an `[[array]]` header
 * (or under a table in one) is in an element of the array, not at `path`.
 */
function findKey(scan: ScannedToml, path: Path): KeyValue | undefined {
  const inArray = (table: Path) =>
    scan.statements.some((s) => s.kind === "header" && s.array && isPrefix(s.path, table));
  for (const statement of scan.statements) {
    if (
      statement.kind === "keyvalue" && samePath([...statement.table, ...statement.key], path) &&
      !inArray(statement.table)
    ) {
      return statement;
    }
  }
  return undefined;
}

function entryName(kv: KeyValue): string | undefined {
  return kv.key.length === 1 ? normalizeName(kv.key[0]) : undefined;
}

/**
 * HPM's entry `name` in the table at `path`. HPM only ever writes it as a
 * `name = value` line under the table's header; if it is found elsewhere the
 * user moved it, and HPM cannot edit it safely.
 */
function ownedEntry(ctx: Context, path: Path, name: string): KeyValue | undefined {
  const wanted = normalizeName(name);
  const kv = ctx.doc.region(path)?.entries.find((e) => entryName(e) === wanted);
  if (kv) return kv;
  const table = valueAt(ctx.parsed, path);
  const moved = isTable(table)
    ? Object.keys(table).find((k) => normalizeName(k) === wanted)
    : undefined;
  if (moved === undefined) return undefined;
  const offset = locate(ctx.doc.scan, [...path, moved]);
  throw new HpmInputError(
    "toml-layout",
    `cannot update hpm's entry \`${moved}\` in ${ctx.doc.file}: it is no longer a line under ` +
      `[${dotted(path)}]`,
    offset === undefined ? { file: ctx.doc.file } : ctx.doc.where(offset),
    `move it back under the [${dotted(path)}] header, or delete it and run ` +
      `\`hpm sync --mode ${ctx.plan.mode}\` again`,
  );
}

function indexRegions(doc: Doc): TableRegion[] {
  return doc.scan.regions.filter((r) => r.header?.array && samePath(r.header.path, INDEX));
}

function indexNameEntry(region: TableRegion): KeyValue | undefined {
  return region.entries.find((kv) => samePath(kv.key, ["name"]) && kv.value.kind === "string");
}

function indexRegion(doc: Doc, name: string): TableRegion | undefined {
  return indexRegions(doc).find((r) => {
    const value = indexNameEntry(r)?.value;
    return value?.kind === "string" && value.value === name;
  });
}

// ---------------------------------------------------------------------------
// Checks.

/** The error for an entry the user wrote where HPM needs to write `wanted`. */
function conflict(
  ctx: Context,
  what: string,
  name: string,
  existing: string,
  offset: number | undefined,
  wanted: string,
  hint: string,
): HpmInputError {
  return collision(
    ctx,
    offset,
    (at) =>
      `cannot write ${what} "${name}": ${at} already has ${what} "${existing}", which hpm did ` +
      `not write (hpm would write ${wanted})`,
    hint,
  );
}

/** A `conflict` error for the user's entry at `offset`, the message given where it is. */
function collision(
  ctx: Context,
  offset: number | undefined,
  message: (at: string) => string,
  hint: string,
): HpmInputError {
  const where = offset === undefined ? { file: ctx.doc.file } : ctx.doc.where(offset);
  const at = where.line === undefined ? where.file : `${where.file}:${where.line}:${where.column}`;
  return new HpmInputError("conflict", message(at), where, hint);
}

function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    isTable(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
      : Array.isArray(v)
      ? v.map(canonical)
      : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * After an adoption, the tables that hold nothing but adopted entries are
 * taken to be ones HPM created (as it would have recorded), so that removing
 * the plugins later gives back the file as it was before HPM.
 */
function adoptCreated(ctx: Context): void {
  const { doc } = ctx;
  const onlyOwned = (path: Path, owned: ReadonlySet<string>) => {
    const region = doc.region(path);
    return region !== undefined && region.entries.length > 0 &&
      region.entries.every((kv) => owned.has(entryName(kv) ?? ""));
  };
  if (onlyOwned(DEPENDENCY_GROUPS, ctx.ownedGroups)) ctx.created.add("dependency-groups");
  if (onlyOwned(SOURCES, ctx.ownedSources)) ctx.created.add("tool.uv.sources");
  const defaults = findKey(doc.scan, DEFAULT_GROUPS)?.value;
  if (defaults?.kind === "array") {
    const names = defaults.elements.map((e) => e.value.kind === "string" ? e.value.value : "");
    const expected = createdDefaultGroups(ctx, [...ctx.adoptedGroups]);
    if (sameJson(names.map(normalizeName), expected.map(normalizeName))) {
      ctx.created.add(CREATED_DEFAULT_GROUPS);
      const uv = doc.region(TOOL_UV);
      if (uv?.entries.every((kv) => samePath(kv.key, ["default-groups"]))) {
        ctx.created.add("tool.uv");
      }
    }
  }
}

/** A package the plan installs, and its source there. */
interface ManagedSource {
  /** The package, normalised. */
  readonly name: string;
  /** The requirement the plan writes for it. */
  readonly requirement: string;
  /** The plan's source for the package; undefined when it writes none. */
  readonly wanted?: SourceTable;
}

/** A `[tool.uv.sources]` entry HPM did not write, for a package the plan installs. */
interface UsersSource extends ManagedSource {
  /** The key as written. */
  readonly key: string;
  readonly value: unknown;
}

/** A requirement of the user's with a URL (`plug @ file:///…`) for a package the plan installs. */
interface DirectReference extends ManagedSource {
  /** The list it is in. */
  readonly path: Path;
  /** The requirement as written. */
  readonly item: string;
}

/**
 * The entries of `[tool.uv.sources]` that are not HPM's (`owned`) for the
 * packages `plan` installs: whoever wrote them, they decide where a package
 * HPM manages comes from.
 */
function usersSources(parsed: TomlTable, plan: Plan, owned: ReadonlySet<string>): UsersSource[] {
  const table = valueAt(parsed, SOURCES);
  if (!isTable(table)) return [];
  const packages = plannedPackages(plan);
  const planned = new Map(plan.sources.map((s) => [normalizeName(s.name), s.table]));
  return Object.keys(table).flatMap((key) => {
    const name = normalizeName(key);
    if (owned.has(name) || !(packages.has(name) || planned.has(name))) return [];
    const requirement = packages.get(name)?.requirement ?? name;
    return [{ key, value: table[key], name, requirement, wanted: planned.get(name) }];
  });
}

// The lists of requirements a pyproject.toml can give a package a URL in
// (`plug @ file:///…`), HPM's own groups left out (it rewrites those).
function requirementLists(parsed: TomlTable, ownedGroups: ReadonlySet<string>): Path[] {
  const keysOf = (path: Path) => {
    const table = valueAt(parsed, path);
    return isTable(table) ? Object.keys(table).map((key) => [...path, key]) : [];
  };
  return [
    ["project", "dependencies"],
    ...keysOf(["project", "optional-dependencies"]),
    ...keysOf(DEPENDENCY_GROUPS).filter((path) => !ownedGroups.has(normalizeName(path[1]))),
    [...TOOL_UV, "dev-dependencies"],
    [...TOOL_UV, "override-dependencies"],
    [...TOOL_UV, "constraint-dependencies"],
  ];
}

/**
 * The requirements of the user's that give a package `plan` installs a URL
 * (`plug @ file:///…`): uv takes it from there, whatever its source in the
 * mode. HPM writes none.
 */
function directReferences(
  parsed: TomlTable,
  plan: Plan,
  ownedGroups: ReadonlySet<string>,
): DirectReference[] {
  const packages = plannedPackages(plan);
  const planned = new Map(plan.sources.map((s) => [normalizeName(s.name), s.table]));
  return requirementLists(parsed, ownedGroups).flatMap((path) => {
    const items = valueAt(parsed, path);
    return (Array.isArray(items) ? items : []).flatMap((item) => {
      const name = typeof item === "string" ? directReferenceName(item) : undefined;
      const pkg = name === undefined ? undefined : packages.get(name);
      if (pkg === undefined) return [];
      const wanted = planned.get(name!);
      return [{ path, item, name: name!, requirement: pkg.requirement, wanted }];
    });
  });
}

/** The package a PEP 508 requirement with a URL names (`Plug[x] @ https://…`), normalised. */
function directReferenceName(requirement: string): string | undefined {
  const name = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\]\s*)?@/.exec(
    requirement,
  )?.[1];
  return name === undefined ? undefined : normalizeName(name);
}

/** Where a direct reference is written: its element, else the key of its list. */
function referenceOffset(scan: ScannedToml, reference: DirectReference): number | undefined {
  for (const s of scan.statements) {
    if (s.kind !== "keyvalue" || !samePath([...s.table, ...s.key], reference.path)) continue;
    if (s.value.kind !== "array") break;
    const element = s.value.elements.find((e) =>
      e.value.kind === "string" && e.value.value === reference.item
    );
    if (element) return element.value.start;
  }
  return locate(scan, reference.path);
}

/** What mode `mode` installs `source`'s package from, for a message. */
function modesSource(source: ManagedSource, mode: string): string {
  return source.wanted
    ? `mode ${mode}: ${renderKey(source.name)} = ${renderInlineTable(source.wanted)}`
    : `mode ${mode} installs ${source.requirement} from the package index, with no source`;
}

/**
 * Entries of the user's where HPM needs to write its own are errors, except
 * with `adopt`, which takes those that are exactly what HPM would write (its
 * own entries, after `[tool.hpm]` was deleted) as HPM's.
 */
function checkConflicts(ctx: Context, adopt: boolean): boolean {
  let adopted = false;
  const { doc, plan, parsed } = ctx;
  const mode = plan.mode;
  // Without a record, the entry may be HPM's own from before [tool.hpm] was deleted.
  const hint = (matches: boolean, fix: string) =>
    matches
      ? `these are hpm's own entries if [tool.hpm] was deleted: run ` +
        `\`hpm sync --mode ${mode} --adopt\` to take back the ones that match exactly`
      : ctx.record
      ? fix
      : `${fix}; if hpm wrote it and [tool.hpm] was deleted, run \`hpm sync --adopt\` ` +
        `with the --mode it was synced for`;
  const userKey = (path: Path, name: string, owned: ReadonlySet<string>) => {
    const wanted = normalizeName(name);
    const table = valueAt(parsed, path);
    if (owned.has(wanted) || !isTable(table)) return undefined;
    const key = Object.keys(table).find((k) => normalizeName(k) === wanted);
    return key === undefined ? undefined : { key, value: table[key] };
  };
  for (const group of plan.groups) {
    const existing = userKey(DEPENDENCY_GROUPS, group.name, ctx.ownedGroups);
    if (existing === undefined) continue;
    const matches = sameRequirements(existing.value, group.requirements);
    if (adopt && matches) {
      ctx.ownedGroups.add(normalizeName(group.name));
      ctx.adoptedGroups.add(normalizeName(group.name));
      adopted = true;
      continue;
    }
    throw conflict(
      ctx,
      "dependency group",
      group.name,
      existing.key,
      locate(doc.scan, [...DEPENDENCY_GROUPS, existing.key]),
      `${renderKey(group.name)} = ${renderOneLineArray(group.requirements)}`,
      hint(
        matches,
        `rename or remove your group "${existing.key}", or rename hpm's group ` +
          `"${group.name}" in hpm.yaml`,
      ),
    );
  }
  for (const existing of usersSources(parsed, plan, ctx.ownedSources)) {
    const { name, wanted } = existing;
    const matches = wanted !== undefined && sameSource(existing.value, wanted);
    if (adopt && matches) {
      ctx.ownedSources.add(normalizeName(name));
      adopted = true;
      continue;
    }
    const fix = `remove your source for \`${existing.key}\` (hpm ${
      wanted ? "then writes its own" : "writes none"
    } for mode ${mode}), or take \`${name}\` out of hpm.yaml's groups`;
    const offset = locate(doc.scan, [...SOURCES, existing.key]);
    if (wanted) {
      throw conflict(
        ctx,
        "source",
        name,
        existing.key,
        offset,
        `${renderKey(name)} = ${renderInlineTable(wanted)}`,
        hint(matches, fix),
      );
    }
    // The mode installs it from the package index: any source would replace that.
    throw collision(
      ctx,
      offset,
      (at) =>
        `cannot write mode ${mode}'s entries: ${at} has source "${existing.key}", which hpm ` +
        `did not write (${modesSource(existing, mode)})`,
      hint(false, fix),
    );
  }
  for (const reference of directReferences(parsed, plan, ctx.ownedGroups)) {
    throw collision(
      ctx,
      referenceOffset(doc.scan, reference),
      (at) =>
        `cannot write mode ${mode}'s entries: ${at} has ${tomlString(reference.item)} in ` +
        `\`${dotted(reference.path)}\`, which installs ${reference.name} from there ` +
        `(${modesSource(reference, mode)})`,
      `write \`${reference.name}\` without a URL there, or remove it: hpm gives ` +
        `${reference.name} its source for the mode`,
    );
  }
  const indexes = valueAt(parsed, INDEX);
  for (const index of plan.indexes) {
    if (ctx.ownedIndexes.has(index.name) || !Array.isArray(indexes)) continue;
    const existing = indexes.find((entry) => isTable(entry) && entry.name === index.name);
    if (existing === undefined) continue;
    const matches = sameJson(existing, { ...index, explicit: true });
    if (adopt && matches) {
      ctx.ownedIndexes.add(index.name);
      adopted = true;
      continue;
    }
    const region = indexRegion(doc, index.name);
    throw conflict(
      ctx,
      "index",
      index.name,
      index.name,
      region ? indexNameEntry(region)!.keyStart : locate(doc.scan, INDEX),
      `[[tool.uv.index]] name = ${tomlString(index.name)}, url = ${tomlString(index.url)}`,
      hint(matches, `rename your index "${index.name}", or remove it (hpm then writes its own)`),
    );
  }
  return adopted;
}

/**
 * Throw unless HPM can add a `[path]` header (or `[[path]]` when `array`):
 * the table, or a table above it, must not be a value (`sources = {…}`,
 * `tool = {…}`) nor be made by dotted keys (`uv.sources.x = …` under `[tool]`).
 */
function checkExtendable(doc: Doc, path: Path, array = false): void {
  const fail = (offset: number, how: string): never => {
    throw new HpmInputError(
      "toml-layout",
      `cannot add entries to ${array ? `[[${dotted(path)}]]` : `[${dotted(path)}]`} in ` +
        `${doc.file}: ${how}`,
      doc.where(offset),
      LAYOUT_HINT,
    );
  };
  for (const statement of doc.scan.statements) {
    if (statement.kind === "header") {
      if (
        statement.array && isPrefix(statement.path, path) &&
        !(array && samePath(statement.path, path))
      ) {
        fail(statement.keyStart, `it is inside the array of tables [[${dotted(statement.path)}]]`);
      }
      if (array && !statement.array && samePath(statement.path, path)) {
        fail(statement.keyStart, `it is written as a single table [${dotted(path)}]`);
      }
      continue;
    }
    const full = [...statement.table, ...statement.key];
    if (isPrefix(full, path)) {
      fail(statement.keyStart, `\`${dotted(full)}\` is written as a value here`);
    }
    if (isPrefix(path, full) && statement.table.length < path.length) {
      fail(statement.keyStart, `it is made by the dotted key \`${dotted(statement.key)}\` here`);
    }
  }
}

/** Parse the result and check that it holds the plan: a last guard against a bad edit. */
function verify(text: string, plan: Plan, file: string, kept: readonly KeptItems[]): void {
  const fail = (detail: string): never => {
    throw new HpmInputError(
      "toml-layout",
      `cannot update ${file} safely: ${detail}`,
      { file },
      "the file's layout is one hpm does not handle; please report it",
    );
  };
  let result: TomlTable;
  try {
    result = parseToml(text, file);
  } catch (e) {
    return fail(`the edit would not be valid TOML (${(e as Error).message.split("\n")[0]})`);
  }
  const entry = (path: Path, name: string): unknown => {
    const table = valueAt(result, path);
    if (!isTable(table)) return undefined;
    const key = Object.keys(table).find((k) => normalizeName(k) === normalizeName(name));
    return key === undefined ? undefined : table[key];
  };
  const defaults = valueAt(result, DEFAULT_GROUPS);
  for (const group of plan.groups) {
    const written = entry(DEPENDENCY_GROUPS, group.name);
    const users = kept.find((k) => k.group === group.name)?.items.length ?? 0;
    const names = new Set(group.requirements.map(requirementName));
    const hpms = Array.isArray(written)
      ? written.filter((r) => typeof r === "string" && names.has(requirementName(r)))
      : written;
    if (
      JSON.stringify(hpms) !== JSON.stringify(group.requirements) ||
      (Array.isArray(written) && written.length !== group.requirements.length + users)
    ) {
      fail(`dependency group "${group.name}" did not come out as planned`);
    }
    const listed = Array.isArray(defaults) &&
      defaults.some((g) => typeof g === "string" && normalizeName(g) === normalizeName(group.name));
    if (defaults !== "all" && !listed) fail(`tool.uv.default-groups misses "${group.name}"`);
  }
  for (const source of plan.sources) {
    if (!sameSource(entry(SOURCES, source.name), source.table)) {
      fail(`source "${source.name}" did not come out as planned`);
    }
  }
  const indexes = valueAt(result, INDEX);
  for (const index of plan.indexes) {
    const found = Array.isArray(indexes) &&
      indexes.some((i) =>
        isTable(i) && i.name === index.name && i.url === index.url && i.explicit === true
      );
    if (!found) fail(`index "${index.name}" did not come out as planned`);
  }
}

// ---------------------------------------------------------------------------
// Edits.

function deleteLines(doc: Doc, kv: KeyValue): void {
  doc.remove(kv.lineStart, kv.lineEnd);
}

function replaceValue(doc: Doc, kv: KeyValue, value: string): void {
  if (doc.text.slice(kv.value.start, kv.value.end) !== value) {
    doc.edit({ start: kv.value.start, end: kv.value.end, text: value });
  }
}

/**
 * Where a new block of rank `rank` goes at the end of the file: before the
 * first of HPM's end blocks that ranks after it, else at the very end.
 */
function endInsertionPoint(ctx: Context, rank: number, subRank = 0): number {
  const { doc } = ctx;
  let best = doc.text.length;
  const consider = (blockRank: number, blockSubRank: number, region: TableRegion | undefined) => {
    if (!region) return;
    if (blockRank > rank || (blockRank === rank && blockSubRank > subRank)) {
      best = Math.min(best, doc.blockStart(region));
    }
  };
  for (const name of ctx.created) {
    if (name !== CREATED_DEFAULT_GROUPS) {
      consider(CREATED_RANK[name], 0, doc.region(name.split(".")));
    }
  }
  ctx.plan.indexes.forEach((index, i) => consider(RANK_INDEX, i, indexRegion(doc, index.name)));
  consider(RANK_RECORD, 0, doc.region(RECORD));
  return best;
}

/** Add `[path]` with `lines` at the end of the file, after one blank line. */
function createTable(ctx: Context, path: Path, lines: string): void {
  const { doc } = ctx;
  checkExtendable(doc, path);
  const name = path.join(".");
  const at = endInsertionPoint(ctx, CREATED_RANK[name]);
  doc.insert(at, `${doc.separatorAt(at)}[${dotted(path)}]${doc.eol}${lines}`);
  ctx.created.add(name);
}

/**
 * Add `line` to the table at `path`: before `before` when given, else after
 * the table's last key/value statement (after the header when it has none), so
 * comments and blank lines at the end of the table stay where they are.
 */
function insertLine(
  ctx: Context,
  path: Path,
  line: string,
  before?: (kv: KeyValue) => boolean,
): void {
  const region = ctx.doc.region(path);
  if (!region) return createTable(ctx, path, line);
  const next = before && region.entries.find(before);
  ctx.doc.insert(next?.lineStart ?? ctx.doc.blockEnd(region), line);
}

/**
 * Write HPM's `name = value` line in the table at `path`: in place when it is
 * there, else in plan order among HPM's lines (`rank` is the plan position).
 */
function writeEntry(
  ctx: Context,
  path: Path,
  name: string,
  value: string,
  rank: ReadonlyMap<string, number>,
  same: (written: unknown) => boolean,
): void {
  const kv = ownedEntry(ctx, path, name);
  if (kv) {
    if (!same(valueAt(ctx.parsed, [...path, kv.key[0]]))) replaceValue(ctx.doc, kv, value);
    return;
  }
  const position = rank.get(normalizeName(name))!;
  insertLine(ctx, path, `${renderKey(name)} = ${value}${ctx.doc.eol}`, (e) => {
    const other = entryName(e);
    return other !== undefined && (rank.get(other) ?? -1) > position;
  });
}

function removeStaleEntries(ctx: Context): void {
  const { doc, plan, record } = ctx;
  if (!record) return;
  const groups = new Set(plan.groups.map((g) => normalizeName(g.name)));
  for (const name of record.groups) {
    if (groups.has(normalizeName(name))) continue;
    const kv = ownedEntry(ctx, DEPENDENCY_GROUPS, name);
    if (!kv) continue;
    const users = usersItems(ctx, name, kv.value);
    if (!users.length) {
      deleteLines(doc, kv);
      continue;
    }
    // The group stays, holding only the user's items: it is theirs now.
    const texts = users.map((e) => doc.text.slice(e.start, e.end));
    replaceValue(doc, kv, renderRawArray(`${renderKey(name)} = `, texts, doc.eol));
    ctx.kept.push({ group: name, items: users.map(itemText), handedOver: true });
  }
  const sources = new Set(plan.sources.map((s) => normalizeName(s.name)));
  for (const name of record.sources) {
    if (sources.has(normalizeName(name))) continue;
    const kv = ownedEntry(ctx, SOURCES, name);
    if (kv) deleteLines(doc, kv);
  }
  const indexes = new Set(plan.indexes.map((i) => i.name));
  for (const name of record.indexes) {
    if (indexes.has(name)) continue;
    const region = indexRegion(doc, name);
    if (region) doc.remove(doc.blockStart(region), doc.blockEnd(region));
  }
}

function writeGroups(ctx: Context): void {
  const { doc } = ctx;
  const rank = new Map(ctx.plan.groups.map((g, i) => [normalizeName(g.name), i]));
  for (const group of ctx.plan.groups) {
    const prefix = `${renderKey(group.name)} = `;
    const kv = ownedEntry(ctx, DEPENDENCY_GROUPS, group.name);
    const users = kv ? usersItems(ctx, group.name, kv.value, group.requirements) : [];
    if (kv && kv.value.kind === "array" && users.length) {
      ctx.kept.push({ group: group.name, items: users.map(itemText), handedOver: false });
      const mine = kv.value.elements.map((e) => e.value).filter((v) => !users.includes(v));
      const same = mine.length === group.requirements.length &&
        mine.every((v, i) => v.kind === "string" && v.value === group.requirements[i]);
      if (same) continue;
      const texts = [
        ...group.requirements.map(tomlString),
        ...users.map((e) => doc.text.slice(e.start, e.end)),
      ];
      replaceValue(doc, kv, renderRawArray(prefix, texts, doc.eol));
      continue;
    }
    const value = renderArray(prefix, group.requirements, doc.eol);
    writeEntry(
      ctx,
      DEPENDENCY_GROUPS,
      group.name,
      value,
      rank,
      (written) => sameRequirements(written, group.requirements),
    );
  }
}

/** The package a requirement string names, as written (`Foo_Bar[x]>=1` → `Foo_Bar`). */
function nameAsWritten(requirement: string): string | undefined {
  return /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(requirement)?.[1];
}

/** The package a requirement string names, normalised (`Foo_Bar[x]>=1` → `foo-bar`). */
function requirementName(requirement: string): string | undefined {
  const name = nameAsWritten(requirement);
  return name === undefined ? undefined : normalizeName(name);
}

function itemKey(group: string, requirement: string): string | undefined {
  const name = requirementName(requirement);
  return name === undefined ? undefined : `${normalizeName(group)}/${name}`;
}

/**
 * The elements of HPM's group `group` that the user added: everything HPM did
 * not record writing, except items for the packages HPM now puts in that group
 * (`planned`), which it takes over rather than list twice.
 */
function usersItems(
  ctx: Context,
  group: string,
  value: ScannedValue,
  planned: readonly string[] = [],
): ScannedValue[] {
  if (value.kind !== "array" || ctx.ownedItems === undefined) return [];
  const mine = new Set(planned.map((r) => itemKey(group, r)));
  return value.elements.map((e) => e.value).filter((v) => {
    if (v.kind !== "string") return true;
    const key = itemKey(group, v.value);
    return key === undefined || !(ctx.ownedItems!.has(key) || mine.has(key));
  });
}

function itemText(value: ScannedValue): string {
  return value.kind === "string" ? value.value : "(a table)";
}

function writeSources(ctx: Context): void {
  const rank = new Map(ctx.plan.sources.map((s, i) => [normalizeName(s.name), i]));
  for (const source of ctx.plan.sources) {
    writeEntry(
      ctx,
      SOURCES,
      source.name,
      renderInlineTable(source.table),
      rank,
      (written) => sameSource(written, source.table),
    );
  }
}

function writeIndexes(ctx: Context): void {
  const { doc } = ctx;
  ctx.plan.indexes.forEach((index, i) => {
    const block = renderIndex(index, doc.eol);
    const region = indexRegion(doc, index.name);
    if (region) {
      const start = region.header!.lineStart;
      const end = doc.blockEnd(region);
      if (doc.text.slice(start, end) !== block) doc.edit({ start, end, text: block });
      return;
    }
    checkExtendable(doc, INDEX, true);
    const at = endInsertionPoint(ctx, RANK_INDEX, i);
    doc.insert(at, doc.separatorAt(at) + block);
  });
}

// ---------------------------------------------------------------------------
// tool.uv.default-groups

function isGroup(value: ScannedValue, name: string): boolean {
  return value.kind === "string" && normalizeName(value.value) === normalizeName(name);
}

/** Whether the user has a `dev` group, which uv installs by default when default-groups is absent. */
function hasUserDevGroup(ctx: Context): boolean {
  const groups = valueAt(ctx.parsed, DEPENDENCY_GROUPS);
  const devGroup = isTable(groups) && !ctx.ownedGroups.has("dev") &&
    Object.keys(groups).some((k) => normalizeName(k) === "dev");
  return devGroup || valueAt(ctx.parsed, [...TOOL_UV, "dev-dependencies"]) !== undefined;
}

function createdDefaultGroups(ctx: Context, names: readonly string[]): string[] {
  const dev = hasUserDevGroup(ctx) && !names.some((n) => normalizeName(n) === "dev");
  return dev ? ["dev", ...names] : [...names];
}

function removeStaleDefaultGroups(ctx: Context): void {
  const { doc, plan, record } = ctx;
  const wanted = new Set(plan.groups.map((g) => normalizeName(g.name)));
  // A group handed over to the user stays installed by default, as it was.
  const handedOver = new Set(
    ctx.kept.filter((k) => k.handedOver).map((k) => normalizeName(k.group)),
  );
  if (ctx.created.has(CREATED_DEFAULT_GROUPS)) {
    if (handedOver.size === 0) {
      if (wanted.size > 0) return;
      const kv = findKey(doc.scan, DEFAULT_GROUPS);
      if (kv?.value.kind === "array") deleteLines(doc, kv);
      ctx.created.delete(CREATED_DEFAULT_GROUPS);
      return;
    }
    // The key now lists a group of the user's: it becomes theirs, and hpm
    // keeps only its own elements in it from here on.
    ctx.created.delete(CREATED_DEFAULT_GROUPS);
  }
  for (const name of record?.defaultGroups ?? []) {
    if (wanted.has(normalizeName(name)) || handedOver.has(normalizeName(name))) continue;
    const value = findKey(doc.scan, DEFAULT_GROUPS)?.value;
    if (value?.kind !== "array") return;
    const index = value.elements.findLastIndex((e) => isGroup(e.value, name));
    if (index >= 0) removeElement(doc, value, index);
  }
}

function writeDefaultGroups(ctx: Context): void {
  const { doc } = ctx;
  const names = ctx.plan.groups.map((g) => g.name);
  if (names.length === 0) return;
  const prefix = "default-groups = ";
  const kv = findKey(doc.scan, DEFAULT_GROUPS);
  if (ctx.created.has(CREATED_DEFAULT_GROUPS)) {
    if (kv?.value.kind === "array") {
      replaceValue(doc, kv, renderArray(prefix, createdDefaultGroups(ctx, names), doc.eol));
      ctx.defaultGroups = names;
      return;
    }
    // The user deleted or replaced the key HPM made: it is theirs again.
    ctx.created.delete(CREATED_DEFAULT_GROUPS);
  }
  if (!kv) {
    const value = renderArray(prefix, createdDefaultGroups(ctx, names), doc.eol);
    insertLine(ctx, TOOL_UV, `${prefix}${value}${doc.eol}`);
    ctx.created.add(CREATED_DEFAULT_GROUPS);
    ctx.defaultGroups = names;
    return;
  }
  if (kv.value.kind === "string" && kv.value.value === "all") return;
  if (kv.value.kind !== "array") {
    throw new HpmInputError(
      "toml-layout",
      `cannot add hpm's groups to tool.uv.default-groups in ${doc.file}: it is neither an ` +
        `array nor "all"`,
      doc.where(kv.keyStart),
      'make it an array of group names, or "all"',
    );
  }
  const recorded = new Set([
    ...(ctx.record?.defaultGroups.map(normalizeName) ?? []),
    ...ctx.adoptedGroups,
  ]);
  const added: string[] = [];
  for (const name of names) {
    const value = findKey(doc.scan, DEFAULT_GROUPS)!.value as ArrayValue;
    if (!value.elements.some((e) => isGroup(e.value, name))) {
      appendElement(doc, value, inQuoteStyleOf(doc, value, name));
      added.push(name);
    } else if (recorded.has(normalizeName(name))) added.push(name);
  }
  ctx.defaultGroups = added;
}

// Follow the array's quoting (`['dev']` gets `'vector-db'`): group names are
// PEP 735 names, which never need escaping, so a literal string is always safe.
function inQuoteStyleOf(doc: Doc, array: ArrayValue, name: string): string {
  const last = array.elements.at(-1);
  const literal = last !== undefined && doc.text[last.value.start] === "'" &&
    /^[A-Za-z0-9._-]+$/.test(name);
  return literal ? `'${name}'` : tomlString(name);
}

/**
 * Whether the array has one element a line with `]` on its own line: then a
 * new element gets its own line too.
 */
function isOneElementALine(doc: Doc, array: ArrayValue): boolean {
  const close = array.end - 1;
  if (doc.text.slice(doc.lineStartOf(close), close).trim() !== "") return false;
  const last = array.elements.at(-1);
  return !last || isAloneOnItsLine(doc, last.value.start, last.comma ?? last.value.end - 1);
}

function isAloneOnItsLine(doc: Doc, start: number, last: number): boolean {
  const before = doc.text.slice(doc.lineStartOf(start), start);
  const after = doc.text.slice(last + 1, doc.lineEndAfter(last + 1));
  return before.trim() === "" && /^[ \t]*(#.*)?\r?\n?$/.test(after) &&
    !doc.text.slice(start, last + 1).includes("\n");
}

/**
 * Append `item` to `array` in the array's own style. {@link removeElement}
 * undoes exactly this.
 */
function appendElement(doc: Doc, array: ArrayValue, item: string): void {
  const last = array.elements.at(-1);
  const close = array.end - 1;
  if (isOneElementALine(doc, array)) {
    if (!last) {
      return doc.insert(doc.lineStartOf(close), `    ${item},${doc.eol}`);
    }
    const start = doc.lineStartOf(last.value.start);
    const indent = doc.text.slice(start, last.value.start);
    if (last.comma !== undefined) {
      return doc.insert(doc.lineEndAfter(last.comma), `${indent}${item},${doc.eol}`);
    }
    return doc.edit(
      { start: last.value.end, end: last.value.end, text: "," },
      {
        start: doc.lineEndAfter(last.value.end),
        end: doc.lineEndAfter(last.value.end),
        text: `${indent}${item}${doc.eol}`,
      },
    );
  }
  if (!last) return doc.insert(array.start + 1, item);
  if (last.comma !== undefined) return doc.insert(last.comma + 1, ` ${item},`);
  doc.insert(last.value.end, `, ${item}`);
}

/** Remove element `index` of `array`, undoing {@link appendElement}. */
function removeElement(doc: Doc, array: ArrayValue, index: number): void {
  const elements = array.elements;
  const element = elements[index];
  const previous = elements[index - 1];
  const next = elements[index + 1];
  const end = element.comma ?? element.value.end - 1;
  if (isOneElementALine(doc, array) && isAloneOnItsLine(doc, element.value.start, end)) {
    const line = {
      start: doc.lineStartOf(element.value.start),
      end: doc.lineEndAfter(end + 1),
      text: "",
    };
    // The last element without a trailing comma got its comma from the one before.
    if (element.comma === undefined && previous?.comma !== undefined) {
      return doc.edit(line, { start: previous.comma, end: previous.comma + 1, text: "" });
    }
    return doc.edit(line);
  }
  const trailingComma = elements.at(-1)!.comma !== undefined;
  if (previous) {
    const from = trailingComma ? previous.comma! + 1 : previous.value.end;
    return doc.remove(from, trailingComma ? element.comma! + 1 : element.value.end);
  }
  if (next) return doc.remove(element.value.start, next.value.start);
  doc.remove(
    element.value.start,
    element.comma === undefined ? element.value.end : element.comma + 1,
  );
}

// ---------------------------------------------------------------------------
// Tables HPM created, and its record.

function removeEmptyCreatedTables(ctx: Context): void {
  const { doc } = ctx;
  for (const name of ["tool.uv.sources", "tool.uv", "dependency-groups"]) {
    if (!ctx.created.has(name)) continue;
    const region = doc.region(name.split("."));
    if (!region) ctx.created.delete(name);
    else if (region.entries.length === 0) {
      doc.remove(doc.blockStart(region), region.header!.lineEnd);
      ctx.created.delete(name);
    }
  }
}

function writeRecord(ctx: Context): void {
  const { doc, plan } = ctx;
  const record: ManagedRecord = {
    mode: plan.mode,
    groups: plan.groups.map((g) => g.name),
    packages: [
      ...new Set(
        plan.groups.flatMap((g) => g.requirements.flatMap((r) => itemKey(g.name, r) ?? [])),
      ),
    ].sort(),
    sources: plan.sources.map((s) => s.name).sort(),
    indexes: plan.indexes.map((i) => i.name).sort(),
    defaultGroups: [...ctx.defaultGroups].sort(),
    created: [...ctx.created].sort(),
  };
  const region = doc.region(RECORD);
  const manages = record.groups.length + record.sources.length + record.indexes.length +
      record.defaultGroups.length > 0;
  if (!manages) {
    if (region) doc.remove(doc.blockStart(region), doc.blockEnd(region));
    return;
  }
  const block = renderRecord(record, doc.eol);
  if (!region) {
    const at = doc.text.length;
    return doc.insert(at, doc.separatorAt(at) + block);
  }
  const start = region.header!.lineStart;
  const end = doc.blockEnd(region);
  if (doc.text.slice(start, end) !== block) doc.edit({ start, end, text: block });
}
