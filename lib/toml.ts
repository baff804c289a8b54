/**
 * Reading pyproject.toml as TOML 1.0: the version that every tool reading the
 * file after HPM (uv, pip, Python's tomllib) accepts; not all of them read
 * TOML 1.1. smol-toml gives the values and checks keys and tables; it reads
 * TOML 1.1, so the scanner (`_toml_scan.ts`) also reads the text and refuses
 * what only TOML 1.1 allows. Either way a refusal is an {@link HpmInputError}
 * with the position.
 *
 * @module
 */

import { parse, TomlError } from "smol-toml";
import { HpmInputError } from "./errors.ts";
import { lineColumn, type ScannedToml, scanToml, TomlScanError } from "./_toml_scan.ts";

/** A parsed TOML table. Integers are `bigint`, so that every 64-bit one is kept exactly. */
export type TomlTable = Record<string, unknown>;

/**
 * The values of a TOML 1.0 document.
 *
 * @param text the document (a leading byte order mark is allowed)
 * @param file the file name used in error positions
 * @returns its top-level table
 * @throws {HpmInputError} `toml-syntax` at the position of the first problem
 */
export function parseToml(text: string, file: string): TomlTable {
  const data = readTomlValues(text, file);
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
    return parse(text, { integersAsBigInt: true }) as TomlTable;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const reason = e.message.replace(/^Invalid TOML document: /, "").split("\n")[0];
    // smol-toml counts a byte order mark as a column; editors do not.
    const column = e.line === 1 && text.startsWith("\uFEFF") ? e.column - 1 : e.column;
    throw syntaxError(`cannot parse ${file}: ${reason}`, { file, line: e.line, column }, hint);
  }
}

/**
 * The statements of a TOML 1.0 document, with offsets (see {@link scanToml}).
 *
 * @param text the document
 * @param file the file name used in error positions
 * @param hint what to do about an error, when the default (fix the TOML) is not it
 * @returns the statements
 * @throws {HpmInputError} `toml-syntax` at the position of the first problem
 */
export function scanTomlFile(text: string, file: string, hint?: string): ScannedToml {
  try {
    return scanToml(text);
  } catch (e) {
    if (!(e instanceof TomlScanError)) throw e;
    throw syntaxError(`cannot read ${file}: ${e.message}`, {
      file,
      ...lineColumn(text, e.offset),
    }, hint);
  }
}

function syntaxError(
  message: string,
  where: { file: string; line: number; column: number },
  hint = `fix the TOML at line ${where.line}, column ${where.column}; hpm edits only valid ` +
    "TOML 1.0, which every tool reading pyproject.toml (uv, pip, Python's tomllib) accepts",
): HpmInputError {
  return new HpmInputError("toml-syntax", message, where, hint);
}
