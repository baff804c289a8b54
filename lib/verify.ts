/**
 * `hpm verify`: will this mode resolve? Runs `uv lock` on what `hpm sync`
 * would write, in a scratch copy of the project, so the working tree, uv.lock
 * and the virtual environment are never touched.
 *
 * @module
 */

import { join, relative, resolve } from "node:path";
import { devCheckout } from "./clone.ts";
import { CommandFailedError } from "./errors.ts";
import { findProjectRoot, loadProject, PYPROJECT_FILE } from "./project.ts";
import { denoRunner } from "./runner.ts";
import { lockOptions, missingCloneError, planProject, type ProjectOptions } from "./sync.ts";
import { withProjectLock } from "./transaction.ts";
import { uvLockArgs } from "./uv.ts";

/** Options of {@link verify}. */
export interface VerifyOptions extends ProjectOptions {
  /** Let uv write to the terminal directly. @default false */
  readonly stream?: boolean;
}

/** What {@link verify} found. */
export interface VerifyResult {
  /** The mode verified. */
  readonly mode: string;
  /** Packages in the resolved lock. */
  readonly lockedPackages: number;
}

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

async function copyTree(from: string, to: string, skipDirs: ReadonlySet<string>): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    const src = join(from, e.name);
    if (SKIP.has(e.name) || skipDirs.has(src)) continue;
    if (e.isDirectory) await copyTree(src, join(to, e.name), skipDirs);
    else if (e.isFile) await Deno.copyFile(src, join(to, e.name));
    else if (e.isSymlink) await Deno.symlink(await Deno.readLink(src), join(to, e.name));
  }
}

/**
 * Resolve a mode's environment (`uv lock`) in a temporary copy of the project.
 *
 * @param options project, mode, runner
 * @returns the mode and the number of locked packages
 * @throws {HpmInputError} on bad input
 * @throws {CommandFailedError} when the mode does not resolve (uv's message inside)
 *
 * @example Usage
 * ```ts ignore
 * import { verify } from "@hpm/cli";
 *
 * const { lockedPackages } = await verify({ root: ".", mode: "prod" });
 * ```
 */
export async function verify(options: VerifyOptions = {}): Promise<VerifyResult> {
  const root = await findProjectRoot(options.root ?? Deno.cwd());
  const plan = await withProjectLock(
    root,
    async () =>
      await planProject(await loadProject(root, options), { ...options, absolutePaths: true }),
    lockOptions(options),
  );
  if (plan.missingClones.length) throw missingCloneError(plan);

  // Clones are never needed in the copy: a local source is referenced by
  // absolute path, and in other modes (prod) the dev clones are not used at all.
  const env = options.env ?? Deno.env.toObject();
  const clones = new Set(
    plan.resolution.packages.flatMap((p) => {
      const path = p.localPath ?? devCheckout(plan.project, p.entry, plan.mode, env.HOME)?.path;
      return path && !relative(root, path).startsWith("..") ? [resolve(path)] : [];
    }),
  );
  const scratch = await Deno.makeTempDir({ prefix: "hpm-verify-" });
  try {
    await copyTree(root, scratch, clones);
    await Deno.writeTextFile(join(scratch, PYPROJECT_FILE), plan.after);
    options.log?.(`resolving mode ${plan.mode} in a scratch copy…`);
    const args = uvLockArgs();
    const result = await (options.runner ?? denoRunner)({
      program: "uv",
      args,
      cwd: scratch,
      stream: options.stream ?? false,
    });
    if (result.code !== 0) {
      throw new CommandFailedError("uv", args, result.code, result.stderr.slice(-4000));
    }
    let lockedPackages = 0;
    try {
      lockedPackages =
        (await Deno.readTextFile(join(scratch, "uv.lock"))).match(/^\[\[package\]\]/gm)
          ?.length ?? 0;
    } catch { /* a recording runner writes no lock */ }
    return { mode: plan.mode, lockedPackages };
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}
