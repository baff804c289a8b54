/**
 * `hpm pin`: the release step. Sets a plugin's prod ref in its registry entry
 * (by default to the newest tag of its local clone); lib/registry/pin_entry.ts
 * does it, as `hpm release` does too.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { normalizeName } from "../core/names.ts";
import { loadProject } from "../project/load.ts";
import { findProjectRoot } from "../project/root.ts";
import {
  folderPinTarget,
  folderRegistry,
  pinEntry,
  type PinResult,
  pinTarget,
} from "../registry/pin_entry.ts";
import { denoRunner } from "../io/runner.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import type { Io } from "../io/terminal.ts";
import { withProjectLock } from "../state/project_mutex.ts";
import { isSafeGitRef } from "../core/value_checks.ts";

export type { PinResult } from "../registry/pin_entry.ts";

/** Options of {@link pin}. */
export interface PinOptions extends CommandContext {
  /** The package to pin. */
  readonly package: string;
  /** The ref to pin; default: the newest tag (by version order) of the local clone. */
  readonly ref?: string;
  /** Pin even when the clone has uncommitted changes or commits after the ref. */
  readonly force?: boolean;
  /**
   * Check that the ref exists on the remote uv installs from (the git
   * source's URL, or `repository:` for a pypi source). @default true
   */
  readonly verify?: boolean;
  /** The registry mode whose source is set. @default "prod" */
  readonly mode?: string;
  /**
   * A registry folder or clone (`--registry DIR`) whose entry is edited
   * instead of the project's registry; from a core, the release is still
   * taken from the core's clone of the plugin. Without a project (no
   * hpm.yaml above `root`), the registry folder at or above `root` holding
   * the package's entry is edited, the release taken from the plugin's remote.
   */
  readonly registry?: string;
}

/**
 * Set a package's prod ref in its registry entry: the git source's
 * `ref`/`tag`/`rev` (whichever it uses; `ref` by default, and in place of a
 * `branch`), or a pypi source's `version` (the tag without a leading `v`).
 * Only that value changes; the file is written atomically.
 *
 * Refuses, unless `force`, when the local clone has uncommitted changes or
 * commits after the ref: the release would not be what is on disk. An explicit
 * `ref` must exist in the clone, even with `force`; unless `verify` is false,
 * it must also exist on the remote (a tag never pushed is refused; an
 * unreachable remote only warns).
 *
 * @param options package, ref, force, mode, project, runner
 * @returns the file, the ref, the previous value, and whether the file changed
 * @throws {HpmInputError} for an unknown package (with "did you mean"), a
 *   mode it has no source for or a local one, an invalid `ref`, or a missing clone
 * @throws {HpmOperationError} when the clone is dirty or ahead of the ref
 *   (without `force`), the ref does not exist in the clone or on the remote,
 *   or the clone has no tags
 *
 * @example Usage
 * ```ts
 * import { denoRunner, pin } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released by a git tag; a dev clone in packages/q.
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(
 *   `${root}/reg/packages/q.yaml`,
 *   "name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n" +
 *     "  prod: {type: git, url: 'https://example.com/q.git', tag: v1.0.0}\n",
 * );
 * await Deno.mkdir(`${root}/packages/q`, { recursive: true });
 * await Deno.writeTextFile(`${root}/packages/q/pyproject.toml`, '[project]\nname = "q"\nversion = "1.0.0"\n');
 *
 * const git = (...args: string[]) => denoRunner({ program: "git", args, cwd: `${root}/packages/q` });
 * await git("init", "--quiet");
 * await git("add", "-A");
 * await git("-c", "user.name=me", "-c", "user.email=me@example.com", "commit", "--quiet", "-m", "1.1");
 * await git("tag", "v1.1.0");
 *
 * // The newest tag of q's clone becomes prod's ref (`verify: false`: the remote is not asked).
 * const { previous, ref } = await pin({ root, package: "q", verify: false });
 * assert.deepEqual([previous, ref], ["v1.0.0", "v1.1.0"]);
 * assert.match(await Deno.readTextFile(`${root}/reg/packages/q.yaml`), /tag: v1\.1\.0/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function pin(options: PinOptions): Promise<PinResult> {
  const mode = options.mode ?? "prod";
  if (options.ref !== undefined && !isSafeGitRef(options.ref)) {
    throw new HpmInputError(
      "usage",
      `\`${options.ref}\` is not a valid git ref`,
      undefined,
      "give a tag, branch or commit, e.g. --ref v1.2.0",
    );
  }
  const runner = options.runner ?? denoRunner;
  const log = options.log ?? (() => {});
  const env = options.env ?? Deno.env.toObject();
  const place = pinPlace(options);
  const how = { ...options, mode, runner, log, env };
  if (place.project === undefined) {
    // A registry folder or clone of its own: no project, so no clone of the
    // plugin's; the release is the newest tag of its remote.
    return await pinEntry(folderPinTarget(place.registry!, options.package, mode), how);
  }
  const root = place.project;
  return await withProjectLock(root, async () => {
    const project = await loadProject(root, { runner, log, env });
    const registry = place.registry === undefined
      ? project.registry
      : folderRegistry(place.registry, options.package);
    return await pinEntry(pinTarget(project, options.package, mode, env, registry), how);
  }, { timeoutMs: options.lockTimeoutMs, log });
}

// Where `hpm pin` runs: the project (hpm.yaml) at or above where it starts,
// if any; and the registry folder whose entry it edits: `--registry DIR`, or
// one holding the package's entry between the start and the project (a
// registry folder or clone, inside a core or not), else the project's own.
function pinPlace(options: PinOptions): { project?: string; registry?: string } {
  const start = resolve(options.root ?? Deno.cwd());
  let project: string | undefined;
  try {
    project = findProjectRoot(start);
  } catch (e) {
    if (!(e instanceof HpmInputError)) throw e;
  }
  if (options.registry !== undefined) return { project, registry: resolve(options.registry) };
  for (let dir = start; dir !== project; dir = dirname(dir)) {
    if (folderRegistry(dir).has(options.package)) return { project, registry: dir };
    if (dirname(dir) === dir) break;
  }
  if (project !== undefined) return { project };
  throw new HpmInputError(
    "not-found",
    `no hpm.yaml, and no registry folder with packages/${normalizeName(options.package)}.yaml, ` +
      `in ${start} or any parent folder`,
    undefined,
    "run `hpm pin` in your core (the folder with hpm.yaml) or in a registry folder or clone; " +
      "or name the registry with --registry DIR",
  );
}

/** `hpm pin`'s command line: the plugin, `--ref`, `--force`, `--no-verify`, `--mode`. */
export type PinFlags =
  & GlobalFlags
  & Pick<PinOptions, "package" | "ref" | "force" | "verify" | "mode" | "registry">;

/**
 * `hpm pin`: what changed in the registry entry, or that nothing had to.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function pinCommand(flags: PinFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const r = await pin({
    ...context,
    package: flags.package,
    ref: flags.ref,
    force: flags.force,
    verify: flags.verify,
    registry: flags.registry,
  });
  context.log(
    r.changed
      ? `${r.file}: ${r.previous ?? "(none)"} → ${r.ref}`
      : `${flags.package} is already pinned to ${r.ref}`,
  );
}
