import assert from "node:assert/strict";
import { HpmInputError } from "../core/errors.ts";
import { decodeUtf8 } from "./utf8.ts";

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  new Uint8Array(
    parts.flatMap((p) => typeof p === "string" ? [...new TextEncoder().encode(p)] : p),
  );

function refusal(input: Uint8Array): HpmInputError {
  try {
    decodeUtf8(input, "pyproject.toml");
  } catch (e) {
    assert.ok(e instanceof HpmInputError);
    assert.equal(e.code, "encoding");
    assert.equal(e.file, "pyproject.toml");
    return e;
  }
  assert.fail("decoded");
}

function positionOf(input: Uint8Array): string {
  const e = refusal(input);
  return `${e.line}:${e.column}`;
}

Deno.test("decodeUtf8() keeps a leading byte order mark as U+FEFF", () => {
  assert.equal(decodeUtf8(bytes([0xef, 0xbb, 0xbf], "a = 1\n"), "f"), "\uFEFFa = 1\n");
  assert.equal(decodeUtf8(bytes("a = 1\n"), "f"), "a = 1\n");
  assert.equal(decodeUtf8(bytes(), "f"), "");
});

Deno.test("decodeUtf8() decodes every well-formed character", () => {
  const text = "é € 😀 \u{10FFFF} \uFFFD\n";
  assert.equal(decodeUtf8(new TextEncoder().encode(text), "f"), text);
});

Deno.test("decodeUtf8() gives the line and column of the first bad byte", () => {
  assert.equal(positionOf(bytes('a = 1\nb = "', [0xff], '"\n')), "2:6");
  // Columns count characters, not bytes; a byte order mark is not a column.
  assert.equal(positionOf(bytes([0xef, 0xbb, 0xbf], "é€ = ", [0x80])), "1:6");
  assert.equal(positionOf(bytes("# ok\r\n# ok\r\n\t", [0xc3, 0x28])), "3:2");
  // A character cut short at the end of the file.
  assert.equal(positionOf(bytes("a = '", [0xe2, 0x82])), "1:6");
});

Deno.test("decodeUtf8() refuses overlong forms, surrogates and code points past U+10FFFF", () => {
  for (
    const bad of [
      [0xc0, 0xaf], // overlong "/"
      [0xe0, 0x80, 0xaf], // overlong "/"
      [0xf0, 0x80, 0x80, 0xaf], // overlong "/"
      [0xed, 0xa0, 0x80], // U+D800
      [0xed, 0xbf, 0xbf], // U+DFFF
      [0xf4, 0x90, 0x80, 0x80], // U+110000
      [0xf5, 0x80, 0x80, 0x80],
      [0xe2, 0x28, 0xa1], // bad continuation byte
    ]
  ) {
    assert.equal(positionOf(bytes("x", bad)), "1:2", bad.map((b) => b.toString(16)).join(" "));
  }
});

Deno.test("decodeUtf8() says when the file is UTF-16", () => {
  const e = refusal(bytes([0xff, 0xfe, 0x61, 0x00]));
  assert.match(e.message, /UTF-16/);
  assert.equal(`${e.line}:${e.column}`, "1:1");
  assert.match(e.hint ?? "", /UTF-8/);
});
