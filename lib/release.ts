/**
 * A plugin's release as its registry source names it: the git refs that are
 * the release, and what the release itself declares it depends on.
 *
 * @module
 */

import { devCheckout } from "./clone.ts";
import { declaredDependencies } from "./dependencies.ts";
import { checkoutWorktree, fileAtRef } from "./git.ts";
import { type Project, PYPROJECT_FILE } from "./project.ts";
import type { RegistryEntry, Source } from "./registry_entry.ts";
import type { Runner } from "./runner.ts";

/**
 * The refs a source releases, most likely first: a git source's tag, ref,
 * rev or branch; for an exact pypi version `v1.2.0` and `1.2.0` (how releases
 * are usually tagged).
 *
 * @param source the source (undefined: none)
 * @returns the candidate refs, possibly none
 */
export function releaseRefs(source: Source | undefined): string[] {
  if (source?.type === "git") {
    const ref = source.tag ?? source.ref ?? source.rev ?? source.branch;
    return ref ? [ref] : [];
  }
  if (source?.type === "pypi") {
    const exact = /^===?([0-9][A-Za-z0-9.+!_-]*)$/.exec(source.version ?? "");
    if (exact) return [`v${exact[1]}`, exact[1]];
  }
  return [];
}

/**
 * What a release of a package depends on, by its own pyproject.toml at the
 * release ref, read from the package's dev clone when it has one (no network).
 * This is how a mode without local clones (prod) finds the plugins a plugin
 * needs, as dev mode does from the clone's working tree.
 *
 * @param runner runs git
 * @param project the loaded project
 * @param entry the package's registry entry
 * @param source its source in the mode
 * @param home the home folder, for `~` in paths
 * @returns normalised dependency names, or undefined when there is no clone or
 *   the release ref is not in it
 */
export async function releaseDependencies(
  runner: Runner,
  project: Project,
  entry: RegistryEntry,
  source: Source,
  home?: string,
): Promise<readonly string[] | undefined> {
  const refs = releaseRefs(source);
  const checkout = refs.length ? devCheckout(project, entry, "dev", home) : undefined;
  if (!checkout || !(await isFolder(checkout.path))) return undefined;
  // A folder of the core's own repository would answer with the core's files.
  if ((await checkoutWorktree(runner, checkout.path, project.root)) === undefined) return undefined;
  for (const ref of refs) {
    const text = await fileAtRef(runner, checkout.path, ref, PYPROJECT_FILE);
    if (text !== undefined) return declaredDependencies(text);
  }
  return undefined;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}
