/**
 * The modes a project defines, for `hpm modes` (a CI matrix over them): the
 * ones hpm.yaml names (`mode:`, `commit-mode:`) and the `sources:` keys of
 * the registry entries of the plugins a sync installs.
 *
 * @module
 */

import type { Manifest } from "./manifest.ts";
import { namedPlugins } from "./plugins.ts";
import type { Registry } from "./registry.ts";

/** One mode of a project. */
export interface ProjectMode {
  /** Its name. */
  readonly name: string;
  /** Where it is named: `mode` or `commit-mode` in hpm.yaml, the plugins' `sources`. */
  readonly namedBy: readonly ("mode" | "commit-mode" | "sources")[];
  /**
   * The plugins a sync installs that have no source for it: `hpm sync --mode`
   * with it would fail (`missing-mode`). Empty for a mode every one has.
   */
  readonly missing: readonly string[];
}

/**
 * The modes of a project: hpm.yaml's `mode:` (else `dev`, the default) and
 * `commit-mode:` first, then the other modes the plugins' entries have, by
 * name. Each says which plugins lack it: a mode they all have is one a sync
 * can install (the plugins are the selected options of hpm.yaml's groups and
 * what they `require:`).
 *
 * @param manifest hpm.yaml
 * @param registry the registries
 * @returns the modes
 * @throws {HpmInputError} `unknown-package` for a plugin no registry has
 *
 * @example Usage
 * ```ts
 * import { parseManifest, Registry } from "@hpm/cli";
 * import { projectModes } from "./modes.ts";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest("registry: ./r\ngroups:\n  db:\n    options: [q]\n", "hpm.yaml");
 * const registry = new Registry([{
 *   file: "r/packages/q.yaml",
 *   stem: "q",
 *   text: "name: q\nsources:\n  dev: {type: local, path: ./q}\n  prod: {type: pypi}\n",
 * }]);
 * assert.deepEqual(projectModes(manifest, registry).map((m) => m.name), ["dev", "prod"]);
 * ```
 */
export function projectModes(manifest: Manifest, registry: Registry): ProjectMode[] {
  const plugins = namedPlugins(manifest, registry, { selectedOnly: true });
  const named = new Map<string, Set<ProjectMode["namedBy"][number]>>();
  const name = (mode: string, by: ProjectMode["namedBy"][number]) =>
    named.set(mode, (named.get(mode) ?? new Set()).add(by));
  name(manifest.mode ?? "dev", "mode");
  if (manifest.commitMode !== undefined) name(manifest.commitMode, "commit-mode");
  const fromSources = new Set(plugins.flatMap((p) => Object.keys(p.sources)));
  for (const mode of [...fromSources].sort()) name(mode, "sources");
  return [...named].map(([mode, by]) => ({
    name: mode,
    namedBy: [...by],
    missing: plugins.filter((p) => !(mode in p.sources)).map((p) => p.name),
  }));
}
