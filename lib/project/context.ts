/**
 * What every command is given: where the project is, the mode asked for, the
 * environment, and how it runs programs and reports. The command line makes
 * one from its flags; a library caller passes what it needs.
 *
 * @module
 */

import type { Runner } from "../io/runner.ts";

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
  /** Runs uv and git. @default denoRunner */
  readonly runner?: Runner;
  /** Ask remote registries again even when their cached copies are fresh (`--refresh`). */
  readonly refresh?: boolean;
  /** How long to wait for another hpm run holding the lock. @default 60000 */
  readonly lockTimeoutMs?: number;
}
