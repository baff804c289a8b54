/**
 * The dev checkouts of a project that are on disk: where `hpm foreach` runs
 * a program. The plugins are hpm.yaml's (every option, alternatives not
 * selected included) with what they `require:` and what their checkouts'
 * pyproject.toml declare, as `hpm clone` puts them on disk.
 *
 * @module
 */

import { devCheckout } from "../core/checkout.ts";
import { namedPlugins } from "../core/plugins.ts";
import type { Project } from "../core/project.ts";
import type { RegistryEntry } from "../core/registry_entry.ts";
import { hasOwnGit } from "../io/git.ts";
import { isPackageDir, readLocalDependencies } from "./load.ts";

/** One dev checkout on disk. */
export interface Checkout {
  /** The plugin, as its registry entry names it. */
  readonly name: string;
  /** Its absolute path. */
  readonly path: string;
  /** Whether it is a git clone of its own (`.git` at its top). */
  readonly git: boolean;
}

/** Which checkouts {@link existingCheckouts} lists. */
export interface CheckoutsOptions {
  /** The mode whose local sources say where checkouts are (else `dev`'s). */
  readonly mode: string;
  /** The home folder, for `~` in paths. */
  readonly home?: string;
  /** Only this group's plugins, and what they need. */
  readonly group?: string;
}

/**
 * The project's dev checkouts that are on disk (a git clone, or a folder
 * holding a Python project), in hpm.yaml's order, each folder once.
 *
 * @param project the loaded project
 * @param options mode, home folder, group
 * @returns the checkouts
 * @throws {HpmInputError} for an unknown group or package
 */
export function existingCheckouts(project: Project, options: CheckoutsOptions): Checkout[] {
  const found = new Map<string, Checkout>();
  const seen = new Set<string>();
  // Each checkout is followed by those its pyproject.toml makes it need.
  const visit = (entry: RegistryEntry) => {
    if (seen.has(entry.key)) return;
    seen.add(entry.key);
    const path = devCheckout(project, entry, options.mode, options.home)?.path;
    if (path === undefined || found.has(path)) return;
    const git = hasOwnGit(path);
    if (!git && !isPackageDir(path, project.reader)) return;
    found.set(path, { name: entry.name, path, git });
    for (const dep of readLocalDependencies(path, project.reader)?.names ?? []) {
      if (project.registry.has(dep)) visit(project.registry.get(dep));
    }
  };
  namedPlugins(project.manifest, project.registry, options).forEach(visit);
  return [...found.values()];
}
