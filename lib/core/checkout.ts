/**
 * Where a plugin's dev checkout lives, and the git source it is cloned from:
 * what `hpm clone`, `hpm status`, `hpm pin` and the reading of releases from
 * clones all ask of a registry entry.
 *
 * @module
 */

import type { Project } from "./project.ts";
import { checkoutMode, type GitSource, type RegistryEntry } from "./registry_entry.ts";
import { sourceInForce } from "./resolve.ts";

/** Where a package's dev checkout lives. */
export interface DevCheckout {
  /** The mode whose `local` source gave the path. */
  readonly mode: string;
  /** Absolute path of the checkout. */
  readonly path: string;
  /** Whether hpm.local.yaml moved it. */
  readonly overridden: boolean;
}

/**
 * Where the dev checkout of a package lives: its `local` source in `mode`, else
 * in `dev`, else in the first mode that has one, with hpm.local.yaml's
 * overrides applied.
 *
 * @param project the loaded project
 * @param entry the package's registry entry
 * @param mode the mode asked for
 * @param home the home folder, for `~` in paths
 * @returns the checkout, or undefined when no mode has a local source
 *
 * @example Usage
 * ```ts ignore
 * import { loadProject } from "@hpm/cli";
 * import { devCheckout } from "./checkout.ts";
 *
 * const project = await loadProject("/path/to/core");
 * const entry = project.registry.get("rag4code-qdrant");
 * console.log(devCheckout(project, entry, "dev")?.path); // /path/to/core/packages/rag4code-qdrant
 * ```
 */
export function devCheckout(
  project: Project,
  entry: RegistryEntry,
  mode: string,
  home?: string,
): DevCheckout | undefined {
  const chosen = checkoutMode(entry, mode);
  if (chosen === undefined) return undefined;
  const found = sourceInForce(entry, chosen, {
    root: project.root,
    overlay: project.overlay,
    home,
    cache: project.cache,
  })!;
  return { mode: chosen, path: found.localPath!, overridden: found.overridden };
}

/**
 * The git source a dev checkout is cloned from: the one of `prod`, else the
 * first mode's that has one, else the entry's `repository:` (a package
 * released on an index but developed in git).
 *
 * @param entry the registry entry
 * @returns the source and its mode (none for `repository:`), or undefined
 *   when no mode has a git source and there is no `repository:`
 *
 * @example Usage
 * ```ts
 * import { parseRegistryEntry } from "@hpm/cli";
 * import { cloneSource } from "./checkout.ts";
 * import assert from "node:assert/strict";
 *
 * const entry = parseRegistryEntry(
 *   "name: q\nsources:\n  dev: {type: local, path: ./q}\n" +
 *     "  prod: {type: git, url: 'https://example.com/q.git', ref: v1.0.0}\n",
 *   "q.yaml",
 * );
 * assert.equal(cloneSource(entry)?.source.url, "https://example.com/q.git");
 *
 * const indexed = parseRegistryEntry(
 *   "name: o\nrepository: 'https://example.com/o.git'\nsources:\n  prod: {type: pypi}\n",
 *   "o.yaml",
 * );
 * assert.deepEqual(cloneSource(indexed), {
 *   source: { type: "git", url: "https://example.com/o.git" },
 * });
 * ```
 */
export function cloneSource(
  entry: RegistryEntry,
): { mode?: string; source: GitSource } | undefined {
  const modes = ["prod", ...Object.keys(entry.sources)];
  for (const mode of modes) {
    const source = entry.sources[mode];
    if (source?.type === "git") return { mode, source };
  }
  return entry.repository === undefined
    ? undefined
    : { source: { type: "git", url: entry.repository } };
}
