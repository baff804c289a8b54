/**
 * The plugins a project names: the options of hpm.yaml's groups and the
 * registry plugins they `require:`, as `hpm clone`, `hpm foreach` and
 * `hpm modes` walk them (the plan, which follows what a mode installs, is
 * resolve.ts's).
 *
 * @module
 */

import { HpmInputError } from "./errors.ts";
import type { Manifest, ManifestGroup } from "./manifest.ts";
import { normalizeName } from "./names.ts";
import type { Registry } from "./registry.ts";
import type { RegistryEntry } from "./registry_entry.ts";

/**
 * A group of hpm.yaml by name (compared normalised, as hpm.yaml's keys are).
 *
 * @param manifest hpm.yaml
 * @param group the group's name
 * @returns the group, or undefined
 */
export function findGroup(manifest: Manifest, group: string): ManifestGroup | undefined {
  const key = normalizeName(group);
  return manifest.groups.find((g) => normalizeName(g.name) === key);
}

/**
 * The error for a group hpm.yaml does not have, listing those it has.
 *
 * @param manifest hpm.yaml
 * @param group the name asked for
 * @returns the error (`usage`)
 */
export function noSuchGroup(manifest: Manifest, group: string): HpmInputError {
  const names = manifest.groups.map((g) => g.name);
  return new HpmInputError(
    "usage",
    `no group \`${group}\` in ${manifest.file}`,
    { file: manifest.file },
    names.length
      ? `groups: ${names.join(", ")}`
      : "add one with `hpm group add GROUP --option PACKAGE`",
  );
}

/**
 * Where in a group's options its `select:` is: the two are compared
 * normalised, so `select: rag-plug` selects the option written `Rag_Plug`.
 *
 * @param group a group of hpm.yaml
 * @returns the selected option's index, or undefined when the group selects none
 */
export function selectedIndex(group: ManifestGroup): number | undefined {
  if (group.select === undefined) return undefined;
  const wanted = normalizeName(group.select);
  const at = group.options.findIndex((o) => normalizeName(o) === wanted);
  return at < 0 ? undefined : at;
}

/** Which of hpm.yaml's plugins {@link namedPlugins} walks. */
export interface NamedPluginsOptions {
  /** Only this group's options (and what they require). */
  readonly group?: string;
  /** A group of alternatives gives only its selected option (what a sync installs). */
  readonly selectedOnly?: boolean;
}

/**
 * The registry entries of the plugins hpm.yaml names, in its order, each
 * followed by the plugins it `require:`s (transitively), each once.
 *
 * @param manifest hpm.yaml
 * @param registry the registries
 * @param options one group only; selected alternatives only
 * @returns the entries
 * @throws {HpmInputError} `unknown-package` at the option's position in
 *   hpm.yaml (or for a `requires:` no registry has); `usage` for an unknown group
 *
 * @example Usage
 * ```ts
 * import { parseManifest, Registry } from "@hpm/cli";
 * import { namedPlugins } from "./plugins.ts";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest("registry: ./r\ngroups:\n  db:\n    options: [q]\n", "hpm.yaml");
 * const registry = new Registry([
 *   { file: "r/packages/q.yaml", stem: "q", text: "name: q\nrequires: [base]\nsources: {prod: {type: pypi}}\n" },
 *   { file: "r/packages/base.yaml", stem: "base", text: "name: base\nsources: {prod: {type: pypi}}\n" },
 * ]);
 * assert.deepEqual(namedPlugins(manifest, registry).map((e) => e.name), ["q", "base"]);
 * ```
 */
export function namedPlugins(
  manifest: Manifest,
  registry: Registry,
  options: NamedPluginsOptions = {},
): RegistryEntry[] {
  const groups = options.group === undefined
    ? manifest.groups
    : [findGroup(manifest, options.group) ?? throwing(noSuchGroup(manifest, options.group))];
  const entries = new Map<string, RegistryEntry>();
  const visit = (name: string, where?: () => HpmInputError) => {
    if (entries.has(normalizeName(name))) return;
    if (!registry.has(name)) throw where?.() ?? registry.unknown(name);
    const entry = registry.get(name);
    entries.set(entry.key, entry);
    for (const dep of entry.requires) visit(dep);
  };
  for (const group of groups) {
    const selected = options.selectedOnly ? selectedIndex(group) : undefined;
    for (const [i, option] of group.options.entries()) {
      if (selected !== undefined && i !== selected) continue;
      visit(
        option,
        () => registry.unknown(option, manifest.positionOf(["groups", group.name, "options", i])),
      );
    }
  }
  return [...entries.values()];
}

function throwing(error: Error): never {
  throw error;
}
