/**
 * How this `hpm` was installed, how to upgrade it that way, and which Deno
 * runs it: the lines `hpm --version -v` adds. Every way of getting HPM is
 * told apart by what it runs: a compiled binary, a module on JSR, the
 * wheel's JavaScript inside a Python environment (uv tool, uvx, pre-commit,
 * pip), or the source of a checkout.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { locate } from "../io/files.ts";

/** One way of having installed HPM. */
export interface Installation {
  /** How, as a person would say it (`uv tool install`, `a standalone binary`…). */
  readonly how: string;
  /** The folder (or file) it lives in. */
  readonly where: string;
  /** The command that upgrades it the same way. */
  readonly upgrade: string;
}

/** What {@link installationOf} looks at. */
export interface Running {
  /** `Deno.mainModule`. */
  readonly mainModule: string;
  /** `Deno.build.standalone`: a `deno compile` binary. */
  readonly standalone: boolean;
  /** `Deno.execPath()`. */
  readonly execPath: string;
  /** Whether a regular file exists at this path. */
  readonly isFile: (path: string) => boolean;
}

const PERMISSIONS =
  "--allow-read --allow-write --allow-run=uv,git --allow-env --allow-sys=uid --allow-net";
// Where the wheels put HPM's JavaScript: the shell script's data folder
// (Linux, macOS) or the Windows launcher's package.
const WHEEL_JS = /[\\/](?:share[\\/]hpm-cli|hpm_cli)[\\/]js[\\/]cli\.js$/;

function parent(path: string): string {
  return path.replace(/[\\/][^\\/]*$/, "");
}

/** The Python environment (a folder with pyvenv.cfg) the wheel's JavaScript is in. */
function environmentOf(js: string, isFile: (path: string) => boolean): string | undefined {
  let dir = parent(js);
  for (let up = 0; up < 6; up++) {
    dir = parent(dir);
    if (isFile(`${dir}/pyvenv.cfg`)) return dir;
  }
  return undefined;
}

/**
 * How the running `hpm` was installed.
 *
 * @param running what Deno says of the running program, and a file check
 * @returns how, where, and the upgrade command
 */
export function installationOf(running: Running): Installation {
  const { mainModule, isFile } = running;
  if (running.standalone) {
    return {
      how: "a standalone binary (a release's hpm-<target>)",
      where: running.execPath,
      upgrade: "install.sh from the newer release (HPM_VERSION=X.Y.Z picks one)",
    };
  }
  if (/^(jsr:|https:\/\/jsr\.io\/)/.test(mainModule)) {
    return {
      how: "deno install from JSR",
      where: mainModule,
      upgrade: `deno install -g -f -n hpm ${PERMISSIONS} jsr:@hpm/cli@X.Y.Z/cli`,
    };
  }
  const path = mainModule.startsWith("file:") ? fileURLToPath(mainModule) : mainModule;
  if (WHEEL_JS.test(path)) {
    const env = environmentOf(path, isFile);
    const slashed = path.replaceAll("\\", "/");
    if (env && isFile(`${env}/uv-receipt.toml`)) {
      return { how: "uv tool install", where: env, upgrade: "uv tool upgrade hpm-cli" };
    }
    if (slashed.includes("/archive-v0/")) {
      return {
        how: "uvx (an environment in uv's cache)",
        where: env ?? parent(path),
        upgrade: "uvx --from hpm-cli@latest hpm …",
      };
    }
    if (/\/py_env-[^/]*\//.test(slashed)) {
      return {
        how: "the pre-commit framework (the hpm-check-pypi hook)",
        where: env ?? parent(path),
        upgrade: "pre-commit autoupdate (a newer rev of the hook repository)",
      };
    }
    if (env) {
      return {
        how: "pip or uv pip, into a Python environment",
        where: env,
        upgrade: `uv pip install --python ${env} -U hpm-cli (or that environment's pip)`,
      };
    }
    return {
      how: "pip, into a user or system site",
      where: parent(path),
      upgrade: "pip install -U hpm-cli (with --user if it was)",
    };
  }
  const dir = parent(path);
  return {
    how: "the source of a checkout (deno task install, or deno run)",
    where: dir,
    upgrade: `git -C ${dir} pull (then deno task install again if deno.json changed)`,
  };
}

/**
 * The lines `hpm --version -v` prints after the version, for this process.
 *
 * @returns how it was installed, how to upgrade it, and which Deno runs it
 */
export function installationLines(): string[] {
  const installed = installationOf({
    mainModule: Deno.mainModule,
    standalone: Deno.build.standalone,
    execPath: Deno.execPath(),
    isFile: (path) => {
      try {
        return locate(path, { root: parent(path) }) !== undefined;
      } catch {
        // Not a regular file, or not readable: not the marker looked for.
        return false;
      }
    },
  });
  return [
    `installed: ${installed.how} (${installed.where})`,
    `upgrade: ${installed.upgrade}`,
    `deno: ${Deno.version.deno} (${Deno.execPath()})`,
  ];
}
