// deno-lint-ignore-file no-console
/**
 * The terminal, the door every command's text goes out by: where it writes
 * (`Io`), whether it may colour, and the guard every printed text passes.
 * Loaded with the CLI, so it imports nothing heavy; the diff package loads
 * only to show a diff.
 *
 * @module
 */

import type { DiffColors } from "../edit/unified_diff.ts";
import { CONTROL } from "../core/value_checks.ts";

/** Where a command writes, and whether it may colour. */
export interface Io {
  /** Standard output. */
  out: (text: string) => void;
  /** Standard error. */
  err: (text: string) => void;
  /** Colour codes allowed. */
  color: boolean;
}

/**
 * The terminal: console, colour when stdout is one and NO_COLOR is unset.
 * Whether it is one is asked only when colour matters (an error, a diff):
 * the first look at stdout costs a no-op a millisecond.
 */
export function defaultIo(): Io {
  return {
    out: (text) => console.log(text),
    err: (text) => console.error(text),
    get color() {
      return !Deno.env.get("NO_COLOR") && Deno.stdout.isTerminal();
    },
  };
}

/**
 * A colouring function for an ANSI SGR code, or the identity when colour is off.
 *
 * @param on whether colour is allowed
 * @param code the SGR code (`31` red, `1` bold, `31;1`)
 * @returns the function
 */
export const paint = (on: boolean, code: string) => (s: string): string =>
  on ? `\x1b[${code}m${s}\x1b[0m` : s;

/** One cell of a table: its text, and how to colour it. */
export interface Cell {
  /** The text, as it is measured. */
  readonly text: string;
  /** Colours it (after padding is measured). */
  readonly paint?: (s: string) => string;
}

/**
 * A table's lines: each column as wide as its widest text (in characters),
 * columns two spaces apart, the last one not padded.
 *
 * @param rows the rows, the header first if there is one
 * @returns the lines
 */
export function tableLines(rows: readonly (readonly Cell[])[]): string[] {
  const width = (cell: Cell | undefined) => cell ? [...cell.text].length : 0;
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => width(r[i])))) ?? [];
  return rows.map((row) =>
    row.map((cell, i) => {
      const pad = i === row.length - 1 ? "" : " ".repeat(widths[i] - width(cell));
      return (cell.paint ? cell.paint(cell.text) : cell.text) + pad;
    }).join("  ").trimEnd()
  );
}

// The colours of a unified diff, or none.
function diffColors(on: boolean): DiffColors {
  return { added: paint(on, "32"), removed: paint(on, "31"), header: paint(on, "1") };
}

const CONTROL_CHARS = new RegExp(CONTROL.source, "g");

/**
 * A text with its control characters (tabs aside) escaped: messages quote
 * values from files that may come from a remote registry, and a control
 * character must not reach the terminal (escape-sequence injection).
 *
 * @param text the text
 * @returns the text as it may be shown
 */
export function visible(text: string): string {
  return text.replace(
    CONTROL_CHARS,
    (c) => c === "\t" ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// deno-lint-ignore no-control-regex
const KEPT = /(\x1b\[[0-9;]*m|\n)/;

/**
 * Everything printed passes here last: control characters from untrusted
 * input (registry descriptions, git's and uv's messages, file names) are
 * escaped, keeping only line breaks, tabs and, when colour is on, the colour
 * codes HPM itself writes.
 */
export function guardOutput(io: Io): Io {
  const clean = (text: string) =>
    text.split(KEPT).map((part, i) =>
      i % 2 === 1 && (part === "\n" || io.color) ? part : visible(part)
    ).join("");
  return {
    out: (text) => io.out(clean(text)),
    err: (text) => io.err(clean(text)),
    get color() {
      return io.color;
    },
  };
}

/**
 * pyproject.toml's unified diff as the terminal shows it ("" for none), its
 * package loaded only to show one.
 *
 * @param before pyproject.toml now
 * @param after pyproject.toml as it would be
 * @param io where it will be shown (for colour)
 * @returns the diff, without a trailing newline
 */
export async function pyprojectDiff(before: string, after: string, io: Io): Promise<string> {
  const { unifiedDiff } = await import("../edit/unified_diff.ts");
  return unifiedDiff(before, after, "pyproject.toml", diffColors(io.color)).trimEnd();
}
