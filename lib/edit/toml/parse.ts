/**
 * Reading pyproject.toml as TOML 1.0: the version that every tool reading the
 * file after HPM accepts (uv, pip, Python's tomllib); not all of them read
 * TOML 1.1. smol-toml gives the values and checks keys and tables; it reads
 * TOML 1.1, so the scanner (`scan.ts`) also reads the text and refuses
 * what only TOML 1.1 allows, and anything nested deeper than uv reads. Where
 * smol-toml refuses a document, the scanner and TOML's rules on tables
 * (`tables.ts`) decide, as smol-toml refuses one thing TOML 1.0 allows.
 * Either way a refusal is an {@link HpmInputError} with the position.
 *
 * @module
 */

import { parse, TomlError } from "smol-toml";
import { HpmInputError } from "../../core/errors.ts";
import {
  lineColumn,
  MAX_DEPTH,
  type ScannedToml,
  scanToml,
  TomlDepthError,
  TomlScanError,
} from "./scan.ts";
import { buildTables } from "./tables.ts";

/** A parsed TOML table. Integers are `bigint`, so that every 64-bit one is kept exactly. */
export type TomlTable = Record<string, unknown>;

/** Whether a parsed value is a table (not an array, a date or a scalar). */
export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** The value at `path` (keys from the top), or undefined where a table on the way is missing. */
export function valueAt(root: TomlTable, path: readonly string[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (!isTable(value)) return undefined;
    value = value[key];
  }
  return value;
}

/**
 * The values of a TOML 1.0 document.
 *
 * @param text the document (a leading byte order mark is allowed)
 * @param file the file name used in error positions
 * @returns its top-level table
 * @throws {HpmInputError} `toml-syntax` at the position of the first problem;
 *   `too-deep` when it nests deeper than uv reads
 */
export function parseToml(text: string, file: string): TomlTable {
  let data: TomlTable;
  try {
    data = parseValues(text);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    return reread(text, file, e);
  }
  scanTomlFile(text, file);
  return data;
}

/**
 * The values of a TOML document as smol-toml reads it, without refusing
 * what only TOML 1.1 allows: for a file HPM reads and never edits (uv.lock,
 * uv's own output), where that check would cost more than the parse.
 *
 * @param text the document (a leading byte order mark is allowed)
 * @param file the file name used in error positions
 * @param hint what to do about an error, when the default (fix the TOML) is not it
 * @returns its top-level table
 * @throws {HpmInputError} `toml-syntax` at the position of the first problem
 */
export function readTomlValues(text: string, file: string, hint?: string): TomlTable {
  try {
    return parseValues(text);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    throw parseError(text, file, e, 0, hint);
  }
}

function parseValues(text: string): TomlTable {
  return parse(text, { integersAsBigInt: true }) as TomlTable;
}

/**
 * A document smol-toml refused: refused again when the scanner or the rules on
 * tables refuse it too (at their position, which is the first problem's), else
 * built by those rules from smol-toml's values for each table block.
 */
function reread(text: string, file: string, refusal: TomlError): TomlTable {
  let scan: ScannedToml;
  try {
    scan = scanToml(text);
  } catch (e) {
    // Past the depth limit smol-toml may stop first, saying less.
    if (e instanceof TomlDepthError) throw scanError(text, file, e);
    if (e instanceof TomlScanError) throw parseError(text, file, refusal);
    throw e;
  }
  try {
    return buildTables(scan, (start, end) => {
      try {
        return parseValues(text.slice(start, end));
      } catch (e) {
        if (!(e instanceof TomlError)) throw e;
        throw parseError(text.slice(start, end), file, e, lineColumn(text, start).line - 1);
      }
    });
  } catch (e) {
    if (!(e instanceof TomlScanError)) throw e;
    throw scanError(text, file, e);
  }
}

/** smol-toml's refusal of `source`, which starts `lines` lines into the file. */
function parseError(
  source: string,
  file: string,
  e: TomlError,
  lines = 0,
  hint?: string,
): HpmInputError {
  const reason = e.message.replace(/^Invalid TOML document: /, "").split("\n")[0];
  // smol-toml counts a byte order mark as a column; editors do not.
  const column = e.line === 1 && source.startsWith("\uFEFF") ? e.column - 1 : e.column;
  const where = { file, line: e.line + lines, column };
  return syntaxError(`cannot parse ${file}: ${reason}`, where, hint);
}

/**
 * The statements of a TOML 1.0 document, with offsets (see {@link scanToml}).
 *
 * @param text the document
 * @param file the file name used in error positions
 * @param hint what to do about an error, when the default (fix the TOML) is not it
 * @returns the statements
 * @throws {HpmInputError} `toml-syntax` at the position of the first problem;
 *   `too-deep` when it nests deeper than uv reads
 */
export function scanTomlFile(text: string, file: string, hint?: string): ScannedToml {
  try {
    return scanToml(text);
  } catch (e) {
    if (!(e instanceof TomlScanError)) throw e;
    throw scanError(text, file, e, hint);
  }
}

function scanError(text: string, file: string, e: TomlScanError, hint?: string): HpmInputError {
  const where = { file, ...lineColumn(text, e.offset) };
  if (!(e instanceof TomlDepthError)) {
    return syntaxError(`cannot read ${file}: ${e.message}`, where, hint);
  }
  return new HpmInputError(
    "too-deep",
    `cannot read ${file}: ${e.message}`,
    where,
    `hpm reads at most ${MAX_DEPTH} levels, counting each part of a key and each array ` +
      "(uv refuses a key of more than 80 parts and values nested more than 80 deep; real " +
      `pyproject.toml files nest fewer than 10): shorten the key or flatten the value at ` +
      `line ${where.line}, column ${where.column}`,
  );
}

function syntaxError(
  message: string,
  where: { file: string; line: number; column: number },
  hint = `fix the TOML at line ${where.line}, column ${where.column}; hpm edits only valid ` +
    "TOML 1.0, which every tool reading pyproject.toml (uv, pip, Python's tomllib) accepts",
): HpmInputError {
  return new HpmInputError("toml-syntax", message, where, hint);
}
