/**
 * What every command is given: where the project is, the mode asked for, the
 * environment, and how it runs programs and reports. The command line makes
 * one from its flags; a library caller passes what it needs.
 *
 * @module
 */

import { denoRunner, type Runner } from "../io/runner.ts";
import type { Io } from "../io/terminal.ts";

/** What every command takes (each adds its own options). */
export interface CommandContext {
  /** The project root, or a folder inside it. @default Deno.cwd() */
  readonly root?: string;
  /**
   * The mode asked for (`--mode`); without it, RUN_MODE, hpm.local.yaml,
   * hpm.yaml, `dev` (see `chooseMode`). A command that acts on another mode
   * (`stage`: the committed one; `pin`: the registry mode it edits) says so.
   */
  readonly mode?: string;
  /** Environment to read RUN_MODE, HOME, HPM_OFFLINE from. @default Deno.env.toObject() */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Progress and notices for the user. */
  readonly log?: (message: string) => void;
  /** Detail for `--verbose` (why a switch was planned, why no record was kept). */
  readonly trace?: (message: string) => void;
  /** Runs uv and git. @default denoRunner */
  readonly runner?: Runner;
  /** Ask remote registries again even when their cached copies are fresh (`--refresh`). */
  readonly refresh?: boolean;
  /** How long to wait for another hpm run holding the lock. @default 60000 */
  readonly lockTimeoutMs?: number;
}

/** The flags every command takes. */
export interface GlobalFlags {
  /** `-C DIR`: the project. */
  readonly project?: string;
  /** `-q`: print only errors. */
  readonly quiet?: boolean;
  /** `-v`: print more detail. */
  readonly verbose?: boolean;
  /** `--refresh`: ask remote registries again. */
  readonly refresh?: boolean;
}

/**
 * The context a command line gives a command: its project, its `--mode`,
 * `hpm: …` notices on stderr unless quiet, and with --verbose every uv and
 * git command line before it runs.
 *
 * @param flags the global flags, and the command's `--mode` if it has one
 * @param io where notices go
 * @returns the context, its logger and runner set
 */
export function commandContext(
  flags: GlobalFlags & { readonly mode?: string },
  io: Io,
): CommandContext & Required<Pick<CommandContext, "log" | "runner">> {
  const log = (message: string) => {
    if (!flags.quiet) io.err(`hpm: ${message}`);
  };
  const runner: Runner = (request) => {
    if (flags.verbose) log(`$ ${request.program} ${request.args.join(" ")}`);
    return denoRunner(request);
  };
  return {
    root: flags.project,
    mode: flags.mode,
    log,
    runner,
    refresh: flags.refresh,
    ...(flags.verbose ? { trace: log } : {}),
  };
}
