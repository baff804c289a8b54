/**
 * HPM's wheels for the tests that install them as users do (uv tool, uvx,
 * pip, pre-commit): built once per test file with `packaging/wheel.ts`, and
 * the wheels from PyPI they install with (PyPI's `deno`, a build backend),
 * downloaded once into `${HPM_TEST_TOOLS:-~/.cache/hpm-test-tools}/wheels`
 * so every install afterwards is offline (`--no-index --find-links`).
 *
 * @module
 */

import { join } from "node:path";
import { buildWheels, DENO_REQUIREMENT } from "../packaging/wheel.ts";
import { repoRoot, run } from "./_fixtures.ts";
import { toolsHome } from "./_tools.ts";

/** The `deno` the wheel is tested with: the floor of its range. */
export const DENO_PIN = `deno==${/>=([\d.]+)/.exec(DENO_REQUIREMENT)![1]}`;
/** The build backend of the repository's pyproject.toml (the pre-commit hook's package). */
export const SETUPTOOLS_PIN = "setuptools==80.9.0";
// pip's `download`: uv has none; uvx runs this pip from uv's cache.
const PIP = "pip==25.3";

/**
 * A folder holding the wheels of `requirements` (no dependencies) for this
 * machine, downloaded from PyPI on first use.
 *
 * @param requirements exact pins (`name==version`)
 * @returns the folder, for `--find-links`
 */
export async function pypiWheels(requirements: readonly string[]): Promise<string> {
  const dir = join(toolsHome(), "wheels");
  await Deno.mkdir(dir, { recursive: true });
  const have = new Set(
    [...Deno.readDirSync(dir)].map((e) => e.name.split("-").slice(0, 2).join("==")),
  );
  const missing = requirements.filter((r) => !have.has(r));
  if (missing.length) {
    using lock = await Deno.open(join(dir, ".lock"), { create: true, write: true });
    await lock.lock(true);
    const r = await run("uvx", [
      "--from",
      PIP,
      "pip",
      "download",
      "--quiet",
      "--no-deps",
      "--only-binary=:all:",
      "--dest",
      dir,
      ...missing,
    ], { cwd: dir });
    await lock.unlock();
    if (r.code !== 0) throw new Error(`pip download ${missing.join(" ")}:\n${r.stderr}`);
  }
  return dir;
}

/** HPM's two wheels, built into `dir`. */
export interface HpmWheels {
  /** `py3-none-any`: Linux and macOS (a shell script execs Deno). */
  readonly posix: string;
  /** `py3-none-win_amd64`: Windows (an entry point on packaging/hpm_cli). */
  readonly windows: string;
}

/**
 * Build HPM's wheels from this checkout into `dir`.
 *
 * @param dir an empty folder
 */
export async function hpmWheels(dir: string): Promise<HpmWheels> {
  const [posix, windows] = await buildWheels(repoRoot(), dir);
  return { posix, windows };
}

/**
 * The interpreter uv finds with the test's own environment: an empty HOME
 * hides pyenv's shims' versions, so the real path is looked up first.
 */
export async function realPython(): Promise<string> {
  const r = await run("uv", ["python", "find"], { cwd: repoRoot() });
  if (r.code !== 0) throw new Error(`uv python find: ${r.stderr}`);
  return r.stdout.trim();
}
