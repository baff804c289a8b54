/**
 * `hpm init --hook`: a plain git pre-commit hook running `hpm check --staged`,
 * for teams without the pre-commit framework (which uses the repository's
 * `.pre-commit-hooks.yaml` instead).
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { readConfined, writeConfined } from "../io/files.ts";
import { HpmInputError } from "../core/errors.ts";
import { preCommitHookPath, repoLocation } from "../io/git.ts";
import { denoRunner } from "../io/runner.ts";
import type { CommandContext } from "../project/context.ts";

// How HPM recognises a hook it wrote (and may rewrite).
const MARKER = "# hpm-hook: written by `hpm init --hook`";

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The pre-commit hook script. Git runs hooks at the top of the work tree, so
 * a project in a subfolder is named with `-C`.
 *
 * @param prefix the project's folder relative to the work tree's top (`""` at the top)
 * @returns the script
 *
 * @example Usage
 * ```ts
 * import { hookScript } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.match(hookScript(""), /^exec hpm check --staged$/m);
 * assert.match(hookScript("core/"), /^exec hpm -C 'core\/' check --staged$/m);
 * ```
 */
export function hookScript(prefix: string): string {
  return [
    "#!/bin/sh",
    MARKER,
    "# Refuses a commit whose pyproject.toml / uv.lock are not in the committed mode;",
    "# `hpm stage` puts them there. Skip once with `git commit --no-verify`.",
    `exec hpm${prefix ? ` -C ${shellQuote(prefix)}` : ""} check --staged`,
    "",
  ].join("\n");
}

/**
 * Write the git pre-commit hook (where `core.hooksPath` says, else
 * `.git/hooks/pre-commit`). A hook HPM did not write is never replaced.
 *
 * @param options the project and the runner
 * @returns the hook's path and whether it was written (false: already there)
 * @throws {HpmInputError} `hook-exists` for another hook; `git-state` outside a work tree
 *
 * @example Usage
 * ```ts ignore
 * import { installHook } from "@hpm/cli";
 *
 * const { path } = await installHook({ root: "." });
 * ```
 */
export async function installHook(
  options: CommandContext = {},
): Promise<{ path: string; changed: boolean }> {
  const runner = options.runner ?? denoRunner;
  const root = resolve(options.root ?? Deno.cwd());
  const repo = await repoLocation(runner, root);
  if (!repo) {
    throw new HpmInputError(
      "git-state",
      `${root} is not in a git work tree`,
      undefined,
      "run `git init` first, then `hpm init --hook`",
    );
  }
  const path = await preCommitHookPath(runner, repo.top);
  const script = hookScript(repo.prefix);
  await Deno.mkdir(dirname(path), { recursive: true });
  const hooks = { root: dirname(path) };
  const bytes = readConfined(path, hooks, 1024 * 1024);
  const existing = bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  if (existing === script) return { path, changed: false };
  if (existing !== undefined && !existing.includes(MARKER)) {
    throw new HpmInputError(
      "hook-exists",
      `${path} exists and was not written by hpm; it was left as it is`,
      { file: path },
      "add the line `hpm check --staged || exit 1` to it yourself, or use the pre-commit " +
        "framework's `hpm-check` hook",
    );
  }
  await writeConfined(path, script, hooks);
  await Deno.chmod(path, 0o755).catch(() => {}); // Windows has no mode bits; git runs it anyway
  return { path, changed: true };
}
