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
import { repoRoot, run, type RunResult } from "./_fixtures.ts";
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
  const missing = () => {
    const have = new Set(
      [...Deno.readDirSync(dir)].map((e) => e.name.split("-").slice(0, 2).join("==")),
    );
    return requirements.filter((r) => !have.has(r));
  };
  if (missing().length === 0) return dir;
  using lock = await Deno.open(join(dir, ".lock"), { create: true, write: true });
  await lock.lock(true);
  try {
    const wanted = missing();
    if (wanted.length === 0) return dir;
    // Into a folder of its own first: a wheel appears in `dir` whole, by a rename.
    const fresh = await Deno.makeTempDir({ dir, prefix: ".download-" });
    try {
      const r = await run("uvx", [
        "--from",
        PIP,
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        fresh,
        ...wanted,
      ], { cwd: dir });
      if (r.code !== 0) throw new Error(`pip download ${wanted.join(" ")}:\n${r.stderr}`);
      for (const e of Deno.readDirSync(fresh)) {
        await Deno.rename(join(fresh, e.name), join(dir, e.name));
      }
    } finally {
      await Deno.remove(fresh, { recursive: true });
    }
  } finally {
    await lock.unlock();
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

/**
 * `uv tool install` of `wheel` as a user would run it, offline: the tool
 * environment in `<root>/tools`, `hpm` linked into `<root>/bin`.
 *
 * @param root the folder to install into
 * @param wheel the POSIX wheel
 * @param env the installer's environment (HOME, …)
 * @returns uv's output, and the path of the `hpm` it linked
 */
export async function uvToolInstall(
  root: string,
  wheel: string,
  env: Record<string, string> = {},
): Promise<RunResult & { hpm: string }> {
  const [links, python] = await Promise.all([pypiWheels([DENO_PIN]), realPython()]);
  const r = await run(
    "uv",
    ["tool", "install", "--python", python, "--no-index", "--find-links", links, wheel],
    {
      cwd: root,
      env: { ...env, UV_TOOL_DIR: join(root, "tools"), UV_TOOL_BIN_DIR: join(root, "bin") },
    },
  );
  return { ...r, hpm: join(root, "bin", "hpm") };
}

/**
 * The Windows wheel's launcher, runnable on any OS: its package unpacked into
 * `<root>/site`, run by the python of a venv (`<root>/venv`) that has PyPI's
 * deno beside it, as on Windows.
 *
 * @param root the folder to set it up in
 * @param wheel the Windows wheel
 * @returns the command line that is `hpm` (append its arguments), and the venv
 */
export async function windowsLauncher(
  root: string,
  wheel: string,
): Promise<{ hpm: string[]; venv: string }> {
  const [links, python] = await Promise.all([pypiWheels([DENO_PIN]), realPython()]);
  const site = join(root, "site");
  const venv = join(root, "venv");
  const steps: [string, string[]][] = [
    [python, [
      "-c",
      "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); " +
      "z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith('hpm_cli/')])",
      wheel,
      site,
    ]],
    ["uv", ["venv", "--quiet", "--python", python, venv]],
    ["uv", [
      "pip",
      "install",
      "--quiet",
      "--python",
      venv,
      "--no-index",
      "--find-links",
      links,
      DENO_PIN,
    ]],
  ];
  for (const [program, args] of steps) {
    const r = await run(program, args, { cwd: root });
    if (r.code !== 0) throw new Error(`windowsLauncher: ${program} ${args.join(" ")}\n${r.stderr}`);
  }
  return {
    hpm: [
      join(venv, "bin", "python"),
      "-c",
      `import sys; sys.path.insert(0, ${
        JSON.stringify(site)
      }); import hpm_cli; sys.exit(hpm_cli.main())`,
    ],
    venv,
  };
}

/**
 * A test of an installed wheel that runs only on Linux and macOS: there the
 * wheel's `hpm` is a shell script, and the tests drive pseudo-terminals,
 * process groups and POSIX paths.
 */
export function posixTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test(name, { ignore: Deno.build.os === "windows" }, fn);
}
