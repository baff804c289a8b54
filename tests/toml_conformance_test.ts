/**
 * The public TOML conformance suite (toml-test, TOML 1.0 cases; see
 * tests/data/toml-test/SOURCE.md) against the way HPM reads and edits
 * pyproject.toml: decodeUtf8, then readManaged and applyPlan.
 *
 * - Every valid file is read with every value the suite expects, the empty
 *   plan leaves it as it is, and adding HPM's entries keeps every value and
 *   removing them again gives back the exact bytes.
 * - Every invalid file is refused with an HpmInputError at a line and column.
 */

import assert from "node:assert/strict";
import { HpmInputError } from "../lib/core/errors.ts";
import type { Plan } from "../lib/core/plan.ts";
import { applyPlan, emptyPlan } from "../lib/edit/pyproject.ts";
import { type ManagedRecord, readManaged } from "../lib/edit/pyproject_record.ts";
import { parseToml } from "../lib/edit/toml/parse.ts";
import { decodeUtf8 } from "../lib/edit/utf8.ts";

const SUITE = new URL("./data/toml-test/", import.meta.url);
const FILES = Deno.readTextFileSync(new URL("files-toml-1.0.0", SUITE))
  .split("\n")
  .filter((f) => f.endsWith(".toml"));
const VALID = FILES.filter((f) => f.startsWith("valid/"));
const INVALID = FILES.filter((f) => f.startsWith("invalid/"));

/** toml-test's tagged JSON: tables are objects, arrays arrays, leaves `{ type, value }`. */
type Tagged = { [key: string]: Tagged } | Tagged[] | { type: string; value: string };
type Table = Record<string, Tagged>;

const plan: Plan = {
  mode: "dev",
  groups: [{ name: "hpm-conformance", requirements: ["example-plugin"] }],
  sources: [{
    name: "example-plugin",
    table: [["path", "packages/example-plugin"], ["editable", true]],
  }],
  indexes: [{ name: "hpm-conformance", url: "http://127.0.0.1:8765/simple" }],
};

function read(file: string): string {
  return decodeUtf8(Deno.readFileSync(new URL(file, SUITE)), file);
}

/** A parsed value in toml-test's tagged form, so types are compared too. */
function tagged(value: unknown): Tagged {
  if (Array.isArray(value)) return value.map(tagged);
  if (typeof value === "string") return { type: "string", value };
  if (typeof value === "bigint") return { type: "integer", value: String(value) };
  if (typeof value === "boolean") return { type: "bool", value: String(value) };
  if (typeof value === "number") return { type: "float", value: floatText(value) };
  if (value instanceof Date) {
    const date = value as Date & { isDate(): boolean; isTime(): boolean; isLocal(): boolean };
    if (date.isDate()) return { type: "date-local", value: date.toISOString() };
    if (date.isTime()) return { type: "time-local", value: fraction(date.toISOString()) };
    if (date.isLocal()) return { type: "datetime-local", value: fraction(date.toISOString()) };
    // The instant: TomlDate's own toISOString() keeps the offset as written.
    return { type: "datetime", value: new Date(date.getTime()).toISOString() };
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, tagged(v)]),
  );
}

function floatText(value: number): string {
  return Number.isNaN(value) ? "nan" : Object.is(value, -0) ? "-0" : String(value);
}

/** Fractional seconds without trailing zeros: `10:32:00.550` is `10:32:00.55`. */
function fraction(time: string): string {
  return time.replace(/\.(\d*?)0*$/, (_, digits) => digits ? `.${digits}` : "");
}

/** The suite's expected value, in the form {@link tagged} gives. */
function expected(value: Tagged): Tagged {
  if (Array.isArray(value)) return value.map(expected);
  if (typeof value.type === "string" && typeof value.value === "string") {
    const leaf = value as { type: string; value: string };
    switch (leaf.type) {
      case "float":
        return {
          type: "float",
          value: floatText(Number(leaf.value.replace(/^([+-]?)inf$/, "$1Infinity"))),
        };
      case "datetime":
        return { type: "datetime", value: new Date(leaf.value).toISOString() };
      case "datetime-local":
      case "time-local":
        return { type: leaf.type, value: fraction(leaf.value) };
      default:
        return leaf;
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expected(v as Tagged)]));
}

function tableAt(root: Table, ...path: string[]): Table | undefined {
  let value: Tagged | undefined = root;
  for (const key of path) value = (value as Table | undefined)?.[key];
  return value as Table | undefined;
}

/** The document minus what HPM's record says it wrote, and minus tables only HPM's entries made. */
function withoutHpm(doc: Table, record: ManagedRecord, original: Table): Table {
  delete tableAt(doc, "tool")?.hpm;
  for (const g of record.groups) delete tableAt(doc, "dependency-groups")?.[g];
  for (const s of record.sources) delete tableAt(doc, "tool", "uv", "sources")?.[s];
  const uv = tableAt(doc, "tool", "uv");
  if (uv && Array.isArray(uv.index)) {
    uv.index = uv.index.filter((i) =>
      !record.indexes.includes(((i as Table).name as { value?: string })?.value!)
    );
    if (uv.index.length === 0 && !tableAt(original, "tool", "uv")?.index) delete uv.index;
  }
  if (uv && record.created.includes("tool.uv.default-groups")) delete uv["default-groups"];
  for (const path of [["tool", "uv", "sources"], ["tool", "uv"], ["tool"], ["dependency-groups"]]) {
    const parent = path.length > 1 ? tableAt(doc, ...path.slice(0, -1)) : doc;
    const table = tableAt(doc, ...path);
    if (table && Object.keys(table).length === 0 && !tableAt(original, ...path)) {
      delete parent![path.at(-1)!];
    }
  }
  return doc;
}

Deno.test(`toml-test: the ${VALID.length} valid TOML 1.0 files are read and kept`, async (t) => {
  assert.equal(VALID.length, 210);
  for (const file of VALID) {
    await t.step(file, () => {
      const text = read(file);
      const want = expected(
        JSON.parse(Deno.readTextFileSync(new URL(file.replace(/\.toml$/, ".json"), SUITE))),
      ) as Table;
      assert.deepEqual(tagged(parseToml(text, file)), want, "every value is read");
      assert.equal(readManaged(text, file), undefined);
      const untouched = applyPlan(text, emptyPlan("dev"), file);
      assert.ok(!untouched.changed && untouched.text === text, "the empty plan changes nothing");
      const added = applyPlan(text, plan, file).text;
      const record = readManaged(added, file)!;
      assert.deepEqual(record.groups, ["hpm-conformance"]);
      assert.deepEqual(
        withoutHpm(tagged(parseToml(added, file)) as Table, record, want),
        want,
        "adding hpm's entries keeps every value",
      );
      assert.equal(applyPlan(added, emptyPlan("dev"), file).text, text, "removing them restores");
    });
  }
});

Deno.test(`toml-test: the ${INVALID.length} invalid TOML 1.0 files are refused`, async (t) => {
  assert.equal(INVALID.length, 499);
  for (const file of INVALID) {
    await t.step(file, () => {
      assert.throws(
        () => applyPlan(read(file), plan, file),
        (e) => {
          assert.ok(e instanceof HpmInputError, `not an HpmInputError: ${e}`);
          assert.ok(e.code === "toml-syntax" || e.code === "encoding", e.code);
          assert.equal(e.file, file);
          assert.ok(e.line! >= 1 && e.column! >= 1, `no position: ${e.message}`);
          return true;
        },
      );
    });
  }
});
