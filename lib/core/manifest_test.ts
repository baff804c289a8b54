import assert from "node:assert/strict";
import { HpmInputError } from "./errors.ts";
import { parseLocalOverlay, parseManifest } from "./manifest.ts";
import { chooseMode } from "./mode.ts";

function inputError(f: () => unknown): HpmInputError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof HpmInputError, `expected HpmInputError, got ${e}`);
    return e;
  }
  assert.fail("expected an error");
}

Deno.test("parseManifest() reads registry, mode and groups in order", () => {
  const m = parseManifest(
    "registry: [./a, ./b]\nmode: prod\ngroups:\n  llm:\n    options: [x, y]\n    select: y\n  db:\n",
    "hpm.yaml",
  );
  assert.deepEqual(m.registries, ["./a", "./b"]);
  assert.equal(m.mode, "prod");
  assert.deepEqual(m.groups.map((g) => [g.name, g.options, g.select]), [
    ["llm", ["x", "y"], "y"],
    ["db", [], undefined],
  ]);
});

Deno.test("parseManifest() reports bad input with line, column and hint", async (t) => {
  const cases: [string, string, string, number, number, RegExp, RegExp?][] = [
    [
      "unknown key",
      "registry: ./r\ngroups:\n  db:\n    optons: [a]\n",
      "schema",
      4,
      5,
      /optons/,
      /options/,
    ],
    [
      "bad name",
      "registry: ./r\ngroups:\n  db:\n    options: [a, -rf]\n",
      "schema",
      4,
      18,
      /package name/,
    ],
    [
      "syntax",
      "registry: ./r\ngroups:\n  db:\n    options: [a\n",
      "yaml-syntax",
      5,
      1,
      /Flow sequence/,
    ],
    ["missing registry", "groups: {}\n", "schema", 1, 1, /missing required key `registry`/],
    ["duplicate key", "registry: ./r\nregistry: ./x\n", "yaml-unsafe", 2, 1, /duplicate key/],
    ["bad mode", "registry: ./r\nmode: '--prod'\n", "schema", 2, 7, /mode name/],
    [
      "select not an option",
      "registry: ./r\ngroups:\n  db:\n    options: [a]\n    select: b\n",
      "schema",
      5,
      13,
      /not one of its options/,
    ],
    [
      "same group twice",
      "registry: ./r\ngroups:\n  Vector_DB: {}\n  vector-db: {}\n",
      "schema",
      4,
      14,
      /same group/,
    ],
  ];
  for (const [name, text, code, line, column, message, hint] of cases) {
    await t.step(name, () => {
      const e = inputError(() => parseManifest(text, "hpm.yaml"));
      assert.equal(e.code, code);
      assert.equal(e.file, "hpm.yaml");
      assert.deepEqual([e.line, e.column], [line, column]);
      assert.match(e.message, message);
      if (hint) assert.match(e.hint ?? "", hint);
    });
  }
});

Deno.test("parseManifest() refuses an alias bomb", () => {
  const bomb = "registry: ./r\na: &a [x, x, x, x, x, x, x, x, x]\n" +
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
    "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
  assert.equal(inputError(() => parseManifest(bomb, "hpm.yaml")).code, "yaml-unsafe");
});

Deno.test("parseLocalOverlay() normalises override names", () => {
  const o = parseLocalOverlay(
    "mode: prod\noverrides:\n  Rag4Code_Qdrant:\n    path: ../q\n",
    "hpm.local.yaml",
  );
  assert.equal(o.mode, "prod");
  assert.deepEqual(o.overrides.get("rag4code-qdrant"), { path: "../q", name: "Rag4Code_Qdrant" });
});

Deno.test("parseLocalOverlay() reads develop: as written, each plugin once", () => {
  assert.deepEqual(parseLocalOverlay("develop: [Plug_A, plug-c]\n", "l.yaml").develop, [
    "Plug_A",
    "plug-c",
  ]);
  assert.deepEqual(parseLocalOverlay("mode: prod\n", "l.yaml").develop, []);
  assert.throws(
    () => parseLocalOverlay("develop:\n  - plug-a\n  - Plug_A\n", "l.yaml"),
    (e: HpmInputError) => e.code === "schema" && e.line === 3 && /listed twice/.test(e.message),
  );
});

Deno.test("chooseMode() prefers flag, RUN_MODE, local, manifest, then dev", async (t) => {
  const all = { flag: "f", env: "e", local: "l", manifest: "m" };
  await t.step("flag", () => assert.deepEqual(chooseMode(all), { mode: "f", origin: "flag" }));
  await t.step(
    "env",
    () =>
      assert.deepEqual(chooseMode({ ...all, flag: undefined }), { mode: "e", origin: "RUN_MODE" }),
  );
  await t.step(
    "empty env is unset",
    () =>
      assert.deepEqual(chooseMode({ env: "", manifest: "m" }), { mode: "m", origin: "hpm.yaml" }),
  );
  await t.step(
    "local",
    () =>
      assert.deepEqual(chooseMode({ local: "l", manifest: "m" }), {
        mode: "l",
        origin: "hpm.local.yaml",
      }),
  );
  await t.step(
    "default",
    () => assert.deepEqual(chooseMode({}), { mode: "dev", origin: "default" }),
  );
  await t.step(
    "invalid",
    () => assert.equal(inputError(() => chooseMode({ env: "-x" })).code, "usage"),
  );
});
