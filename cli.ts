/**
 * The `hpm` command line: flags in, calls into mod.ts, text and exit codes out.
 * What answers a plain command line is here; the full parser is in
 * lib/cli/commands.ts, and each command's handler in its module under
 * lib/commands/.
 *
 * @module
 */

import { defaultIo, guardOutput, type Io } from "./lib/io/terminal.ts";
import { ALREADY_IN_SYNC, checkPassed, syncSummary } from "./lib/core/sync_result.ts";
import { exitCodeOf } from "./lib/core/errors.ts";
import { answerFast, type FastCommand } from "./lib/state/fast_path.ts";
import { fastCommandOf, readPlainCommand } from "./lib/cli/plain_command.ts";
import type { Runner } from "./lib/io/runner.ts";
import { VERSION } from "./lib/core/version.ts";

/** Where `main` reads and writes: stdout, stderr, stdin and whether each is a terminal. */
export type { Io } from "./lib/io/terminal.ts";

// Start-up is most of what a no-op costs, so only the modules above (which
// import nothing heavy: the fast path and the plain command-line reader among
// them) load with the CLI. The argument parser and the command tree load only
// for a command line that is not plain (lib/cli/commands.ts runs the plain
// ones without them), and each command loads its own modules (`await
// import` with a literal path, so `deno compile` and `deno bundle` still see
// them).

// `sync`, `check` and `diff` when nothing changed since the last sync: answered
// from the project's fingerprint before the argument parser loads, with the
// normal path's words; undefined sends the command down the normal path.
async function answerFromFingerprint(
  command: FastCommand,
  io: Io,
): Promise<number | undefined> {
  const log = (message: string) => {
    if (!command.quiet) io.err(`hpm: ${message}`);
  };
  // Loaded only when uv runs: a no-op does not need it.
  const runner: Runner = async (request) => {
    if (command.verbose) log(`$ ${request.program} ${request.args.join(" ")}`);
    const { denoRunner } = await import("./lib/io/runner.ts");
    return await denoRunner(request);
  };
  try {
    const answer = await answerFast(command, {
      env: Deno.env.toObject(),
      log,
      runner,
      stream: !command.quiet,
      trace: command.verbose ? log : undefined,
    });
    if (!answer) return undefined;
    if (command.name === "diff") io.out(ALREADY_IN_SYNC);
    else if (command.name === "check") {
      log(checkPassed("pyproject.toml", answer.mode));
      if (!command.pyprojectOnly) log(checkPassed("uv.lock", answer.mode));
    } else {
      log(syncSummary(answer.mode, answer.origin, answer.change, command.install, answer.develop));
    }
    return 0;
  } catch (error) {
    // An error's words load when there is one to show.
    const { renderError } = await import("./lib/cli/output.ts");
    io.err(renderError(error, io));
    return exitCodeOf(error);
  }
}

/**
 * Run the CLI with `args`; returns the exit code instead of exiting, so tests
 * and scripts can call it.
 *
 * @param args the arguments after `hpm`
 * @param terminal where output goes (standard output and error, whether colour is allowed)
 * @returns the exit code
 *
 * @example Usage
 * ```ts
 * import { main } from "@hpm/cli/cli";
 * import assert from "node:assert/strict";
 *
 * const out: string[] = [];
 * const code = await main(["--version"], { out: (t) => out.push(t), err: () => {}, color: false });
 * assert.equal(code, 0);
 * assert.match(out[0], /^\d+\.\d+\.\d+/);
 * ```
 */
export async function main(args: readonly string[], terminal: Io = defaultIo()): Promise<number> {
  const io = guardOutput(terminal);
  const globalFlags = ["-q", "--quiet", "-v", "--verbose"];
  if (
    args.some((a) => a === "--version" || a === "-V") &&
    args.every((a) => a === "--version" || a === "-V" || globalFlags.includes(a))
  ) {
    io.out(VERSION);
    if (args.some((a) => a === "-v" || a === "--verbose")) {
      const { installationLines } = await import("./lib/cli/installation.ts");
      for (const line of installationLines()) io.out(line);
    }
    return 0;
  }
  const plain = readPlainCommand(args);
  const fastCommand = fastCommandOf(plain);
  const fast = fastCommand && await answerFromFingerprint(fastCommand, io);
  if (fast !== undefined) return fast;
  const { runParsed, runPlain } = await import("./lib/cli/commands.ts");
  return (plain && await runPlain(plain, io)) ?? await runParsed(args, io);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
