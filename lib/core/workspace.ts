/**
 * uv workspaces and local clones: uv refuses a `path` source for a package
 * that is a member of the project's workspace (`packages/*` is a common
 * members glob, and a common place for clones). HPM says so before writing
 * anything, with the fix, instead of leaving it to uv's error after a rollback.
 *
 * @module
 */

import { isAbsolute, relative, sep } from "node:path";
import { HpmInputError } from "./errors.ts";
import { parseToml } from "../edit/toml/parse.ts";

// uv's member globs: `*` and `?` stay within one path segment, `**` crosses them.
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/^\.\//, "").replace(/\/+$/, "").split("").map((c, i, all) => {
    if (c === "*") return all[i + 1] === "*" ? "" : all[i - 1] === "*" ? ".*" : "[^/]*";
    if (c === "?") return "[^/]";
    return c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }).join("");
  return new RegExp(`^${body}$`);
}

/**
 * Refuse local sources that lie inside the project's uv workspace members.
 *
 * @param pyproject the project's pyproject.toml text
 * @param file its path, for the error
 * @param root the project root
 * @param clones name and absolute path of each local source in the plan
 * @throws {HpmInputError} (`conflict`) naming the clone and the members glob
 *
 * @example Usage
 * ```ts
 * import { HpmInputError } from "@hpm/cli";
 * import { checkWorkspaceMembers } from "./workspace.ts";
 * import assert from "node:assert/strict";
 *
 * const text = '[tool.uv.workspace]\nmembers = ["packages/*"]\n';
 * assert.throws(
 *   () => checkWorkspaceMembers(text, "pyproject.toml", "/p", [{ name: "q", path: "/p/packages/q" }]),
 *   HpmInputError,
 * );
 * checkWorkspaceMembers(text, "pyproject.toml", "/p", [{ name: "q", path: "/libs/q" }]);
 * ```
 */
export function checkWorkspaceMembers(
  pyproject: string,
  file: string,
  root: string,
  clones: readonly { name: string; path: string }[],
): void {
  let workspace: { members?: unknown; exclude?: unknown } | undefined;
  try {
    workspace = (parseToml(pyproject, file) as { tool?: { uv?: { workspace?: typeof workspace } } })
      .tool?.uv?.workspace;
  } catch {
    return; // applyPlan reports syntax errors with their position
  }
  const globs = (v: unknown) =>
    Array.isArray(v) ? v.filter((g): g is string => typeof g === "string") : [];
  const members = globs(workspace?.members);
  if (!members.length) return;
  const exclude = globs(workspace?.exclude).map(globToRegExp);
  for (const clone of clones) {
    const rel = relative(root, clone.path);
    if (rel.startsWith("..") || isAbsolute(rel)) continue;
    const posix = rel.split(sep).join("/");
    const member = members.find((m) => globToRegExp(m).test(posix));
    if (member === undefined || exclude.some((e) => e.test(posix))) continue;
    const line = pyproject.slice(0, pyproject.search(/^\s*members\s*=/m)).split("\n").length;
    throw new HpmInputError(
      "conflict",
      `the clone of \`${clone.name}\` at ${posix} is a member of this uv workspace ` +
        `(members = "${member}"), and uv takes no path source for a workspace member`,
      { file, line, column: 1 },
      `add "${posix}" to \`exclude\` in [tool.uv.workspace], or keep the clone outside the workspace`,
    );
  }
}
