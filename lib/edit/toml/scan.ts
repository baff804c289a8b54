/**
 * A TOML statement scanner that keeps offsets: where each table header and
 * key/value statement is, where its value is, and where the elements of an
 * array value are. `splice.ts` edits TOML through these offsets, so that
 * pyproject.toml's editor touches only the bytes it owns.
 *
 * It reads TOML 1.0, the version every tool that reads pyproject.toml after
 * HPM accepts (uv, pip, Python's tomllib), and refuses what TOML 1.1 added:
 * newlines, comments and a trailing comma in inline tables, `\x` and `\e`
 * escapes, times without seconds. It checks the syntax of every value,
 * including that dates exist and integers fit in 64 bits, and that nothing
 * nests deeper than {@link MAX_DEPTH}. It does not check what only a parser
 * can (a key defined twice, a table redefined): validate with smol-toml too.
 * It fails with {@link TomlScanError}.
 *
 * @module
 */

/** A range of the text, `start` inclusive, `end` exclusive. */
export interface Span {
  /** Offset of the first character. */
  readonly start: number;
  /** Offset after the last character. */
  readonly end: number;
}

/** A string value, with its decoded contents. */
export interface StringValue extends Span {
  /** Discriminant. */
  readonly kind: "string";
  /** The decoded string. */
  readonly value: string;
}

/** One element of an array value. */
export interface ArrayElement {
  /** The element. */
  readonly value: ScannedValue;
  /** Offset of the comma after the element, if there is one. */
  readonly comma?: number;
}

/** An array value. `end` is after its `]`. */
export interface ArrayValue extends Span {
  /** Discriminant. */
  readonly kind: "array";
  /** The elements, in order. */
  readonly elements: readonly ArrayElement[];
}

/** One `key = value` inside an inline table. */
export interface InlineEntry {
  /** The (dotted) key, decoded. */
  readonly key: readonly string[];
  /** Offset of the key's first character. */
  readonly keyStart: number;
  /** The value. */
  readonly value: ScannedValue;
}

/** An inline table value. `end` is after its `}`. */
export interface InlineTableValue extends Span {
  /** Discriminant. */
  readonly kind: "inline-table";
  /** The entries, in order. */
  readonly entries: readonly InlineEntry[];
}

/** A number, boolean or date: not decoded. */
export interface OtherValue extends Span {
  /** Discriminant. */
  readonly kind: "other";
}

/** Any value. */
export type ScannedValue = StringValue | ArrayValue | InlineTableValue | OtherValue;

/** A `[table]` or `[[array.of.tables]]` header line. */
export interface TableHeader {
  /** Discriminant. */
  readonly kind: "header";
  /** True for `[[…]]`. */
  readonly array: boolean;
  /** The decoded key path. */
  readonly path: readonly string[];
  /** Offset of the opening `[`. */
  readonly keyStart: number;
  /** Offset of the start of the line. */
  readonly lineStart: number;
  /** Offset after the line's newline (or the end of the text). */
  readonly lineEnd: number;
}

/** A `key = value` statement, possibly spanning several lines. */
export interface KeyValue {
  /** Discriminant. */
  readonly kind: "keyvalue";
  /** The header this statement is under (undefined at the top of the file). */
  readonly header?: TableHeader;
  /** The path of that header (`[]` at the top). */
  readonly table: readonly string[];
  /** The (dotted) key, decoded. */
  readonly key: readonly string[];
  /** Offset of the key's first character. */
  readonly keyStart: number;
  /** The value. */
  readonly value: ScannedValue;
  /** Offset of the start of the statement's first line. */
  readonly lineStart: number;
  /** Offset after the newline ending the statement's last line (or the end of the text). */
  readonly lineEnd: number;
}

/** A header or a key/value statement. */
export type Statement = TableHeader | KeyValue;

/** The statements under one header (or at the top of the file, before any header). */
export interface TableRegion {
  /** The header, or undefined for the top of the file. */
  readonly header?: TableHeader;
  /** Its key/value statements, in order. */
  readonly entries: readonly KeyValue[];
}

/** What {@link scanToml} finds. */
export interface ScannedToml {
  /** Every statement, in order. */
  readonly statements: readonly Statement[];
  /** The statements grouped by header; the first region is the top of the file. */
  readonly regions: readonly TableRegion[];
  /** Offset where the content starts: 1 after a byte order mark, else 0. */
  readonly contentStart: number;
}

/** The text is not TOML 1.0 (or nests deeper than {@link MAX_DEPTH}). */
export class TomlScanError extends SyntaxError {
  /** Offset of the problem. */
  readonly offset: number;

  /**
   * @param message what is wrong
   * @param offset where
   */
  constructor(message: string, offset: number) {
    super(message);
    this.name = "TomlScanError";
    this.offset = offset;
  }
}

/**
 * How deep a document may nest: every part of a header's or a statement's key,
 * every part of a key inside an inline table and every array counts one level
 * from the top of the document. uv stops at 80 parts in one key and at 80
 * nested arrays or inline tables, so a document within this limit is one uv
 * reads; real pyproject.toml files nest fewer than 10 levels. The limit also
 * keeps every walk over the values (the scanner's own, the comparisons, JSON)
 * far from the stack's end.
 */
export const MAX_DEPTH = 80;

/** The document nests deeper than {@link MAX_DEPTH}. */
export class TomlDepthError extends TomlScanError {
  /**
   * @param offset the key part or `[` that goes past the limit
   */
  constructor(offset: number) {
    super(`it nests more than ${MAX_DEPTH} levels of tables, keys and arrays`, offset);
    this.name = "TomlDepthError";
  }
}

const ESCAPES: Record<string, string> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  '"': '"',
  "\\": "\\",
};
const HEX_DIGITS: Record<string, number> = { u: 4, U: 8 };
const TOML_1_1_ESCAPES: Record<string, string> = { x: "`\\u00XX`", e: "`\\u001B`" };
const BARE_KEY = /[A-Za-z0-9_-]/;
// Characters that end a number, boolean or date (a date may contain a space).
const VALUE_END = new Set([",", "]", "}", "#", "\n", "\r"]);

class Scanner {
  i = 0;

  constructor(readonly s: string) {}

  fail(message: string, at = this.i): never {
    throw new TomlScanError(message, at);
  }

  skipWs(): void {
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++;
  }

  skipComment(): void {
    while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
    if (this.s[this.i - 1] === "\r") this.i--;
  }

  atNewline(): boolean {
    return this.s[this.i] === "\n" || (this.s[this.i] === "\r" && this.s[this.i + 1] === "\n");
  }

  skipNewline(): void {
    this.i += this.s[this.i] === "\r" ? 2 : 1;
  }

  // Inside arrays, newlines and comments are whitespace.
  skipBlank(): void {
    for (;;) {
      this.skipWs();
      if (this.s[this.i] === "#") this.skipComment();
      else if (this.atNewline()) this.skipNewline();
      else return;
    }
  }

  endOfLine(): number {
    this.skipWs();
    if (this.s[this.i] === "#") this.skipComment();
    if (this.i >= this.s.length) return this.i;
    if (!this.atNewline()) this.fail("expected the end of the line");
    this.skipNewline();
    return this.i;
  }

  expect(char: string): void {
    if (this.s[this.i] !== char) this.fail(`expected \`${char}\``);
    this.i++;
  }

  /** A dotted key whose first part is `depth` + 1 levels deep. */
  key(depth: number): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipWs();
      if (depth + parts.length >= MAX_DEPTH) throw new TomlDepthError(this.i);
      parts.push(this.simpleKey());
      this.skipWs();
      if (this.s[this.i] !== ".") return parts;
      this.i++;
    }
  }

  simpleKey(): string {
    const c = this.s[this.i];
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    const start = this.i;
    while (BARE_KEY.test(this.s[this.i] ?? "")) this.i++;
    if (this.i === start) this.fail("expected a key");
    return this.s.slice(start, this.i);
  }

  escape(): string {
    const start = this.i;
    const c = this.s[this.i + 1];
    if (c in ESCAPES) {
      this.i += 2;
      return ESCAPES[c];
    }
    if (c in TOML_1_1_ESCAPES) {
      this.fail(`the escape \`\\${c}\` is TOML 1.1, not 1.0: write ${TOML_1_1_ESCAPES[c]}`);
    }
    const digits = HEX_DIGITS[c];
    if (digits === undefined) this.fail("invalid escape");
    const hex = this.s.slice(this.i + 2, this.i + 2 + digits);
    if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== digits) this.fail("invalid escape", start);
    const code = parseInt(hex, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      this.fail(`\\${c}${hex} is not a Unicode character`, start);
    }
    this.i += 2 + digits;
    return String.fromCodePoint(code);
  }

  basicString(): string {
    const start = this.i++;
    let out = "";
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === "\n") this.fail("unterminated string", start);
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === "\\") out += this.escape();
      else {
        out += c;
        this.i++;
      }
    }
  }

  literalString(): string {
    const start = ++this.i;
    const end = this.s.indexOf("'", start);
    const newline = this.s.indexOf("\n", start);
    if (end < 0 || (newline >= 0 && newline < end)) this.fail("unterminated string", start - 1);
    this.i = end + 1;
    return this.s.slice(start, end);
  }

  // A newline right after the opening delimiter is not part of the string.
  skipFirstNewline(): void {
    if (this.atNewline()) this.skipNewline();
  }

  // Up to two quotes may sit right before the closing delimiter: `""""` ends with one quote inside.
  closingRun(quote: string): number {
    let n = 0;
    while (this.s[this.i + n] === quote) n++;
    return n;
  }

  multilineBasicString(): string {
    const open = this.i;
    this.i += 3;
    this.skipFirstNewline();
    let out = "";
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail("unterminated string", open);
      if (c === '"') {
        const run = this.closingRun('"');
        if (run >= 3) {
          out += '"'.repeat(Math.min(run - 3, 2));
          this.i += Math.min(run, 5);
          return out;
        }
        out += '"'.repeat(run);
        this.i += run;
      } else if (c === "\\") {
        let j = this.i + 1;
        while (this.s[j] === " " || this.s[j] === "\t") j++;
        if (this.s[j] === "\n" || (this.s[j] === "\r" && this.s[j + 1] === "\n")) {
          // A line-ending backslash trims the newline and all whitespace after it.
          this.i = j;
          while (/[ \t\r\n]/.test(this.s[this.i] ?? "")) this.i++;
        } else out += this.escape();
      } else {
        out += c;
        this.i++;
      }
    }
  }

  multilineLiteralString(): string {
    const open = this.i;
    this.i += 3;
    this.skipFirstNewline();
    const start = this.i;
    const end = this.s.indexOf("'''", this.i);
    if (end < 0) this.fail("unterminated string", open);
    this.i = end;
    const close = end + Math.min(this.closingRun("'"), 5) - 3;
    this.i = close + 3;
    return this.s.slice(start, close);
  }

  /** A value held `depth` levels deep. */
  value(depth: number): ScannedValue {
    const start = this.i;
    const c = this.s[this.i];
    if (c === '"') {
      const value = this.s.startsWith('"""', this.i)
        ? this.multilineBasicString()
        : this.basicString();
      return { kind: "string", start, end: this.i, value };
    }
    if (c === "'") {
      const value = this.s.startsWith("'''", this.i)
        ? this.multilineLiteralString()
        : this.literalString();
      return { kind: "string", start, end: this.i, value };
    }
    if (c === "[") return this.array(depth);
    if (c === "{") return this.inlineTable(depth);
    while (this.i < this.s.length && !VALUE_END.has(this.s[this.i])) this.i++;
    let end = this.i;
    while (end > start && (this.s[end - 1] === " " || this.s[end - 1] === "\t")) end--;
    if (end === start) this.fail("expected a value", start);
    const problem = otherValueProblem(this.s.slice(start, end));
    if (problem) this.fail(problem, start);
    this.i = end;
    return { kind: "other", start, end };
  }

  array(depth: number): ArrayValue {
    if (depth >= MAX_DEPTH) throw new TomlDepthError(this.i);
    const start = this.i++;
    const elements: ArrayElement[] = [];
    for (;;) {
      this.skipBlank();
      if (this.s[this.i] === "]") break;
      const value = this.value(depth + 1);
      this.skipBlank();
      if (this.s[this.i] === ",") {
        elements.push({ value, comma: this.i++ });
        continue;
      }
      elements.push({ value });
      if (this.s[this.i] !== "]") this.fail("expected `,` or `]`");
      break;
    }
    this.i++;
    return { kind: "array", start, end: this.i, elements };
  }

  // TOML 1.0 keeps an inline table on one line, without comments or a trailing comma.
  inlineTable(depth: number): InlineTableValue {
    const start = this.i++;
    const entries: InlineEntry[] = [];
    this.skipInlineWs();
    if (this.s[this.i] !== "}") {
      for (;;) {
        const keyStart = this.i;
        const key = this.key(depth);
        this.expect("=");
        this.skipWs();
        entries.push({ key, keyStart, value: this.value(depth + key.length) });
        this.skipInlineWs();
        if (this.s[this.i] !== ",") break;
        const comma = this.i++;
        this.skipInlineWs();
        if (this.s[this.i] === "}") {
          this.fail("a comma before `}` is TOML 1.1, not 1.0: remove it", comma);
        }
      }
    }
    if (this.s[this.i] !== "}") this.fail("expected `,` or `}`");
    this.i++;
    return { kind: "inline-table", start, end: this.i, entries };
  }

  skipInlineWs(): void {
    this.skipWs();
    if (this.atNewline() || this.s[this.i] === "#") {
      this.fail(
        `${this.s[this.i] === "#" ? "a comment" : "a line break"} inside an inline table is ` +
          "TOML 1.1, not 1.0: write the table on one line, or as a [table]",
      );
    }
  }

  header(lineStart: number): TableHeader {
    const keyStart = this.i;
    const array = this.s[this.i + 1] === "[";
    this.i += array ? 2 : 1;
    const path = this.key(0);
    this.expect("]");
    if (array) this.expect("]");
    return { kind: "header", array, path, keyStart, lineStart, lineEnd: this.endOfLine() };
  }

  keyValue(lineStart: number, header: TableHeader | undefined): KeyValue {
    const keyStart = this.i;
    const depth = header?.path.length ?? 0;
    const key = this.key(depth);
    this.expect("=");
    this.skipWs();
    const value = this.value(depth + key.length);
    return {
      kind: "keyvalue",
      header,
      table: header?.path ?? [],
      key,
      keyStart,
      value,
      lineStart,
      lineEnd: this.endOfLine(),
    };
  }
}

const INTEGER =
  /^(?:[+-]?(?:0|[1-9](?:_?[0-9])*)|0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*)$/;
const FLOAT =
  /^[+-]?(?:(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?|[eE][+-]?[0-9](?:_?[0-9])*)|inf|nan)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?/;
const OFFSET = /^(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const INT64_MAX = 2n ** 63n - 1n;

/** What is wrong with a number, boolean or date in TOML 1.0, or undefined when nothing is. */
function otherValueProblem(token: string): string | undefined {
  if (token === "true" || token === "false" || FLOAT.test(token)) return undefined;
  if (INTEGER.test(token)) {
    const value = BigInt(token.replace(/_/g, "").replace(/^\+/, ""));
    if (value >= -INT64_MAX - 1n && value <= INT64_MAX) return undefined;
    return `\`${token}\` does not fit in 64 bits, as TOML integers must`;
  }
  const invalid = `invalid value \`${token}\``;
  let rest = token;
  const date = DATE.exec(rest);
  if (date) {
    const [year, month, day] = date.slice(1).map(Number);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    if (days === undefined || day < 1 || day > days) return `\`${date[0]}\` is not a date`;
    rest = rest.slice(date[0].length);
    if (rest === "") return undefined;
    if (!/^[Tt ]/.test(rest)) return invalid;
    rest = rest.slice(1);
  }
  const time = TIME.exec(rest);
  if (!time) return invalid;
  if (time[3] === undefined) {
    return `a time without seconds (\`${time[0]}\`) is TOML 1.1, not 1.0: write \`${time[0]}:00\``;
  }
  if (Number(time[1]) > 23 || Number(time[2]) > 59 || Number(time[3]) > 60) {
    return `\`${time[0]}\` is not a time`;
  }
  rest = rest.slice(time[0].length);
  if (rest === "") return undefined;
  const offset = date ? OFFSET.exec(rest) : null;
  if (!offset) return invalid;
  if (Number(offset[1] ?? 0) > 23 || Number(offset[2] ?? 0) > 59) {
    return `\`${rest}\` is not a time zone offset`;
  }
  return undefined;
}

/**
 * Find every statement of a TOML document, with offsets.
 *
 * @param text the document (a leading byte order mark is skipped)
 * @returns the statements and their grouping by table
 * @throws {TomlScanError} when the text is not TOML the scanner can read
 */
export function scanToml(text: string): ScannedToml {
  const scanner = new Scanner(text);
  const contentStart = text.startsWith("\uFEFF") ? 1 : 0;
  scanner.i = contentStart;
  const statements: Statement[] = [];
  const regions: { header?: TableHeader; entries: KeyValue[] }[] = [{ entries: [] }];
  let header: TableHeader | undefined;
  while (scanner.i < text.length) {
    const lineStart = scanner.i;
    scanner.skipWs();
    const c = text[scanner.i];
    if (c === "#" || scanner.atNewline() || scanner.i >= text.length) {
      scanner.endOfLine();
    } else if (c === "[") {
      header = scanner.header(lineStart);
      statements.push(header);
      regions.push({ header, entries: [] });
    } else {
      const kv = scanner.keyValue(lineStart, header);
      statements.push(kv);
      regions[regions.length - 1].entries.push(kv);
    }
  }
  return { statements, regions, contentStart };
}

/**
 * The 1-based line and column of an offset (a byte order mark is not a column).
 *
 * @param text the document
 * @param offset an offset in it
 * @returns line and column
 */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = text.startsWith("\uFEFF") ? 1 : 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
