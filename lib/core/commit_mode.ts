/**
 * The committed mode: the mode whose form of pyproject.toml and uv.lock goes
 * into git (`hpm stage`, `hpm check --staged`).
 *
 * @module
 */

import { HpmInputError } from "./errors.ts";
import { chooseMode } from "./mode.ts";
import { namedPlugins } from "./plugins.ts";
import type { Project } from "./project.ts";

/** Where the committed mode came from. */
export type CommitModeOrigin = "flag" | "hpm.yaml" | "default";

/**
 * The mode whose form is committed: `--mode`, else `commit-mode:` in
 * hpm.yaml, else `prod` when every plugin the groups install (and what they
 * require) has a `prod` source.
 *
 * @param project the manifest and registry
 * @param flag `--mode`, if given
 * @returns the mode and where it came from
 * @throws {HpmInputError} `commit-mode` when there is none; `usage` for an invalid flag;
 *   `unknown-package` for a plugin no registry has
 *
 * @example Usage
 * ```ts
 * import { commitModeOf, parseManifest, Registry } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest("registry: ./r\ngroups:\n  db:\n    options: [q]\n", "hpm.yaml");
 * const registry = new Registry([{
 *   file: "r/packages/q.yaml",
 *   stem: "q",
 *   text: "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n",
 * }]);
 * assert.deepEqual(commitModeOf({ manifest, registry }), { mode: "prod", origin: "default" });
 * ```
 */
export function commitModeOf(
  project: Pick<Project, "manifest" | "registry">,
  flag?: string,
): { mode: string; origin: CommitModeOrigin } {
  if (flag !== undefined) return { mode: chooseMode({ flag }).mode, origin: "flag" };
  const { manifest, registry } = project;
  if (manifest.commitMode !== undefined) return { mode: manifest.commitMode, origin: "hpm.yaml" };
  // The plugins installed: a group of alternatives installs only its selection,
  // and each brings what it requires.
  const without = namedPlugins(manifest, registry, { selectedOnly: true })
    .find((entry) => !("prod" in entry.sources));
  if (without === undefined) return { mode: "prod", origin: "default" };
  throw new HpmInputError(
    "commit-mode",
    `no committed mode: \`${without.name}\` has no prod source, and hpm.yaml sets no ` +
      `\`commit-mode\``,
    { file: manifest.file },
    "add `commit-mode: MODE` to hpm.yaml (a mode whose sources are released), or pass --mode",
  );
}
