/**
 * Writing TOML values: basic strings, keys bare where they may be, arrays of
 * strings on one line when they fit and one element a line when not, and
 * values on one line (inline tables). Every string goes through
 * {@link tomlString}: values come from registries.
 *
 * @module
 */

import { HpmInputError } from "../../core/errors.ts";
import { isTable } from "./parse.ts";

// Where an array moves to one element a line: the line length Python's
// formatters default to.
const MAX_LINE = 88;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r",
};

/** A TOML basic string: `"`, `\\` and control characters escaped. */
export function tomlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch in SHORT_ESCAPES) out += SHORT_ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else if (code >= 0xd800 && code <= 0xdfff) {
      throw new HpmInputError(
        "schema",
        `cannot write ${JSON.stringify(value)} to pyproject.toml: it is not valid Unicode`,
        undefined,
        "fix the value in the registry",
      );
    } else out += ch;
  }
  return out + '"';
}

/** A key: bare when it may be, else quoted. */
export function renderKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

/** An array of strings: on one line when `prefix` plus the array fit, else one element a line. */
export function renderArray(prefix: string, items: readonly string[], eol: string): string {
  return renderRawArray(prefix, items.map(tomlString), eol);
}

/** {@link renderArray} for elements already rendered (the user's, kept as written). */
export function renderRawArray(prefix: string, items: readonly string[], eol: string): string {
  const oneLine = `[${items.join(", ")}]`;
  if (items.length === 0 || prefix.length + oneLine.length <= MAX_LINE) return oneLine;
  return `[${eol}${items.map((item) => `    ${item},${eol}`).join("")}]`;
}

/** An array of strings on one line, however long. */
export function renderOneLineArray(items: readonly string[]): string {
  return `[${items.map(tomlString).join(", ")}]`;
}

/** Key/value pairs as a one-line inline table, in their order. */
export function renderInlineTable(table: Iterable<readonly [string, unknown]>): string {
  return renderValue(Object.fromEntries(table));
}

/** A value as TOML on one line (inline tables, arrays), for messages and {@link renderInlineTable}. */
export function renderValue(value: unknown): string {
  if (typeof value === "string") return tomlString(value);
  if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
  if (value instanceof Date) return value.toISOString();
  if (!isTable(value)) return String(value);
  const entries = Object.entries(value).map(([k, v]) => `${renderKey(k)} = ${renderValue(v)}`);
  return entries.length ? `{ ${entries.join(", ")} }` : "{}";
}
