import assert from "node:assert/strict";
import { parse } from "yaml";
import { HpmInputError, HpmOperationError } from "../core/errors.ts";
import { yamlAppendToSequence, yamlDelete, yamlGet, yamlSetScalar } from "./yaml_edit.ts";

type Path = (string | number)[];
type Scalar = string | boolean | number;

const HPM_YAML = `# hpm.yaml — the plugins rag4code is built with
registry: ./hpm-registry   # local registry folder
mode: dev

groups:
  vector-db:
    options: [rag4code-qdrant]   # the default store
  llm:
    options:
      - rag4code-openai
      - rag4code-ollama
`;

const ENTRY = `# Qdrant adapter
name: rag4code-qdrant
description: Qdrant adapter for rag4code
sources:
  dev:
    type: local
    path: ./packages/rag4code-qdrant   # clone here
    editable: true
  prod:
    type: git
    url: https://github.com/rag4code/adapter-qdrant.git
    ref: v1.0.0   # released
`;

// Values a remote registry or a user could hand over that look like YAML syntax.
const TRICKY = [
  "x: y",
  "- z",
  "#c",
  "a #c",
  '"q"',
  "'q'",
  "line1\nline2",
  "cr\r\nlf",
  "]",
  "[a]",
  ",",
  "{",
  "{a: 1}",
  "&a",
  "*a",
  "!!python/object",
  "!!python/object/apply:os.system ['rm -rf /']",
  "? k",
  ": v",
  "|",
  ">",
  "%TAG",
  "@x",
  "`x`",
  "---",
  "...",
  "~",
  "null",
  "true",
  "no",
  "0x10",
  "1e3",
  ".inf",
  "",
  " lead",
  "trail ",
  "tab\there",
  "back\\slash",
  "it's",
  "uni: é ✓ 🎉",
  "bell\u0007",
  "bom\ufeff",
  "sep\u2028",
  "<<",
];

/** The one contiguous region where two texts differ. */
function changedRegion(before: string, after: string): { removed: string; added: string } {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (
    s < before.length - p && s < after.length - p &&
    before[before.length - 1 - s] === after[after.length - 1 - s]
  ) s++;
  return { removed: before.slice(p, before.length - s), added: after.slice(p, after.length - s) };
}

function assertSmallDiff(before: string, after: string, limit = 120): void {
  const { removed, added } = changedRegion(before, after);
  assert.ok(
    removed.length + added.length <= limit,
    `edit touched too much:\n- ${JSON.stringify(removed)}\n+ ${JSON.stringify(added)}`,
  );
}

function getIn(value: unknown, path: Path): unknown {
  for (const seg of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[seg];
  }
  return value;
}

// What the whole document must read as after each edit, computed on plain JS.
function withSet(text: string, path: Path, value: unknown): unknown {
  const root = parse(text) ?? {};
  let node = root;
  for (const seg of path.slice(0, -1)) {
    if (node[seg] === null || node[seg] === undefined) node[seg] = {};
    node = node[seg];
  }
  node[path[path.length - 1]] = value;
  return root;
}

function withAppend(text: string, path: Path, value: string): unknown {
  const list = getIn(parse(text), path);
  if (path.length === 0) return [...(Array.isArray(list) ? list : []), value];
  return withSet(text, path, Array.isArray(list) ? [...list, value] : [value]);
}

function withDelete(text: string, path: Path): unknown {
  const root = parse(text);
  const parent = getIn(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete (parent as Record<string, unknown>)[last];
  return root;
}

interface SetCase {
  name: string;
  text: string;
  path: Path;
  value: Scalar;
  want: string;
}

function checkSet(c: SetCase): void {
  const out = yamlSetScalar(c.text, c.path, c.value);
  assert.equal(out.text, c.want);
  assert.equal(out.exact, true);
  assert.deepEqual(getIn(parse(out.text), c.path), c.value);
  assert.deepEqual(parse(out.text), withSet(c.text, c.path, c.value));
  assertSmallDiff(c.text, out.text);
}

interface AppendCase {
  name: string;
  text: string;
  path: Path;
  value: string;
  want: string;
}

function checkAppend(c: AppendCase): void {
  const out = yamlAppendToSequence(c.text, c.path, c.value);
  assert.equal(out.text, c.want);
  assert.equal(out.exact, true);
  assert.equal((getIn(parse(out.text), c.path) as unknown[]).at(-1), c.value);
  assert.deepEqual(parse(out.text), withAppend(c.text, c.path, c.value));
  assertSmallDiff(c.text, out.text);
}

interface DeleteCase {
  name: string;
  text: string;
  path: Path;
  want: string;
}

function checkDelete(c: DeleteCase): void {
  const out = yamlDelete(c.text, c.path);
  assert.equal(out.text, c.want);
  assert.equal(out.exact, true);
  assert.deepEqual(parse(out.text), withDelete(c.text, c.path));
  assertSmallDiff(c.text, out.text);
}

// ---------------------------------------------------------------------------
// yamlSetScalar

Deno.test("yamlSetScalar() pins a registry entry's prod ref and keeps its comment", () => {
  const out = yamlSetScalar(ENTRY, ["sources", "prod", "ref"], "v1.1.0");
  assert.equal(out.text, ENTRY.replace("ref: v1.0.0   # released", "ref: v1.1.0   # released"));
  assert.equal(out.exact, true);
  assert.deepEqual(changedRegion(ENTRY, out.text), { removed: "0", added: "1" });
  assert.equal(yamlGet(out.text, ["sources", "prod", "ref"]), "v1.1.0");
});

Deno.test("yamlSetScalar() adds groups.vector-db.select after the group's last entry", () => {
  const out = yamlSetScalar(HPM_YAML, ["groups", "vector-db", "select"], "rag4code-qdrant");
  assert.equal(
    out.text,
    HPM_YAML.replace(
      "# the default store\n",
      "# the default store\n    select: rag4code-qdrant\n",
    ),
  );
  assert.equal(out.exact, true);
  const { removed, added } = changedRegion(HPM_YAML, out.text);
  assert.equal(removed, "");
  assert.equal(added.length, "    select: rag4code-qdrant\n".length);
});

Deno.test("yamlSetScalar() replaces existing scalars in place", async (t) => {
  const cases: SetCase[] = [
    {
      name: "mode in hpm.yaml",
      text: HPM_YAML,
      path: ["mode"],
      value: "prod",
      want: HPM_YAML.replace("mode: dev", "mode: prod"),
    },
    {
      name: "registry keeps its inline comment",
      text: HPM_YAML,
      path: ["registry"],
      value: "../shared-registry",
      want: HPM_YAML.replace("./hpm-registry   #", "../shared-registry   #"),
    },
    {
      name: "a boolean",
      text: ENTRY,
      path: ["sources", "dev", "editable"],
      value: false,
      want: ENTRY.replace("editable: true", "editable: false"),
    },
    {
      name: "plain stays plain",
      text: "k: old # c\n",
      path: ["k"],
      value: "new",
      want: "k: new # c\n",
    },
    {
      name: "single quotes are kept",
      text: "k: 'old'\n",
      path: ["k"],
      value: "it's",
      want: "k: 'it''s'\n",
    },
    {
      name: "double quotes are kept",
      text: 'k: "old"\n',
      path: ["k"],
      value: "plain",
      want: 'k: "plain"\n',
    },
    {
      name: "single quotes give way to double for a newline",
      text: "k: 'old'\n",
      path: ["k"],
      value: "a\nb",
      want: 'k: "a\\nb"\n',
    },
    {
      name: "plain gives way to double quotes when it would not read back",
      text: "k: old\n",
      path: ["k"],
      value: "x: y",
      want: 'k: "x: y"\n',
    },
    {
      name: "a number is written plain even over quotes",
      text: 'k: "old"\n',
      path: ["k"],
      value: 42,
      want: "k: 42\n",
    },
    { name: "a float", text: "k: 1\n", path: ["k"], value: 1.5, want: "k: 1.5\n" },
    { name: "a negative", text: "k: 1\n", path: ["k"], value: -3, want: "k: -3\n" },
    { name: "NaN", text: "k: 1\n", path: ["k"], value: NaN, want: "k: .nan\n" },
    { name: "Infinity", text: "k: 1\n", path: ["k"], value: Infinity, want: "k: .inf\n" },
    {
      name: "a string that looks like a number is quoted",
      text: "k: v1\n",
      path: ["k"],
      value: "1.0",
      want: 'k: "1.0"\n',
    },
    {
      name: "an empty value",
      text: "k:\nz: 1\n",
      path: ["k"],
      value: "v",
      want: "k: v\nz: 1\n",
    },
    {
      name: "an empty value before a comment",
      text: "k:   # later\nz: 1\n",
      path: ["k"],
      value: "v",
      want: "k: v   # later\nz: 1\n",
    },
    {
      name: "a tilde",
      text: "k: ~  # unset\n",
      path: ["k"],
      value: "v",
      want: "k: v  # unset\n",
    },
    {
      name: "a literal block scalar",
      text: "k: |\n  old\n  text\nz: 1\n",
      path: ["k"],
      value: "new",
      want: "k: new\nz: 1\n",
    },
    {
      name: "a folded block scalar at the end of the file",
      text: "z: 1\nk: >-\n  old\n  text\n",
      path: ["k"],
      value: "a: b",
      want: 'z: 1\nk: "a: b"\n',
    },
    {
      name: "a flow mapping value",
      text: "f: {a: 1, b: old}   # c\n",
      path: ["f", "b"],
      value: "x, y",
      want: 'f: {a: 1, b: "x, y"}   # c\n',
    },
    {
      name: "a flow list item",
      text: "l: [a, b]\n",
      path: ["l", 1],
      value: "c",
      want: "l: [a, c]\n",
    },
    {
      name: "a YAML 1.1 boolean word is quoted, for 1.1 readers like PyYAML",
      text: "k: old\n",
      path: ["k"],
      value: "no",
      want: 'k: "no"\n',
    },
    {
      name: "a YAML 1.1 timestamp is quoted",
      text: "k: old\n",
      path: ["k"],
      value: "2024-01-01",
      want: 'k: "2024-01-01"\n',
    },
    {
      name: "a %YAML 1.1 file",
      text: "%YAML 1.1\n---\nk: yes\n",
      path: ["k"],
      value: "on",
      want: '%YAML 1.1\n---\nk: "on"\n',
    },
    {
      name: "a plain-safe value that needs quotes only in flow",
      text: "l: [a, b]\n",
      path: ["l", 0],
      value: "a]b",
      want: 'l: ["a]b", b]\n',
    },
    {
      name: "a block list item",
      text: "l:\n  - a   # first\n  - b\n",
      path: ["l", 0],
      value: "z",
      want: "l:\n  - z   # first\n  - b\n",
    },
    {
      name: "an alias is replaced, the anchor stays",
      text: "a: &x 1\nb: *x\n",
      path: ["b"],
      value: 2,
      want: "a: &x 1\nb: 2\n",
    },
    {
      name: "a block mapping becomes a scalar",
      text: "k:\n  a: 1\n  b: 2\nz: 1\n",
      path: ["k"],
      value: "flat",
      want: "k: flat\nz: 1\n",
    },
    {
      name: "a flow list becomes a scalar",
      text: "k: [a, b]  # c\n",
      path: ["k"],
      value: "flat",
      want: "k: flat  # c\n",
    },
    {
      name: "a quoted key is matched by its value",
      text: '"a: b": old\n',
      path: ["a: b"],
      value: "new",
      want: '"a: b": new\n',
    },
    {
      name: "a numeric key is matched by its text",
      text: "ports:\n  8080: old\n",
      path: ["ports", "8080"],
      value: "web",
      want: "ports:\n  8080: web\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkSet(c));
});

Deno.test("yamlSetScalar() adds missing keys", async (t) => {
  const cases: SetCase[] = [
    {
      name: "at the root, after the last entry",
      text: "a: 1\nb:\n  c: 2\n\n# trailing note\n",
      path: ["d"],
      value: "x",
      want: "a: 1\nb:\n  c: 2\nd: x\n\n# trailing note\n",
    },
    {
      name: "with missing parent mappings (groups.llm.select)",
      text: "groups:\n  vector-db:\n    options: [a]\nmode: dev\n",
      path: ["groups", "llm", "select"],
      value: "b",
      want: "groups:\n  vector-db:\n    options: [a]\n  llm:\n    select: b\nmode: dev\n",
    },
    {
      name: "nested under a null value",
      text: "groups:\nmode: dev\n",
      path: ["groups", "llm", "select"],
      value: "b",
      want: "groups:\n  llm:\n    select: b\nmode: dev\n",
    },
    {
      name: "nested under a tilde, keeping its comment",
      text: "groups: ~   # none yet\nmode: dev\n",
      path: ["groups", "llm"],
      value: "b",
      want: "groups:   # none yet\n  llm: b\nmode: dev\n",
    },
    {
      name: "nested under an empty flow mapping",
      text: "groups: {}\nmode: dev\n",
      path: ["groups", "llm"],
      value: "b",
      want: "groups:\n  llm: b\nmode: dev\n",
    },
    {
      name: "into a flow mapping",
      text: "f: {a: 1}\n",
      path: ["f", "b"],
      value: "x",
      want: "f: {a: 1, b: x}\n",
    },
    {
      name: "into an empty flow mapping inside a list",
      text: "l:\n  - {}\n",
      path: ["l", 0, "k"],
      value: "v",
      want: "l:\n  - {k: v}\n",
    },
    {
      name: "nested into a flow mapping",
      text: "f: {a: 1}\n",
      path: ["f", "b", "c"],
      value: "x, y",
      want: 'f: {a: 1, b: {c: "x, y"}}\n',
    },
    {
      name: "after a comment-only line inside the last entry",
      text: "a:\n  b: 1\n  # c: 2\nz: 1\n",
      path: ["a", "d"],
      value: 3,
      want: "a:\n  b: 1\n  d: 3\n  # c: 2\nz: 1\n",
    },
    {
      name: "after a deeper comment that belongs to the last entry",
      text: "a:\n  b:\n    - x\n    # - y\nz: 1\n",
      path: ["a", "c"],
      value: 3,
      want: "a:\n  b:\n    - x\n    # - y\n  c: 3\nz: 1\n",
    },
    {
      name: "after a block scalar",
      text: "a:\n  s: |\n    text\n\n  t: 1\n",
      path: ["a", "u"],
      value: 2,
      want: "a:\n  s: |\n    text\n\n  t: 1\n  u: 2\n",
    },
    {
      name: "into a mapping inside a list item",
      text: "- name: a\n  x: 1\n- name: b\n",
      path: [0, "note"],
      value: 2,
      want: "- name: a\n  x: 1\n  note: 2\n- name: b\n",
    },
    {
      name: "with the file's own 4-space indentation",
      text: "groups:\n    db:\n        options: [a]\n",
      path: ["groups", "llm", "select"],
      value: "b",
      want: "groups:\n    db:\n        options: [a]\n    llm:\n        select: b\n",
    },
    {
      name: "to a file without a final newline",
      text: "a: 1",
      path: ["b"],
      value: 2,
      want: "a: 1\nb: 2",
    },
    {
      name: "to an empty file",
      text: "",
      path: ["a", "b"],
      value: "x",
      want: "a:\n  b: x\n",
    },
    {
      name: "to a file of comments",
      text: "# nothing yet\n\n# really\n",
      path: ["a"],
      value: "x",
      want: "# nothing yet\n\n# really\na: x\n",
    },
    {
      name: "to a comment-only file without a final newline",
      text: "# nothing yet",
      path: ["a"],
      value: "x",
      want: "# nothing yet\na: x",
    },
    {
      name: "before an explicit document end",
      text: "---\n# c\n...\n",
      path: ["a"],
      value: "x",
      want: "---\n# c\na: x\n...\n",
    },
    {
      name: "to a root `{}`",
      text: "{}\n",
      path: ["a"],
      value: "x",
      want: "a: x\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkSet(c));
});

Deno.test("yamlSetScalar() quotes keys that need it", async (t) => {
  const keys: [string, string][] = [
    ["a: b", '"a: b"'],
    ["- x", '"- x"'],
    ["#x", '"#x"'],
    ["1", '"1"'],
    ["true", '"true"'],
    ["", '""'],
    ["<<", '"<<"'],
    ["? q", '"? q"'],
    ["multi\nline", '"multi\\nline"'],
    ["plain-key.v2", "plain-key.v2"],
  ];
  for (const [key, written] of keys) {
    await t.step(JSON.stringify(key), () => {
      checkSet({
        name: key,
        text: "groups:\n  a: 1\n",
        path: ["groups", key],
        value: "v",
        want: `groups:\n  a: 1\n  ${written}: v\n`,
      });
      checkSet({
        name: key,
        text: "f: {a: 1}\n",
        path: ["f", key],
        value: "v",
        want: `f: {a: 1, ${written}: v}\n`,
      });
    });
  }
});

Deno.test("yamlSetScalar() round-trips injection-looking values exactly", async (t) => {
  const spots: { name: string; text: string; path: Path }[] = [
    { name: "plain value", text: "k: old   # c\nz: 1\n", path: ["k"] },
    { name: "single-quoted value", text: "k: 'old'\n", path: ["k"] },
    { name: "double-quoted value", text: 'k: "old"\n', path: ["k"] },
    { name: "flow list item", text: "l: [a, old, c]\n", path: ["l", 1] },
    { name: "flow mapping value", text: "m: {a: old, b: 1}\n", path: ["m", "a"] },
    { name: "new block key", text: "m:\n  a: 1\n", path: ["m", "new"] },
    { name: "new flow key", text: "m: {a: 1}\n", path: ["m", "new"] },
    { name: "empty document", text: "", path: ["k"] },
  ];
  for (const spot of spots) {
    await t.step(spot.name, () => {
      for (const value of TRICKY) {
        const out = yamlSetScalar(spot.text, spot.path, value);
        assert.equal(out.exact, true, JSON.stringify(value));
        assert.equal(getIn(parse(out.text), spot.path), value, JSON.stringify(value));
        assert.deepEqual(parse(out.text), withSet(spot.text, spot.path, value));
        // One line in, one line out: a value can never add structure.
        assert.equal(out.text.split("\n").length - spot.text.split("\n").length <= 2, true);
        assertSmallDiff(spot.text, out.text, 200);
      }
    });
  }
});

Deno.test("yamlSetScalar() keeps CRLF and a BOM", async (t) => {
  const cases: SetCase[] = [
    {
      name: "replace",
      text: "\uFEFFa: 1\r\nb: old  # c\r\n",
      path: ["b"],
      value: "new",
      want: "\uFEFFa: 1\r\nb: new  # c\r\n",
    },
    {
      name: "add nested keys",
      text: "\uFEFFa: 1\r\ngroups:\r\n  x: 1\r\n",
      path: ["groups", "llm", "select"],
      value: "b",
      want: "\uFEFFa: 1\r\ngroups:\r\n  x: 1\r\n  llm:\r\n    select: b\r\n",
    },
    {
      name: "add at the root of a BOM-only file",
      text: "\uFEFF",
      path: ["a"],
      value: "x",
      want: "\uFEFFa: x\n",
    },
    {
      name: "a value with a newline stays on one line",
      text: "a: 1\r\n",
      path: ["a"],
      value: "x\r\ny",
      want: 'a: "x\\r\\ny"\r\n',
    },
    {
      name: "replace a block scalar",
      text: "k: |\r\n  old\r\nz: 1\r\n",
      path: ["k"],
      value: "new",
      want: "k: new\r\nz: 1\r\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkSet(c));
});

Deno.test("yamlSetScalar() falls back to the Document API, and says so", async (t) => {
  await t.step("a tag that would change what the value reads as", () => {
    const out = yamlSetScalar("# keep\nk: !!str 12\nz: 1\n", ["k"], 5);
    assert.equal(out.exact, false);
    assert.deepEqual(parse(out.text), { k: 5, z: 1 });
    assert.match(out.text, /# keep/);
  });
  await t.step("an explicit key with no value", () => {
    const out = yamlSetScalar("? k\nz: 1\n", ["k"], "v");
    assert.equal(out.exact, false);
    assert.deepEqual(parse(out.text), { k: "v", z: 1 });
  });
  await t.step("the fallback keeps CRLF and the BOM", () => {
    const out = yamlSetScalar("\uFEFFk: !!str 12\r\nz: 1\r\n", ["k"], 5);
    assert.equal(out.exact, false);
    assert.ok(out.text.startsWith("\uFEFF"));
    assert.equal(out.text.replaceAll("\r\n", "").includes("\n"), false);
    assert.deepEqual(parse(out.text), { k: 5, z: 1 });
  });
});

Deno.test("yamlSetScalar() refuses bad paths and broken files", async (t) => {
  const refuses = (text: string, path: Path, code: string, message?: RegExp) => {
    assert.throws(() => yamlSetScalar(text, path, "v"), (e) => {
      assert.ok(e instanceof HpmInputError);
      assert.equal(e.code, code);
      if (message) assert.match(e.message, message);
      return true;
    });
  };
  await t.step(
    "through a string",
    () => refuses("a: text\n", ["a", "b"], "schema", /`a` is a string/),
  );
  await t.step("a key in a list", () => refuses("a: [x]\n", ["a", "b"], "schema", /list/));
  await t.step("an index out of range", () => refuses("a: [x]\n", ["a", 3], "usage", /no item 3/));
  await t.step("an empty path", () => refuses("a: 1\n", [], "usage"));
  await t.step("a negative index", () => refuses("a: [x]\n", ["a", -1], "usage"));
  await t.step("through an alias", () => refuses("a: &m {x: 1}\nb: *m\n", ["b", "y"], "schema"));
  await t.step("invalid YAML", () => refuses("a: [1\n", ["a"], "yaml-syntax", /line \d+/));
  await t.step("duplicate keys", () => refuses("a: 1\na: 2\n", ["a"], "yaml-unsafe"));
  await t.step("several documents", () => refuses("a: 1\n---\nb: 2\n", ["a"], "yaml-syntax"));
  await t.step("a value that is not a scalar", () => {
    assert.throws(
      () => yamlSetScalar("a: 1\n", ["a"], {} as unknown as string),
      HpmInputError,
    );
  });
  await t.step("an anchored scalar other keys alias", () => {
    // Splicing would change `b` too; refusing beats a surprise.
    assert.throws(() => yamlSetScalar("a: &x 1\nb: *x\n", ["a"], 2), HpmOperationError);
  });
});

// ---------------------------------------------------------------------------
// yamlAppendToSequence

Deno.test("yamlAppendToSequence() adds an option to the llm block list", () => {
  const out = yamlAppendToSequence(HPM_YAML, ["groups", "llm", "options"], "rag4code-anthropic");
  assert.equal(out.text, HPM_YAML + "      - rag4code-anthropic\n");
  assert.equal(out.exact, true);
  assert.deepEqual(yamlGet(out.text, ["groups", "llm", "options"]), [
    "rag4code-openai",
    "rag4code-ollama",
    "rag4code-anthropic",
  ]);
});

Deno.test("yamlAppendToSequence() adds an option to the vector-db flow list", () => {
  const out = yamlAppendToSequence(HPM_YAML, ["groups", "vector-db", "options"], "rag4code-chroma");
  assert.equal(
    out.text,
    HPM_YAML.replace(
      "[rag4code-qdrant]   #",
      "[rag4code-qdrant, rag4code-chroma]   #",
    ),
  );
  assert.equal(out.exact, true);
  assert.deepEqual(changedRegion(HPM_YAML, out.text), { removed: "", added: ", rag4code-chroma" });
});

Deno.test("yamlAppendToSequence() adds a new group after the last one", () => {
  const out = yamlAppendToSequence(HPM_YAML, ["groups", "embedder", "options"], "rag4code-e5");
  assert.equal(out.text, HPM_YAML + "  embedder:\n    options: [rag4code-e5]\n");
  assert.equal(out.exact, true);
});

Deno.test("yamlAppendToSequence() creates groups.vector-db.options in every starting shape", async (t) => {
  const cases: AppendCase[] = [
    {
      name: "no groups key",
      text: "registry: ./hpm-registry\nmode: dev\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want:
        "registry: ./hpm-registry\nmode: dev\ngroups:\n  vector-db:\n    options: [rag4code-qdrant]\n",
    },
    {
      name: "groups: {}",
      text: "registry: ./hpm-registry\ngroups: {}   # none yet\nmode: dev\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want:
        "registry: ./hpm-registry\ngroups:   # none yet\n  vector-db:\n    options: [rag4code-qdrant]\nmode: dev\n",
    },
    {
      name: "groups: (null)",
      text: "registry: ./hpm-registry\ngroups:\nmode: dev\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want:
        "registry: ./hpm-registry\ngroups:\n  vector-db:\n    options: [rag4code-qdrant]\nmode: dev\n",
    },
    {
      name: "groups: null with a comment line under it",
      text: "groups: null\n  # add groups here\nmode: dev\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want:
        "groups:\n  # add groups here\n  vector-db:\n    options: [rag4code-qdrant]\nmode: dev\n",
    },
    {
      name: "other groups already there",
      text: "groups:\n  llm:\n    options:\n      - rag4code-openai\n\nmode: dev\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want:
        "groups:\n  llm:\n    options:\n      - rag4code-openai\n  vector-db:\n    options: [rag4code-qdrant]\n\nmode: dev\n",
    },
    {
      name: "vector-db: with a null value",
      text: "groups:\n  vector-db:\n  llm:\n    options: [x]\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want: "groups:\n  vector-db:\n    options: [rag4code-qdrant]\n  llm:\n    options: [x]\n",
    },
    {
      name: "options: with nothing",
      text: "groups:\n  vector-db:\n    options:\n    select: x\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want: "groups:\n  vector-db:\n    options: [rag4code-qdrant]\n    select: x\n",
    },
    {
      name: "options: ~ with a comment",
      text: "groups:\n  vector-db:\n    options: ~   # later\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want: "groups:\n  vector-db:\n    options: [rag4code-qdrant]   # later\n",
    },
    {
      name: "an empty file",
      text: "",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want: "groups:\n  vector-db:\n    options: [rag4code-qdrant]\n",
    },
    {
      name: "a file of comments",
      text: "# hpm.yaml\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want: "# hpm.yaml\ngroups:\n  vector-db:\n    options: [rag4code-qdrant]\n",
    },
    {
      name: "flow groups",
      text: "groups: {llm: {options: [a]}}\n",
      path: ["groups", "vector-db", "options"],
      value: "rag4code-qdrant",
      want: "groups: {llm: {options: [a]}, vector-db: {options: [rag4code-qdrant]}}\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkAppend(c));
});

Deno.test("yamlAppendToSequence() follows the list's own style", async (t) => {
  const cases: AppendCase[] = [
    {
      name: "empty flow list",
      text: "options: []  # none\n",
      path: ["options"],
      value: "a",
      want: "options: [a]  # none\n",
    },
    {
      name: "empty flow list with a space",
      text: "options: [ ]\n",
      path: ["options"],
      value: "a",
      want: "options: [a]\n",
    },
    {
      name: "flow list with a trailing comma",
      text: "options: [a, b,]\n",
      path: ["options"],
      value: "c",
      want: "options: [a, b, c,]\n",
    },
    {
      name: "multi-line flow list with trailing commas",
      text: "options: [\n  a,\n  b,  # bee\n]\n",
      path: ["options"],
      value: "c",
      want: "options: [\n  a,\n  b,  # bee\n  c,\n]\n",
    },
    {
      name: "multi-line flow list without a trailing comma",
      text: "options: [\n  a,\n  b\n]\n",
      path: ["options"],
      value: "c",
      want: "options: [\n  a,\n  b, c\n]\n",
    },
    {
      name: "compact block list at the key's indentation",
      text: "options:\n- a\n- b\nmode: dev\n",
      path: ["options"],
      value: "c",
      want: "options:\n- a\n- b\n- c\nmode: dev\n",
    },
    {
      name: "block list with a commented-out item at the end",
      text: "options:\n  - a\n    # note on a\n  # - b\nmode: dev\n",
      path: ["options"],
      value: "c",
      want: "options:\n  - a\n    # note on a\n  - c\n  # - b\nmode: dev\n",
    },
    {
      name: "block list of mappings",
      text: "l:\n  - name: a\n    x: 1\nz: 1\n",
      path: ["l"],
      value: "b",
      want: "l:\n  - name: a\n    x: 1\n  - b\nz: 1\n",
    },
    {
      name: "block list at the end without a final newline",
      text: "l:\n  - a",
      path: ["l"],
      value: "b",
      want: "l:\n  - a\n  - b",
    },
    {
      name: "root block list",
      text: "- a\n",
      path: [],
      value: "b",
      want: "- a\n- b\n",
    },
    {
      name: "root of an empty file",
      text: "",
      path: [],
      value: "b",
      want: "- b\n",
    },
    {
      name: "list inside a list",
      text: "- - a\n  - b\n- c\n",
      path: [0],
      value: "x",
      want: "- - a\n  - b\n  - x\n- c\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkAppend(c));
});

Deno.test("yamlAppendToSequence() round-trips injection-looking values exactly", async (t) => {
  const spots: { name: string; text: string; path: Path }[] = [
    { name: "block list", text: "l:\n  - a\nz: 1\n", path: ["l"] },
    { name: "flow list", text: "l: [a]   # c\n", path: ["l"] },
    { name: "empty flow list", text: "l: []\n", path: ["l"] },
    { name: "missing list", text: "z: 1\n", path: ["g", "l"] },
    { name: "missing list in flow", text: "m: {z: 1}\n", path: ["m", "l"] },
  ];
  for (const spot of spots) {
    await t.step(spot.name, () => {
      for (const value of TRICKY) {
        const out = yamlAppendToSequence(spot.text, spot.path, value);
        assert.equal(out.exact, true, JSON.stringify(value));
        assert.equal((getIn(parse(out.text), spot.path) as unknown[]).at(-1), value);
        assert.deepEqual(parse(out.text), withAppend(spot.text, spot.path, value));
        assertSmallDiff(spot.text, out.text, 200);
      }
    });
  }
});

Deno.test("yamlAppendToSequence() keeps CRLF", async (t) => {
  const crlf = HPM_YAML.replaceAll("\n", "\r\n");
  const cases: AppendCase[] = [
    {
      name: "block list",
      text: crlf,
      path: ["groups", "llm", "options"],
      value: "x",
      want: crlf + "      - x\r\n",
    },
    {
      name: "flow list",
      text: crlf,
      path: ["groups", "vector-db", "options"],
      value: "x",
      want: crlf.replace("[rag4code-qdrant]", "[rag4code-qdrant, x]"),
    },
    {
      name: "new group",
      text: crlf,
      path: ["groups", "db", "options"],
      value: "x",
      want: crlf + "  db:\r\n    options: [x]\r\n",
    },
    {
      name: "new group under groups: null",
      text: "mode: dev\r\ngroups:\r\n",
      path: ["groups", "db", "options"],
      value: "x",
      want: "mode: dev\r\ngroups:\r\n  db:\r\n    options: [x]\r\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkAppend(c));
});

Deno.test("yamlAppendToSequence() keeps a BOM", () => {
  checkAppend({
    name: "bom",
    text: "\uFEFFoptions:\n  - a\n",
    path: ["options"],
    value: "b",
    want: "\uFEFFoptions:\n  - a\n  - b\n",
  });
  checkAppend({
    name: "bom, new key",
    text: "\uFEFFmode: dev\n",
    path: ["options"],
    value: "b",
    want: "\uFEFFmode: dev\noptions: [b]\n",
  });
});

Deno.test("yamlAppendToSequence() refuses what is not a list", async (t) => {
  const refuses = (text: string, path: Path, message: RegExp) => {
    assert.throws(() => yamlAppendToSequence(text, path, "v"), (e) => {
      assert.ok(e instanceof HpmInputError);
      assert.equal(e.code, "schema");
      assert.match(e.message, message);
      return true;
    });
  };
  await t.step(
    "a mapping",
    () => refuses("groups:\n  a: 1\n", ["groups"], /`groups` is a mapping, not a list/),
  );
  await t.step("a string", () => refuses("options: a\n", ["options"], /`options` is a string/));
  await t.step(
    "a list where a group should be",
    () => refuses("groups: [a]\n", ["groups", "db", "options"], /`groups` is a list/),
  );
});

// ---------------------------------------------------------------------------
// yamlDelete

Deno.test("yamlDelete() removes a group and only its lines", async (t) => {
  const cases: DeleteCase[] = [
    {
      name: "the first group, with its inline comment",
      text: HPM_YAML,
      path: ["groups", "vector-db"],
      want: HPM_YAML.replace(
        "  vector-db:\n    options: [rag4code-qdrant]   # the default store\n",
        "",
      ),
    },
    {
      name: "the last group",
      text: HPM_YAML,
      path: ["groups", "llm"],
      want: HPM_YAML.replace(
        "  llm:\n    options:\n      - rag4code-openai\n      - rag4code-ollama\n",
        "",
      ),
    },
    {
      name: "a comment line above stays, a deeper one inside goes",
      text:
        "groups:\n  # the store\n  db:\n    options: [a]\n    # select: a\n  llm:\n    options: [b]\n",
      path: ["groups", "db"],
      want: "groups:\n  # the store\n  llm:\n    options: [b]\n",
    },
    {
      name: "the only group leaves groups: {}",
      text: "groups:   # plugins\n  db:\n    options: [a]\nmode: dev\n",
      path: ["groups", "db"],
      want: "groups: {}   # plugins\nmode: dev\n",
    },
    {
      name: "a root key",
      text: HPM_YAML,
      path: ["registry"],
      want: HPM_YAML.replace("registry: ./hpm-registry   # local registry folder\n", ""),
    },
    {
      name: "the only root key",
      text: "# header\nmode: dev\n",
      path: ["mode"],
      want: "# header\n{}\n",
    },
    {
      name: "a key at the end without a final newline",
      text: "a: 1\nb: 2",
      path: ["b"],
      want: "a: 1\n",
    },
    {
      name: "a key with a block scalar",
      text: "a: |\n  text\n\n  more\nb: 2\n",
      path: ["a"],
      want: "b: 2\n",
    },
    {
      name: "a registry source",
      text: ENTRY,
      path: ["sources", "dev"],
      want: ENTRY.replace(
        "  dev:\n    type: local\n    path: ./packages/rag4code-qdrant   # clone here\n    editable: true\n",
        "",
      ),
    },
    {
      name: "the first key of a mapping in a list item",
      text: "- name: a\n  x: 1\n- name: b\n",
      path: [0, "name"],
      want: "- x: 1\n- name: b\n",
    },
    {
      name: "the only key of a mapping in a list item",
      text: "- name: a\n- name: b\n",
      path: [0, "name"],
      want: "- {}\n- name: b\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkDelete(c));
});

Deno.test("yamlDelete() removes an option from a flow list", async (t) => {
  const cases: DeleteCase[] = [
    { name: "middle", text: "o: [a, b, c]\n", path: ["o", 1], want: "o: [a, c]\n" },
    { name: "first", text: "o: [a, b, c]\n", path: ["o", 0], want: "o: [b, c]\n" },
    { name: "last", text: "o: [a, b, c]  # c\n", path: ["o", 2], want: "o: [a, b]  # c\n" },
    { name: "only", text: "o: [a]\n", path: ["o", 0], want: "o: []\n" },
    { name: "last with a trailing comma", text: "o: [a, b,]\n", path: ["o", 1], want: "o: [a,]\n" },
    {
      name: "the default store in hpm.yaml",
      text: HPM_YAML,
      path: ["groups", "vector-db", "options", 0],
      want: HPM_YAML.replace("[rag4code-qdrant]", "[]"),
    },
    {
      name: "one item a line",
      text: "o: [\n  a,\n  b,  # bee\n  c,\n]\n",
      path: ["o", 1],
      want: "o: [\n  a,\n  c,\n]\n",
    },
    {
      name: "one item a line, the last without a comma",
      text: "o: [\n  a,\n  b\n]\n",
      path: ["o", 1],
      want: "o: [\n  a\n]\n",
    },
    {
      name: "flow mapping entry",
      text: "m: {a: 1, b: 2}\n",
      path: ["m", "a"],
      want: "m: {b: 2}\n",
    },
    {
      name: "last flow mapping entry",
      text: "m: {a: 1, b: 2}\n",
      path: ["m", "b"],
      want: "m: {a: 1}\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkDelete(c));
});

Deno.test("yamlDelete() removes an option from a block list", async (t) => {
  const cases: DeleteCase[] = [
    {
      name: "first of the llm options",
      text: HPM_YAML,
      path: ["groups", "llm", "options", 0],
      want: HPM_YAML.replace("      - rag4code-openai\n", ""),
    },
    {
      name: "last of the llm options",
      text: HPM_YAML,
      path: ["groups", "llm", "options", 1],
      want: HPM_YAML.replace("      - rag4code-ollama\n", ""),
    },
    {
      name: "the only item leaves []",
      text: "options:\n  # the one\n  - a   # only\nmode: dev\n",
      path: ["options", 0],
      want: "options: []\n  # the one\nmode: dev\n",
    },
    {
      name: "an item that is a mapping",
      text: "l:\n  - name: a\n    x: 1\n  - name: b\n",
      path: ["l", 0],
      want: "l:\n  - name: b\n",
    },
    {
      name: "a nested list's first item on its parent's dash line",
      text: "- - a\n  - b\n- c\n",
      path: [0, 0],
      want: "- - b\n- c\n",
    },
    {
      name: "root list item",
      text: "- a\n- b\n",
      path: [1],
      want: "- a\n",
    },
    {
      name: "only root list item",
      text: "- a\n",
      path: [0],
      want: "[]\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkDelete(c));
});

Deno.test("yamlDelete() keeps CRLF and a BOM", async (t) => {
  const crlf = "\uFEFF" + HPM_YAML.replaceAll("\n", "\r\n");
  const cases: DeleteCase[] = [
    {
      name: "a group",
      text: crlf,
      path: ["groups", "vector-db"],
      want: crlf.replace(
        "  vector-db:\r\n    options: [rag4code-qdrant]   # the default store\r\n",
        "",
      ),
    },
    {
      name: "a block item",
      text: crlf,
      path: ["groups", "llm", "options", 1],
      want: crlf.replace("      - rag4code-ollama\r\n", ""),
    },
    {
      name: "the first root key",
      text: "\uFEFFa: 1\r\nb: 2\r\n",
      path: ["a"],
      want: "\uFEFFb: 2\r\n",
    },
    {
      name: "the only item of a list",
      text: "o:\r\n  - a\r\nz: 1\r\n",
      path: ["o", 0],
      want: "o: []\r\nz: 1\r\n",
    },
  ];
  for (const c of cases) await t.step(c.name, () => checkDelete(c));
});

Deno.test("yamlDelete() refuses to delete through an alias", () => {
  // yamlGet sees `b.0`, but it lives under `a`; deleting it there would change `a` too.
  assert.throws(() => yamlDelete("a: &l [x, z]\nb: *l\n", ["b", 0]), (e) => {
    assert.ok(e instanceof HpmInputError);
    assert.equal(e.code, "schema");
    assert.match(e.message, /`b` is an alias/);
    return true;
  });
});

Deno.test("yaml edits of an anchored collection show through its aliases", () => {
  const text = "a: &m\n  k: 1\n  j: 2\nb: *m\n";
  const out = yamlSetScalar(text, ["a", "k"], 5);
  assert.equal(out.text, "a: &m\n  k: 5\n  j: 2\nb: *m\n");
  assert.equal(out.exact, true);
  assert.deepEqual(parse(out.text), { a: { k: 5, j: 2 }, b: { k: 5, j: 2 } });
  const emptied = yamlDelete(yamlDelete(text, ["a", "k"]).text, ["a", "j"]);
  assert.equal(emptied.text, "a: &m {}\nb: *m\n");
  assert.equal(emptied.exact, true);
});

Deno.test("yamlDelete() leaves the text alone when the path is absent", async (t) => {
  for (
    const path of [["groups", "nope"], ["groups", "llm", "options", 5], ["mode", "x"], ["zzz"]]
  ) {
    await t.step(path.join("."), () => {
      const out = yamlDelete(HPM_YAML, path);
      assert.equal(out.text, HPM_YAML);
      assert.equal(out.exact, true);
    });
  }
});

// ---------------------------------------------------------------------------
// yamlGet

Deno.test("yamlGet() reads values and reports absence", async (t) => {
  const cases: [Path, unknown][] = [
    [["mode"], "dev"],
    [["groups", "vector-db", "options"], ["rag4code-qdrant"]],
    [["groups", "llm", "options", 1], "rag4code-ollama"],
    [["groups", "nope"], undefined],
    [["groups", "llm", "options", 9], undefined],
    [["groups", "llm", "options", "0"], undefined],
    [["mode", "length"], undefined],
    [["groups", "constructor"], undefined],
    [["__proto__"], undefined],
    [[], parse(HPM_YAML)],
  ];
  for (const [path, want] of cases) {
    await t.step(JSON.stringify(path), () => assert.deepEqual(yamlGet(HPM_YAML, path), want));
  }
  await t.step("empty document", () => assert.equal(yamlGet("# nothing\n", ["a"]), undefined));
  await t.step("invalid YAML", () => assert.throws(() => yamlGet("a: [", ["a"]), HpmInputError));
});

// ---------------------------------------------------------------------------
// Sequences of edits, as `hpm group add` / `pin` would make them

Deno.test("yaml edits compose: a session of group changes stays byte-stable elsewhere", () => {
  let text = HPM_YAML.replaceAll("\n", "\r\n");
  text = yamlAppendToSequence(text, ["groups", "reranker", "options"], "rag4code-cohere").text;
  text = yamlAppendToSequence(text, ["groups", "reranker", "options"], "rag4code-bge").text;
  text = yamlSetScalar(text, ["groups", "reranker", "select"], "rag4code-bge").text;
  text = yamlDelete(text, ["groups", "llm", "options", 0]).text;
  text = yamlDelete(text, ["groups", "vector-db"]).text;
  assert.equal(
    text,
    [
      "# hpm.yaml — the plugins rag4code is built with",
      "registry: ./hpm-registry   # local registry folder",
      "mode: dev",
      "",
      "groups:",
      "  llm:",
      "    options:",
      "      - rag4code-ollama",
      "  reranker:",
      "    options: [rag4code-cohere, rag4code-bge]",
      "    select: rag4code-bge",
      "",
    ].join("\r\n"),
  );
});
