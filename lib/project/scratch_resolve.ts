/**
 * `uv lock` on a pyproject.toml that is not on disk, in a scratch copy of the
 * project, so the working tree, uv.lock and the virtual environment are never
 * touched. Shared by `hpm verify` (will this mode resolve?) and `hpm stage`
 * (the lock to commit); scratch_mode.ts plans a mode for it.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { CommandFailedError } from "../core/errors.ts";
import { MAX_UV_LOCK_BYTES, readConfined } from "../io/files.ts";
import { denoRunner } from "../io/runner.ts";
import { withScratchCopy, writeScratchFile } from "../io/scratch.ts";
import type { CommandContext } from "./context.ts";
import { isolatedUv, uvLockArgs, warnCommittedVenv } from "../io/uv.ts";
import { LOCK_FILE, PYPROJECT_FILE } from "../core/project.ts";

// Never copied into the scratch project: environments, VCS data, caches.
const SKIP = new Set([
  ".venv",
  ".git",
  ".hpm",
  "node_modules",
  "__pycache__",
  ".mypy_cache",
  ".ruff_cache",
]);

/** Options of {@link lockInScratch}. */
export interface ScratchLockOptions extends Pick<CommandContext, "runner" | "env" | "log"> {
  /** The project root: copied, without `leaveOut`. */
  readonly root: string;
  /** The mode locked (for messages). */
  readonly mode: string;
  /** The pyproject.toml to lock (local sources written absolute, or none). */
  readonly pyproject: string;
  /**
   * Folders inside the root the copy leaves out: dev clones, never needed
   * there (a local source is referenced by absolute path, and other modes do
   * not use the clones at all).
   */
  readonly leaveOut: readonly string[];
  /** The uv.lock to start from (uv keeps its versions where it can); default: the one on disk. */
  readonly baseLock?: string;
  /**
   * `first`: try `uv lock --offline` (from uv's cache), then online if that
   * fails; `only`: never go online; `never`: online at once. @default "never"
   */
  readonly offline?: "first" | "only" | "never";
  /** Let uv write to the terminal directly. @default false */
  readonly stream?: boolean;
}

/**
 * Copy the project to a temporary folder, write `plan.after` as its
 * pyproject.toml, run `uv lock` there and hand the folder to `use`; the copy
 * is removed afterwards.
 *
 * @param options the plan, the lock to start from, the offline policy, the runner
 * @param use what to do with the locked copy (read its uv.lock…)
 * @returns what `use` returns
 * @throws {CommandFailedError} when uv cannot lock (uv's message inside)
 */
export async function lockInScratch<T>(
  options: ScratchLockOptions,
  use: (scratch: string) => Promise<T>,
): Promise<T> {
  const { root } = options;
  const clones = new Set(options.leaveOut.map((path) => resolve(path)));
  const runner = options.runner ?? denoRunner;
  // Outside the project, not merely outside the copy: a PATH folder may be in
  // the project. Given to uv, it also outranks the copied .python-version.
  const { python, env } = isolatedUv(root, options.env ?? Deno.env.toObject());
  if (options.log) await warnCommittedVenv(root, runner, options.log);
  const skip = (path: string, name: string) => SKIP.has(name) || clones.has(path);
  return await withScratchCopy(root, skip, async (scratch) => {
    await writeScratchFile(scratch, PYPROJECT_FILE, options.pyproject);
    if (options.baseLock !== undefined) {
      await writeScratchFile(scratch, LOCK_FILE, options.baseLock);
    }
    const policy = options.offline ?? "never";
    const attempts = policy === "first" ? [true, false] : [policy === "only"];
    for (const [i, offline] of attempts.entries()) {
      options.log?.(
        i > 0
          ? "uv's cache does not hold everything needed: resolving online…"
          : `resolving mode ${options.mode} in a scratch copy${offline ? " from uv's cache" : ""}…`,
      );
      const args = uvLockArgs({ offline, python });
      const result = await runner({
        program: "uv",
        args,
        cwd: scratch,
        env,
        stream: options.stream ?? false,
      });
      if (result.code === 0) break;
      if (i === attempts.length - 1) {
        throw new CommandFailedError(
          "uv",
          args,
          result.code,
          result.stderr.slice(-4000),
          `nothing was changed (uv ran in a scratch copy); mode ${options.mode} does not ` +
            "resolve as hpm.yaml and the registry describe it",
        );
      }
    }
    return await use(scratch);
  });
}

/**
 * How many packages the uv.lock of a scratch copy locks, read through the
 * door, confined to the copy.
 *
 * @param scratch the copy {@link lockInScratch} handed over
 * @returns the count; 0 when there is no uv.lock (a recording runner writes
 *   none) or it cannot be read
 */
export function lockedPackageCount(scratch: string): number {
  let bytes: Uint8Array | undefined;
  try {
    bytes = readConfined(join(scratch, LOCK_FILE), { root: scratch }, MAX_UV_LOCK_BYTES);
  } catch {
    return 0;
  }
  return new TextDecoder().decode(bytes).match(/^\[\[package\]\]/gm)?.length ?? 0;
}
