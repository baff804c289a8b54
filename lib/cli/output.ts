// deno-lint-ignore-file no-console
/**
 * What the command line shows: the terminal, the guard every printed text
 * passes, errors as users see them, and a sync's summary. Errors become
 * messages only here. Loaded with the CLI, so it imports nothing heavy.
 *
 * @module
 */

import type { ChangeCounts } from "../edit/pyproject_diff.ts";
import type { DiffColors } from "../edit/unified_diff.ts";
import { CommandFailedError, HpmInputError, HpmOperationError } from "../core/errors.ts";
import { lastRead } from "../io/files.ts";
import { CONTROL } from "../core/value_checks.ts";

/** Where the CLI writes, and whether it may colour. */
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

const paint = (on: boolean, code: string) => (s: string) => on ? `\x1b[${code}m${s}\x1b[0m` : s;

/** The colours of a unified diff, or none. */
export function diffColors(on: boolean): DiffColors {
  return { added: paint(on, "32"), removed: paint(on, "31"), header: paint(on, "1") };
}

const SNIPPET_WIDTH = 120;

// The quoted line comes from the bytes HPM read through lib/files.ts, never
// from a fresh read: the file may be a link the error is about.
function snippet(file: string, line: number, column: number): string[] {
  try {
    const bytes = lastRead(file);
    if (bytes === undefined) return [];
    const source = new TextDecoder().decode(bytes).split(/\r?\n/)[line - 1];
    if (source === undefined) return [];
    const gutter = String(line).length;
    // A long line (a minified file, a hostile one) is shown around the column.
    const start = Math.max(
      0,
      Math.min(column - 1 - SNIPPET_WIDTH / 2, source.length - SNIPPET_WIDTH),
    );
    const end = start + SNIPPET_WIDTH;
    const shown = (start > 0 ? "…" : "") + source.slice(start, end) +
      (end < source.length ? "…" : "");
    const caret = column - 1 - start + (start > 0 ? 1 : 0);
    return [
      `${" ".repeat(gutter)} |`,
      `${line} | ${visible(shown)}`,
      `${" ".repeat(gutter)} | ${" ".repeat(Math.max(0, caret))}^`,
    ];
  } catch {
    return [];
  }
}

const CONTROL_CHARS = new RegExp(CONTROL.source, "g");

// Messages quote values from files that may come from a remote registry: a
// control character must not reach the terminal (escape-sequence injection).
function visible(text: string): string {
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

// Paths inside the working directory are shown relative, as compilers do
// (without node:path, which would cost every command its load time).
function displayPath(file: string): string {
  const cwd = Deno.cwd();
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  const base = cwd.endsWith(sep) ? cwd : cwd + sep;
  return file.startsWith(base) && file.length > base.length ? file.slice(base.length) : file;
}

const OS_HINT = "the system refused it (free space, a read-only disk, permissions): fix that " +
  "and run the command again; hpm's writes are atomic, and a sync that failed midway is undone " +
  "(at once, or by the next run)";

// ENAMETOOLONG (its text on Linux and macOS), ERROR_FILENAME_EXCED_RANGE on Windows.
const LONG_PATH_HINT = "a path is too long for the file system: move the project to a shorter " +
  "path (or HPM_STATE_DIR and HPM_CACHE_DIR, if the path named is there)";

/** Render an error the way users see it: message, file:line:col, source line, hint. */
export function renderError(error: unknown, io: Io): string {
  const red = paint(io.color, "31;1");
  const dim = paint(io.color, "2");
  if (error instanceof HpmInputError) {
    const lines = [`${red("error")}: ${visible(error.message)}`];
    if (error.file) {
      const shown = displayPath(error.file);
      const at = error.line ? `${shown}:${error.line}:${error.column ?? 1}` : shown;
      lines.push(`  ${dim("-->")} ${at}`);
      if (error.line) lines.push(...snippet(error.file, error.line, error.column ?? 1));
    }
    if (error.hint) lines.push(`  ${dim("hint:")} ${visible(error.hint)}`);
    return lines.join("\n");
  }
  if (error instanceof CommandFailedError) {
    const tail = error.stderrTail.trim();
    return `${red("error")}: ${error.message}` + (tail ? `\n${tail}` : "") +
      (error.hint ? `\n  hint: ${error.hint}` : "");
  }
  if (error instanceof HpmOperationError) {
    return `${red("error")}: ${error.message}` +
      (error.hint ? `\n  ${dim("hint:")} ${error.hint}` : "");
  }
  if (error instanceof Error && error.name === "InterruptedError") {
    return `${red("interrupted")}: ${error.message}`;
  }
  // The system refused a file operation (a full disk, a read-only file
  // system, permissions): the user's to fix, not a bug of HPM's.
  if (error instanceof Error && /\(os error \d+\)/.test(error.message)) {
    const hint = /File name too long|\(os error 206\)/.test(error.message)
      ? LONG_PATH_HINT
      : OS_HINT;
    return `${red("error")}: ${visible(error.message)}\n  ${dim("hint:")} ${hint}`;
  }
  const message = error instanceof Error ? error.stack ?? error.message : String(error);
  return `${red("internal error")}: ${message}\n  hint: this is a bug in hpm; please report it`;
}

/**
 * What a sync says when it is done, from the fast path or the normal one:
 * "mode prod (from flag): pyproject.toml updated (dev → prod; 2 sources
 * changed), environment synced".
 *
 * @param mode the mode synced
 * @param origin where the mode came from
 * @param change what pyproject.toml's change was, in numbers; undefined when unchanged
 * @param installed whether uv ran
 * @returns the sentence
 */
export function syncSummary(
  mode: string,
  origin: string,
  change: ChangeCounts | undefined,
  installed: boolean,
): string {
  return `mode ${mode} (from ${origin}): ` +
    (change ? `pyproject.toml updated${changeSummary(change)}` : "pyproject.toml unchanged") +
    (installed ? ", environment synced" : "");
}

/**
 * What `hpm diff` and `hpm sync --dry-run` print when pyproject.toml has
 * nothing to change, from the fast path or the normal one.
 */
export const ALREADY_IN_SYNC = "pyproject.toml is already in sync";

/**
 * What `hpm check` says when a file is what the mode wants, from the fast
 * path or the normal one.
 *
 * @param file `pyproject.toml` (in sync) or `uv.lock` (matches)
 * @param mode the mode checked
 * @returns the sentence
 */
export function checkPassed(file: "pyproject.toml" | "uv.lock", mode: string): string {
  return file === "uv.lock"
    ? `uv.lock matches mode ${mode}`
    : `${file} is in sync for mode ${mode}`;
}

// " (dev → prod; 2 sources, 1 group changed)": what a sync changed, in a few words.
function changeSummary(d: ChangeCounts): string {
  const count = (n: number, what: string) => n ? [`${n} ${what}${n === 1 ? "" : "s"}`] : [];
  const counts = [...count(d.sources, "source"), ...count(d.groups, "group")];
  const parts = [
    ...(d.modeBefore && d.modeAfter && d.modeBefore !== d.modeAfter
      ? [`${d.modeBefore} → ${d.modeAfter}`]
      : []),
    ...(counts.length ? [`${counts.join(", ")} changed`] : []),
  ];
  return parts.length ? ` (${parts.join("; ")})` : "";
}
