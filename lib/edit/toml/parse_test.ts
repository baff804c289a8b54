import assert from "node:assert/strict";
import { HpmInputError } from "../../core/errors.ts";
import { parseToml } from "./parse.ts";

/** Lines joined with (and ended by) a newline. */
function lines(...text: string[]): string {
  return text.map((line) => line + "\n").join("");
}

/** Parsed TOML as plain JSON data (parseToml makes null-prototype objects and bigints). */
function json(text: string): unknown {
  return JSON.parse(JSON.stringify(
    parseToml(text, "p.toml"),
    (_k, v) => typeof v === "bigint" ? Number(v) : v,
  ));
}

function refusal(code: string, line: number, column: number, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof HpmInputError, `expected HpmInputError, got ${e}`);
    assert.equal(e.code, code);
    assert.deepEqual([e.file, e.line, e.column], ["p.toml", line, column]);
    assert.match(e.message, message);
    assert.ok(e.hint);
    return true;
  };
}

Deno.test("parseToml() reads a dotted key that adds to a table only a header implied", async (t) => {
  // Each is read the same by Python's tomllib (and uv); smol-toml alone refuses them.
  const cases: [string, string, unknown][] = [
    ["the shortest form", lines("[a.b.c]", "[a]", "b.d = 1"), { a: { b: { c: {}, d: 1 } } }],
    [
      "uv's workspace, then [tool] with a dotted key",
      lines("[tool.uv.workspace]", 'members = ["p/*"]', "", "[tool]", "uv.package = false"),
      { tool: { uv: { workspace: { members: ["p/*"] }, package: false } } },
    ],
    [
      "the TOML spec's example, blocks reordered",
      lines(
        "[fruit.apple.texture]",
        "smooth = true",
        "",
        "[fruit]",
        'apple.color = "red"',
        "apple.taste.sweet = true",
      ),
      { fruit: { apple: { texture: { smooth: true }, color: "red", taste: { sweet: true } } } },
    ],
    [
      "inside an array of tables, with values of every kind",
      lines(
        "x = 1",
        "[[t]]",
        "[t.x.a.b]",
        "[t.x]",
        "a.c = [1, { d = 'e' }]",
        "a.f = 1979-05-27",
        "[[t]]",
        "[t.x.a.b]",
        "[t.x]",
        "a.c = 2",
      ),
      {
        x: 1,
        t: [
          { x: { a: { b: {}, c: [1, { d: "e" }], f: "1979-05-27" } } },
          { x: { a: { b: {}, c: 2 } } },
        ],
      },
    ],
    ["a byte order mark", "\uFEFF[a.b.c]\n[a]\nb.d = 1", { a: { b: { c: {}, d: 1 } } }],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(name, () => {
      // A date is compared as the text it prints as.
      assert.deepEqual(json(text), expected);
    });
  }
});

Deno.test("parseToml() still refuses what the rules on tables refuse, at the statement", async (t) => {
  const cases: [string, string, number, number, RegExp][] = [
    [
      "a dotted key adding to a table a header defined (toml-test append-with-dotted-keys-01)",
      lines("[a.b.c]", "z = 9", "[a]", "b.c.t = 1"),
      4,
      1,
      /the table \[a\.b\.c\] is already defined: a dotted key cannot add to it/,
    ],
    [
      "a header for a table a dotted key defined",
      lines("[a.b.c]", "[a]", "b.d = 1", "[a.b]"),
      4,
      1,
      /the table \[a\.b\] is already defined/,
    ],
    [
      "a table defined twice, after a block smol-toml alone refuses",
      lines("[a.b.c]", "[a]", "b.d = 1", "[x]", "[x]"),
      5,
      1,
      /the table \[x\] is already defined/,
    ],
    [
      "a key defined twice in a later block",
      lines("[a.b.c]", "[a]", "b.d = 1", "[x]", "k = 1", "k = 2"),
      6,
      1,
      /redefine/,
    ],
    [
      "a value broken later (the line is the file's, not the block's)",
      lines("[a.b.c]", "[a]", "b.d = 1", "[x]", "k = {a = 1, a = 2}"),
      5,
      13,
      /redefine/,
    ],
    [
      "a value broken in the first block, after a byte order mark",
      "\uFEFFk = {a = 1, a = 2}\n[a.b.c]\n[a]\nb.d = 1\n",
      1,
      13,
      /redefine/,
    ],
    [
      "adding to an inline table",
      lines("[a.b.c]", "[a]", "b.d = 1", "[x]", "k = { a = 1 }", "[x.k.b]"),
      6,
      1,
      /`x\.k\.b` is in an inline table or array, which is closed/,
    ],
    [
      "an array of tables over a table",
      lines("[a.b.c]", "[a]", "b.d = 1", "[[a.b]]"),
      4,
      1,
      /`a\.b` is already defined, and not as an array of tables/,
    ],
  ];
  for (const [name, text, line, column, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => parseToml(text, "p.toml"), refusal("toml-syntax", line, column, message));
    });
  }
});

Deno.test("parseToml() refuses nesting deeper than uv reads, at the level past the limit", async (t) => {
  const parts = (n: number) => Array(n).fill("a").join(".");
  const cases: [string, string, number, number][] = [
    ["a header of 3,801 parts", `[project]\nname = "x"\n[${parts(3801)}]\n`, 3, 162],
    ["a header of 5,001 parts", `[${parts(5001)}]\n`, 1, 162],
    ["an array-of-tables header", `[[${parts(5001)}]]\n`, 1, 163],
    ["a dotted key", `[tool]\n${parts(5001)} = 1\n`, 2, 159],
    // smol-toml stops at 1,000 levels by itself; the error is still this one.
    ["arrays", `[tool]\na = ${"[".repeat(5001)}${"]".repeat(5001)}\n`, 2, 83],
    ["inline tables", `[tool]\na = ${"{b = ".repeat(5001)}1${"}".repeat(5001)}\n`, 2, 396],
  ];
  for (const [name, text, line, column] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => parseToml(text, "p.toml"),
        refusal("too-deep", line, column, /more than 80 levels/),
      );
    });
  }
  await t.step("the hint says the limit, and where", () => {
    assert.throws(() => parseToml(`[${parts(81)}]`, "p.toml"), (e) => {
      assert.ok(e instanceof HpmInputError);
      assert.match(e.hint!, /at most 80 levels.*line 1, column 162/);
      return true;
    });
  });
});
