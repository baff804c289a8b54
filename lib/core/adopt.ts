/**
 * Adopting a project set up by hand: its `[tool.uv.sources]` already has
 * path and git entries for the plugins in its dependency groups. `hpm init`
 * turns each into a registry entry (a path entry gives the `dev` source, a
 * git entry the `prod` one), lists the groups in hpm.yaml, and records the
 * entries as HPM's in pyproject.toml without changing a byte of them.
 *
 * Pure: text in, what to write out.
 *
 * @module
 */

import { stringify } from "yaml";
import { isGroupName } from "./_schemas.ts";
import { lineColumn } from "../edit/toml/scan.ts";
import { excerpt, HpmInputError, type SourcePosition } from "./errors.ts";
import { isValidPackageName, normalizeName, PEP508_NAME } from "./names.ts";
import type { Plan, SourceTable } from "./plan.ts";
import { applyPlan } from "../edit/pyproject.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import { parseRegistryEntry } from "./registry_entry.ts";
import { parseToml, scanTomlFile } from "../edit/toml/parse.ts";
import { isSafeGitRef, isSafeGitUrl, isUsablePath } from "./value_checks.ts";

/** One package taken over from pyproject.toml. */
export interface AdoptedPackage {
  /** The name as the groups write it. */
  readonly name: string;
  /** The registry entry to write (`packages/<key>.yaml`), validated. */
  readonly entry: string;
  /** The mode its pyproject.toml entry is the source of (`dev` for a path, `prod` for git). */
  readonly mode: "dev" | "prod";
}

/** What {@link planAdoption} found. */
export interface Adoption {
  /** The mode pyproject.toml is in: `dev` when any adopted entry is a path. */
  readonly mode: "dev" | "prod";
  /** The packages, sorted by name. */
  readonly packages: readonly AdoptedPackage[];
  /** The groups for hpm.yaml, in pyproject.toml's order, with their options. */
  readonly groups: readonly { readonly name: string; readonly options: readonly string[] }[];
  /** pyproject.toml with HPM's record added (and its groups in `tool.uv.default-groups`). */
  readonly pyproject: string;
  /** Whether `pyproject` differs from the text given. */
  readonly changed: boolean;
  /** Why entries were left to the user, one sentence each. */
  readonly skipped: readonly string[];
}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

const GIT_REFS = ["tag", "branch", "rev"] as const;

// More plugins than any project has: adopting is a file each, and the edit of
// pyproject.toml grows with their square.
const MAX_ADOPTED = 500;

/**
 * Work out what `hpm init` adopts from a pyproject.toml: every dependency
 * group whose items are all plain names of packages with a path or git
 * source. Groups that also hold other requirements, and sources outside such
 * groups, are left to the user and listed in `skipped`.
 *
 * @param text pyproject.toml
 * @param file its path, for errors
 * @returns the adoption; `packages` is empty when there is nothing to adopt
 *   (or HPM already manages the file)
 * @throws {HpmInputError} when pyproject.toml is not valid TOML, or has more
 *   plugin sources than HPM adopts (500)
 *
 * @example Usage
 * ```ts
 * import { planAdoption } from "./adopt.ts";
 * import assert from "node:assert/strict";
 *
 * const adoption = planAdoption(
 *   '[project]\nname = "core"\n\n[dependency-groups]\nplugins = ["plug"]\n\n' +
 *     '[tool.uv.sources]\nplug = { path = "../plug", editable = true }\n',
 *   "pyproject.toml",
 * );
 * assert.equal(adoption.mode, "dev");
 * assert.deepEqual(adoption.groups, [{ name: "plugins", options: ["plug"] }]);
 * assert.match(adoption.packages[0].entry, /dev:\n    type: local\n    path: \.\.\/plug/);
 * assert.match(adoption.pyproject, /\[tool\.hpm\]\n/);
 * ```
 */
export function planAdoption(text: string, file: string): Adoption {
  const none: Adoption = {
    mode: "dev",
    packages: [],
    groups: [],
    pyproject: text,
    changed: false,
    skipped: [],
  };
  if (readManaged(text, file) !== undefined) return none;
  const data = parseToml(text, file);
  const tool = isTable(data.tool) ? data.tool : {};
  const uvTable = isTable(tool.uv) ? tool.uv : {};
  const rawSources = isTable(uvTable.sources) ? uvTable.sources : {};
  const rawGroups = isTable(data["dependency-groups"]) ? data["dependency-groups"] : {};
  const skipped: string[] = [];

  const sources = new Map<string, { name: string; table: SourceTable; mode: "dev" | "prod" }>();
  const twins = new Set<string>();
  for (const [name, value] of Object.entries(rawSources)) {
    const source = adoptableSource(value);
    if (source === "") continue;
    const key = normalizeName(name);
    const twin = sources.get(key);
    if (typeof source === "string") skipped.push(`source \`${excerpt(name)}\`: ${source}`);
    else if (!isValidPackageName(name)) {
      skipped.push(
        `source \`${excerpt(name)}\`: not a valid package name (PEP 508, at most 200 characters)`,
      );
    } else if (twin !== undefined || twins.has(key)) {
      // Which of two spellings of one package is the plugin is the user's to say.
      if (twin !== undefined) {
        skipped.push(
          `sources \`${twin.name}\` and \`${name}\` are one package once normalised ` +
            "(PEP 503): keep one and run `hpm init` again",
        );
      }
      sources.delete(key);
      twins.add(key);
    } else sources.set(key, { name, ...source });
  }

  const groups: { name: string; options: string[] }[] = [];
  const inGroups = new Set<string>();
  for (const [group, items] of Object.entries(rawGroups)) {
    if (!Array.isArray(items)) continue;
    const named = items.map((i) => typeof i === "string" ? plainName(i) : undefined);
    const plugins = items.filter((_, i) => sources.has(named[i] ?? "")) as string[];
    if (!plugins.length) continue;
    const others = items.filter((_, i) => !sources.has(named[i] ?? ""));
    const keys = new Set(plugins.map(normalizeName));
    const why = !isGroupName(group)
      ? ": not a valid group name (PEP 735: letters, digits, `-`, `_`, `.`)"
      : others.length
      ? ` also holds ${
        others.slice(0, 3).map((o) =>
          `\`${excerpt(typeof o === "string" ? o : JSON.stringify(o))}\``
        )
          .join(", ")
      }${others.length > 3 ? ` and ${others.length - 3} more` : ""}: hpm would own the whole ` +
        "group, so it was left as it is (move the plugins into a group of their own and run " +
        "`hpm init` again)"
      : keys.size < plugins.length
      ? ": names a plugin more than once"
      : undefined;
    if (why) {
      skipped.push(`group \`${excerpt(group)}\`${why}`);
      continue;
    }
    groups.push({ name: group, options: plugins });
    for (const key of keys) inGroups.add(key);
  }
  for (const [key, source] of sources) {
    if (!inGroups.has(key)) {
      skipped.push(
        `source \`${source.name}\`: no dependency group hpm can manage names it ` +
          "(hpm manages plugins in dependency groups)",
      );
    }
  }
  if (!groups.length) return { ...none, skipped };
  if (inGroups.size > MAX_ADOPTED) {
    const first = [...sources.keys()].filter((k) => inGroups.has(k))[MAX_ADOPTED];
    throw new HpmInputError(
      "too-large",
      `pyproject.toml has ${inGroups.size} path and git sources for plugins; ` +
        `hpm init adopts at most ${MAX_ADOPTED}`,
      sourcePosition(text, file, first),
      "run `hpm init --no-adopt`, then add the plugins with `hpm registry add` and `hpm group add`",
    );
  }

  const mode = [...inGroups].some((k) => sources.get(k)!.mode === "dev") ? "dev" : "prod";
  const names = new Map<string, string>();
  for (const g of groups) {
    for (const o of g.options) names.set(normalizeName(o), names.get(normalizeName(o)) ?? o);
  }
  const packages = [...inGroups].sort().map((key): AdoptedPackage => {
    const source = sources.get(key)!;
    return {
      name: names.get(key)!,
      entry: registryEntryFor(names.get(key)!, source),
      mode: source.mode,
    };
  });
  // The plan that says exactly what is there, so every entry is adopted as written.
  const plan: Plan = {
    mode,
    groups: groups.map((g) => ({ name: g.name, requirements: g.options })),
    sources: [...inGroups].sort().map((key) => ({ name: key, table: sources.get(key)!.table })),
    indexes: [],
  };
  const { text: pyproject, changed } = applyPlan(text, plan, file, { adopt: true });
  return { mode, packages, groups, pyproject, changed, skipped };
}

// Where pyproject.toml gives the source of `key` (a key of [tool.uv.sources], or a table of its own).
function sourcePosition(text: string, file: string, key: string): SourcePosition {
  for (const s of scanTomlFile(text, file).statements) {
    const path = s.kind === "header" ? s.path : [...s.table, ...s.key];
    if (
      path.length >= 4 && path[0] === "tool" && path[1] === "uv" && path[2] === "sources" &&
      normalizeName(path[3]) === key
    ) return { file, ...lineColumn(text, s.keyStart) };
  }
  return { file };
}

// The package a plain requirement names (`plug`, not `plug>=1` or `plug[x]`).
function plainName(item: string): string | undefined {
  const name = item.trim();
  return PEP508_NAME.test(name) ? normalizeName(name) : undefined;
}

/** The source as HPM would write it, or why it cannot be adopted ("" for forms that are not plugins). */
function adoptableSource(
  value: unknown,
): { table: SourceTable; mode: "dev" | "prod" } | string {
  if (!isTable(value)) return Array.isArray(value) ? "a list of sources is not adopted" : "";
  const keys = Object.keys(value);
  const extra = (allowed: readonly string[]) => keys.filter((k) => !allowed.includes(k));
  if (typeof value.path === "string") {
    const unknown = extra(["path", "editable"]);
    if (unknown.length) return `it has keys hpm does not write (${unknown.join(", ")})`;
    if (!isUsablePath(value.path)) {
      return `the path ${JSON.stringify(excerpt(value.path))} is not usable`;
    }
    if (value.editable !== undefined && typeof value.editable !== "boolean") {
      return "bad `editable`";
    }
    return { table: Object.entries(value) as [string, string | boolean][], mode: "dev" };
  }
  if (typeof value.git === "string") {
    const unknown = extra(["git", ...GIT_REFS, "subdirectory"]);
    if (unknown.length) return `it has keys hpm does not write (${unknown.join(", ")})`;
    if (!isSafeGitUrl(value.git)) {
      return `the git URL ${JSON.stringify(excerpt(value.git))} is not allowed`;
    }
    const refs = GIT_REFS.filter((k) => value[k] !== undefined);
    if (
      refs.length > 1 || refs.some((k) => typeof value[k] !== "string" || !isSafeGitRef(value[k]))
    ) {
      return "its git ref is not one valid tag, branch or rev";
    }
    if (
      value.subdirectory !== undefined &&
      (typeof value.subdirectory !== "string" || !isUsablePath(value.subdirectory))
    ) {
      return "its subdirectory is not usable";
    }
    return { table: Object.entries(value) as [string, string][], mode: "prod" };
  }
  return ""; // workspace members, indexes, URLs: not what hpm writes for a plugin
}

function registryEntryFor(
  name: string,
  source: { table: SourceTable; mode: "dev" | "prod" },
): string {
  const value = Object.fromEntries(source.table);
  const sources: Record<string, unknown> = {};
  if (source.mode === "dev") {
    sources.dev = { type: "local", path: value.path, editable: value.editable ?? false };
  } else {
    // A git plugin is developed in a clone that `hpm clone` makes.
    sources.dev = { type: "local", path: `./packages/${normalizeName(name)}`, editable: true };
    const rest = source.table.filter(([k]) => k !== "git");
    sources.prod = { type: "git", url: value.git, ...Object.fromEntries(rest) };
  }
  const text = "# yaml-language-server: $schema=../registry-entry.schema.json\n" +
    "# adopted from pyproject.toml by `hpm init`\n" + stringify({ name, sources });
  parseRegistryEntry(text, `${normalizeName(name)}.yaml`, name);
  return text;
}
