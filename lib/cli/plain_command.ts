/**
 * Command lines plain enough to read without the argument parser, which costs
 * more to load than a no-op's whole answer: `hpm [global flags] COMMAND
 * [its flags] [-- uv's arguments]`, each flag at most once, a value as the
 * next argument or after `=`. The no-op fast path (`sync`, `check`, `diff`)
 * uses it, and so do those commands, `status` and `stage` when they plan;
 * anything else (help, other spellings, unknown or repeated flags) is left to
 * the parser, which answers it, errors included.
 *
 * Imports nothing (but a type): it runs before anything else loads.
 *
 * @module
 */

import type { FastCommand } from "../state/fast_path.ts";

/** A command line read without the argument parser. */
export interface PlainCommand {
  /** The command: `sync`, `check`, `diff`, `status` or `stage`. */
  readonly name: string;
  /** Flags by long name without dashes: `true` for a switch, else its value. */
  readonly flags: Readonly<Record<string, string | true>>;
  /** Arguments after `--` (sync: uv's). */
  readonly rest: readonly string[];
}

// A name ending in "=" takes a value. The parser takes global flags before or
// after the command, and a command's own flags only after it.
const GLOBAL: Readonly<Record<string, string>> = {
  "-q": "quiet",
  "--quiet": "quiet",
  "-v": "verbose",
  "--verbose": "verbose",
  "--refresh": "refresh",
  "-C": "project=",
  "--project": "project=",
};
const MODE = { "-m": "mode=", "--mode": "mode=" };
const COMMANDS: Readonly<Record<string, { flags: Record<string, string>; rest?: boolean }>> = {
  sync: {
    flags: { ...MODE, "--no-install": "no-install", "--frozen": "frozen", "--locked": "locked" },
    rest: true,
  },
  check: {
    flags: {
      ...MODE,
      "--pyproject-only": "pyproject-only",
      "--staged": "staged",
      "--allow-build": "allow-build",
    },
  },
  diff: { flags: MODE },
  status: { flags: MODE },
  stage: { flags: { ...MODE, "--offline": "offline" } },
};

// A table's own entry: `constructor` or `__proto__` on a command line is not a flag.
const own = (table: Readonly<Record<string, string>>, key: string) =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/**
 * Read a plain command line, or return undefined for the argument parser.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPlainCommand } from "./plain_command.ts";
 *
 * assert.deepEqual(readPlainCommand(["-q", "sync", "--mode=prod", "--", "--no-dev"]), {
 *   name: "sync",
 *   flags: { quiet: true, mode: "prod" },
 *   rest: ["--no-dev"],
 * });
 * assert.equal(readPlainCommand(["sync", "--dry-run"]), undefined);
 * ```
 *
 * @param args the arguments after `hpm`
 * @returns the command, or undefined
 */
export function readPlainCommand(args: readonly string[]): PlainCommand | undefined {
  let name: string | undefined;
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      if (!name || !COMMANDS[name].rest) return undefined;
      return { name, flags, rest: args.slice(i + 1) };
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const known = own(GLOBAL, flag) ?? (name ? own(COMMANDS[name].flags, flag) : undefined);
    if (known === undefined) {
      if (name !== undefined || !Object.hasOwn(COMMANDS, arg)) return undefined;
      name = arg;
      continue;
    }
    const key = known.replace(/=$/, "");
    if (key in flags) return undefined;
    if (known === key) {
      if (eq >= 0) return undefined;
      flags[key] = true;
      continue;
    }
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (!value || value.startsWith("-")) return undefined;
    flags[key] = value;
  }
  return name ? { name, flags, rest: [] } : undefined;
}

/**
 * The command line read plainly, when the fast path (state/fast_path.ts)
 * can answer it: `sync`, `check` or `diff`; anything else (other commands,
 * `--refresh`, `check --staged`, both `--frozen` and `--locked`) is
 * undefined, for the full parser or the normal path.
 *
 * @param command the plain command line, if it is one
 * @returns the command, or undefined
 */
export function fastCommandOf(command: PlainCommand | undefined): FastCommand | undefined {
  if (!command || !["sync", "check", "diff"].includes(command.name)) return undefined;
  const { flags } = command;
  if (flags.refresh || flags.staged || flags["allow-build"] || (flags.frozen && flags.locked)) {
    return undefined;
  }
  const value = (v: string | true | undefined) => typeof v === "string" ? v : undefined;
  return {
    name: command.name as FastCommand["name"],
    project: value(flags.project),
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
    mode: value(flags.mode),
    pyprojectOnly: flags["pyproject-only"] === true,
    install: !flags["no-install"],
    frozen: flags.frozen === true,
    locked: flags.locked === true,
    uvArgs: command.rest,
  };
}
