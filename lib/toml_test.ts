import assert from "node:assert/strict";
import { HpmInputError } from "./errors.ts";
import { parseToml } from "./toml.ts";

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
