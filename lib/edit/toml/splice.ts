/**
 * Editing TOML text in place, touching no byte but those an edit names: a
 * document whose edits are splices of its text, rescanned after each (so
 * every offset is current), whose errors still point into the text as it
 * was. On it, what a careful edit needs: where a key is defined, removing a
 * statement, replacing a value, and adding or removing an array element in
 * the array's own style. It knows nothing of what the file is for.
 *
 * @module
 */

import type { SourcePosition } from "../../core/errors.ts";
import { scanTomlFile } from "./parse.ts";
import { renderKey } from "./render.ts";
import {
  type ArrayValue,
  type KeyValue,
  lineColumn,
  type ScannedToml,
  type ScannedValue,
  type TableRegion,
} from "./scan.ts";

/** A key path, from the top of the document. */
export type TomlPath = readonly string[];

/** A splice: the text from `start` to `end` becomes `text`. */
export interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The text being edited; it is rescanned after each edit. */
export class TomlDoc {
  #scan?: ScannedToml;
  readonly #original: string;
  /** Every edit made, in order: errors point into the file as the user has it. */
  readonly #history: { start: number; removed: number; inserted: number }[] = [];

  constructor(public text: string, readonly eol: string, readonly file: string) {
    this.#original = text;
  }

  get scan(): ScannedToml {
    this.#scan ??= scanTomlFile(this.text, this.file);
    return this.#scan;
  }

  edit(...edits: Edit[]): void {
    for (const e of [...edits].sort((a, b) => b.start - a.start)) {
      this.text = this.text.slice(0, e.start) + e.text + this.text.slice(e.end);
      this.#history.push({ start: e.start, removed: e.end - e.start, inserted: e.text.length });
    }
    this.#scan = undefined;
  }

  insert(at: number, text: string): void {
    this.edit({ start: at, end: at, text });
  }

  remove(start: number, end: number): void {
    this.edit({ start, end, text: "" });
  }

  /** The position in the original text of `offset` in the edited text. */
  where(offset: number): SourcePosition {
    let at = offset;
    for (const e of this.#history.toReversed()) {
      if (at >= e.start + e.inserted) at += e.removed - e.inserted;
      else if (at > e.start) at = e.start;
    }
    return { file: this.file, ...lineColumn(this.#original, at) };
  }

  region(path: TomlPath): TableRegion | undefined {
    return this.scan.regions.find((r) =>
      r.header && !r.header.array && samePath(r.header.path, path)
    );
  }

  lineStartOf(offset: number): number {
    // lastIndexOf treats a negative position as 0, which would find a newline at offset 0.
    const lineStart = offset > 0 ? this.text.lastIndexOf("\n", offset - 1) + 1 : 0;
    return Math.max(lineStart, this.scan.contentStart);
  }

  lineEndAfter(offset: number): number {
    const newline = this.text.indexOf("\n", offset);
    return newline < 0 ? this.text.length : newline + 1;
  }

  /**
   * Where the block whose first line starts at `lineStart` begins, counting the
   * blank line {@link separatorAt} writes before each table added.
   */
  blankLineBefore(lineStart: number): number {
    if (lineStart <= this.scan.contentStart) return lineStart;
    const previous = this.lineStartOf(lineStart - 1);
    return /^[ \t]*\r?\n$/.test(this.text.slice(previous, lineStart)) ? previous : lineStart;
  }

  blockStart(region: TableRegion): number {
    return this.blankLineBefore(region.header!.lineStart);
  }

  blockEnd(region: TableRegion): number {
    return region.entries.at(-1)?.lineEnd ?? region.header!.lineEnd;
  }

  /** What goes before a table added at `at`: a blank line, unless at the very top. */
  separatorAt(at: number): string {
    return at > this.scan.contentStart ? this.eol : "";
  }
}

/** Whether two key paths are the same. */
export function samePath(a: TomlPath, b: TomlPath): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** Whether `a` is `b` or one of its ancestors. */
export function isPrefix(a: TomlPath, b: TomlPath): boolean {
  return a.length <= b.length && a.every((k, i) => k === b[i]);
}

/** A key path as TOML writes it (`tool.uv.sources`). */
export function dotted(path: TomlPath): string {
  return path.map(renderKey).join(".");
}

/**
 * Offset of the key that defines `path` (or the first thing inside it), looking
 * into inline tables too.
 */
export function locate(scan: ScannedToml, path: TomlPath): number | undefined {
  const within = (full: TomlPath, keyStart: number, value: ScannedValue): number | undefined => {
    if (isPrefix(path, full)) return keyStart;
    if (!isPrefix(full, path) || value.kind !== "inline-table") return undefined;
    for (const entry of value.entries) {
      const found = within([...full, ...entry.key], entry.keyStart, entry.value);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  for (const statement of scan.statements) {
    if (statement.kind === "header") {
      if (isPrefix(path, statement.path)) return statement.keyStart;
    } else {
      const found = within(
        [...statement.table, ...statement.key],
        statement.keyStart,
        statement.value,
      );
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The statement whose full key path is `path`. One under an `[[array]]` header
 * (or under a table in one) is in an element of the array, not at `path`.
 */
export function findKey(scan: ScannedToml, path: TomlPath): KeyValue | undefined {
  const inArray = (table: TomlPath) =>
    scan.statements.some((s) => s.kind === "header" && s.array && isPrefix(s.path, table));
  for (const statement of scan.statements) {
    if (
      statement.kind === "keyvalue" && samePath([...statement.table, ...statement.key], path) &&
      !inArray(statement.table)
    ) {
      return statement;
    }
  }
  return undefined;
}

/** Remove a key/value statement's lines. */
export function deleteLines(doc: TomlDoc, kv: KeyValue): void {
  doc.remove(kv.lineStart, kv.lineEnd);
}

/** Put `value` where a statement's value is, unless it is that already. */
export function replaceValue(doc: TomlDoc, kv: KeyValue, value: string): void {
  if (doc.text.slice(kv.value.start, kv.value.end) !== value) {
    doc.edit({ start: kv.value.start, end: kv.value.end, text: value });
  }
}

/**
 * Whether the array has one element a line with `]` on its own line: then a
 * new element gets its own line too.
 */
function isOneElementALine(doc: TomlDoc, array: ArrayValue): boolean {
  const close = array.end - 1;
  if (doc.text.slice(doc.lineStartOf(close), close).trim() !== "") return false;
  const last = array.elements.at(-1);
  return !last || isAloneOnItsLine(doc, last.value.start, last.comma ?? last.value.end - 1);
}

function isAloneOnItsLine(doc: TomlDoc, start: number, last: number): boolean {
  const before = doc.text.slice(doc.lineStartOf(start), start);
  const after = doc.text.slice(last + 1, doc.lineEndAfter(last + 1));
  return before.trim() === "" && /^[ \t]*(#.*)?\r?\n?$/.test(after) &&
    !doc.text.slice(start, last + 1).includes("\n");
}

/**
 * Append `item` to `array` in the array's own style. {@link removeElement}
 * undoes exactly this.
 */
export function appendElement(doc: TomlDoc, array: ArrayValue, item: string): void {
  const last = array.elements.at(-1);
  const close = array.end - 1;
  if (isOneElementALine(doc, array)) {
    if (!last) {
      return doc.insert(doc.lineStartOf(close), `    ${item},${doc.eol}`);
    }
    const start = doc.lineStartOf(last.value.start);
    const indent = doc.text.slice(start, last.value.start);
    if (last.comma !== undefined) {
      return doc.insert(doc.lineEndAfter(last.comma), `${indent}${item},${doc.eol}`);
    }
    return doc.edit(
      { start: last.value.end, end: last.value.end, text: "," },
      {
        start: doc.lineEndAfter(last.value.end),
        end: doc.lineEndAfter(last.value.end),
        text: `${indent}${item}${doc.eol}`,
      },
    );
  }
  if (!last) return doc.insert(array.start + 1, item);
  if (last.comma !== undefined) return doc.insert(last.comma + 1, ` ${item},`);
  doc.insert(last.value.end, `, ${item}`);
}

/** Remove element `index` of `array`, undoing {@link appendElement}. */
export function removeElement(doc: TomlDoc, array: ArrayValue, index: number): void {
  const elements = array.elements;
  const element = elements[index];
  const previous = elements[index - 1];
  const next = elements[index + 1];
  const end = element.comma ?? element.value.end - 1;
  if (isOneElementALine(doc, array) && isAloneOnItsLine(doc, element.value.start, end)) {
    const line = {
      start: doc.lineStartOf(element.value.start),
      end: doc.lineEndAfter(end + 1),
      text: "",
    };
    // The last element without a trailing comma got its comma from the one before.
    if (element.comma === undefined && previous?.comma !== undefined) {
      return doc.edit(line, { start: previous.comma, end: previous.comma + 1, text: "" });
    }
    return doc.edit(line);
  }
  const trailingComma = elements.at(-1)!.comma !== undefined;
  if (previous) {
    const from = trailingComma ? previous.comma! + 1 : previous.value.end;
    return doc.remove(from, trailingComma ? element.comma! + 1 : element.value.end);
  }
  if (next) return doc.remove(element.value.start, next.value.start);
  doc.remove(
    element.value.start,
    element.comma === undefined ? element.value.end : element.comma + 1,
  );
}
