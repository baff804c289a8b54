/**
 * Python command-line tools tests need (e.g. the real `pre-commit` from
 * PyPI), installed once into a cached virtual environment per tool under
 * `~/.cache/hpm-test-tools`, with `uv venv` + `uv pip install`. A lock file
 * keeps parallel test processes from installing the same tool at once.
 *
 * Provisional: the lead keeps one shared version at merge.
 *
 * @module
 */

import { join } from "node:path";
import { runOk } from "./_fixtures.ts";

function cacheDir(): string {
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? Deno.cwd();
  return join(home, ".cache", "hpm-test-tools");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  while (true) {
    try {
      await Deno.mkdir(path);
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      // A lock older than ten minutes was left by a killed run.
      const age = Date.now() - ((await Deno.stat(path).catch(() => null))?.mtime?.getTime() ?? 0);
      if (age > 600_000) await Deno.remove(path, { recursive: true }).catch(() => {});
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

/**
 * The path of `executable`, from the PyPI package of the same name, installed
 * on first use into a cached venv.
 *
 * @param executable e.g. `pre-commit`
 * @returns the absolute path of the executable
 */
export async function pythonTool(executable: string): Promise<string> {
  const venv = join(cacheDir(), executable);
  const bin = Deno.build.os === "windows"
    ? join(venv, "Scripts", `${executable}.exe`)
    : join(venv, "bin", executable);
  if (await exists(bin)) return bin;
  await Deno.mkdir(cacheDir(), { recursive: true });
  return await withLock(`${venv}.lock`, async () => {
    if (await exists(bin)) return bin;
    await runOk("uv", ["venv", "--quiet", "--clear", venv], { cwd: cacheDir() });
    await runOk("uv", ["pip", "install", "--quiet", "--python", venv, executable], {
      cwd: cacheDir(),
    });
    return bin;
  });
}
