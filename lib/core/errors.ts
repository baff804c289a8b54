/**
 * Typed errors. Library code throws these; only the CLI turns them into text
 * and exit codes (see {@link exitCodeOf}).
 *
 * @module
 */

/** A position in a source file, 1-based like editors show it. */
export interface SourcePosition {
  /** Path of the file, as given to the parser. */
  file: string;
  /** 1-based line, or undefined when only the file is known. */
  line?: number;
  /** 1-based column, or undefined when only the file is known. */
  column?: number;
}

/**
 * A value from untrusted input as a message quotes it: whole when short, else
 * its first `max` characters and its length (a name of a megabyte must not
 * become a message of a megabyte).
 *
 * @param text the value
 * @param max the most characters quoted
 * @returns the text to put in the message
 *
 * @example Usage
 * ```ts
 * import { excerpt } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(excerpt("plug"), "plug");
 * assert.equal(excerpt("x".repeat(100), 3), "xxx… (100 characters)");
 * ```
 */
export function excerpt(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** Stable error codes, listed with their fixes in docs/errors.md. */
export type HpmErrorCode =
  | "yaml-syntax"
  | "yaml-unsafe"
  | "schema"
  | "name-mismatch"
  | "unknown-package"
  | "missing-mode"
  | "unknown-mode"
  | "missing-clone"
  | "toml-syntax"
  | "too-deep"
  | "encoding"
  | "toml-layout"
  | "conflict"
  | "usage"
  | "not-found"
  | "unsafe-path"
  | "too-large"
  | "untrusted-path"
  | "commit-mode"
  | "git-state"
  | "unresolvable"
  | "hook-exists"
  | "not-permitted"
  | "no-checkout";

/**
 * Bad input: a file HPM read is malformed, inconsistent or unsafe. Nothing was
 * written when this is thrown. Exit code 2.
 *
 * @example Usage
 * ```ts
 * import { HpmInputError } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const e = new HpmInputError("schema", "expected a string", {
 *   file: "hpm.yaml",
 *   line: 3,
 *   column: 7,
 * }, "quote the value");
 * assert.equal(e.line, 3);
 * assert.equal(e.hint, "quote the value");
 * ```
 */
export class HpmInputError extends SyntaxError {
  /** Stable code for the docs' error catalogue. */
  readonly code: HpmErrorCode;
  /** File the problem is in, when there is one. */
  readonly file?: string;
  /** 1-based line. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
  /** What to do about it. */
  readonly hint?: string;

  /**
   * Create an input error.
   *
   * @param code stable error code
   * @param message what is wrong
   * @param where the file and position, if known
   * @param hint what to do about it
   */
  constructor(code: HpmErrorCode, message: string, where?: SourcePosition, hint?: string) {
    super(message);
    this.name = "HpmInputError";
    this.code = code;
    this.file = where?.file;
    this.line = where?.line;
    this.column = where?.column;
    this.hint = hint;
  }
}

/**
 * A program HPM ran (uv or git) failed. Exit code 1.
 *
 * @example Usage
 * ```ts
 * import { CommandFailedError } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const e = new CommandFailedError("uv", ["sync"], 2, "error: no such tag");
 * assert.equal(e.exitCode, 2);
 * assert.match(e.message, /uv sync/);
 * ```
 */
export class CommandFailedError extends Error {
  /** The program that ran. */
  readonly program: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** Its exit code (or 128+signal). */
  readonly exitCode: number;
  /** The end of what it wrote to stderr. */
  readonly stderrTail: string;
  /** What became of the user's files, and what to do. */
  readonly hint?: string;

  /**
   * Create a command failure.
   *
   * @param program the program
   * @param args its arguments
   * @param exitCode its exit code
   * @param stderrTail the end of its stderr
   * @param hint what became of the user's files, and what to do
   */
  constructor(
    program: string,
    args: readonly string[],
    exitCode: number,
    stderrTail = "",
    hint?: string,
  ) {
    super(`\`${program} ${args.join(" ")}\` failed with exit code ${exitCode}`);
    this.name = "CommandFailedError";
    this.program = program;
    this.args = args;
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
    this.hint = hint;
  }
}

/**
 * An operation ran and reported failure that is not bad input (drift found by
 * `check`, a refused `pin`, some clones failed). Exit code 1.
 *
 * @example Usage
 * ```ts
 * import { HpmOperationError } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const e = new HpmOperationError("1 of 3 clones failed", "see the lines above");
 * assert.equal(e.hint, "see the lines above");
 * ```
 */
export class HpmOperationError extends Error {
  /** What to do about it. */
  readonly hint?: string;

  /**
   * Create an operation failure.
   *
   * @param message what failed
   * @param hint what to do about it
   */
  constructor(message: string, hint?: string) {
    super(message);
    this.name = "HpmOperationError";
    this.hint = hint;
  }
}

/**
 * The process exit code for an error: 2 for bad input, 1 for a failed
 * operation, 130/143 when interrupted by SIGINT/SIGTERM.
 *
 * @param error anything thrown
 * @returns the exit code the CLI uses
 *
 * @example Usage
 * ```ts
 * import { exitCodeOf, HpmInputError } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.equal(exitCodeOf(new HpmInputError("usage", "bad flag")), 2);
 * assert.equal(exitCodeOf(new Error("boom")), 1);
 * ```
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof HpmInputError) return 2;
  if (error instanceof InterruptedError) return error.exitCode;
  return 1;
}

/**
 * The user interrupted HPM (SIGINT or SIGTERM): uv was stopped, and what HPM
 * had changed was rolled back.
 *
 * @example Usage
 * ```ts
 * import { InterruptedError } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new InterruptedError("SIGINT").exitCode, 130);
 * ```
 */
export class InterruptedError extends Error {
  /** The signal received. */
  readonly signal: "SIGINT" | "SIGTERM";
  /** 128 + the signal number. */
  readonly exitCode: number;

  /**
   * Create an interruption error.
   *
   * @param signal the signal received
   * @param changed whether HPM had changed files (then rolled back)
   * @param outcome what became of the files, when neither of those says it
   */
  constructor(signal: "SIGINT" | "SIGTERM", changed = true, outcome?: string) {
    super(
      `interrupted by ${signal}; ${
        outcome ?? (changed ? "changes rolled back" : "hpm had changed nothing (uv was stopped)")
      }`,
    );
    this.name = "InterruptedError";
    this.signal = signal;
    this.exitCode = signal === "SIGINT" ? 130 : 143;
  }
}
