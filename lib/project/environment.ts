/**
 * Whether the project's environment (`.venv`) holds what uv.lock installs, as
 * uv answers without installing anything (`uv sync --check`): the row of
 * `hpm status` that says whether the last sync's install still stands.
 *
 * uv is only asked when starting the environment's interpreter runs nothing
 * the project ships: the environment is not committed to git, and its
 * interpreter is (after links) a file outside the project, as uv's own
 * environments have it. Otherwise the answer is "unknown", with the reason.
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { isTracked } from "../io/git.ts";
import { isInside, kindOf, reallyInside } from "../io/files.ts";
import { findProgram, type Runner } from "../io/runner.ts";
import { uvSyncCheckRequest } from "../io/uv.ts";

/** What {@link environmentState} found. */
export interface EnvironmentState {
  /**
   * `in-sync` (it holds what uv.lock installs), `outdated` (uv would change
   * it: see `reason`), `missing` (no environment yet), `unknown` (not asked,
   * or uv could not answer: see `reason`).
   */
  readonly state: "in-sync" | "outdated" | "missing" | "unknown";
  /** The environment's folder (`.venv`, or `UV_PROJECT_ENVIRONMENT`). */
  readonly path: string;
  /** What uv would do, or why it is not known; null when in sync or missing. */
  readonly reason: string | null;
}

/**
 * Ask uv whether the project's environment holds what uv.lock installs.
 * Changes nothing; never throws for what it finds.
 *
 * @param root the project root
 * @param runner runs git and uv
 * @param env the environment (UV_PROJECT_ENVIRONMENT, PATH, HPM_UV)
 * @returns the state, and what uv would do or why it is unknown
 */
export async function environmentState(
  root: string,
  runner: Runner,
  env: Readonly<Record<string, string | undefined>>,
): Promise<EnvironmentState> {
  const chosen = env.UV_PROJECT_ENVIRONMENT;
  const path = chosen ? (isAbsolute(chosen) ? chosen : join(root, chosen)) : join(root, ".venv");
  const unknown = (reason: string): EnvironmentState => ({ state: "unknown", path, reason });
  if (kindOf(path) !== "folder") return { state: "missing", path, reason: null };
  if (kindOf(join(root, "uv.lock")) !== "file") {
    return unknown("there is no uv.lock to compare it with");
  }
  if (isInside(path, root) && await isTracked(runner, root, path.slice(root.length + 1))) {
    return unknown("it is committed to git, so its programs are the project's: not started");
  }
  const python = Deno.build.os === "windows"
    ? join(path, "Scripts", "python.exe")
    : join(path, "bin", "python");
  if (kindOf(python) !== "file") return unknown(`it has no interpreter (${python})`);
  if (reallyInside(python, root)) {
    return unknown("its interpreter is a file inside the project (not a link out): not started");
  }
  let uv;
  try {
    uv = findProgram("uv", { ...Deno.env.toObject(), ...env });
  } catch (e) {
    // A relative HPM_UV: a report of the environment, not a failed status.
    if (e instanceof HpmInputError) return unknown(e.message);
    throw e;
  }
  if (uv === undefined) return unknown("uv was not found");
  const r = await runner(uvSyncCheckRequest(root, python));
  if (r.code === 0) return { state: "in-sync", path, reason: null };
  if (/The environment is outdated/.test(r.stderr)) {
    const would = r.stderr.split("\n").map((l) => /^Would ((?:un)?install .*)$/.exec(l.trim())?.[1])
      .filter((l) => l !== undefined);
    return { state: "outdated", path, reason: `uv would ${would.join(", ") || "change it"}` };
  }
  const lines = r.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => l.startsWith("error:"))?.replace(/^error:\s*/, "") ?? lines.at(-1);
  return unknown(`uv could not tell offline: ${why ?? `exit code ${r.code}`}`);
}
