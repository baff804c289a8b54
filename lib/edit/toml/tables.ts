/**
 * TOML 1.0's rules on defining tables, applied to the scanner's statements,
 * and the document they build. smol-toml refuses one thing these rules allow:
 * a dotted key that adds to a table only a header implied (`[a.b.c]`, then
 * `[a]` with `b.d = 1`), which Python's tomllib and uv read. `reread()` in
 * `parse.ts` reads a document smol-toml refused with this module: the rules
 * decide, and smol-toml still reads the values, one table block at a time.
 *
 * The rules are tomllib's: a `[table]` is defined once; a dotted key may not
 * add to a table a header defined, and the tables it defines may not be
 * defined again later; inline tables and arrays are closed; `[[array]]` opens
 * a fresh element each time.
 *
 * @module
 */

import { type KeyValue, type ScannedToml, type TableHeader, TomlScanError } from "./scan.ts";

/** A table of the document being built. */
type Table = Record<string, unknown>;

/** What is known of a path: tomllib's flags, which outlive the values' own tables. */
interface Flags {
  /** Defined by a `[table]` or `[[array]]` header, or by dotted keys of an earlier block. */
  defined: boolean;
  /** An inline table or array value, or inside one: nothing may add to it. */
  closed: boolean;
  readonly nested: Map<string, Flags>;
}

const newFlags = (): Flags => ({ defined: false, closed: false, nested: new Map() });

class Tables {
  readonly root: Table = Object.create(null);
  readonly #flags = newFlags();
  /** Tables a dotted key of the current block defined: final once the next header starts. */
  #pending: (readonly string[])[] = [];

  #node(path: readonly string[]): Flags {
    let node = this.#flags;
    for (const key of path) {
      let next = node.nested.get(key);
      if (!next) node.nested.set(key, next = newFlags());
      node = next;
    }
    return node;
  }

  isDefined(path: readonly string[]): boolean {
    let node: Flags | undefined = this.#flags;
    for (const key of path) node = node?.nested.get(key);
    return node?.defined ?? false;
  }

  isClosed(path: readonly string[]): boolean {
    let node: Flags | undefined = this.#flags;
    for (const key of path) {
      node = node.nested.get(key);
      if (!node) return false;
      if (node.closed) return true;
    }
    return false;
  }

  define(path: readonly string[]): void {
    this.#node(path).defined = true;
  }

  close(path: readonly string[]): void {
    this.#node(path).closed = true;
  }

  /** A new `[[array]]` element: what the previous one defined no longer counts. */
  forget(path: readonly string[]): void {
    this.#node(path.slice(0, -1)).nested.delete(path.at(-1)!);
  }

  definePending(path: readonly string[]): void {
    this.#pending.push(path);
  }

  finishBlock(): void {
    for (const path of this.#pending) this.define(path);
    this.#pending = [];
  }

  /** The table at `path`, made where missing; in an array of tables, its last element. */
  table(path: readonly string[]): Table | undefined {
    let table = this.root;
    for (const key of path) {
      let value = table[key];
      if (value === undefined) value = table[key] = Object.create(null);
      if (Array.isArray(value)) value = value.at(-1);
      if (!isTable(value)) return undefined;
      table = value;
    }
    return table;
  }
}

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

function dotted(path: readonly string[]): string {
  return path.map((k) => /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)).join(".");
}

function header(tables: Tables, h: TableHeader): void {
  const fail = (message: string): never => {
    throw new TomlScanError(message, h.keyStart);
  };
  tables.finishBlock();
  if (tables.isClosed(h.path)) fail(closed(h.path));
  if (!h.array) {
    if (tables.isDefined(h.path)) fail(`the table [${dotted(h.path)}] is already defined`);
    tables.define(h.path);
    if (!tables.table(h.path)) fail(`\`${dotted(h.path)}\` is already a value`);
    return;
  }
  tables.forget(h.path);
  tables.define(h.path);
  const parentPath = h.path.slice(0, -1);
  const parent = tables.table(parentPath) ?? fail(`\`${dotted(parentPath)}\` is already a value`);
  const key = h.path.at(-1)!;
  const list = parent[key] ??= [];
  if (!Array.isArray(list)) {
    fail(`\`${dotted(h.path)}\` is already defined, and not as an array of tables`);
  }
  (list as Table[]).push(Object.create(null));
}

function closed(path: readonly string[]): string {
  return `\`${dotted(path)}\` is in an inline table or array, which is closed`;
}

function keyValue(tables: Tables, kv: KeyValue, value: unknown): void {
  const fail = (message: string): never => {
    throw new TomlScanError(message, kv.keyStart);
  };
  const path = [...kv.table, ...kv.key];
  for (let i = kv.table.length + 1; i < path.length; i++) {
    const table = path.slice(0, i);
    if (tables.isDefined(table)) {
      fail(`the table [${dotted(table)}] is already defined: a dotted key cannot add to it`);
    }
    tables.definePending(table);
  }
  const parentPath = path.slice(0, -1);
  if (tables.isClosed(parentPath)) fail(closed(parentPath));
  const parent = tables.table(parentPath) ?? fail(`\`${dotted(parentPath)}\` is already a value`);
  const key = path.at(-1)!;
  if (key in parent) fail(`\`${dotted(path)}\` is already defined`);
  if (kv.value.kind === "array" || kv.value.kind === "inline-table") tables.close(path);
  parent[key] = value;
}

/**
 * The document the statements define, or the first statement that breaks the
 * rules on tables.
 *
 * @param scan the scanned document
 * @param blockValues the values of one block's statements (the statements
 *   from `start` to `end` of the text, read as a document of their own)
 * @returns the document's top-level table
 * @throws {TomlScanError} at the key of the first statement that breaks a rule
 */
export function buildTables(
  scan: ScannedToml,
  blockValues: (start: number, end: number) => Table,
): Table {
  const tables = new Tables();
  for (const region of scan.regions) {
    if (region.header) header(tables, region.header);
    if (region.entries.length === 0) continue;
    const values = blockValues(region.entries[0].lineStart, region.entries.at(-1)!.lineEnd);
    for (const kv of region.entries) {
      let value: unknown = values;
      for (const key of kv.key) value = (value as Table)[key];
      keyValue(tables, kv, value);
    }
  }
  return tables.root;
}
