/**
 * pyproject.toml and uv.lock changed as one transaction around `uv sync`: if
 * uv fails or the user interrupts, both are restored byte for byte. Shared by
 * the full sync and the no-op fast path, so it imports nothing heavy.
 *
 * @module
 */

import { CommandFailedError, InterruptedError } from "../core/errors.ts";
import { denoRunner, programPath, type Runner } from "../io/runner.ts";
import { FROZEN_WARNING, requireUv } from "../io/uv.ts";
import { Interrupts } from "../io/interrupts.ts";
import type { Transaction } from "./transaction.ts";

// How long uv runs before HPM says what it waits for.
const WAIT_NOTICE_MS = 2000;

/** How {@link runUvTransaction} runs uv. */
export interface UvTransactionOptions {
  /** Runs uv. @default denoRunner */
  readonly runner?: Runner;
  /** Let uv write to the terminal directly. @default false */
  readonly stream?: boolean;
  /** Where the per-user state folder is, and `HPM_UV`. @default Deno.env.toObject() */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A uv.lock to put back with pyproject.toml, only if uv.lock is still the
   * one whose SHA-256 is `when` (null: absent): a switch back to a mode synced
   * before takes the lock uv left for it then. uv still checks it against
   * pyproject.toml, and locks anew where it does not fit.
   */
  readonly lock?: { readonly when: string | null; readonly bytes: Uint8Array };
  /** Warnings for the user, and what a long uv run waits for. */
  readonly log?: (message: string) => void;
  /** Detail for `--verbose`: whether the lock given was put back. */
  readonly trace?: (message: string) => void;
  /**
   * Work to start once uv runs, whose run hides it (a switch's look at the
   * checkouts it leaves behind): started before uv, its processes would
   * delay uv's own start. With no uv to run, it starts after the write; with
   * a runner that does not call `onSpawn`, once uv has run.
   */
  readonly whileUvRuns?: () => void;
}

/** What {@link runUvTransaction} found. */
export interface UvTransactionResult {
  /**
   * When HPM wrote and uv then locked (not `--frozen`): uv.lock's SHA-256
   * before anything was written (null: absent). Undefined otherwise.
   */
  readonly lockBefore?: string | null;
}

/**
 * Write pyproject.toml (when `pyproject` is given) and run uv (when `uvArgs`
 * is given) as one journaled transaction. Call it under the project lock.
 * When there is nothing to write, uv runs as it would by hand, unjournaled.
 *
 * @param root the project root
 * @param pyproject the new text of pyproject.toml, or undefined to leave it
 * @param uvArgs the arguments of `uv`, or undefined to run nothing
 * @param options runner, streaming, a uv.lock to put back
 * @returns uv.lock's hash before anything was written, when uv locked after HPM wrote
 * @throws {CommandFailedError} when uv fails (anything HPM wrote restored)
 * @throws {InterruptedError} on SIGINT/SIGTERM (anything HPM wrote restored)
 */
export async function runUvTransaction(
  root: string,
  pyproject: string | undefined,
  uvArgs: readonly string[] | undefined,
  options: UvTransactionOptions = {},
): Promise<UvTransactionResult> {
  const interrupts = new Interrupts();
  // A signal must not land between a change and its rollback, so HPM
  // listens before it changes anything. With nothing to change it listens
  // once uv runs (a signal before that ends HPM, and nothing is left to
  // undo): the first listener costs a millisecond, which uv's run hides.
  if (pyproject !== undefined) interrupts.listen();
  let tx: Transaction | undefined;
  try {
    // With nothing of HPM's to write, the run is a plain `uv sync` and uv.lock
    // is uv's to keep or change, as it is outside HPM: no journal to pay for,
    // and the journal code is not even loaded.
    tx = pyproject === undefined
      ? undefined
      : await (await import("./transaction.ts")).Transaction.begin(
        root,
        ["pyproject.toml", "uv.lock"],
        options.env,
        { "pyproject.toml": pyproject, "uv.lock": options.lock?.bytes },
      );
    const lockBefore = tx?.savedSha256("uv.lock");
    const putBack = options.lock !== undefined && lockBefore === options.lock.when;
    const frozen = uvArgs?.includes("--frozen");
    // A frozen uv installs uv.lock as it is: right only when it is the mode's own.
    if (tx && frozen && !putBack) options.log?.(FROZEN_WARNING);
    if (tx && pyproject !== undefined) await tx.write("pyproject.toml", pyproject);
    if (tx && putBack) {
      options.trace?.(
        "uv.lock unchanged since that switch: the lock uv left for this mode is put back",
      );
      await tx.write("uv.lock", options.lock!.bytes);
    } else if (tx && options.lock) {
      options.trace?.("uv.lock changed since that switch: uv locks from it");
    }
    if (interrupts.caught) throw new InterruptedError(interrupts.caught, tx !== undefined);
    let started = false;
    const startBeside = () => {
      if (!started) options.whileUvRuns?.();
      started = true;
    };
    if (!uvArgs) startBeside();
    if (uvArgs) {
      const runner = options.runner ?? denoRunner;
      // Deno's first timer costs about 6 ms, a no-op sync's whole share of
      // its time: it starts once uv runs, whose run hides it.
      let waiting: ReturnType<typeof setTimeout> | undefined;
      const notice = () => {
        // uv draws its own progress on a terminal; elsewhere (a CI log,
        // --json) a long wait would otherwise say nothing.
        if (!(options.stream && Deno.stderr.isTerminal())) {
          options.log?.(
            `waiting for uv sync (${frozen ? "installing" : "resolving and installing"})…`,
          );
        }
      };
      const result = await runner({
        program: "uv",
        args: [...uvArgs],
        cwd: root,
        stream: options.stream ?? false,
        signal: interrupts.abort.signal,
        onSpawn: async (pid: number) => {
          if (tx) await tx.recordChild(pid, programPath("uv", options.env));
          else interrupts.listen();
          waiting = setTimeout(notice, WAIT_NOTICE_MS);
          startBeside();
        },
      }).finally(() => clearTimeout(waiting));
      startBeside();
      if (interrupts.caught) throw new InterruptedError(interrupts.caught, tx !== undefined);
      // With nothing written, callers leave it to starting uv to find it
      // missing; it is reported in the words of the check made before a write.
      if (result.code === 127 && !tx) requireUv({ ...Deno.env.toObject(), ...options.env });
      if (result.code !== 0) {
        throw new CommandFailedError(
          "uv",
          uvArgs,
          result.code,
          result.stderr.slice(-4000),
          tx
            ? "pyproject.toml and uv.lock were restored to what they were before"
            : "hpm changed nothing: pyproject.toml was already right for the mode",
        );
      }
    }
    await tx?.commit();
    return { lockBefore: uvArgs && !frozen ? lockBefore : undefined };
  } catch (e) {
    await tx?.rollback();
    // An aborted uv may surface as an AbortError; the user's signal is the real cause.
    throw interrupts.caught ? new InterruptedError(interrupts.caught, tx !== undefined) : e;
  } finally {
    interrupts.close();
  }
}
