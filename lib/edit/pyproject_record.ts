/**
 * HPM's record in pyproject.toml, the `[tool.hpm]` table at the end of the
 * file: what HPM owns there (its dependency groups and their items, its
 * sources, indexes and default-groups elements, the tables and keys it
 * created) and so may change or remove, where those entries are, and how the
 * record is read and written.
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";
import { normalizeName } from "../core/names.ts";
import { byLocation, type Plan, type RegistryState } from "../core/plan.ts";

import { isTable, parseToml, type TomlTable, valueAt } from "./toml/parse.ts";
import { renderArray, tomlString } from "./toml/render.ts";
import { lineColumn, type ScannedValue, scanToml } from "./toml/scan.ts";
import { dotted, locate, type TomlPath } from "./toml/splice.ts";

/** What HPM owns in a pyproject.toml, as recorded in its `[tool.hpm]` table. */
export interface ManagedRecord {
  /** The mode of the last apply. */
  readonly mode: string;
  /**
   * The plugins installed from their clones although the mode's source is
   * another (hpm.local.yaml's `develop:`), sorted; absent when none.
   */
  readonly develop?: readonly string[];
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
   * The packages whose element of `tool.uv.override-dependencies` HPM wrote
   * (normalised names), sorted; absent when none. Other elements are the user's.
   */
  readonly overrides?: readonly string[];
  /**
   * Tables and keys HPM created, sorted: any of `dependency-groups`,
   * `tool.uv`, `tool.uv.sources`, `tool.uv.default-groups`,
   * `tool.uv.override-dependencies`. HPM deletes them again once it no longer
   * needs them.
   */
  readonly created: readonly string[];
  /**
   * The git registries' states the entries were written from (see
   * `RegistryState`), sorted by location; undefined in a record that names
   * none (no git registry, or written by an HPM that did not record them).
   */
  readonly registries?: readonly RegistryState[];
}

// Where the entries a record lists are.
/** The table of the dependency groups HPM writes. */
export const DEPENDENCY_GROUPS: TomlPath = ["dependency-groups"];
/** uv's table, which holds the sources, the indexes and default-groups. */
export const TOOL_UV: TomlPath = ["tool", "uv"];
/** The table of the sources HPM writes. */
export const SOURCES: TomlPath = ["tool", "uv", "sources"];
/** The array of tables of the indexes HPM writes. */
export const INDEX: TomlPath = ["tool", "uv", "index"];
/** The key HPM adds its groups to, so that uv installs them. */
export const DEFAULT_GROUPS: TomlPath = ["tool", "uv", "default-groups"];
/** The array HPM adds overrides to, so that the mode's source wins over a plugin's own. */
export const OVERRIDES: TomlPath = ["tool", "uv", "override-dependencies"];
/** The record itself. */
export const RECORD: TomlPath = ["tool", "hpm"];
/** How `created` names `tool.uv.default-groups`, the one key (not table) HPM creates. */
export const CREATED_DEFAULT_GROUPS = "tool.uv.default-groups";
/** How `created` names `tool.uv.override-dependencies`, when HPM added that key. */
export const CREATED_OVERRIDES = "tool.uv.override-dependencies";
// A git commit id, SHA-1 or SHA-256.
const COMMIT_ID = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
const RECORD_COMMENT = "# Managed by hpm: edit hpm.yaml and run `hpm sync` instead of " +
  "editing the entries listed here.";
const recordHint = (mode = "MODE") =>
  "restore [tool.hpm] from version control, or delete it and run " +
  `\`hpm sync --mode ${mode} --adopt\` to take back the entries that match what hpm would write`;

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

/**
 * The plan a pyproject.toml holds: the entries its `[tool.hpm]` record lists,
 * as they are written (HPM's items in its groups, its sources, its indexes),
 * so that applying it to another form of the same file gives it these very
 * entries. Undefined when the file has no record.
 *
 * @param text the pyproject.toml text
 * @param file the file name used in error positions
 * @returns the plan, or undefined
 * @throws {HpmInputError} `toml-syntax`, `toml-layout` as {@link readManaged}
 *
 * @example Usage
 * ```ts
 * import { applyPlan } from "./pyproject.ts";
 * import { recordedPlan } from "./pyproject_record.ts";
 * import assert from "node:assert/strict";
 *
 * const plan = {
 *   mode: "prod",
 *   groups: [{ name: "db", requirements: ["q==1.0.0"] }],
 *   sources: [{ name: "q", table: [["index", "hpm-example-com"]] as const }],
 *   indexes: [{ name: "hpm-example-com", url: "https://example.com/simple" }],
 * };
 * const { text } = applyPlan('[project]\nname = "core"\n', plan);
 * assert.deepEqual(recordedPlan(text), plan);
 * ```
 */
export function recordedPlan(text: string, file = "pyproject.toml"): Plan | undefined {
  const parsed = parseToml(text, file);
  const record = recordOf(parsed, text, file);
  if (!record) return undefined;
  const entry = (path: TomlPath, name: string) => {
    const table = valueAt(parsed, path);
    if (!isTable(table)) return undefined;
    const key = Object.keys(table).find((k) => normalizeName(k) === normalizeName(name));
    return key === undefined ? undefined : table[key];
  };
  const items = record.packages && new Set(record.packages);
  const indexes = valueAt(parsed, INDEX);
  return {
    mode: record.mode,
    groups: record.groups.flatMap((name) => {
      const value = entry(DEPENDENCY_GROUPS, name);
      if (!Array.isArray(value)) return [];
      const requirements = value.filter((item): item is string =>
        typeof item === "string" && (items === undefined || items.has(itemKey(name, item)!))
      );
      return [{ name, requirements }];
    }),
    sources: record.sources.flatMap((name) => {
      const value = entry(SOURCES, name);
      if (!isTable(value)) return [];
      const table = Object.entries(value).filter((kv): kv is [string, string | boolean] =>
        typeof kv[1] === "string" || typeof kv[1] === "boolean"
      );
      return [{ name, table }];
    }),
    indexes: record.indexes.flatMap((name) => {
      const found = Array.isArray(indexes)
        ? indexes.find((i) => isTable(i) && i.name === name)
        : undefined;
      return isTable(found) && typeof found.url === "string" ? [{ name, url: found.url }] : [];
    }),
    ...overridesOf(valueAt(parsed, OVERRIDES), record.overrides),
    ...(record.develop?.length ? { develop: record.develop } : {}),
    ...(record.registries?.length ? { registries: record.registries } : {}),
  };
}

// The override-dependencies elements the record names as HPM's, in the plan's order.
function overridesOf(value: unknown, names: readonly string[] = []): Pick<Plan, "overrides"> {
  const owned = new Set(names.map(normalizeName));
  const overrides = (Array.isArray(value) ? value : []).filter((item): item is string =>
    typeof item === "string" && owned.has(normalizeName(requirementName(item) ?? ""))
  ).sort((a, b) => requirementName(a)!.localeCompare(requirementName(b)!));
  return overrides.length ? { overrides } : {};
}

/**
 * The record in parsed pyproject.toml text, or undefined when it has none.
 * `planMode` is the mode a sync is for, named in the hint of an error.
 */
export function recordOf(
  parsed: TomlTable,
  text: string,
  file: string,
  planMode?: string,
): ManagedRecord | undefined {
  const table = valueAt(parsed, RECORD);
  if (table === undefined) return undefined;
  const fail = (path: TomlPath, expected: string): never => {
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
  const optional = (key: string) => table[key] === undefined ? {} : { [key]: list(key) };
  const states = table.registries;
  if (
    states !== undefined &&
    (!isTable(states) ||
      !Object.values(states).every((v) => typeof v === "string" && COMMIT_ID.test(v)))
  ) {
    return fail([...RECORD, "registries"], "a table of commit ids (registry = commit)");
  }
  return {
    mode,
    ...optional("develop"),
    groups: list("groups"),
    packages: table.packages === undefined ? undefined : list("packages"),
    sources: list("sources"),
    indexes: list("indexes"),
    defaultGroups: list("default-groups"),
    ...optional("overrides"),
    created: list("created"),
    ...(states === undefined ? {} : {
      registries: byLocation(
        Object.entries(states as Record<string, string>)
          .map(([location, commit]) => ({ location, commit })),
      ),
    }),
  };
}

/** The `[tool.hpm]` block, as HPM writes it. */
export function renderRecord(record: ManagedRecord, eol: string): string {
  const array = (key: string, items: readonly string[]) =>
    `${key} = ${renderArray(`${key} = `, items, eol)}`;
  // Written only when there are any, so a record without them reads as before.
  const some = (key: string, items: readonly string[] = []) =>
    items.length ? [array(key, items)] : [];
  return [
    "[tool.hpm]",
    RECORD_COMMENT,
    `mode = ${tomlString(record.mode)}`,
    ...some("develop", record.develop),
    array("groups", record.groups),
    array("packages", record.packages ?? []),
    array("sources", record.sources),
    array("indexes", record.indexes),
    array("default-groups", record.defaultGroups),
    ...some("overrides", record.overrides),
    array("created", record.created),
    // One line per registry: a move shows, and merges, as that line alone.
    ...byLocation(record.registries ?? []).map((r) =>
      `registries.${tomlString(r.location)} = ${tomlString(r.commit)}`
    ),
    "",
  ].join(eol);
}

/** The package a requirement string names, as written (`Foo_Bar[x]>=1` → `Foo_Bar`). */
export function nameAsWritten(requirement: string): string | undefined {
  return /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(requirement)?.[1];
}

/** The package a requirement string names, normalised (`Foo_Bar[x]>=1` → `foo-bar`). */
export function requirementName(requirement: string): string | undefined {
  const name = nameAsWritten(requirement);
  return name === undefined ? undefined : normalizeName(name);
}

/**
 * Whether an element of `tool.uv.override-dependencies` is a requirement of
 * the package `name` (normalised).
 */
export function isOverrideOf(value: ScannedValue, name: string): boolean {
  return value.kind === "string" && requirementName(value.value) === name;
}

/** An item of a group as the record's `packages` lists it: `group/package`, normalised. */
export function itemKey(group: string, requirement: string): string | undefined {
  const name = requirementName(requirement);
  return name === undefined ? undefined : `${normalizeName(group)}/${name}`;
}
