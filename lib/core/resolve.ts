/**
 * Resolution: hpm.yaml + registries + mode → the plan for pyproject.toml.
 * Pure: the one thing it needs from disk (a local clone's dependencies) comes
 * in as a function.
 *
 * @module
 */

import * as hostPath from "node:path";
import { HpmInputError } from "./errors.ts";
import type { LocalOverlay, Manifest } from "./manifest.ts";
import { selectedIndex } from "./plugins.ts";
import { normalizeName, suggestName } from "./names.ts";
import {
  byLocation,
  type Plan,
  type PlannedIndex,
  type PlannedSource,
  type RegistryState,
  type SourceTable,
} from "./plan.ts";
import type { Registry } from "./registry.ts";
import {
  addCheckoutHint,
  checkoutMode,
  entryPlace,
  missingModeError,
  type RegistryEntry,
  type Source,
} from "./registry_entry.ts";

/** What a package's pyproject.toml declares of other packages (see `declaredDependencies`). */
export interface DeclaredDependencies {
  /** `[project] dependencies`, by normalised name. */
  readonly names: readonly string[];
  /** The packages its `[tool.uv.sources]` gives a source, by normalised name. */
  readonly sourced: readonly string[];
}

/** A package the plan includes, with its source for the mode. */
export interface ResolvedPackage {
  /** PEP 503 normal name. */
  readonly key: string;
  /** The registry entry. */
  readonly entry: RegistryEntry;
  /** The source in force (after hpm.local.yaml overrides). */
  readonly source: Source;
  /** For local sources: the absolute path of the clone. */
  readonly localPath?: string;
  /** Whether hpm.local.yaml changed its path. */
  readonly overridden: boolean;
  /** The groups it is in. */
  readonly groups: readonly string[];
  /** Set when it is only in the plan because these packages need it. */
  readonly requiredBy?: readonly string[];
  /** Whether hpm.local.yaml's `develop:` gave it its clone instead of the mode's source. */
  readonly developed?: boolean;
}

/** The result of {@link resolvePlan}. */
export interface Resolution {
  /** What pyproject.toml must hold. */
  readonly plan: Plan;
  /** Every package in the plan, sorted by name. */
  readonly packages: readonly ResolvedPackage[];
}

/** What {@link resolvePlan} needs. */
export interface ResolveInput {
  /** The parsed hpm.yaml. */
  readonly manifest: Manifest;
  /** The registries. */
  readonly registry: Registry;
  /** The mode to resolve. */
  readonly mode: string;
  /** The project root (the folder of hpm.yaml and pyproject.toml), absolute. */
  readonly root: string;
  /** The parsed hpm.local.yaml, if any. */
  readonly overlay?: LocalOverlay;
  /** The home directory, for `~` in paths. */
  readonly home?: string;
  /** The remote registries' cache folder: no local path may lie in it. */
  readonly cache?: string;
  /**
   * What the package at a local path declares of other packages, if it can
   * be read. Lets dev mode follow plugin → plugin dependencies without the
   * registry listing them.
   */
  readonly localDependencies?: (absolutePath: string) => DeclaredDependencies | undefined;
  /**
   * What a package's release (its source in the mode, when not local)
   * declares of other packages, if known. Lets prod follow plugin → plugin
   * dependencies as dev does.
   */
  readonly releaseDependencies?: (key: string) => DeclaredDependencies | undefined;
  /**
   * Plan the committed form (`hpm stage`, `hpm check --staged`): hpm.local.yaml's
   * `develop:` is this machine's, and does not apply.
   */
  readonly committed?: boolean;
  /**
   * Write local paths absolute, for a pyproject.toml that will be used from
   * another folder (`hpm verify`'s scratch copy).
   */
  readonly absolutePaths?: boolean;
}

/**
 * Resolve every plugin of every group for a mode.
 *
 * Plugins that another plugin depends on (by `requires:` in the registry, or
 * by its own pyproject.toml: a local clone's, or its release's) are added to
 * the same group with their own source, because uv applies
 * `[tool.uv.sources]` to the project's direct dependencies only. When a
 * plugin installed from a source tree (a clone, a git ref) gives another
 * plugin of the plan a source of its own, which uv would honour too, that
 * plugin's requirement also becomes an override, so the mode's source wins.
 *
 * The plugins hpm.local.yaml's `develop:` lists come from their dev checkout
 * (see `checkoutMode`) in every mode whose own source for them is not local;
 * every other plugin takes the mode's source.
 *
 * @param input manifest, registry, mode and project root
 * @returns the plan and the resolved packages
 * @throws {HpmInputError} for an unknown package or one without the mode; for a
 *   developed one without a local source in any mode (`no-checkout`)
 *
 * @example Usage
 * ```ts
 * import { parseManifest, Registry, resolvePlan } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest(
 *   "registry: ./reg\ngroups:\n  vector-db:\n    options: [rag4code-qdrant]\n",
 *   "hpm.yaml",
 * );
 * const registry = new Registry([{
 *   file: "reg/packages/rag4code-qdrant.yaml",
 *   stem: "rag4code-qdrant",
 *   text: "name: rag4code-qdrant\nsources:\n" +
 *     "  dev: {type: local, path: ./packages/rag4code-qdrant}\n" +
 *     "  prod: {type: git, url: 'https://example.com/q.git', tag: v1.0.0}\n",
 * }]);
 * const { plan } = resolvePlan({ manifest, registry, mode: "prod", root: "/p" });
 * assert.deepEqual(plan.groups, [{ name: "vector-db", requirements: ["rag4code-qdrant"] }]);
 * assert.deepEqual(plan.sources[0].table, [["git", "https://example.com/q.git"], ["tag", "v1.0.0"]]);
 * ```
 */
export function resolvePlan(input: ResolveInput): Resolution {
  const { manifest, registry, mode } = input;
  for (const [key, override] of input.overlay?.overrides ?? []) {
    if (!registry.has(key)) {
      throw registry.unknown(
        override.name,
        input.overlay!.positionOf(["overrides", override.name], true),
      );
    }
  }
  const develop = new Set<string>();
  if (!input.committed) {
    for (const [i, name] of (input.overlay?.develop ?? []).entries()) {
      const key = normalizeName(name);
      if (!registry.has(key)) {
        const at = input.overlay!.positionOf(["develop", i]);
        const unknown = registry.unknown(name, at);
        throw new HpmInputError(
          unknown.code,
          unknown.message,
          at,
          `${unknown.hint}; or stop developing it: \`hpm free ${name}\``,
        );
      }
      develop.add(key);
    }
  }
  refuseUnknownMode(input);
  const packages = new Map<string, ResolvedPackage & { groups: string[] }>();
  // What each plugin installed from a source tree gives a source of its own.
  const sourcedBy = new Map<string, readonly string[]>();
  const groups = [];

  const resolveOne = (
    name: string,
    where: () => HpmInputError | undefined,
    requiredBy?: string,
  ) => {
    const key = normalizeName(name);
    const known = packages.get(key);
    if (known) return known;
    if (!registry.has(key)) throw where() ?? registry.unknown(name);
    const entry = registry.get(key);
    if (develop.has(key) && entry.sources[mode]?.type !== "local") {
      const resolved = { key, entry, ...developedSource(entry, mode, input), groups: [] };
      packages.set(key, resolved);
      return resolved;
    }
    if (!entry.sources[mode]) {
      // A package nobody listed in hpm.yaml needs its reason in the message.
      throw missingModeError(
        entry,
        mode,
        requiredBy === undefined
          ? undefined
          : `\`${requiredBy}\` depends on it (by \`requires:\` or its ` +
            `pyproject.toml): add a \`${mode}:\` source to ${entryPlace(entry)}`,
      );
    }
    const resolved = { key, entry, ...sourceInForce(entry, mode, input)!, groups: [] as string[] };
    packages.set(key, resolved);
    return resolved;
  };

  for (const [gi, group] of manifest.groups.entries()) {
    const selected = selectedIndex(group);
    const chosen = selected === undefined ? group.options : [group.options[selected]];
    const requirements: string[] = [];
    const inGroup = new Set<string>();
    const queue: { name: string; requiredBy?: string; at?: number }[] = chosen.map((name, i) => ({
      name,
      at: selected ?? i,
    }));
    while (queue.length) {
      const { name, requiredBy, at } = queue.shift()!;
      const pkg = resolveOne(
        name,
        () =>
          at === undefined ? undefined : registry.unknown(
            name,
            manifest.positionOf(["groups", manifest.groups[gi].name, "options", at]),
          ),
        requiredBy,
      );
      if (inGroup.has(pkg.key)) continue;
      inGroup.add(pkg.key);
      pkg.groups.push(group.name);
      if (requiredBy !== undefined && !chosen.some((c) => normalizeName(c) === pkg.key)) {
        const mutable = pkg as { requiredBy?: string[] };
        mutable.requiredBy = [...(mutable.requiredBy ?? []), requiredBy];
      }
      requirements.push(requirementOf(pkg.entry, pkg.source));
      const needs = new Set(pkg.entry.requires);
      const declared = pkg.localPath
        ? input.localDependencies?.(pkg.localPath)
        : input.releaseDependencies?.(pkg.key);
      for (const dep of declared?.names ?? []) {
        if (registry.has(dep)) needs.add(normalizeName(dep));
      }
      if (declared?.sourced.length && pkg.source.type !== "pypi") {
        sourcedBy.set(pkg.key, declared.sourced);
      }
      for (const dep of [...needs].sort()) queue.push({ name: dep, requiredBy: pkg.entry.name });
    }
    if (requirements.length) groups.push({ name: group.name, requirements });
  }

  const sorted = [...packages.values()].sort((a, b) => a.key.localeCompare(b.key));
  const indexes = indexNames(sorted.map((p) => p.source));
  const sources: PlannedSource[] = [];
  for (const pkg of sorted) {
    const table = input.absolutePaths && pkg.localPath
      ? sourceTable({ ...pkg.source, path: pkg.localPath } as Source, input.root, indexes)
      : sourceTable(pkg.source, input.root, indexes);
    if (table) sources.push({ name: pkg.key, table });
  }
  const overridden = new Set(
    [...sourcedBy].flatMap(([by, names]) => names.filter((n) => n !== by && packages.has(n))),
  );
  const overrides = sorted.filter((p) => overridden.has(p.key))
    .map((p) => requirementOf(p.entry, p.source));
  const developed = sorted.filter((p) => p.developed).map((p) => p.key);
  const registries = registryStates(registry);
  return {
    plan: {
      mode,
      groups,
      sources,
      indexes: [...indexes].map(([url, name]): PlannedIndex => ({ name, url }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      ...(overrides.length ? { overrides } : {}),
      ...(developed.length ? { develop: developed } : {}),
      ...(registries.length ? { registries } : {}),
    },
    packages: sorted,
  };
}

// A developed plugin's source: its dev checkout's, whatever the mode's is.
function developedSource(
  entry: RegistryEntry,
  mode: string,
  input: ResolveInput,
): SourceInForce & { developed: true } {
  const local = checkoutMode(entry, mode);
  if (local === undefined) {
    const overlay = input.overlay!;
    const at = overlay.develop.findIndex((name) => normalizeName(name) === entry.key);
    throw new HpmInputError(
      "no-checkout",
      `\`${entry.name}\` is under \`develop:\` in ${overlay.file}, but no mode of its registry ` +
        `entry has a local source to develop it from`,
      overlay.positionOf(["develop", at]),
      `${addCheckoutHint(entry)}, or stop developing it: \`hpm free ${entry.name}\``,
    );
  }
  return { ...sourceInForce(entry, local, input)!, developed: true };
}

// The git registries' commits the entries were read at, each registry once.
function registryStates(registry: Registry): RegistryState[] {
  const states = new Map<string, string>();
  for (const { remote, copy } of registry.folders) {
    if (remote !== undefined && copy?.kind === "git" && copy.commit) {
      states.set(remote, copy.commit);
    }
  }
  return byLocation([...states].map(([location, commit]) => ({ location, commit })));
}

// A mode that no entry of the groups' plugins defines is a mistyped or
// unknown mode, not one package's missing source (which would send the user
// to add it to an arbitrary entry).
function refuseUnknownMode({ manifest, registry, mode }: ResolveInput): void {
  const modes = new Set<string>();
  for (
    const name of manifest.groups.flatMap((g) => g.select === undefined ? g.options : [g.select])
  ) {
    if (!registry.has(name)) continue; // planning names it in its own words
    const sources = registry.get(name).sources;
    if (mode in sources) return;
    for (const known of Object.keys(sources)) modes.add(known);
  }
  if (!modes.size) return;
  const known = [...modes].sort();
  const guess = suggestName(mode, known);
  throw new HpmInputError(
    "unknown-mode",
    `unknown mode \`${mode}\`${guess ? `; did you mean \`${guess}\`?` : ""} ` +
      `(the registry entries define ${known.join(", ")})`,
    undefined,
    `choose one of them (--mode, RUN_MODE, \`mode:\`), or give the plugins a \`${mode}:\` source ` +
      "in the registry",
  );
}

/** Where a package's code comes from in a mode, on this machine. */
export interface SourceInForce {
  /** The source (with hpm.local.yaml's path override applied). */
  readonly source: Source;
  /** For local sources: the absolute path of the clone. */
  readonly localPath?: string;
  /** Whether hpm.local.yaml changed its path. */
  readonly overridden: boolean;
}

/**
 * A package's source in `mode` as it applies on this machine: hpm.local.yaml
 * overrides a local path, and relative paths and `~` are made absolute.
 *
 * @param entry the registry entry
 * @param mode the mode
 * @param where the project root, the overlay and the home folder
 * @returns the source, or undefined when the entry has none for `mode`
 *
 * @example Usage
 * ```ts
 * import { parseRegistryEntry } from "@hpm/cli";
 * import { sourceInForce } from "./resolve.ts";
 * import assert from "node:assert/strict";
 *
 * const entry = parseRegistryEntry("name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n", "q.yaml");
 * assert.equal(sourceInForce(entry, "dev", { root: "/p" })?.localPath, "/p/packages/q");
 * ```
 */
export function sourceInForce(
  entry: RegistryEntry,
  mode: string,
  where: Pick<ResolveInput, "root" | "overlay" | "home" | "cache">,
): SourceInForce | undefined {
  const base = entry.sources[mode];
  if (!base) return undefined;
  const override = base.type === "local" ? where.overlay?.overrides.get(entry.key) : undefined;
  const source: Source = override && base.type === "local"
    ? { ...base, path: override.path, editable: override.editable ?? base.editable }
    : base;
  const localPath = source.type === "local" ? absolutePath(source.path, where) : undefined;
  // A remote registry is someone else's: it may not point HPM (clone, git,
  // uv's editable install) anywhere outside the project. hpm.local.yaml is
  // this user's own, so its overrides may.
  if (localPath !== undefined && entry.remote && !override) {
    const rel = hostPath.relative(where.root, localPath);
    if (
      source.type === "local" && (hostPath.isAbsolute(source.path) || source.path.startsWith("~") ||
        rel === ".." || rel.startsWith(`..${hostPath.sep}`) || hostPath.isAbsolute(rel))
    ) {
      throw new HpmInputError(
        "untrusted-path",
        `\`${entry.name}\` comes from the remote registry ${entry.remote}, and its \`${mode}\` ` +
          `path \`${source.path}\` leads outside the project`,
        entry.positionOf(["sources", mode, "path"]),
        `a remote registry's local paths must stay inside the project; to use a clone elsewhere, ` +
          `set it in hpm.local.yaml: \`overrides: {${entry.name}: {path: …}}\``,
      );
    }
  }
  // A registry's cached checkout is the registry's content: never a dev
  // checkout that git runs in or uv installs editable from.
  if (localPath !== undefined && where.cache !== undefined) {
    const rel = hostPath.relative(hostPath.resolve(where.cache), localPath);
    if (rel === "" || !(rel.startsWith("..") || hostPath.isAbsolute(rel))) {
      throw new HpmInputError(
        "untrusted-path",
        `the \`${mode}\` path of \`${entry.name}\` is inside HPM's registry cache (${where.cache})`,
        override ? { file: where.overlay!.file } : entry.positionOf(["sources", mode, "path"]),
        "a dev checkout is a clone of the plugin's own repository: point the path at one (`hpm clone`)",
      );
    }
  }
  return { source, localPath, overridden: override !== undefined };
}

function requirementOf(entry: RegistryEntry, source: Source): string {
  return source.type === "pypi" && source.version ? `${entry.name}${source.version}` : entry.name;
}

/** The path functions of one system: `node:path/posix` or `node:path/win32`. */
export type PathFlavour = Pick<typeof hostPath, "isAbsolute" | "relative" | "resolve">;

// A registry is shared by people on different systems, so `\` in its paths is
// a separator everywhere (a file name with a backslash is not worth the
// confusion); pyproject.toml gets `/`, which uv reads on every system.
const slashes = (path: string) => path.replaceAll("\\", "/");
const isHomeRelative = (path: string) => path === "~" || path.startsWith("~/");

function absolutePath(path: string, input: Pick<ResolveInput, "root" | "home">): string {
  const p = slashes(path);
  const expanded = isHomeRelative(p) ? hostPath.join(input.home ?? "~", p.slice(1)) : p;
  return hostPath.resolve(input.root, expanded);
}

/**
 * A registry or hpm.local.yaml path as pyproject.toml gets it: with `/` on
 * every system, relative to the project (so the file works on any machine)
 * unless it was given absolute or under `~`.
 *
 * @param path the path as written in the registry entry or hpm.local.yaml
 * @param root the project root, absolute, in `flavour`'s syntax
 * @param flavour whose path rules apply; the host's by default
 */
export function pyprojectPath(path: string, root: string, flavour: PathFlavour = hostPath): string {
  const p = slashes(path);
  if (isHomeRelative(p) || flavour.isAbsolute(p)) return p;
  const rel = slashes(flavour.relative(root, flavour.resolve(root, p)));
  return rel === "" ? "." : rel;
}

function sourceTable(
  source: Source,
  root: string,
  indexes: ReadonlyMap<string, string>,
): SourceTable | undefined {
  switch (source.type) {
    case "local":
      return [["path", pyprojectPath(source.path, root)], ["editable", source.editable]];
    case "git": {
      const table: [string, string][] = [["git", source.url]];
      // uv has no `ref`; its `rev` accepts any tag, branch or commit.
      if (source.tag) table.push(["tag", source.tag]);
      else if (source.branch) table.push(["branch", source.branch]);
      else if (source.rev ?? source.ref) table.push(["rev", (source.rev ?? source.ref)!]);
      if (source.subdirectory) table.push(["subdirectory", source.subdirectory]);
      return table;
    }
    case "pypi":
      return source.index ? [["index", indexes.get(source.index)!]] : undefined;
  }
}

// Each private index URL gets a stable name derived from its host, so the same
// registry always produces the same pyproject.toml.
function indexNames(sources: readonly Source[]): Map<string, string> {
  const urls = [...new Set(sources.flatMap((s) => s.type === "pypi" && s.index ? [s.index] : []))]
    .sort();
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const url of urls) {
    const host = new URL(url).hostname || "local";
    const base = `hpm-${host.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase()}`;
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);
    names.set(url, name);
  }
  return names;
}
