/**
 * Decoding the files HPM edits. A byte order mark is kept as U+FEFF so that
 * writing the text back writes the same bytes, and bytes that are not UTF-8
 * are refused with the position of the first one, as an editor shows it.
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";

const BOM = 0xfeff;
// TextDecoder would drop the byte order mark by default.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decode a file's bytes as strict UTF-8, keeping a leading byte order mark
 * as U+FEFF.
 *
 * @param bytes the file's contents
 * @param file the file name used in the error position
 * @returns the text
 * @throws {HpmInputError} `encoding` at the line and column of the first byte
 *   that is not part of a UTF-8 character (columns count characters; a byte
 *   order mark is not a column)
 *
 * @example Usage
 * ```ts
 * import { decodeUtf8 } from "./utf8.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), "a.toml"), "\uFEFFa");
 * assert.throws(() => decodeUtf8(new Uint8Array([0x61, 0x0a, 0x62, 0xff]), "a.toml"), {
 *   code: "encoding",
 *   line: 2,
 *   column: 2,
 * });
 * ```
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  const bad = firstInvalidByte(bytes);
  if (bad < 0) return decoder.decode(bytes);
  const utf16 = bad === 0 && bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  const byte = bytes[bad].toString(16).toUpperCase().padStart(2, "0");
  throw new HpmInputError(
    "encoding",
    utf16
      ? `${file} is UTF-16 text, not UTF-8`
      : `${file} is not valid UTF-8: byte 0x${byte} does not belong to any character`,
    { file, ...positionOf(bytes, bad) },
    "save the file as UTF-8 (without changing anything else, your editor's " +
      '"save with encoding" does it)',
  );
}

/** Offset of the first byte of the first ill-formed sequence, or -1 when all is UTF-8. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf
      ? 2
      : b >= 0xe0 && b <= 0xef
      ? 3
      : b >= 0xf0 && b <= 0xf4
      ? 4
      : 0;
    if (length === 0 || i + length > bytes.length) return i;
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    const [low, high] = b === 0xe0
      ? [0xa0, 0xbf]
      : b === 0xed
      ? [0x80, 0x9f]
      : b === 0xf0
      ? [0x90, 0xbf]
      : b === 0xf4
      ? [0x80, 0x8f]
      : [0x80, 0xbf];
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k < length; k++) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

/** 1-based line and column (in characters) of `offset`, a byte order mark not counting. */
function positionOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  const before = decoder.decode(bytes.subarray(0, offset));
  const lineStart = before.lastIndexOf("\n") + 1;
  let line = before.slice(lineStart);
  if (lineStart === 0 && line.codePointAt(0) === BOM) line = line.slice(1);
  return { line: before.split("\n").length, column: [...line].length + 1 };
}
