/**
 * Whose an entry of pyproject.toml is, and what HPM may do where the user's
 * entries meet a plan's: the packages a plan manages; the sources and URL
 * requirements of the user's that would install one of them from elsewhere
 * (refused, and listed by {@link foreignSources}); the user's entries under a
 * name HPM must write (a conflict, unless `adopt` takes one that is exactly
 * what HPM would write as HPM's own); and which tables an adoption takes HPM
 * to have created.
 *
 * @module
 */

import { posix } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { normalizeName } from "../core/names.ts";
import type { Plan, SourceTable } from "../core/plan.ts";
import {
  CREATED_DEFAULT_GROUPS,
  CREATED_OVERRIDES,
  DEFAULT_GROUPS,
  DEPENDENCY_GROUPS,
  INDEX,
  isOverrideOf,
  type ManagedRecord,
  nameAsWritten,
  OVERRIDES,
  recordOf,
  requirementName,
  SOURCES,
  TOOL_UV,
} from "./pyproject_record.ts";
import { isTable, parseToml, scanTomlFile, type TomlTable, valueAt } from "./toml/parse.ts";
import {
  renderInlineTable,
  renderKey,
  renderOneLineArray,
  renderValue,
  tomlString,
} from "./toml/render.ts";
import { type KeyValue, lineColumn, type ScannedToml, type TableRegion } from "./toml/scan.ts";
import { dotted, findKey, locate, samePath, type TomlDoc, type TomlPath } from "./toml/splice.ts";

/**
 * What applying a plan knows of who owns what in the file. The checks here
 * add to it what they find HPM's: entries adopted, and the tables an
 * adoption takes HPM to have created.
 */
export interface Ownership {
  /** The file being edited. */
  readonly doc: TomlDoc;
  /** What HPM must manage. */
  readonly plan: Plan;
  /** The input, parsed: the user's entries, which HPM never edits. */
  readonly parsed: TomlTable;
  /** The record the file had. */
  readonly record: ManagedRecord | undefined;
  /** Normalised names of HPM's groups. */
  readonly ownedGroups: Set<string>;
  /** Normalised names of HPM's sources. */
  readonly ownedSources: Set<string>;
  /** Names of HPM's indexes. */
  readonly ownedIndexes: Set<string>;
  /** Normalised names of the packages whose override HPM wrote. */
  readonly ownedOverrides: Set<string>;
  /** What HPM created, as the record's `created` names it. */
  readonly created: Set<string>;
  /** Groups taken over by `adopt`: their default-groups elements are HPM's too. */
  readonly adoptedGroups: Set<string>;
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
 * import { plannedPackages } from "./pyproject_policy.ts";
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
 * import { foreignSources } from "./pyproject_policy.ts";
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
  return foreignSourceEntries(text, plan, file).map((e) => e.sentence);
}

/**
 * {@link foreignSources}, each sentence with the (normalised) package it is about.
 *
 * @param text the pyproject.toml text
 * @param plan the mode's plan
 * @param file the file name used in error positions
 * @returns the package and the sentence of each entry
 */
export function foreignSourceEntries(
  text: string,
  plan: Plan,
  file = "pyproject.toml",
): { readonly name: string; readonly sentence: string }[] {
  const parsed = parseToml(text, file);
  const record = recordOf(parsed, text, file, plan.mode);
  const sources = usersSources(parsed, plan, new Set(record?.sources.map(normalizeName)))
    .filter((s) => !s.wanted || !sameSource(s.value, s.wanted));
  const references = directReferences(parsed, plan, new Set(record?.groups.map(normalizeName)));
  if (!sources.length && !references.length) return [];
  const scan = scanTomlFile(text, file);
  const line = (offset: number | undefined, what: string, source: ManagedSource) => {
    const { line, column } = lineColumn(text, offset ?? 0);
    const sentence = `pyproject.toml:${line}:${column}: ${what} is not mode ${plan.mode}'s ` +
      `source for ${source.name} (${modesSource(source, plan.mode)})`;
    return { name: source.name, sentence };
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

/** Whether a group's value is exactly these requirements, in this order. */
export function sameRequirements(value: unknown, requirements: readonly string[]): boolean {
  return Array.isArray(value) && value.length === requirements.length &&
    value.every((v, i) => v === requirements[i]);
}

/**
 * Whether a group's value holds these requirements, in this order, beside
 * items for other packages: how HPM's group looks once the user added to it
 * (HPM's items first, theirs kept after).
 */
function holdsRequirements(value: unknown, requirements: readonly string[]): boolean {
  if (!Array.isArray(value)) return false;
  const names = new Set(requirements.map(requirementName));
  const hpms = value.filter((v) => typeof v === "string" && names.has(requirementName(v)));
  return sameRequirements(hpms, requirements);
}

/**
 * Whether a source value means what `table` says to uv: key order, `./` in a
 * path and an explicit `editable = false` (uv's default) make no difference.
 */
export function sameSource(value: unknown, table: SourceTable): boolean {
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

/** The normalised name a `name = value` line is for; undefined for a dotted key. */
export function entryName(kv: KeyValue): string | undefined {
  return kv.key.length === 1 ? normalizeName(kv.key[0]) : undefined;
}

// HPM writes an index as `[[tool.uv.index]]` with a `name`, and finds it by that name.
function indexRegions(doc: TomlDoc): TableRegion[] {
  return doc.scan.regions.filter((r) => r.header?.array && samePath(r.header.path, INDEX));
}

function indexNameEntry(region: TableRegion): KeyValue | undefined {
  return region.entries.find((kv) => samePath(kv.key, ["name"]) && kv.value.kind === "string");
}

/** The `[[tool.uv.index]]` named `name`. */
export function indexRegion(doc: TomlDoc, name: string): TableRegion | undefined {
  return indexRegions(doc).find((r) => {
    const value = indexNameEntry(r)?.value;
    return value?.kind === "string" && value.value === name;
  });
}

// ---------------------------------------------------------------------------
// Checks.

/** The error for an entry the user wrote where HPM needs to write `wanted`. */
function conflict(
  ctx: Ownership,
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
  ctx: Ownership,
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
export function adoptCreated(ctx: Ownership): void {
  const { doc } = ctx;
  const onlyOwned = (path: TomlPath, owned: ReadonlySet<string>) => {
    const region = doc.region(path);
    return region !== undefined && region.entries.length > 0 &&
      region.entries.every((kv) => owned.has(entryName(kv) ?? ""));
  };
  if (onlyOwned(DEPENDENCY_GROUPS, ctx.ownedGroups)) ctx.created.add("dependency-groups");
  if (onlyOwned(SOURCES, ctx.ownedSources)) ctx.created.add("tool.uv.sources");
  const overrides = findKey(doc.scan, OVERRIDES)?.value;
  if (
    overrides?.kind === "array" && overrides.elements.length > 0 &&
    overrides.elements.every((e) => [...ctx.ownedOverrides].some((n) => isOverrideOf(e.value, n)))
  ) ctx.created.add(CREATED_OVERRIDES);
  const defaults = findKey(doc.scan, DEFAULT_GROUPS)?.value;
  if (defaults?.kind === "array") {
    const names = defaults.elements.map((e) => e.value.kind === "string" ? e.value.value : "");
    const expected = createdDefaultGroups(ctx, [...ctx.adoptedGroups]);
    if (sameJson(names.map(normalizeName), expected.map(normalizeName))) {
      ctx.created.add(CREATED_DEFAULT_GROUPS);
      const uv = doc.region(TOOL_UV);
      const created = (kv: KeyValue) =>
        samePath(kv.key, ["default-groups"]) ||
        (samePath(kv.key, ["override-dependencies"]) && ctx.created.has(CREATED_OVERRIDES));
      if (uv?.entries.every(created)) ctx.created.add("tool.uv");
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
  readonly path: TomlPath;
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
function requirementLists(parsed: TomlTable, ownedGroups: ReadonlySet<string>): TomlPath[] {
  const keysOf = (path: TomlPath) => {
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
export function checkConflicts(ctx: Ownership, adopt: boolean): boolean {
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
  const userKey = (path: TomlPath, name: string, owned: ReadonlySet<string>) => {
    const wanted = normalizeName(name);
    const table = valueAt(parsed, path);
    if (owned.has(wanted) || !isTable(table)) return undefined;
    const key = Object.keys(table).find((k) => normalizeName(k) === wanted);
    return key === undefined ? undefined : { key, value: table[key] };
  };
  for (const group of plan.groups) {
    const existing = userKey(DEPENDENCY_GROUPS, group.name, ctx.ownedGroups);
    if (existing === undefined) continue;
    // The user's own items in it stay theirs (see writeGroups).
    const matches = holdsRequirements(existing.value, group.requirements);
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
  const overrides = findKey(doc.scan, OVERRIDES)?.value;
  for (const requirement of plan.overrides ?? []) {
    const name = requirementName(requirement)!;
    if (ctx.ownedOverrides.has(name) || overrides?.kind !== "array") continue;
    const users = overrides.elements.filter((e) => isOverrideOf(e.value, name));
    const other = users.find((e) => e.value.kind !== "string" || e.value.value !== requirement);
    if (other) {
      throw collision(
        ctx,
        other.value.start,
        (at) =>
          `cannot write mode ${mode}'s override for ${name}: ${at} has ` +
          `${doc.text.slice(other.value.start, other.value.end)} in ` +
          `\`${dotted(OVERRIDES)}\`, which hpm did not write (hpm would write ` +
          `${tomlString(requirement)}, so that mode ${mode}'s source for ${name} wins over the ` +
          "one a plugin gives it)",
        `remove your override of ${name}: hpm writes its own for mode ${mode}`,
      );
    }
    // The very element hpm would write is the user's, unless taken back.
    if (adopt && users.length) {
      ctx.ownedOverrides.add(name);
      adopted = true;
    }
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

/** Whether the user has a `dev` group, which uv installs by default when default-groups is absent. */
function hasUserDevGroup(ctx: Ownership): boolean {
  const groups = valueAt(ctx.parsed, DEPENDENCY_GROUPS);
  const devGroup = isTable(groups) && !ctx.ownedGroups.has("dev") &&
    Object.keys(groups).some((k) => normalizeName(k) === "dev");
  return devGroup || valueAt(ctx.parsed, [...TOOL_UV, "dev-dependencies"]) !== undefined;
}

/**
 * What HPM writes into a `tool.uv.default-groups` it creates: its groups, and
 * the user's `dev` group, which uv would have installed by default without the key.
 */
export function createdDefaultGroups(ctx: Ownership, names: readonly string[]): string[] {
  const dev = hasUserDevGroup(ctx) && !names.some((n) => normalizeName(n) === "dev");
  return dev ? ["dev", ...names] : [...names];
}
