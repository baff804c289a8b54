/**
 * The uv command lines HPM runs, built as argument arrays (never a shell
 * string) so a value can never turn into an option.
 *
 * @module
 */

import { HpmInputError, HpmOperationError } from "../core/errors.ts";
import { joinPath, reallyInside } from "./files.ts";
import {
  filesOnPath,
  findProgram,
  isAbsolutePath,
  type Runner,
  type RunRequest,
} from "./runner.ts";

/** Flags of `hpm sync` that reach `uv sync`. */
export interface UvSyncFlags {
  /** Pass `--frozen`: install from uv.lock without checking it. */
  readonly frozen?: boolean;
  /** Pass `--locked`: fail if uv.lock is out of date. */
  readonly locked?: boolean;
  /** Extra arguments given after `--` on the hpm command line. */
  readonly extra?: readonly string[];
}

/**
 * The argv of `uv sync` for these flags.
 *
 * @param flags hpm's flags
 * @returns the arguments after `uv`
 * @throws {HpmInputError} when `frozen` and `locked` are both set
 *
 * @example Usage
 * ```ts
 * import { uvSyncArgs } from "./uv.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(uvSyncArgs({ locked: true, extra: ["--no-dev"] }), ["sync", "--locked", "--no-dev"]);
 * ```
 */
export function uvSyncArgs(flags: UvSyncFlags = {}): string[] {
  if (flags.frozen && flags.locked) {
    throw new HpmInputError(
      "usage",
      "--frozen and --locked cannot be used together",
      undefined,
      "--locked checks uv.lock, --frozen skips the check: choose one",
    );
  }
  return [
    "sync",
    ...(flags.frozen ? ["--frozen"] : []),
    ...(flags.locked ? ["--locked"] : []),
    ...(flags.extra ?? []),
  ];
}

/** What `hpm sync --frozen` warns when it changed pyproject.toml. */
export const FROZEN_WARNING: string =
  "warning: pyproject.toml changed, but --frozen installs uv.lock as it is " +
  "(made for the previous state); drop --frozen, or use --locked to check it";

/**
 * The argv of `uv lock` that `hpm verify` and `hpm stage` run in a scratch copy.
 *
 * @param flags `offline`: resolve from uv's cache only; `python`: the interpreter to use
 * @returns the arguments after `uv`
 */
export function uvLockArgs(
  flags: { readonly offline?: boolean; readonly python?: string } = {},
): string[] {
  return [
    "lock",
    "--no-progress",
    ...(flags.offline ? ["--offline"] : []),
    ...(flags.python ? ["--python", flags.python] : []),
  ];
}

/**
 * The argv of `uv lock --check` that `hpm check` runs: whether uv would lock
 * anything differently, asked offline (a check never reaches the network).
 * {@link uvLockCheckRequest} adds the interpreter.
 */
export const UV_LOCK_CHECK_ARGS: readonly string[] = [
  "lock",
  "--check",
  "--offline",
  "--no-progress",
];

/**
 * The Python interpreter HPM's checks give uv, found outside the project. uv
 * starts the interpreter it uses to learn about it, and one the project
 * chooses (its `.venv`, a `.python-version` naming a file of its own) is a
 * program whoever committed it wrote. So: `UV_PYTHON` when the user set it;
 * else the first `python3`, then `python`, in a `PATH` folder that is
 * absolute (a relative one would be read against the project, where uv runs)
 * and whose real location, like the file's, is outside the project.
 *
 * @param root the project root
 * @param env the environment (UV_PYTHON, PATH)
 * @returns the interpreter (a real folder and the name found there), or
 *   undefined when there is none
 *
 * @example Usage
 * ```ts
 * import { outsidePython } from "./uv.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(outsidePython("/srv/app", { UV_PYTHON: "3.12" }), "3.12");
 * assert.equal(outsidePython("/srv/app", { PATH: "" }), undefined);
 * ```
 */
export function outsidePython(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (env.UV_PYTHON) return env.UV_PYTHON;
  for (const name of ["python3", "python"]) {
    for (const file of filesOnPath(name, env)) {
      const cut = file.lastIndexOf("/");
      const dir = file.slice(0, cut);
      if (!isAbsolutePath(dir) || reallyInside(dir, root) || reallyInside(file, root)) continue;
      return joinPath(Deno.realPathSync(dir), file.slice(cut + 1));
    }
  }
  return undefined;
}

/** How HPM's checks run uv in a project whose programs they must not start. */
export interface UvIsolation {
  /** The interpreter to pass as `--python` (see {@link outsidePython}). */
  readonly python: string;
  /** The environment to add to uv's. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * What keeps uv from starting an interpreter the project ships, for `check`,
 * `verify` and `stage`: an interpreter from outside it, given as `--python`
 * (which also outranks a `.python-version`), and `UV_PROJECT_ENVIRONMENT` set
 * to a path below a file, where nothing can exist: uv still queries the
 * project's `.venv` when given `--python`, and `uv lock` never makes one.
 *
 * @param root the project root
 * @param env the environment (UV_PYTHON, PATH)
 * @returns the interpreter and uv's extra environment
 * @throws {HpmOperationError} when no interpreter is found outside the project
 */
export function isolatedUv(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
): UvIsolation {
  const python = outsidePython(root, env);
  if (python === undefined) {
    throw new HpmOperationError(
      "no Python interpreter outside the project was found on PATH for uv",
      "set UV_PYTHON to the interpreter uv should use: HPM's checks never start one that " +
        "the project ships, such as its .venv's",
    );
  }
  return {
    python,
    env: { UV_PROJECT_ENVIRONMENT: joinPath(Deno.execPath(), "no-environment") },
  };
}

/**
 * The `uv lock --check` request of `hpm check` and of its fast path, isolated
 * from the project's programs (see {@link isolatedUv}).
 *
 * @param root the project root, where uv runs
 * @param env the environment (UV_PYTHON, PATH)
 * @returns the request for a {@link Runner}
 * @throws {HpmOperationError} when no interpreter is found outside the project
 */
export function uvLockCheckRequest(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
): RunRequest {
  const { python, env: uvEnv } = isolatedUv(root, env);
  return {
    program: "uv",
    args: [...UV_LOCK_CHECK_ARGS, "--python", python],
    cwd: root,
    env: uvEnv,
  };
}

/**
 * The `uv sync --check` request of `hpm status`: does the project's
 * environment hold what uv.lock installs? Asked without installing or
 * locking anything (`--check`, `--frozen`: uv.lock is read as it is, so no
 * source tree is built), offline, with extra packages allowed (`--inexact`:
 * as `uv run` judges an environment), and with the environment's own
 * interpreter named (`--python`), so uv starts no interpreter a
 * `.python-version` names. Whether that interpreter may be started is the
 * caller's to decide.
 *
 * @param root the project root, where uv runs
 * @param python the environment's interpreter
 * @returns the request for a {@link Runner}
 */
export function uvSyncCheckRequest(root: string, python: string): RunRequest {
  return {
    program: "uv",
    args: [
      "sync",
      "--check",
      "--frozen",
      "--offline",
      "--inexact",
      "--no-progress",
      "--python",
      python,
    ],
    cwd: root,
    timeoutMs: UV_CHECK_TIMEOUT_MS,
  };
}

// uv answers a check from its cache in milliseconds; a stuck one must not hold `hpm status`.
const UV_CHECK_TIMEOUT_MS = 60_000;

/**
 * Say so when the project's `.venv` is tracked by git: whoever committed it
 * chose the programs in it. HPM's checks do not run them; `hpm sync` and uv
 * use the project's environment.
 *
 * @param root the project root
 * @param runner runs git
 * @param log where the warning goes
 */
export async function warnCommittedVenv(
  root: string,
  runner: Runner,
  log: (message: string) => void,
): Promise<void> {
  try {
    Deno.lstatSync(joinPath(root, ".venv"));
  } catch {
    return; // no .venv (a fresh clone): nothing to ask git about
  }
  const { isTracked } = await import("./git.ts");
  if (await isTracked(runner, root, ".venv")) {
    log(
      "warning: .venv is committed to git, so its programs are the project's: this command " +
        "does not run them, but `hpm sync` and uv use that environment " +
        "(`git rm -r --cached .venv` untracks it)",
    );
  }
}

/**
 * Fail unless uv can be found (`HPM_UV`, else `uv` on PATH), before anything
 * is written: a missing uv is found out up front, not after pyproject.toml was
 * changed and restored. Looks on disk only: starting uv just to ask would cost
 * as much as a no-op sync.
 *
 * @param env the environment (PATH, HPM_UV)
 * @param noInstall whether the command has `--no-install` to offer instead
 * @throws {HpmOperationError} when uv cannot be found
 * @throws {HpmInputError} when HPM_UV is a relative path
 *
 * @example Usage
 * ```ts
 * import { requireUv } from "./uv.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => requireUv({ PATH: "" }), /uv cannot be run/);
 * ```
 */
export function requireUv(
  env: Readonly<Record<string, string | undefined>>,
  noInstall = true,
): void {
  if (findProgram("uv", env) !== undefined) return;
  const override = env.HPM_UV;
  throw new HpmOperationError(
    `uv cannot be run (${
      override ? `uv: not found at HPM_UV=${override}` : "uv: not found on PATH"
    })`,
    "nothing was written; install uv (https://docs.astral.sh/uv/) or set HPM_UV to its path" +
      (noInstall ? ", or write pyproject.toml only with --no-install" : ""),
  );
}
