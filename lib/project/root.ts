/**
 * Where a project is: the nearest folder at or above a start that holds
 * hpm.yaml. Every command finds its project here, the fast path included,
 * so it is synchronous (a few `stat` calls, each cheaper than a round trip
 * through the async pool) and imports no `node:` module.
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";
import { statOrUndefined } from "../io/files.ts";

// MANIFEST_FILE (core/project.ts), spelled out as the fast path's modules
// spell the files they read: one module fewer before its answer.
const MANIFEST = "hpm.yaml";

const WINDOWS = Deno.build.os === "windows";
const SEP = WINDOWS ? "\\" : "/";

// The root of an absolute path: `/`, `C:\` or `\\server\share\`.
function rootOf(path: string): string {
  if (!WINDOWS) return "/";
  const unc = /^\\\\[^\\]+\\[^\\]+/.exec(path);
  return unc ? `${unc[0]}\\` : `${path.slice(0, 2)}\\`;
}

// `path.resolve` without node:path: absolute, `.` and `..` resolved, no
// separator at the end (but for a root).
function absolute(path: string): string {
  let full = WINDOWS ? path.replaceAll("/", "\\") : path;
  const cwd = Deno.cwd();
  if (WINDOWS) {
    if (/^[A-Za-z]:(?!\\)/.test(full)) {
      // `C:x` is relative to that drive's working folder: this one's when it is on it.
      full = full.slice(0, 2).toLowerCase() === cwd.slice(0, 2).toLowerCase()
        ? `${cwd}\\${full.slice(2)}`
        : `${full.slice(0, 2)}\\${full.slice(2)}`;
    } else if (full.startsWith("\\") && !full.startsWith("\\\\")) {
      full = `${rootOf(cwd).slice(0, -1)}${full}`;
    } else if (!/^([A-Za-z]:\\|\\\\)/.test(full)) full = `${cwd}\\${full}`;
  } else if (!full.startsWith("/")) full = `${cwd}/${full}`;
  const root = rootOf(full);
  const parts: string[] = [];
  for (const part of full.slice(root.length).split(SEP)) {
    if (part === "..") parts.pop();
    else if (part !== "" && part !== ".") parts.push(part);
  }
  return root + parts.join(SEP);
}

/**
 * The nearest folder at or above `start` holding hpm.yaml.
 *
 * @param start where to start looking (absolute, or relative to the working folder)
 * @returns the project root, absolute
 * @throws {HpmInputError} `not-found` when no folder above holds one; the
 *   system's error when a folder cannot be looked into
 *
 * @example Usage
 * ```ts
 * import { findProjectRoot } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups: {}\n");
 * await Deno.mkdir(`${root}/src/core`, { recursive: true });
 * assert.equal(findProjectRoot(`${root}/src/core`), root);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function findProjectRoot(start: string = Deno.cwd()): string {
  const from = absolute(start);
  let dir = from;
  while (true) {
    const root = rootOf(dir);
    if (statOrUndefined(`${dir === root ? dir : dir + SEP}${MANIFEST}`) !== undefined) return dir;
    if (dir === root) {
      throw new HpmInputError(
        "not-found",
        `no ${MANIFEST} in ${from} or any parent folder`,
        undefined,
        "run `hpm init` in your uv project, or pass --project DIR",
      );
    }
    const parent = dir.slice(0, dir.lastIndexOf(SEP));
    dir = parent.length < root.length ? root : parent;
  }
}
