/**
 * Byte-preserving edits of hand-written YAML (`hpm.yaml`, registry entries).
 *
 * `yaml`'s `Document.toString()` re-folds lines, respaces flow collections,
 * re-indents and drops CRLF, so re-rendering would rewrite a user's whole file
 * for a one-word change. These functions instead find the node with source
 * positions and splice the text, so every byte outside the edited spot stays
 * as it was. Each splice is checked by re-parsing the result and comparing it
 * with the intended value; a shape the splicer cannot handle falls back to the
 * Document API and says so with `exact: false`, never silently.
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import {
  type CST,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  stringify,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { MAX_ALIASES, parseChecked } from "./yaml_load.ts";
import { HpmInputError, HpmOperationError } from "../core/errors.ts";

type Path = readonly (string | number)[];
type ScalarValue = string | boolean | number;

type Op =
  | { kind: "set"; path: Path; value: ScalarValue }
  | { kind: "append"; path: Path; value: string }
  | { kind: "delete"; path: Path };

interface Splice {
  start: number;
  end: number;
  insert: string;
}

/** Where a node sits: what an edit must touch around it (colon, dash, brackets). */
type Holder =
  | { kind: "root" }
  | { kind: "pair"; map: YAMLMap; pair: Pair; index: number }
  | { kind: "item"; seq: YAMLSeq; index: number };

interface Located {
  /** The node at `path[0..depth)`; when depth < path.length, the container where `path[depth]` is missing. */
  node: unknown;
  holder: Holder;
  depth: number;
}

interface Ctx {
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly eol: string;
  readonly bom: number;
  readonly version: "1.1" | "1.2";
  readonly before: unknown;
  readonly step: number;
}

/** What goes after `key:` for a created key, in block and in flow context. */
interface Leaf {
  block: string;
  flow: string;
}

/**
 * Set a scalar in YAML text, changing only that spot.
 *
 * An existing scalar is replaced in place, keeping its quoting style when the
 * new value can be written in it (else plain when that is safe, else double
 * quotes). A missing key is added after the last entry of its mapping, with
 * that mapping's indentation (`, key: value` inside a flow mapping), creating
 * missing parent mappings along the way.
 *
 * @param text the YAML source (BOM and CRLF line endings are kept)
 * @param path keys (strings) and list indexes (numbers) leading to the scalar
 * @param value the new value; strings are quoted or escaped as needed so they
 *   read back as exactly this string
 * @returns the new text, and `exact: false` when the shape could not be
 *   spliced and the whole document was re-rendered by the `yaml` library
 * @throws {HpmInputError} `yaml-syntax`/`yaml-unsafe` when the text does not
 *   parse; `schema` when the path runs through a scalar, alias or list where a
 *   mapping is needed; `usage` for an empty path or a list index out of range
 * @throws {HpmOperationError} when neither a splice nor a re-render reads
 *   back as intended, e.g. an anchored scalar that aliases elsewhere repeat
 *   (changing it would change them too)
 *
 * @example Usage
 * ```ts
 * import { yamlSetScalar } from "./yaml_edit.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "sources:\n  prod:\n    ref: v1.0.0   # released\n";
 * const out = yamlSetScalar(text, ["sources", "prod", "ref"], "v1.1.0");
 * assert.equal(out.text, "sources:\n  prod:\n    ref: v1.1.0   # released\n");
 * assert.ok(out.exact);
 * ```
 */
export function yamlSetScalar(
  text: string,
  path: readonly (string | number)[],
  value: string | boolean | number,
): { text: string; exact: boolean } {
  checkPath(path, false);
  checkValue(value, ["string", "boolean", "number"]);
  const ctx = load(text);
  const op: Op = { kind: "set", path, value };
  return finish(ctx, op, planSet(ctx, path, value));
}

/**
 * Append a string to a list in YAML text, changing only that spot.
 *
 * A block list gets a new `- value` line after its last item, at the items'
 * indentation; a flow list `[a, b]` gets `, value` before `]`. A missing or
 * null list becomes `key: [value]`, and missing parent mappings are created
 * (a new key goes after its last sibling, indented like it).
 *
 * @param text the YAML source (BOM and CRLF line endings are kept)
 * @param path keys and list indexes leading to the list
 * @param value the item, quoted or escaped as needed
 * @returns the new text, and `exact: false` when the document had to be
 *   re-rendered by the `yaml` library
 * @throws {HpmInputError} `yaml-syntax`/`yaml-unsafe` when the text does not
 *   parse; `schema` when the node at `path` is not a list or null, or the path
 *   runs through a scalar; `usage` for a list index out of range
 * @throws {HpmOperationError} when neither a splice nor a re-render reads
 *   back as intended (tags or anchors in unusual places)
 *
 * @example Usage
 * ```ts
 * import { yamlAppendToSequence } from "./yaml_edit.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "groups:\n  llm:\n    options:\n      - rag4code-openai\n";
 * const out = yamlAppendToSequence(text, ["groups", "llm", "options"], "rag4code-ollama");
 * assert.equal(
 *   out.text,
 *   "groups:\n  llm:\n    options:\n      - rag4code-openai\n      - rag4code-ollama\n",
 * );
 * assert.ok(out.exact);
 * ```
 */
export function yamlAppendToSequence(
  text: string,
  path: readonly (string | number)[],
  value: string,
): { text: string; exact: boolean } {
  checkPath(path, true);
  checkValue(value, ["string"]);
  const ctx = load(text);
  const op: Op = { kind: "append", path, value };
  return finish(ctx, op, planAppend(ctx, path, value));
}

/**
 * Delete a mapping entry or a list item from YAML text.
 *
 * In block style the entry's own lines go (with its inline comment and any
 * deeper-indented comment lines inside it); comments on their own lines above
 * it stay. In flow style the item and one adjacent comma go. Deleting the last
 * entry leaves `{}` / `[]` so the parent keeps its type. A path that does not
 * exist leaves the text unchanged.
 *
 * @param text the YAML source
 * @param path keys and list indexes leading to the entry
 * @returns the new text (the same text when nothing was there), and
 *   `exact: false` when the document had to be re-rendered
 * @throws {HpmInputError} `yaml-syntax`/`yaml-unsafe` when the text does not
 *   parse; `schema` when the path runs through an alias; `usage` for an empty
 *   path
 * @throws {HpmOperationError} when neither a splice nor a re-render reads
 *   back as intended (tags or anchors in unusual places)
 *
 * @example Usage
 * ```ts
 * import { yamlDelete } from "./yaml_edit.ts";
 * import assert from "node:assert/strict";
 *
 * const out = yamlDelete("options: [a, b, c]   # three\n", ["options", 1]);
 * assert.equal(out.text, "options: [a, c]   # three\n");
 * ```
 */
export function yamlDelete(
  text: string,
  path: readonly (string | number)[],
): { text: string; exact: boolean } {
  checkPath(path, false);
  const ctx = load(text);
  const loc = locate(ctx, path);
  if (loc.depth < path.length) {
    // Through an alias the entry exists (yamlGet sees it) but lives elsewhere.
    if (isAlias(loc.node)) throw shapeError(path, loc.depth, loc.node, "a mapping or list");
    return { text, exact: true };
  }
  return finish(ctx, { kind: "delete", path }, planDelete(ctx, path, loc));
}

/**
 * Read the plain JS value at `path` in YAML text.
 *
 * @param text the YAML source
 * @param path keys and list indexes
 * @returns the value (a fresh copy), or undefined when the path does not exist
 * @throws {HpmInputError} `yaml-syntax`/`yaml-unsafe` when the text does not parse
 *
 * @example Usage
 * ```ts
 * import { yamlGet } from "./yaml_edit.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "groups:\n  llm:\n    options: [a, b]\n";
 * assert.deepEqual(yamlGet(text, ["groups", "llm", "options"]), ["a", "b"]);
 * assert.equal(yamlGet(text, ["groups", "llm", "options", 1]), "b");
 * assert.equal(yamlGet(text, ["groups", "db"]), undefined);
 * ```
 */
export function yamlGet(text: string, path: readonly (string | number)[]): unknown {
  let value = load(text, false).before;
  for (const seg of path) {
    value = childOf(value, seg);
    if (value === undefined) return undefined;
  }
  return value;
}

// ---------------------------------------------------------------------------
// Loading and checking

function load(text: string, sourceTokens = true): Ctx {
  const { doc, value: before } = parseChecked(text, undefined, sourceTokens);
  const nl = text.indexOf("\n");
  const ctx = {
    text,
    doc,
    eol: nl > 0 && text[nl - 1] === "\r" ? "\r\n" : "\n",
    bom: text.startsWith("\uFEFF") ? 1 : 0,
    version: doc.directives?.yaml.version === "1.1" ? "1.1" as const : "1.2" as const,
    before,
    step: 2,
  };
  return sourceTokens ? { ...ctx, step: indentStep(ctx) } : ctx;
}

function checkPath(path: Path, allowEmpty: boolean): void {
  if (!Array.isArray(path)) throw new HpmInputError("usage", "a YAML path must be an array");
  if (!allowEmpty && path.length === 0) {
    throw new HpmInputError("usage", "a YAML path must name at least one key");
  }
  for (const seg of path) {
    const ok = typeof seg === "string" ||
      (typeof seg === "number" && Number.isSafeInteger(seg) && seg >= 0);
    if (!ok) {
      throw new HpmInputError(
        "usage",
        `bad YAML path segment ${
          String(seg)
        }: use strings for keys, whole numbers >= 0 for list items`,
      );
    }
  }
}

function checkValue(value: unknown, types: string[]): void {
  if (!types.includes(typeof value)) {
    throw new HpmInputError(
      "usage",
      `a YAML value must be a ${types.join(", ")}; got ${typeof value}`,
    );
  }
}

function pathText(path: Path): string {
  return path.length ? path.map(String).join(".") : "(document root)";
}

function describe(node: unknown): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return `a ${typeof node.value}`;
  return "an alias";
}

function shapeError(path: Path, depth: number, node: unknown, wanted: string): HpmInputError {
  return new HpmInputError(
    "schema",
    `\`${pathText(path.slice(0, depth))}\` is ${describe(node)}, not ${wanted}`,
    undefined,
    "fix the file by hand, or choose another key",
  );
}

// ---------------------------------------------------------------------------
// Finding nodes

function keyMatches(key: unknown, seg: string | number): boolean {
  return isScalar(key) && key.value !== null && typeof key.value !== "object" &&
    String(key.value) === String(seg);
}

function isNullish(node: unknown): boolean {
  return node == null || (isScalar(node) && node.value === null);
}

function locate(ctx: Ctx, path: Path): Located {
  let node: unknown = ctx.doc.contents;
  let holder: Holder = { kind: "root" };
  for (let depth = 0; depth < path.length; depth++) {
    const seg = path[depth];
    if (isMap(node)) {
      const index = node.items.findIndex((p) => keyMatches(p.key, seg));
      if (index < 0) return { node, holder, depth };
      const pair = node.items[index];
      holder = { kind: "pair", map: node, pair, index };
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      holder = { kind: "item", seq: node, index: seg };
      node = node.items[seg];
    } else {
      return { node, holder, depth };
    }
  }
  return { node, holder, depth: path.length };
}

/** Refuse to create below `loc` unless it is a mapping or null; returns the keys to create. */
function missingKeys(path: Path, loc: Located): string[] {
  const { node, depth } = loc;
  if (isSeq(node)) {
    if (typeof path[depth] === "number") {
      throw new HpmInputError(
        "usage",
        `\`${pathText(path.slice(0, depth))}\` has ${node.items.length} item(s); there is no item ${
          path[depth]
        }`,
      );
    }
    throw shapeError(path, depth, node, "a mapping");
  }
  if (!isMap(node) && !isNullish(node)) throw shapeError(path, depth, node, "a mapping");
  return path.slice(depth).map(String);
}

// ---------------------------------------------------------------------------
// Text positions

function rangeOf(node: unknown): [number, number] | null {
  const r = (node as Node | null)?.range;
  return r ? [r[0], r[1]] : null;
}

function lineStart(ctx: Ctx, off: number): number {
  const nl = off > 0 ? ctx.text.lastIndexOf("\n", off - 1) : -1;
  return nl < 0 ? ctx.bom : nl + 1;
}

function column(ctx: Ctx, off: number): number {
  return off - lineStart(ctx, off);
}

/** The start of the line after the one holding `off` (or `off` itself when it already starts a line). */
function lineEndIncl(ctx: Ctx, off: number): number {
  if (off > ctx.bom && ctx.text[off - 1] === "\n") return off;
  const nl = ctx.text.indexOf("\n", off);
  return nl < 0 ? ctx.text.length : nl + 1;
}

function onlySpaces(ctx: Ctx, from: number, to: number): boolean {
  return /^[ \t]*$/.test(ctx.text.slice(from, to));
}

function restOfLineBlank(ctx: Ctx, off: number): boolean {
  return /^[ \t]*(#.*)?\r?\n?$/.test(ctx.text.slice(off, lineEndIncl(ctx, off)));
}

/**
 * Where a block entry ends: the end of the line holding its last content, plus
 * comment lines right after it indented deeper than the entry, which sit
 * inside it (a commented-out item, a note on a nested key).
 */
function entryEnd(ctx: Ctx, contentEnd: number, col: number): number {
  let pos = lineEndIncl(ctx, contentEnd);
  while (pos < ctx.text.length) {
    const next = lineEndIncl(ctx, pos + 1);
    const indent = /^( *)#/.exec(ctx.text.slice(pos, next));
    if (!indent || indent[1].length <= col) break;
    pos = next;
  }
  return pos;
}

function withoutFinalNewline(ctx: Ctx, end: number): number {
  if (ctx.text[end - 1] !== "\n") return end;
  return ctx.text[end - 2] === "\r" ? end - 2 : end - 1;
}

/** The next character that is not whitespace or inside a comment. */
function nextSignificant(ctx: Ctx, pos: number): number {
  const { text } = ctx;
  while (pos < text.length) {
    const c = text[pos];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") pos++;
    else if (c === "#") pos = lineEndIncl(ctx, pos);
    else break;
  }
  return pos;
}

// Key props (`&a`, `!t`) and `?` come before the key node's own range.
function pairStart(pair: Pair): number {
  let start = rangeOf(pair.key)?.[0] ?? Infinity;
  for (const t of pair.srcToken?.start ?? []) {
    if (t.type === "anchor" || t.type === "tag" || t.type === "explicit-key-ind") {
      start = Math.min(start, t.offset);
    }
  }
  if (start === Infinity) start = colonToken(pair)?.offset ?? 0;
  return start;
}

function pairEnd(pair: Pair): number {
  return Math.max(
    rangeOf(pair.key)?.[1] ?? 0,
    rangeOf(pair.value)?.[1] ?? 0,
    (colonToken(pair)?.offset ?? -1) + 1,
  );
}

/** Just after the colon and any value props on its line (`key: &a !t`): where an inline value goes. */
function afterColon(pair: Pair): number | undefined {
  let at: number | undefined;
  for (const t of pair.srcToken?.sep ?? []) {
    if (t.type === "newline") break;
    if (t.type === "map-value-ind" || t.type === "anchor" || t.type === "tag") {
      at = t.offset + t.source.length;
    }
  }
  return at;
}

function colonToken(pair: Pair): CST.SourceToken | undefined {
  return pair.srcToken?.sep?.find((t) => t.type === "map-value-ind");
}

function blockSeqDashes(seq: YAMLSeq): number[] | null {
  const tok = seq.srcToken;
  if (tok?.type !== "block-seq") return null;
  const dashes: number[] = [];
  for (const item of tok.items) {
    const dash = item.start.find((t) => t.type === "seq-item-ind");
    if (dash) dashes.push(dash.offset);
  }
  return dashes.length === seq.items.length ? dashes : null;
}

/** Where each entry of a block collection starts: its key (with props) or its dash. */
function blockEntryStarts(coll: YAMLMap | YAMLSeq): number[] | null {
  return isMap(coll) ? coll.items.map(pairStart) : blockSeqDashes(coll as YAMLSeq);
}

function blockEntryEnd(coll: YAMLMap | YAMLSeq, index: number, start: number): number {
  const item = coll.items[index];
  return isPair(item) ? pairEnd(item) : Math.max(rangeOf(item)?.[1] ?? 0, start + 1);
}

function flowSpan(item: unknown): [number, number] | null {
  if (isPair(item)) return [pairStart(item), pairEnd(item)];
  return rangeOf(item);
}

function inFlow(holder: Holder): boolean {
  if (holder.kind === "pair") return Boolean(holder.map.flow);
  if (holder.kind === "item") return Boolean(holder.seq.flow);
  return false;
}

function isBlockPair(holder: Holder): holder is Extract<Holder, { kind: "pair" }> {
  return holder.kind === "pair" && !holder.map.flow;
}

/** The indentation step the file already uses for nested mappings; 2 when it has none. */
function indentStep(ctx: Ctx): number {
  const walk = (node: unknown): number => {
    if (isMap(node) && !node.flow) {
      for (const pair of node.items) {
        const value = pair.value;
        if (isMap(value) && !value.flow && value.items.length) {
          const step = column(ctx, pairStart(value.items[0])) - column(ctx, pairStart(pair));
          if (step > 0) return step;
        }
        const found = walk(value);
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        const found = walk(item);
        if (found) return found;
      }
    }
    return 0;
  };
  return walk(ctx.doc.contents) || 2;
}

// ---------------------------------------------------------------------------
// Rendering scalars

// Characters no plain or single-quoted scalar can carry literally (tab aside).
function unprintable(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f) || code === 0x2028 ||
    code === 0x2029 || code === 0xfeff;
}

function hasUnprintable(value: string): boolean {
  for (const ch of value) if (unprintable(ch.codePointAt(0)!)) return true;
  return false;
}

function renderScalar(
  value: ScalarValue,
  style: string | undefined,
  flow: boolean,
): string {
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return ".nan";
    if (value === Infinity) return ".inf";
    if (value === -Infinity) return "-.inf";
    return String(value);
  }
  if (style === "QUOTE_DOUBLE") return doubleQuoted(value);
  if (style === "QUOTE_SINGLE" && singleQuotable(value)) {
    return `'${value.replaceAll("'", "''")}'`;
  }
  return plainSafe(value, flow) ? value : doubleQuoted(value);
}

function renderKey(ctx: Ctx, key: string, flow: boolean): string {
  if (key === "<<" || !plainSafe(key, flow)) return doubleQuoted(key);
  const probe = parseDocument(flow ? `{${key}: x}` : `${key}: x`, { version: ctx.version });
  const map = probe.contents;
  const ok = probe.errors.length === 0 && isMap(map) && map.items.length === 1 &&
    isScalar(map.items[0].key) && map.items[0].key.value === key;
  return ok ? key : doubleQuoted(key);
}

function singleQuotable(value: string): boolean {
  return value.isWellFormed() && !hasUnprintable(value);
}

/**
 * Plain only when `yaml` itself would write the string unquoted and it reads
 * back as the same string in this context, under YAML 1.2 and 1.1 alike: other
 * tools (PyYAML is 1.1) read these files too, and there `no`, `on` or
 * `2024-01-01` are not strings.
 */
function plainSafe(value: string, flow: boolean): boolean {
  if (value === "" || !value.isWellFormed() || hasUnprintable(value) || value.includes("\t")) {
    return false;
  }
  if (flow && /[,[\]{}]/.test(value)) return false;
  return (["1.2", "1.1"] as const).every((version) => {
    let out: string;
    try {
      out = stringify(value, { version, lineWidth: 0 });
    } catch {
      return false;
    }
    if (out !== `${value}\n`) return false;
    const probe = parseDocument(flow ? `[${value}]` : `- ${value}`, { version });
    const seq = probe.contents;
    return probe.errors.length === 0 && isSeq(seq) && seq.items.length === 1 &&
      isScalar(seq.items[0]) && seq.items[0].value === value;
  });
}

function doubleQuoted(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else if (
      code === 0x2028 || code === 0x2029 || code === 0xfeff || (code >= 0xd800 && code <= 0xdfff)
    ) {
      // Lone surrogates cannot be written as UTF-8; U+2028/2029 and a stray BOM
      // are invisible to a reviewer and read as line breaks by some tools.
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}

function blockLines(ctx: Ctx, keys: string[], leaf: Leaf, col: number): string[] {
  return keys.map((key, i) => {
    const head = " ".repeat(col + i * ctx.step) + renderKey(ctx, key, false) + ":";
    return i === keys.length - 1 ? `${head} ${leaf.block}` : head;
  });
}

function flowEntry(ctx: Ctx, keys: string[], leaf: Leaf): string {
  let text = leaf.flow;
  for (let i = keys.length - 1; i >= 0; i--) {
    const entry = `${renderKey(ctx, keys[i], true)}: ${text}`;
    text = i === 0 ? entry : `{${entry}}`;
  }
  return text;
}

// ---------------------------------------------------------------------------
// Planning splices; `null` means "this shape needs the fallback"

function insertLines(ctx: Ctx, pos: number, lines: string[]): Splice {
  const { text, eol } = ctx;
  const body = lines.join(eol);
  pos = Math.max(pos, ctx.bom);
  if (pos >= text.length && text.length > ctx.bom && !text.endsWith("\n")) {
    // Keep the file's missing final newline missing.
    return { start: text.length, end: text.length, insert: eol + body };
  }
  return { start: pos, end: pos, insert: body + eol };
}

function planSet(ctx: Ctx, path: Path, value: ScalarValue): Splice[] | null {
  const loc = locate(ctx, path);
  if (loc.depth < path.length) {
    const keys = missingKeys(path, loc);
    const leaf = {
      block: renderScalar(value, undefined, false),
      flow: renderScalar(value, undefined, true),
    };
    return create(ctx, loc, keys, leaf);
  }
  const { node, holder } = loc;
  if (node == null) {
    return fillEmpty(ctx, null, holder, renderScalar(value, undefined, inFlow(holder)));
  }
  if (isCollection(node) && !node.flow) {
    return replaceBlockCollection(ctx, node, holder, renderScalar(value, undefined, false));
  }
  const range = rangeOf(node);
  if (!range) return null;
  if (isScalar(node) && (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED")) {
    // The header and the indented lines go; the scalar becomes a one-line flow scalar.
    const newline = ctx.text[range[1] - 1] === "\n" ? ctx.eol : "";
    return [{
      start: range[0],
      end: range[1],
      insert: renderScalar(value, undefined, false) + newline,
    }];
  }
  const style = isScalar(node) && range[1] > range[0] ? node.type : undefined;
  const r = renderScalar(value, style, inFlow(holder));
  if (range[1] === range[0]) return fillEmpty(ctx, node, holder, r);
  return [{ start: range[0], end: range[1], insert: r }];
}

function planAppend(ctx: Ctx, path: Path, value: string): Splice[] | null {
  const loc = locate(ctx, path);
  const flowItem = renderScalar(value, undefined, true);
  if (loc.depth < path.length) {
    const keys = missingKeys(path, loc);
    return create(ctx, loc, keys, { block: `[${flowItem}]`, flow: `[${flowItem}]` });
  }
  const { node, holder } = loc;
  if (isSeq(node)) {
    return node.flow ? insertFlow(ctx, node, flowItem) : appendBlock(ctx, node, value);
  }
  if (!isNullish(node)) throw shapeError(path, path.length, node, "a list");
  const range = rangeOf(node);
  if (holder.kind === "root" && (!range || range[0] === range[1])) {
    return [insertLines(ctx, rootEnd(ctx), [`- ${renderScalar(value, undefined, false)}`])];
  }
  return fillEmpty(ctx, node, holder, `[${flowItem}]`);
}

function planDelete(ctx: Ctx, path: Path, loc: Located): Splice[] | null {
  const { holder } = loc;
  if (holder.kind === "root") return null;
  const coll = holder.kind === "pair" ? holder.map : holder.seq;
  if (coll.flow) return deleteFlow(ctx, coll, holder.index);
  const parent = locate(ctx, path.slice(0, -1));
  return deleteBlock(ctx, coll, holder.index, parent.holder);
}

/** Add `keys` (nested, last one holding `leaf`) below a mapping or a null value. */
function create(ctx: Ctx, loc: Located, keys: string[], leaf: Leaf): Splice[] | null {
  const { node, holder } = loc;
  const emptyFlowMap = isMap(node) && node.flow && node.items.length === 0;
  const blockSpot = holder.kind === "root" || isBlockPair(holder);
  if (isMap(node) && !(emptyFlowMap && blockSpot)) {
    return node.flow
      ? insertFlow(ctx, node, flowEntry(ctx, keys, leaf))
      : insertBlockMap(ctx, node, keys, leaf);
  }
  // A null or `{}` in block position turns into block lines: `groups: {}` is a
  // natural way to start a file, and growing it as one flow line would get
  // unreadable after a few groups.
  if (holder.kind === "root") return createAtRoot(ctx, node, blockLines(ctx, keys, leaf, 0));
  if (isBlockPair(holder)) return createUnderPair(ctx, holder.pair, node, keys, leaf);
  return fillEmpty(ctx, node, holder, `{${flowEntry(ctx, keys, leaf)}}`);
}

function insertBlockMap(ctx: Ctx, map: YAMLMap, keys: string[], leaf: Leaf): Splice[] {
  const col = column(ctx, pairStart(map.items[0]));
  const pos = entryEnd(ctx, pairEnd(map.items[map.items.length - 1]), col);
  return [insertLines(ctx, pos, blockLines(ctx, keys, leaf, col))];
}

function createUnderPair(
  ctx: Ctx,
  pair: Pair,
  node: unknown,
  keys: string[],
  leaf: Leaf,
): Splice[] | null {
  const colon = colonToken(pair);
  if (!colon) return null;
  const colonEnd = colon.offset + 1;
  const keyCol = column(ctx, pairStart(pair));
  const range = rangeOf(node);
  const splices: Splice[] = [];
  let tail = colonEnd;
  if (range && range[1] > range[0]) {
    // `~`, `null` or `{}` after the colon goes; a comment after it stays.
    splices.push({ start: colonEnd, end: range[1], insert: "" });
    tail = range[1];
  } else if (range) tail = Math.max(tail, range[1]);
  const pos = entryEnd(ctx, tail, keyCol);
  splices.push(insertLines(ctx, pos, blockLines(ctx, keys, leaf, keyCol + ctx.step)));
  return splices;
}

function rootEnd(ctx: Ctx): number {
  const range = ctx.doc.range;
  return lineEndIncl(ctx, Math.max(range?.[1] ?? ctx.text.length, ctx.bom));
}

function createAtRoot(ctx: Ctx, node: unknown, lines: string[]): Splice[] | null {
  const range = rangeOf(node);
  if (!range || range[0] === range[1]) return [insertLines(ctx, rootEnd(ctx), lines)];
  if (column(ctx, range[0]) !== 0) return null;
  return [{ start: range[0], end: range[1], insert: lines.join(ctx.eol) }];
}

/** Put `text` where an empty, `~` or `null` value is. */
function fillEmpty(ctx: Ctx, node: unknown, holder: Holder, text: string): Splice[] | null {
  const range = rangeOf(node);
  if (!range) {
    // `{key}` in a flow mapping: a key with no value at all.
    const keyEnd = holder.kind === "pair" && holder.map.flow
      ? rangeOf(holder.pair.key)?.[1]
      : undefined;
    return keyEnd === undefined ? null : [{ start: keyEnd, end: keyEnd, insert: `: ${text}` }];
  }
  const [start, end] = range;
  if (end > start) return [{ start, end, insert: text }];
  const colon = holder.kind === "pair" ? colonToken(holder.pair) : undefined;
  if (colon && onlySpaces(ctx, colon.offset + 1, start)) {
    // An empty value sits where its comment starts; write it right after the colon.
    return [{ start: colon.offset + 1, end: colon.offset + 1, insert: ` ${text}` }];
  }
  const before = /[ \t\n]/.test(ctx.text[start - 1] ?? "\n") ? "" : " ";
  const after = ctx.text[start] === "#" ? " " : "";
  return [{ start, end: start, insert: before + text + after }];
}

function replaceBlockCollection(
  ctx: Ctx,
  coll: YAMLMap | YAMLSeq,
  holder: Holder,
  text: string,
): Splice[] | null {
  const starts = blockEntryStarts(coll);
  if (!starts?.length) return null;
  const last = starts.length - 1;
  const end = withoutFinalNewline(
    ctx,
    lineEndIncl(ctx, blockEntryEnd(coll, last, starts[last])),
  );
  if (holder.kind === "pair") {
    const colon = colonToken(holder.pair);
    if (!colon) return null;
    return [{ start: colon.offset + 1, end, insert: ` ${text}` }];
  }
  return [{ start: starts[0], end, insert: text }];
}

function appendBlock(ctx: Ctx, seq: YAMLSeq, value: string): Splice[] | null {
  const dashes = blockSeqDashes(seq);
  if (!dashes?.length) return null;
  const col = column(ctx, dashes[0]);
  const last = dashes.length - 1;
  const pos = entryEnd(ctx, blockEntryEnd(seq, last, dashes[last]), col);
  const line = `${" ".repeat(col)}- ${renderScalar(value, undefined, false)}`;
  return [insertLines(ctx, pos, [line])];
}

function insertFlow(ctx: Ctx, coll: YAMLMap | YAMLSeq, item: string): Splice[] | null {
  const { text } = ctx;
  const range = rangeOf(coll);
  if (!range) return null;
  const open = range[0];
  const close = range[1] - 1;
  if (!"[{".includes(text[open]) || !"]}".includes(text[close])) return null;
  if (coll.items.length === 0) {
    const inner = onlySpaces(ctx, open + 1, close) ? close : open + 1;
    return [{ start: open + 1, end: inner, insert: item }];
  }
  const span = flowSpan(coll.items[coll.items.length - 1]);
  if (!span) return null;
  const after = nextSignificant(ctx, span[1]);
  if (text[after] !== ",") return [{ start: span[1], end: span[1], insert: `, ${item}` }];
  if (text.slice(after, close).includes("\n")) {
    // One item a line with a trailing comma: add a line in the same style.
    const line = `${" ".repeat(column(ctx, span[0]))}${item},`;
    return [insertLines(ctx, lineEndIncl(ctx, after + 1), [line])];
  }
  return [{ start: after + 1, end: after + 1, insert: ` ${item},` }];
}

function deleteBlock(
  ctx: Ctx,
  coll: YAMLMap | YAMLSeq,
  index: number,
  collHolder: Holder,
): Splice[] | null {
  const starts = blockEntryStarts(coll);
  if (!starts) return null;
  const start = starts[index];
  const col = column(ctx, start);
  const end = entryEnd(ctx, blockEntryEnd(coll, index, start), col);
  const from = lineStart(ctx, start);
  const ownLine = onlySpaces(ctx, from, start);
  if (coll.items.length === 1) {
    // The parent keeps its type: an emptied mapping is `{}`, not null.
    const empty = isMap(coll) ? "{}" : "[]";
    const newline = ctx.text[end - 1] === "\n" ? ctx.eol : "";
    if (ownLine && isBlockPair(collHolder)) {
      const at = afterColon(collHolder.pair);
      if (at === undefined) return null;
      return [{ start: at, end: at, insert: ` ${empty}` }, { start: from, end, insert: "" }];
    }
    if (ownLine) return [{ start: from, end, insert: " ".repeat(col) + empty + newline }];
    return [{ start, end: withoutFinalNewline(ctx, end), insert: empty }];
  }
  if (ownLine) return [{ start: from, end, insert: "" }];
  // The first entry shares its line with a parent `- `: pull the next one up.
  if (index + 1 < starts.length) return [{ start, end: starts[index + 1], insert: "" }];
  return null;
}

function deleteFlow(ctx: Ctx, coll: YAMLMap | YAMLSeq, index: number): Splice[] | null {
  const { text } = ctx;
  const spans = (coll.items as unknown[]).map(flowSpan);
  if (spans.some((s) => !s)) return null;
  const all = spans as [number, number][];
  const [start, end] = all[index];
  const after = nextSignificant(ctx, end);
  const comma = text[after] === ",";
  const tail = comma ? after + 1 : end;
  const from = lineStart(ctx, start);
  if (onlySpaces(ctx, from, start) && restOfLineBlank(ctx, tail)) {
    const splices: Splice[] = [{ start: from, end: lineEndIncl(ctx, tail), insert: "" }];
    if (!comma && index > 0) {
      // The previous item now ends the list; its comma would dangle.
      const prev = nextSignificant(ctx, all[index - 1][1]);
      if (text[prev] === ",") splices.push({ start: prev, end: prev + 1, insert: "" });
    }
    return splices;
  }
  if (index > 0 && index === all.length - 1) {
    return [{ start: all[index - 1][1], end, insert: "" }];
  }
  if (comma) {
    let stop = after + 1;
    while (text[stop] === " " || text[stop] === "\t") stop++;
    return [{ start, end: stop, insert: "" }];
  }
  return [{ start, end, insert: "" }];
}

// ---------------------------------------------------------------------------
// Applying, verifying, falling back

function finish(ctx: Ctx, op: Op, splices: Splice[] | null): { text: string; exact: boolean } {
  const expected = expectedValue(ctx.before, op);
  if (splices) {
    const text = applySplices(ctx.text, splices);
    if (readsAs(ctx, text, expected)) return { text, exact: true };
  }
  const text = fallback(ctx, op);
  if (!readsAs(ctx, text, expected)) {
    throw new HpmOperationError(
      `could not ${op.kind} \`${pathText(op.path)}\` in the YAML file`,
      "make this change by hand; anchors, aliases or tags around that key are the usual cause",
    );
  }
  return { text, exact: false };
}

function applySplices(text: string, splices: Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start);
  for (const s of sorted) text = text.slice(0, s.start) + s.insert + text.slice(s.end);
  return text;
}

function readsAs(ctx: Ctx, text: string, expected: unknown): boolean {
  const doc = parseDocument(text, { version: ctx.version });
  if (doc.errors.length) return false;
  try {
    return isDeepStrictEqual(doc.toJS({ maxAliasCount: MAX_ALIASES }), expected);
  } catch {
    return false;
  }
}

/** The whole document re-rendered by `yaml`: comments survive, layout may not. */
function fallback(ctx: Ctx, op: Op): string {
  const doc: Document = parseDocument(ctx.text, { version: ctx.version });
  const path = nativePath(doc, op.path);
  const parents = op.kind === "delete" ? 0 : path.length - 1;
  for (let i = 1; i <= parents; i++) {
    if (doc.getIn(path.slice(0, i)) == null) doc.setIn(path.slice(0, i), doc.createNode({}));
  }
  if (op.kind === "set") {
    const node = doc.getIn(path, true);
    if (isScalar(node)) {
      node.value = op.value;
      // A `!!str` or `!!null` left on the node would change what the new value reads as.
      node.tag = undefined;
    } else doc.setIn(path, op.value);
  } else if (op.kind === "append") {
    const seq = path.length ? doc.getIn(path, true) : doc.contents;
    if (isSeq(seq)) seq.add(doc.createNode(op.value));
    else if (path.length) doc.setIn(path, doc.createNode([op.value], { flow: true }));
    else doc.contents = doc.createNode([op.value]);
  } else {
    doc.deleteIn(path);
  }
  let out = doc.toString({ lineWidth: 0, indent: ctx.step });
  if (ctx.eol === "\r\n") out = out.replace(/\r?\n/g, "\r\n");
  return (ctx.bom && !out.startsWith("\uFEFF") ? "\uFEFF" : "") + out;
}

// The Document API compares keys with ===, so use the key nodes HPM matched by text.
function nativePath(doc: Document, path: Path): unknown[] {
  let node: unknown = doc.contents;
  return path.map((seg) => {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyMatches(p.key, seg));
      node = pair?.value;
      return pair ? pair.key : String(seg);
    }
    if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
      return seg;
    }
    node = undefined;
    return String(seg);
  });
}

function expectedValue(before: unknown, op: Op): unknown {
  const root = structuredClone(before);
  if (op.kind === "delete") {
    const parent = op.path.slice(0, -1).reduce<unknown>((v, seg) => childOf(v, seg), root);
    const last = op.path[op.path.length - 1];
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else if (parent && typeof parent === "object") {
      delete (parent as Record<string, unknown>)[String(last)];
    }
    return root;
  }
  return updateIn(root, op.path, (old) => {
    if (op.kind === "set") return op.value;
    if (Array.isArray(old)) {
      old.push(op.value);
      return old;
    }
    return [op.value];
  });
}

function updateIn(node: unknown, path: Path, update: (old: unknown) => unknown): unknown {
  if (path.length === 0) return update(node);
  const container = node !== null && typeof node === "object" ? node : {};
  const [head, ...rest] = path;
  const next = updateIn(childOf(container, head), rest, update);
  if (Array.isArray(container)) container[head as number] = next;
  else {
    // defineProperty: a key named `__proto__` must stay a key.
    Object.defineProperty(container, String(head), {
      value: next,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return container;
}

function childOf(value: unknown, seg: string | number): unknown {
  if (Array.isArray(value)) return typeof seg === "number" ? value[seg] : undefined;
  if (value !== null && typeof value === "object" && Object.hasOwn(value, String(seg))) {
    return (value as Record<string, unknown>)[String(seg)];
  }
  return undefined;
}
