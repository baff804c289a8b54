import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { CORPUS, corpusFiles } from "../_testing.ts";
import {
  type ArrayValue,
  type KeyValue,
  lineColumn,
  MAX_DEPTH,
  type ScannedToml,
  scanToml,
  type TableHeader,
  TomlDepthError,
  TomlScanError,
} from "./scan.ts";

function keyValues(scan: ScannedToml): KeyValue[] {
  return scan.statements.filter((s): s is KeyValue => s.kind === "keyvalue");
}

function headers(scan: ScannedToml): TableHeader[] {
  return scan.statements.filter((s): s is TableHeader => s.kind === "header");
}

function only(text: string): KeyValue {
  const kvs = keyValues(scanToml(text));
  assert.equal(kvs.length, 1);
  return kvs[0];
}

Deno.test("scanToml() reads table headers", async (t) => {
  const cases: [string, string[], boolean][] = [
    ["[project]\n", ["project"], false],
    ["[tool.uv.sources]\n", ["tool", "uv", "sources"], false],
    ['[tool.poetry.plugins."blogtool.parsers"]\n', [
      "tool",
      "poetry",
      "plugins",
      "blogtool.parsers",
    ], false],
    ["[ tool . uv\t.  'a b' ]  # comment\n", ["tool", "uv", "a b"], false],
    ["[[tool.uv.index]]\n", ["tool", "uv", "index"], true],
    ['[["a\\"b".c]]', ['a"b', "c"], true],
  ];
  for (const [text, path, array] of cases) {
    await t.step(JSON.stringify(text), () => {
      const [header] = headers(scanToml(text));
      assert.deepEqual(header.path, path);
      assert.equal(header.array, array);
      assert.equal(header.lineStart, 0);
      assert.equal(header.lineEnd, text.length);
    });
  }
});

Deno.test("scanToml() gives each statement its whole lines", () => {
  const text = [
    "# top",
    "name = 'core'  # inline comment",
    "",
    "[dependency-groups]",
    "dev = [",
    '  "pytest",  # why',
    "  # a comment line inside",
    "]",
    "a.b . c = 1",
    "",
  ].join("\n");
  const scan = scanToml(text);
  const [name, dev, dotted] = keyValues(scan);
  assert.equal(text.slice(name.lineStart, name.lineEnd), "name = 'core'  # inline comment\n");
  assert.deepEqual(name.table, []);
  assert.equal(name.header, undefined);
  assert.equal(
    text.slice(dev.lineStart, dev.lineEnd),
    text.slice(text.indexOf("dev"), text.indexOf("a.b")),
  );
  assert.deepEqual(dev.table, ["dependency-groups"]);
  assert.equal(dev.header?.path[0], "dependency-groups");
  assert.deepEqual(dotted.key, ["a", "b", "c"]);
  assert.equal(text.slice(dotted.value.start, dotted.value.end), "1");
  assert.equal(scan.regions.length, 2);
  assert.deepEqual(scan.regions[0].entries, [name]);
  assert.deepEqual(scan.regions[1].entries, [dev, dotted]);
});

Deno.test("scanToml() handles CRLF, a byte order mark and tabs", () => {
  const text = '\uFEFF[project]\r\n\tname\t=\t"core"\t# c\r\nversion = "1"';
  const scan = scanToml(text);
  assert.equal(scan.contentStart, 1);
  const [header] = headers(scan);
  assert.equal(header.lineStart, 1);
  assert.equal(text.slice(header.lineStart, header.lineEnd), "[project]\r\n");
  const [name, version] = keyValues(scan);
  assert.equal(text.slice(name.lineStart, name.lineEnd), '\tname\t=\t"core"\t# c\r\n');
  assert.equal(name.keyStart, name.lineStart + 1);
  assert.equal(version.lineEnd, text.length);
});

Deno.test("scanToml() decodes strings", async (t) => {
  const cases: [string, string][] = [
    ['"plain"', "plain"],
    ['"a\\"b\\\\c\\t\\u00e9\\U0001F600\\u001B"', 'a"b\\c\t\u00e9\u{1F600}\x1b'],
    ["'C:\\path\\\"'", 'C:\\path\\"'],
    ['"""\nline one\nline "two" \\"""\n"""', 'line one\nline "two" """\n'],
    ['"""The quick \\\n\n   brown fox."""', "The quick brown fox."],
    ['"""one quote at the end""""', 'one quote at the end"'],
    ['"""two quotes at the end"""""', 'two quotes at the end""'],
    ["'''\nraw \\n '' ok\n'''", "raw \\n '' ok\n"],
    ["''''quoted''''", "'quoted'"],
    ['"""\r\ncrlf\r\n"""', "crlf\r\n"],
  ];
  for (const [literal, decoded] of cases) {
    await t.step(literal, () => {
      const text = `k = ${literal} # after\nnext = 1\n`;
      const kv = keyValues(scanToml(text))[0];
      assert.equal(kv.value.kind, "string");
      assert.equal(kv.value.kind === "string" && kv.value.value, decoded);
      assert.equal(kv.value.kind === "string" && decoded, parse(text).k);
      assert.equal(text.slice(kv.value.start, kv.value.end), literal);
      assert.equal(text.slice(kv.lineEnd), "next = 1\n");
    });
  }
});

Deno.test("scanToml() does not mistake string contents for syntax", () => {
  const text = [
    `a = "[not.a.header] # not a comment = x"`,
    `b = '''`,
    `[still.inside]`,
    `c = 1`,
    `'''`,
    `d = """ ] } " ' # """`,
    "",
  ].join("\n");
  const scan = scanToml(text);
  assert.equal(headers(scan).length, 0);
  assert.deepEqual(keyValues(scan).map((kv) => kv.key[0]), ["a", "b", "d"]);
});

Deno.test("scanToml() finds array elements and their commas", async (t) => {
  await t.step("one line", () => {
    const text = "g = [\"dev\", 'docs' , 3]\n";
    const value = only(text).value as ArrayValue;
    assert.equal(value.kind, "array");
    assert.equal(text.slice(value.start, value.end), "[\"dev\", 'docs' , 3]");
    assert.deepEqual(
      value.elements.map((e) => [text.slice(e.value.start, e.value.end), e.comma]),
      [['"dev"', 10], ["'docs'", 19], ["3", undefined]],
    );
  });
  await t.step("multi-line with comments and a trailing comma", () => {
    const text = 'g = [\n  # first\n  "a", # why\n\n  ["b", { c = 1 }],\n]\nnext = 2\n';
    const kv = only(text.replace("next = 2\n", ""));
    const value = kv.value as ArrayValue;
    assert.equal(value.elements.length, 2);
    assert.notEqual(value.elements[1].comma, undefined);
    const nested = value.elements[1].value as ArrayValue;
    assert.equal(nested.elements[1].value.kind, "inline-table");
  });
  await t.step("empty", () => {
    assert.deepEqual((only("g = []\n").value as ArrayValue).elements, []);
    assert.deepEqual((only("g = [\n  # nothing\n]\n").value as ArrayValue).elements, []);
  });
});

Deno.test("scanToml() reads inline tables", () => {
  const text = 'x = { path = "p", editable = true, "a.b".c = { d = [1, 2] } }\n' +
    "y = {a=1,b=[\n  2, # arrays may span lines\n]\t}\n";
  const [x, y] = keyValues(scanToml(text));
  assert.equal(x.value.kind, "inline-table");
  if (x.value.kind !== "inline-table" || y.value.kind !== "inline-table") return;
  assert.deepEqual(x.value.entries.map((e) => e.key), [["path"], ["editable"], ["a.b", "c"]]);
  assert.equal(text.slice(x.value.entries[2].keyStart, x.value.entries[2].keyStart + 5), '"a.b"');
  assert.deepEqual(y.value.entries.map((e) => e.key), [["a"], ["b"]]);
  assert.equal(text.slice(y.lineEnd), "");
});

Deno.test("scanToml() reads numbers, booleans and dates", () => {
  const text =
    "a = 1_000\nb = true # c\nc = 1979-05-27 07:32:00Z\nd = [1979-05-27 07:32:00, -inf]\n";
  const values = keyValues(scanToml(text)).map((kv) => text.slice(kv.value.start, kv.value.end));
  assert.deepEqual(values, [
    "1_000",
    "true",
    "1979-05-27 07:32:00Z",
    "[1979-05-27 07:32:00, -inf]",
  ]);
});

Deno.test("scanToml() throws TomlScanError with the offset", async (t) => {
  const cases: [string, number][] = [
    ["a = \n", 4],
    ['a = "open\n', 4],
    ["a = 'open\n", 4],
    ['a = """open\n', 4],
    ["a = '''open\n", 4],
    ['a = "\\q"\n', 5],
    ["a = [1, 2\n", 10],
    ["a = {b = 1\n", 10],
    ["[a\n", 2],
    ["= 1\n", 0],
  ];
  for (const [text, offset] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(
        () => scanToml(text),
        (e) => e instanceof TomlScanError && e.offset === offset,
      );
    });
  }
});

Deno.test("scanToml() reads every TOML 1.0 number and date", () => {
  const values = [
    "+99",
    "-0",
    "1_2_3",
    "9223372036854775807",
    "-9223372036854775808",
    "0x7FFF_FFFF_FFFF_FFFF",
    "0o755",
    "0b1101",
    "6.626e-34",
    "-0.0",
    "1E6",
    "1_000.000_1",
    "+inf",
    "-nan",
    "1979-05-27T07:32:00Z",
    "1979-05-27t07:32:00.999999-07:00",
    "2000-02-29 00:00:60",
    "1979-05-27",
    "23:59:59.5",
    "0000-01-01",
  ];
  const text = values.map((v, i) => `v${i} = ${v}\n`).join("");
  assert.deepEqual(
    keyValues(scanToml(text)).map((kv) => text.slice(kv.value.start, kv.value.end)),
    values,
  );
});

Deno.test("scanToml() refuses what TOML 1.0 refuses, at the offset", async (t) => {
  const cases: [string, number, RegExp][] = [
    ["a = 2100-02-29\n", 4, /`2100-02-29` is not a date/],
    ["a = 2023-04-31T00:00:00Z\n", 4, /is not a date/],
    ["a = [2024-13-01]\n", 5, /is not a date/],
    ["a = 24:00:00\n", 4, /is not a time/],
    ["a = 1979-05-27T07:32:00+24:00\n", 4, /not a time zone offset/],
    ["a = 07:32:00Z\n", 4, /invalid value/],
    ["a = 07:32\n", 4, /time without seconds .* TOML 1.1/],
    ["a = 1979-05-27 07:32\n", 4, /time without seconds/],
    ["a = 9223372036854775808\n", 4, /64 bits/],
    ["a = -9223372036854775809\n", 4, /64 bits/],
    ["a = 0x8000000000000000\n", 4, /64 bits/],
    ["a = 01\n", 4, /invalid value/],
    ["a = 1__0\n", 4, /invalid value/],
    ["a = 1.\n", 4, /invalid value/],
    ['a = "\\x41"\n', 5, /`\\x` is TOML 1.1/],
    ['a = """\\e"""\n', 7, /`\\e` is TOML 1.1/],
    ['a = "\\uD800"\n', 5, /not a Unicode character/],
    ["a = {\n  b = 1 }\n", 5, /line break inside an inline table is TOML 1.1/],
    ["a = { b = 1\r\n }\n", 11, /line break inside an inline table/],
    ["a = { b = 1, # c\n}\n", 13, /comment inside an inline table/],
    ["a = { b = 1, }\n", 11, /comma before `}` is TOML 1.1/],
    ["a = { , }\n", 6, /expected a key/],
    ["ké = 1\n", 1, /expected `=`/],
  ];
  for (const [text, offset, message] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(
        () => scanToml(text),
        (e) => e instanceof TomlScanError && e.offset === offset && message.test(e.message),
      );
    });
  }
});

Deno.test("scanToml() refuses nesting past MAX_DEPTH, where it goes past", async (t) => {
  assert.equal(MAX_DEPTH, 80, "uv's limit, which docs/errors.md states");
  const parts = (n: number) => Array(n).fill("a").join(".");
  const nested = (open: string, n: number, inner: string, close: string) =>
    open.repeat(n) + inner + close.repeat(n);
  // [name, 80 levels deep, 81 levels deep, offset of the 81st level]
  const cases: [string, string, string, number][] = [
    ["a header", `[${parts(80)}]`, `[${parts(81)}]`, 1 + 2 * 80],
    ["an array-of-tables header", `[[${parts(80)}]]`, `[[${parts(81)}]]`, 2 + 2 * 80],
    ["a dotted key", `${parts(80)} = 1`, `${parts(81)} = 1`, 2 * 80],
    ["a header and a dotted key", `[a.a]\n${parts(78)} = 1`, `[a.a]\n${parts(79)} = 1`, 6 + 2 * 78],
    ["arrays", `a = ${nested("[", 79, "", "]")}`, `a = ${nested("[", 80, "", "]")}`, 4 + 79],
    [
      "inline tables",
      `a = ${nested("{a = ", 79, "1", "}")}`,
      `a = ${nested("{a = ", 80, "1", "}")}`,
      4 + 5 * 79 + 1,
    ],
    [
      "dotted keys in inline tables in arrays",
      `x = [${nested("{a.a = [", 26, "", "]}")}]`,
      `x = [${nested("{a.a = [", 27, "", "]}")}]`,
      5 + 8 * 26 + 1,
    ],
  ];
  for (const [name, deepest, deeper, offset] of cases) {
    await t.step(name, () => {
      scanToml(deepest);
      assert.throws(() => scanToml(deeper), (e) => {
        assert.ok(e instanceof TomlDepthError);
        assert.equal(e.offset, offset);
        return true;
      });
    });
  }
  await t.step("3,801 and 5,001 levels: refused, without a stack overflow", () => {
    for (const n of [3801, 5001]) {
      for (
        const text of [
          `[${parts(n)}]`,
          `[[${parts(n)}]]`,
          `${parts(n)} = 1`,
          `a = ${nested("[", n, "", "]")}`,
          `a = ${nested("{b = ", n, "1", "}")}`,
        ]
      ) {
        assert.throws(() => scanToml(text), TomlDepthError);
      }
    }
  });
});

Deno.test("lineColumn() counts from 1 and skips a byte order mark", () => {
  assert.deepEqual(lineColumn("a = 1\nb = 2\n", 6), { line: 2, column: 1 });
  assert.deepEqual(lineColumn("a = 1\r\nbb = 2\r\n", 9), { line: 2, column: 3 });
  assert.deepEqual(lineColumn("\uFEFFa = 1", 1), { line: 1, column: 1 });
});

Deno.test("scanToml() agrees with smol-toml on every corpus file", async (t) => {
  const files = corpusFiles();
  assert.ok(files.length >= 30, "the corpus is there");
  for (const name of files) {
    await t.step(name, () => {
      const text = Deno.readTextFileSync(new URL(name, CORPUS));
      const scan = scanToml(text);
      const parsed = parse(text);
      let covered = scan.contentStart;
      for (const statement of scan.statements) {
        // Between statements there are only blank and comment lines.
        for (const line of text.slice(covered, statement.lineStart).split("\n")) {
          assert.match(line, /^[ \t]*(#.*)?\r?$/);
        }
        covered = statement.lineEnd;
        if (statement.kind !== "keyvalue" || statement.header?.array) continue;
        let expected: unknown = parsed;
        for (const key of [...statement.table, ...statement.key]) {
          expected = (expected as Record<string, unknown>)[key];
        }
        if (statement.value.kind === "string") assert.equal(statement.value.value, expected);
        if (statement.value.kind === "array") {
          assert.equal(statement.value.elements.length, (expected as unknown[]).length);
        }
      }
    });
  }
});
