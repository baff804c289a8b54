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
 * Here are the writers, each entry kind's own. The record is
 * pyproject_record.ts; who owns an entry, and what is a conflict,
 * pyproject_policy.ts; the edits themselves, which know nothing of HPM,
 * toml/splice.ts.
 *
 * It is published on its own as `@hpm/cli/pyproject`, for a script that only
 * edits text: it loads no YAML or schema library.
 *
 * @example Usage
 * ```ts
 * import { applyPlan, emptyPlan } from "./pyproject.ts";
 * import assert from "node:assert/strict";
 *
 * const before = '[project]\nname = "core"\n';
 * const plan = {
 *   mode: "prod",
 *   groups: [{ name: "db", requirements: ["q==1.0.0"] }],
 *   sources: [],
 *   indexes: [],
 * };
 * const { text } = applyPlan(before, plan);
 * assert.match(text, /db = \["q==1\.0\.0"\]/);
 * assert.equal(applyPlan(text, emptyPlan("prod")).text, before);
 * ```
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";
import { normalizeName } from "../core/names.ts";
import type { Plan, PlannedIndex } from "../core/plan.ts";
import {
  adoptCreated,
  checkConflicts,
  createdDefaultGroups,
  entryName,
  indexRegion,
  type Ownership,
  sameRequirements,
  sameSource,
} from "./pyproject_policy.ts";
import {
  CREATED_DEFAULT_GROUPS,
  CREATED_OVERRIDES,
  DEFAULT_GROUPS,
  DEPENDENCY_GROUPS,
  INDEX,
  isOverrideOf,
  itemKey,
  type ManagedRecord,
  OVERRIDES,
  RECORD,
  recordOf,
  renderRecord,
  requirementName,
  SOURCES,
  TOOL_UV,
} from "./pyproject_record.ts";
import { isTable, parseToml, type TomlTable, valueAt } from "./toml/parse.ts";
import {
  renderArray,
  renderInlineTable,
  renderKey,
  renderRawArray,
  tomlString,
} from "./toml/render.ts";
import type { ArrayValue, KeyValue, ScannedValue, TableRegion } from "./toml/scan.ts";
import {
  appendElement,
  deleteLines,
  dotted,
  findKey,
  isPrefix,
  locate,
  removeElement,
  replaceValue,
  samePath,
  TomlDoc,
  type TomlPath,
} from "./toml/splice.ts";

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

// Blocks HPM adds at the end of the file keep this order, so that taking one
// away and adding it back (a mode switch) puts it where it was.
const RANK_INDEX = 3;
const RANK_RECORD = 4;
const CREATED_RANK: Readonly<Record<string, number>> = {
  "dependency-groups": 0,
  "tool.uv": 1,
  "tool.uv.sources": 2,
};
const CREATED = [...Object.keys(CREATED_RANK), CREATED_DEFAULT_GROUPS, CREATED_OVERRIDES];
const LAYOUT_HINT = "write it as a table with its own [header] line so hpm can add its " +
  "entries next to yours";

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
 * Make pyproject.toml hold exactly what `plan` says HPM manages: its
 * dependency groups, `[tool.uv.sources]` entries, `[[tool.uv.index]]` entries,
 * HPM's groups in `tool.uv.default-groups`, its elements of
 * `tool.uv.override-dependencies`, and the `[tool.hpm]` record. Every
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
  const doc = new TomlDoc(start, eol, file);
  const ctx: Context = {
    doc,
    plan,
    parsed,
    record,
    ownedGroups: new Set(record?.groups.map(normalizeName)),
    ownedSources: new Set(record?.sources.map(normalizeName)),
    ownedIndexes: new Set(record?.indexes),
    // Without a record nothing is HPM's yet: an adopted group's items are the
    // user's but for the plan's own.
    ownedItems: record ? record.packages && new Set(record.packages) : new Set(),
    ownedOverrides: new Set(record?.overrides?.map(normalizeName)),
    created: new Set(record?.created.filter((name) => CREATED.includes(name))),
    defaultGroups: [],
    overrides: [],
    adoptedGroups: new Set(),
    kept: [],
  };
  const adopted = checkConflicts(ctx, options.adopt ?? false);
  // With a record, what HPM created is known; without one, it is inferred.
  if (adopted && !record) adoptCreated(ctx);
  removeStaleEntries(ctx);
  removeStaleDefaultGroups(ctx);
  removeStaleOverrides(ctx);
  writeGroups(ctx);
  writeDefaultGroups(ctx);
  writeOverrides(ctx);
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

// What applying a plan knows and has done so far.
interface Context extends Ownership {
  /** `group/package` items HPM wrote; undefined for a record that predates them. */
  readonly ownedItems: ReadonlySet<string> | undefined;
  defaultGroups: string[];
  /** The packages whose override HPM has in `tool.uv.override-dependencies`. */
  overrides: string[];
  /** The user's items in HPM's groups, kept. */
  readonly kept: KeptItems[];
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

/**
 * HPM's entry `name` in the table at `path`. HPM only ever writes it as a
 * `name = value` line under the table's header; if it is found elsewhere the
 * user moved it, and HPM cannot edit it safely.
 */
function ownedEntry(ctx: Context, path: TomlPath, name: string): KeyValue | undefined {
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

// ---------------------------------------------------------------------------
// Checks: that HPM can add to a table, and that the result holds the plan.

/**
 * Throw unless HPM can add a `[path]` header (or `[[path]]` when `array`):
 * the table, or a table above it, must not be a value (`sources = {…}`,
 * `tool = {…}`) nor be made by dotted keys (`uv.sources.x = …` under `[tool]`).
 */
function checkExtendable(doc: TomlDoc, path: TomlPath, array = false): void {
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
  const entry = (path: TomlPath, name: string): unknown => {
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
  const overrides = valueAt(result, OVERRIDES);
  for (const requirement of plan.overrides ?? []) {
    if (!Array.isArray(overrides) || !overrides.includes(requirement)) {
      fail(`tool.uv.override-dependencies misses "${requirement}"`);
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
    if (name in CREATED_RANK) consider(CREATED_RANK[name], 0, doc.region(name.split(".")));
  }
  ctx.plan.indexes.forEach((index, i) => consider(RANK_INDEX, i, indexRegion(doc, index.name)));
  consider(RANK_RECORD, 0, doc.region(RECORD));
  return best;
}

/** Add `[path]` with `lines` at the end of the file, after one blank line. */
function createTable(ctx: Context, path: TomlPath, lines: string): void {
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
  path: TomlPath,
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
  path: TomlPath,
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
  const stale = (record?.defaultGroups ?? []).filter((name) =>
    !wanted.has(normalizeName(name)) && !handedOver.has(normalizeName(name))
  );
  removeLastElements(doc, DEFAULT_GROUPS, stale, isGroup);
}

/** From the array at `path`, remove the last element that `is` each of `names`. */
function removeLastElements(
  doc: TomlDoc,
  path: TomlPath,
  names: readonly string[],
  is: (value: ScannedValue, name: string) => boolean,
): void {
  for (const name of names) {
    const value = findKey(doc.scan, path)?.value;
    if (value?.kind !== "array") return;
    const index = value.elements.findLastIndex((e) => is(e.value, name));
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
function inQuoteStyleOf(doc: TomlDoc, array: ArrayValue, name: string): string {
  const last = array.elements.at(-1);
  const literal = last !== undefined && doc.text[last.value.start] === "'" &&
    /^[A-Za-z0-9._-]+$/.test(name);
  return literal ? `'${name}'` : tomlString(name);
}

// ---------------------------------------------------------------------------
// tool.uv.override-dependencies

function removeStaleOverrides(ctx: Context): void {
  const wanted = new Set(ctx.plan.overrides?.map(requirementName));
  const stale = [...ctx.ownedOverrides].filter((name) => !wanted.has(name));
  removeLastElements(ctx.doc, OVERRIDES, stale, isOverrideOf);
}

/**
 * HPM's overrides: each planned requirement is an element of
 * `tool.uv.override-dependencies` (added, or brought up to date in place),
 * unless the user has that very element (checkConflicts refuses any other of
 * theirs for the package). The key HPM adds goes again once it holds nothing;
 * one that holds only the user's elements is theirs from then on.
 */
function writeOverrides(ctx: Context): void {
  const { doc } = ctx;
  const planned = ctx.plan.overrides ?? [];
  const kv = findKey(doc.scan, OVERRIDES);
  if (planned.length && !kv) {
    const prefix = "override-dependencies = ";
    insertLine(ctx, TOOL_UV, `${prefix}${renderArray(prefix, planned, doc.eol)}${doc.eol}`);
    ctx.created.add(CREATED_OVERRIDES);
    ctx.overrides = planned.map((r) => requirementName(r)!);
    return;
  }
  if (planned.length && kv?.value.kind !== "array") {
    throw new HpmInputError(
      "toml-layout",
      `cannot add hpm's overrides to tool.uv.override-dependencies in ${doc.file}: it is not ` +
        "an array",
      doc.where(kv!.keyStart),
      "make it an array of requirements",
    );
  }
  for (const requirement of planned) {
    const name = requirementName(requirement)!;
    const value = findKey(doc.scan, OVERRIDES)!.value as ArrayValue;
    const index = value.elements.findLastIndex((e) => isOverrideOf(e.value, name));
    const element = value.elements[index]?.value;
    if (!element) appendElement(doc, value, tomlString(requirement));
    else if (!ctx.ownedOverrides.has(name)) continue;
    else if (doc.text.slice(element.start, element.end) !== tomlString(requirement)) {
      doc.edit({ start: element.start, end: element.end, text: tomlString(requirement) });
    }
    ctx.overrides.push(name);
  }
  if (!ctx.created.has(CREATED_OVERRIDES)) return;
  const left = findKey(doc.scan, OVERRIDES)?.value;
  if (left?.kind === "array" && left.elements.length === 0) {
    deleteLines(doc, findKey(doc.scan, OVERRIDES)!);
  }
  // Gone, or holding only the user's elements (theirs from now on): not HPM's.
  if (!ctx.overrides.length) ctx.created.delete(CREATED_OVERRIDES);
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
    develop: plan.develop,
    groups: plan.groups.map((g) => g.name),
    packages: [
      ...new Set(
        plan.groups.flatMap((g) => g.requirements.flatMap((r) => itemKey(g.name, r) ?? [])),
      ),
    ].sort(),
    sources: plan.sources.map((s) => s.name).sort(),
    indexes: plan.indexes.map((i) => i.name).sort(),
    defaultGroups: [...ctx.defaultGroups].sort(),
    overrides: [...ctx.overrides].sort(),
    created: [...ctx.created].sort(),
    ...(plan.registries?.length ? { registries: plan.registries } : {}),
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
