/**
 * `hpm pin`: the release step. Sets a plugin's prod ref in its registry entry
 * (by default to the newest tag of its local clone); lib/registry/pin_entry.ts
 * does it, as `hpm release` does too.
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";
import { loadProject } from "../project/load.ts";
import { findProjectRoot } from "../project/root.ts";
import { pinEntry, type PinResult, pinTarget } from "../registry/pin_entry.ts";
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
  const root = findProjectRoot(options.root);
  return await withProjectLock(root, async () => {
    const project = await loadProject(root, { runner, log, env });
    const target = pinTarget(project, options.package, mode, env);
    return await pinEntry(project, target, { ...options, mode, runner, log, env });
  }, { timeoutMs: options.lockTimeoutMs, log });
}

/** `hpm pin`'s command line: the plugin, `--ref`, `--force`, `--no-verify`, `--mode`. */
export type PinFlags =
  & GlobalFlags
  & Pick<PinOptions, "package" | "ref" | "force" | "verify" | "mode">;

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
  });
  context.log(
    r.changed
      ? `${r.file}: ${r.previous ?? "(none)"} → ${r.ref}`
      : `${flags.package} is already pinned to ${r.ref}`,
  );
}
