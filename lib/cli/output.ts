/**
 * Errors as users see them, at the command line's edge: message,
 * file:line:col, the source line, a hint. Errors become messages only here.
 * Loaded only when there is one to show.
 *
 * @module
 */

import { CommandFailedError, HpmInputError, HpmOperationError } from "../core/errors.ts";
import { lastRead } from "../io/files.ts";
import { type Io, paint, visible } from "../io/terminal.ts";

const SNIPPET_WIDTH = 120;

// The quoted line comes from the bytes HPM read through lib/io/files.ts, never
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
    // Its message starts with the word ("interrupted by SIGINT; …").
    return `${red("error")}: ${error.message}`;
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
