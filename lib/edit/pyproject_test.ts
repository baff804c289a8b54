import assert from "node:assert/strict";
import { parse } from "smol-toml";
import type { Plan, PlannedSource } from "../core/plan.ts";
import {
  at,
  COMMENT,
  devPlan,
  inputError,
  lines,
  plan,
  qdrantDev,
  qdrantProd,
  record,
} from "./_testing.ts";
import { applyPlan, emptyPlan } from "./pyproject.ts";
import { readManaged } from "./pyproject_record.ts";

const chromaDev: PlannedSource = {
  name: "rag4code-chroma",
  table: [["path", "../libs/chroma"], ["editable", true]],
};

/** Apply `p` and check that the empty plan then restores `original`. */
function applyAndRestore(original: string, p: Plan): string {
  const { text, changed } = applyPlan(original, p);
  assert.ok(changed);
  assert.equal(applyPlan(text, p).text, text, "applying twice changes nothing");
  assert.equal(applyPlan(text, emptyPlan(p.mode)).text, original, "the empty plan restores");
  return text;
}

Deno.test("applyPlan() inserts into existing tables after their last entry", () => {
  const original = lines(
    "[project]",
    'name = "core"',
    "",
    "[dependency-groups]",
    'dev = ["pytest"]',
    "# a comment at the end of the table stays there",
    "",
    "[tool.uv]",
    "package = true",
    "",
    "[tool.uv.sources]",
    "foo = { workspace = true }",
    "",
    "# the end",
  );
  assert.equal(
    applyAndRestore(original, devPlan),
    lines(
      "[project]",
      'name = "core"',
      "",
      "[dependency-groups]",
      'dev = ["pytest"]',
      'vector-db = ["rag4code-qdrant"]',
      "# a comment at the end of the table stays there",
      "",
      "[tool.uv]",
      "package = true",
      'default-groups = ["dev", "vector-db"]',
      "",
      "[tool.uv.sources]",
      "foo = { workspace = true }",
      'rag4code-qdrant = { path = "packages/rag4code-qdrant", editable = true }',
      "",
      "# the end",
      "",
      ...record({
        groups: ["vector-db"],
        packages: ["vector-db/rag4code-qdrant"],
        sources: ["rag4code-qdrant"],
        defaultGroups: ["vector-db"],
        created: ["tool.uv.default-groups"],
      }),
    ),
  );
});

Deno.test("applyPlan() inserts right after the header of a table without entries", () => {
  const original = lines("[tool.uv.sources]", "# none yet", "", "[tool.ruff]", "line-length = 100");
  const result = applyAndRestore(original, devPlan);
  assert.ok(result.startsWith(lines(
    "[tool.uv.sources]",
    'rag4code-qdrant = { path = "packages/rag4code-qdrant", editable = true }',
    "# none yet",
    "",
    "[tool.ruff]",
  )));
});

Deno.test("applyPlan() creates missing tables at the end", () => {
  const original = lines("[project]", 'name = "core"');
  const p = plan(
    { "vector-db": ["rag4code-qdrant"], llm: ["rag4code-ollama==0.3.1"] },
    [{ name: "rag4code-ollama", table: [["index", "hpm-localhost"]] }, qdrantDev],
    [{ name: "hpm-localhost", url: "http://127.0.0.1:8765/simple" }],
  );
  assert.equal(
    applyAndRestore(original, p),
    lines(
      "[project]",
      'name = "core"',
      "",
      "[dependency-groups]",
      'vector-db = ["rag4code-qdrant"]',
      'llm = ["rag4code-ollama==0.3.1"]',
      "",
      "[tool.uv]",
      'default-groups = ["vector-db", "llm"]',
      "",
      "[tool.uv.sources]",
      'rag4code-ollama = { index = "hpm-localhost" }',
      'rag4code-qdrant = { path = "packages/rag4code-qdrant", editable = true }',
      "",
      "[[tool.uv.index]]",
      'name = "hpm-localhost"',
      'url = "http://127.0.0.1:8765/simple"',
      "explicit = true",
      "",
      "[tool.hpm]",
      COMMENT,
      'mode = "dev"',
      'groups = ["vector-db", "llm"]',
      'packages = ["llm/rag4code-ollama", "vector-db/rag4code-qdrant"]',
      'sources = ["rag4code-ollama", "rag4code-qdrant"]',
      'indexes = ["hpm-localhost"]',
      'default-groups = ["llm", "vector-db"]',
      'created = ["dependency-groups", "tool.uv", "tool.uv.default-groups", "tool.uv.sources"]',
    ),
  );
});

Deno.test("applyPlan() handles an empty file", () => {
  const result = applyAndRestore("", plan({ g: ["a"] }));
  assert.equal(
    result,
    lines(
      "[dependency-groups]",
      'g = ["a"]',
      "",
      "[tool.uv]",
      'default-groups = ["g"]',
      "",
      ...record({
        groups: ["g"],
        packages: ["g/a"],
        defaultGroups: ["g"],
        created: ["dependency-groups", "tool.uv", "tool.uv.default-groups"],
      }),
    ),
  );
});

Deno.test("applyPlan() updates values in place when the mode changes", () => {
  const original = lines(
    "[project]",
    'name = "core"',
    "",
    "[dependency-groups]",
    'dev = ["pytest"]',
    "",
    "[tool.uv.sources]",
    "foo = { workspace = true }",
  );
  const dev = applyAndRestore(original, devPlan);
  const prodPlan = plan({ "vector-db": ["rag4code-qdrant==1.0.0"] }, [qdrantProd], [], "prod");
  const prod = applyAndRestore(original, prodPlan);
  assert.equal(applyPlan(dev, prodPlan).text, prod);
  assert.equal(applyPlan(prod, devPlan).text, dev);
  const devLines = dev.split("\n");
  const changed = prod.split("\n").filter((line, i) => line !== devLines[i]);
  assert.deepEqual(changed, [
    'vector-db = ["rag4code-qdrant==1.0.0"]',
    'rag4code-qdrant = { git = "https://github.com/rag4code/adapter-qdrant.git", tag = "v1.0.0" }',
    'mode = "prod"',
  ]);
});

Deno.test("applyPlan() keeps its entries in plan order when one comes back", () => {
  const original = lines(
    "[tool.uv.sources]",
    "foo = { workspace = true }",
    "zzz = { workspace = true }",
  );
  const both = plan({ g: ["rag4code-chroma", "rag4code-qdrant"] }, [chromaDev, qdrantDev]);
  const one = plan({ g: ["rag4code-chroma", "rag4code-qdrant"] }, [qdrantDev], [], "prod");
  const withBoth = applyAndRestore(original, both);
  const withOne = applyPlan(withBoth, one).text;
  assert.ok(!withOne.includes("rag4code-chroma = "));
  assert.equal(applyPlan(withOne, both).text, withBoth);
  assert.ok(withBoth.startsWith(lines(
    "[tool.uv.sources]",
    "foo = { workspace = true }",
    "zzz = { workspace = true }",
    'rag4code-chroma = { path = "../libs/chroma", editable = true }',
    'rag4code-qdrant = { path = "packages/rag4code-qdrant", editable = true }',
  )));
});

Deno.test("applyPlan() puts an index back where it was", () => {
  const original = lines("[[tool.uv.index]]", 'name = "pytorch"', 'url = "https://pytorch/simple"');
  const a = { name: "hpm-a", url: "https://a/simple" };
  const b = { name: "hpm-b", url: "https://b/simple" };
  const both = applyAndRestore(original, plan({ g: ["x"] }, [], [a, b]));
  const onlyB = applyPlan(both, plan({ g: ["x"] }, [], [b])).text;
  assert.equal(applyPlan(onlyB, plan({ g: ["x"] }, [], [a, b])).text, both);
  assert.deepEqual(both.split("\n").filter((line) => line.startsWith("name =")), [
    'name = "pytorch"',
    'name = "hpm-a"',
    'name = "hpm-b"',
  ]);
});

Deno.test("applyPlan() removes only the entries it wrote", () => {
  const original = lines(
    "[dependency-groups]",
    'dev = ["pytest"]',
    "",
    "[tool.uv.sources]",
    "foo = { workspace = true }",
  );
  const two = plan({ "vector-db": ["rag4code-qdrant"], llm: ["rag4code-chroma"] }, [
    chromaDev,
    qdrantDev,
  ]);
  const withTwo = applyAndRestore(original, two);
  assert.equal(
    applyPlan(withTwo, devPlan).text,
    applyPlan(original, devPlan).text,
    "removing a group and a source gives what adding only the rest gives",
  );
});

Deno.test("applyPlan() deletes a table it created once it is not needed", () => {
  const original = lines("[project]", 'name = "core"');
  const withSources = applyPlan(original, devPlan).text;
  const withoutSources = applyPlan(withSources, plan({ "vector-db": ["rag4code-qdrant"] })).text;
  assert.equal(
    withoutSources,
    lines(
      "[project]",
      'name = "core"',
      "",
      "[dependency-groups]",
      'vector-db = ["rag4code-qdrant"]',
      "",
      "[tool.uv]",
      'default-groups = ["vector-db"]',
      "",
      ...record({
        groups: ["vector-db"],
        packages: ["vector-db/rag4code-qdrant"],
        defaultGroups: ["vector-db"],
        created: ["dependency-groups", "tool.uv", "tool.uv.default-groups"],
      }),
    ),
  );
  assert.equal(applyPlan(withoutSources, devPlan).text, withSources);
});

Deno.test("applyPlan() keeps the tables it adds in one order", () => {
  const original = lines("[project]", 'name = "core"');
  const sourcesOnly = plan({}, [qdrantDev], [{ name: "i", url: "https://i/simple" }]);
  const full = plan({ "vector-db": ["rag4code-qdrant"] }, [qdrantDev], [
    { name: "i", url: "https://i/simple" },
  ]);
  const direct = applyPlan(original, full).text;
  assert.equal(applyPlan(applyPlan(original, sourcesOnly).text, full).text, direct);
  assert.deepEqual(direct.split("\n").filter((line) => line.startsWith("[")), [
    "[project]",
    "[dependency-groups]",
    "[tool.uv]",
    "[tool.uv.sources]",
    "[[tool.uv.index]]",
    "[tool.hpm]",
  ]);
});

Deno.test("applyPlan() keeps a table it created once the user wrote in it", () => {
  const managed = applyPlan(lines("[project]", 'name = "core"'), devPlan).text;
  const edited = managed.replace(
    'vector-db = ["rag4code-qdrant"]\n',
    'vector-db = ["rag4code-qdrant"]\ndocs = ["mkdocs"]\n',
  );
  const result = applyPlan(edited, emptyPlan("dev")).text;
  assert.equal(
    result,
    lines("[project]", 'name = "core"', "", "[dependency-groups]", 'docs = ["mkdocs"]'),
  );
});

Deno.test("applyPlan() keeps CRLF", () => {
  const original =
    '[project]\r\nname = "core"\r\n\r\n[dependency-groups]\r\ndev = [\r\n  "pytest",\r\n]\r\n';
  const result = applyAndRestore(
    original,
    plan({ "vector-db": ["rag4code-qdrant"] }, [qdrantDev], [{
      name: "i",
      url: "https://x/simple",
    }]),
  );
  assert.equal(result.split("\n").length, result.split("\r\n").length, "every newline is CRLF");
  assert.ok(result.startsWith(original + 'vector-db = ["rag4code-qdrant"]\r\n\r\n[tool.uv]\r\n'));
});

Deno.test("applyPlan() keeps a byte order mark", () => {
  const original = '\uFEFF[project]\nname = "core"\n';
  const result = applyAndRestore(original, devPlan);
  assert.ok(result.startsWith(original + "\n[dependency-groups]\n"));
  const bare = applyAndRestore("\uFEFF", plan({ g: ["a"] }));
  assert.ok(bare.startsWith('\uFEFF[dependency-groups]\ng = ["a"]\n'));
});

Deno.test("applyPlan() keeps tabs", () => {
  const original = lines(
    "[dependency-groups]",
    "\tdev\t=\t[",
    '\t\t"pytest",\t# tab',
    "\t]",
    "\t# tab comment",
  );
  const result = applyAndRestore(original, plan({ g: ["a"] }));
  assert.ok(result.startsWith(lines(
    "[dependency-groups]",
    "\tdev\t=\t[",
    '\t\t"pytest",\t# tab',
    "\t]",
    'g = ["a"]',
    "\t# tab comment",
  )));
});

Deno.test("applyPlan() keeps a file without a final newline without one", async (t) => {
  for (const eol of ["\n", "\r\n"]) {
    await t.step(JSON.stringify(eol), () => {
      const original = `[project]${eol}name = "core"${eol}[tool.uv]${eol}package = false`;
      assert.equal(applyPlan(original, emptyPlan("dev")).text, original);
      const dev = applyPlan(original, devPlan).text;
      assert.ok(dev.startsWith(`${original}${eol}default-groups = ["vector-db"]${eol}`));
      assert.ok(!dev.endsWith("\n"));
      const prod = applyPlan(dev, plan({ "vector-db": ["rag4code-qdrant"] }, [qdrantProd])).text;
      assert.notEqual(prod, dev);
      assert.ok(!prod.endsWith("\n"));
      assert.equal(applyPlan(prod, emptyPlan("dev")).text, original);
      assert.equal(applyPlan(dev, emptyPlan("dev")).text, original);
    });
  }
});

Deno.test("applyPlan() returns the very same string when nothing changes", () => {
  const unmanaged = lines("[project]", 'name = "core"', "# comment");
  const noop = applyPlan(unmanaged, emptyPlan("dev"));
  assert.equal(noop.changed, false);
  assert.ok(noop.text === unmanaged);
  const managed = applyPlan(unmanaged, devPlan).text;
  const again = applyPlan(managed, devPlan);
  assert.equal(again.changed, false);
  assert.ok(again.text === managed);
});

Deno.test("applyPlan() writes a long group one requirement a line", () => {
  const requirements = [
    "rag4code-qdrant==1.2.0",
    "rag4code-chroma==1.2.0",
    "rag4code-openai==1.2.0",
    "rag4code-ollama==1.2.0",
  ];
  const result = applyAndRestore("", plan({ plugins: requirements }));
  assert.ok(result.startsWith(lines(
    "[dependency-groups]",
    "plugins = [",
    '    "rag4code-qdrant==1.2.0",',
    '    "rag4code-chroma==1.2.0",',
    '    "rag4code-openai==1.2.0",',
    '    "rag4code-ollama==1.2.0",',
    "]",
  )));
  assert.deepEqual(at(parse(result), "dependency-groups", "plugins"), requirements);
});

Deno.test("applyPlan() quotes keys that are not bare keys", () => {
  const source: PlannedSource = { name: "zope.interface", table: [["path", "libs/zope"]] };
  const result = applyAndRestore("", plan({ "my group": ["zope.interface"] }, [source]));
  assert.match(result, /^"my group" = \["zope.interface"\]$/m);
  assert.match(result, /^"zope.interface" = \{ path = "libs\/zope" \}$/m);
  assert.deepEqual(Object.keys(at(parse(result), "tool", "uv", "sources") as object), [
    "zope.interface",
  ]);
});

Deno.test("applyPlan() handles tool.uv.default-groups", async (t) => {
  const p = plan({ "vector-db": ["rag4code-qdrant"] });
  const cases: [string, string, string, string[]][] = [
    [
      "absent, no dev group",
      lines("[tool.uv]", "package = true"),
      lines("[tool.uv]", "package = true", 'default-groups = ["vector-db"]'),
      ["tool.uv.default-groups"],
    ],
    [
      "absent, dev group kept",
      lines("[dependency-groups]", 'Dev = ["pytest"]', "", "[tool.uv]", "package = true"),
      lines(
        "[dependency-groups]",
        'Dev = ["pytest"]',
        'vector-db = ["rag4code-qdrant"]',
        "",
        "[tool.uv]",
        "package = true",
        'default-groups = ["dev", "vector-db"]',
      ),
      ["tool.uv.default-groups"],
    ],
    [
      "absent, legacy dev-dependencies kept",
      lines("[tool.uv]", 'dev-dependencies = ["pytest"]'),
      lines("[tool.uv]", 'dev-dependencies = ["pytest"]', 'default-groups = ["dev", "vector-db"]'),
      ["tool.uv.default-groups"],
    ],
    [
      "one line",
      lines("[tool.uv]", "default-groups = ['dev', 'docs']  # why"),
      lines("[tool.uv]", "default-groups = ['dev', 'docs', 'vector-db']  # why"),
      [],
    ],
    [
      "one line with a trailing comma",
      lines("[tool.uv]", 'default-groups = ["dev",]'),
      lines("[tool.uv]", 'default-groups = ["dev", "vector-db",]'),
      [],
    ],
    [
      "empty",
      lines("[tool.uv]", "default-groups = [ ]"),
      lines("[tool.uv]", 'default-groups = ["vector-db" ]'),
      [],
    ],
    [
      "multi-line with a trailing comma",
      lines("[tool.uv]", "default-groups = [", '  "dev", # tests', "]"),
      lines("[tool.uv]", "default-groups = [", '  "dev", # tests', '  "vector-db",', "]"),
      [],
    ],
    [
      "multi-line without a trailing comma",
      lines("[tool.uv]", "default-groups = [", '\t"dev" # tests', "]"),
      lines("[tool.uv]", "default-groups = [", '\t"dev", # tests', '\t"vector-db"', "]"),
      [],
    ],
    [
      "multi-line, empty",
      lines("[tool.uv]", "default-groups = [", "]"),
      lines("[tool.uv]", "default-groups = [", '    "vector-db",', "]"),
      [],
    ],
    [
      "a dotted key under [tool]",
      lines("[tool]", 'uv.default-groups = ["dev"]'),
      lines("[tool]", 'uv.default-groups = ["dev", "vector-db"]'),
      [],
    ],
    [
      '"all"',
      lines("[tool.uv]", 'default-groups = "all"'),
      lines("[tool.uv]", 'default-groups = "all"'),
      [],
    ],
  ];
  for (const [name, original, expectedStart, created] of cases) {
    await t.step(name, () => {
      const result = applyAndRestore(original, p);
      assert.ok(
        result.startsWith(expectedStart),
        `expected to start with:\n${expectedStart}\ngot:\n${result}`,
      );
      const r = readManaged(result);
      assert.deepEqual(r?.defaultGroups, name === '"all"' ? [] : ["vector-db"]);
      assert.deepEqual(r?.created.filter((c) => c.includes("default")), created);
    });
  }

  await t.step("several groups added and removed one by one", () => {
    const original = lines("[tool.uv]", "default-groups = [", '    "dev"', "]");
    const a = plan({ a: ["x"] });
    const ab = plan({ a: ["x"], b: ["y"] });
    const b = plan({ b: ["y"] });
    const withAb = applyPlan(applyPlan(original, a).text, ab).text;
    assert.ok(withAb.startsWith(lines(
      "[tool.uv]",
      "default-groups = [",
      '    "dev",',
      '    "a",',
      '    "b"',
      "]",
    )));
    const withB = applyPlan(withAb, b).text;
    assert.ok(
      withB.startsWith(lines("[tool.uv]", "default-groups = [", '    "dev",', '    "b"', "]")),
    );
    assert.equal(applyPlan(withB, emptyPlan("dev")).text, original);
  });

  await t.step("a group the user listed already stays when hpm stops managing it", () => {
    const original = lines("[tool.uv]", 'default-groups = ["vector-db"]');
    const result = applyAndRestore(original, p);
    assert.ok(result.startsWith(original));
    assert.deepEqual(readManaged(result)?.defaultGroups, []);
  });

  await t.step("a key hpm created follows the dev group", () => {
    const managed = applyPlan(lines("[tool.uv]", "package = true"), p).text;
    assert.match(managed, /^default-groups = \["vector-db"\]$/m);
    const withDev = managed.replace("vector-db = [", 'dev = ["pytest"]\nvector-db = [');
    assert.match(applyPlan(withDev, p).text, /^default-groups = \["dev", "vector-db"\]$/m);
  });

  await t.step("neither an array nor all", () => {
    assert.throws(
      () => applyPlan(lines("[tool.uv]", "default-groups = 3"), p),
      inputError("toml-layout", 2, 1, /default-groups/),
    );
  });
});

Deno.test("applyPlan() refuses layouts it cannot extend", async (t) => {
  const cases: [string, string, Plan, number, number][] = [
    [
      "sources as an inline table",
      lines("[tool.uv]", "sources = { foo = { workspace = true } }"),
      devPlan,
      2,
      1,
    ],
    [
      "sources as dotted keys",
      lines("[tool]", "uv.sources.foo = { workspace = true }"),
      devPlan,
      2,
      1,
    ],
    ["tool as an inline table", lines("tool = { black = { line-length = 100 } }"), devPlan, 1, 1],
    [
      "dependency groups as dotted keys",
      lines('dependency-groups.dev = ["pytest"]'),
      devPlan,
      1,
      1,
    ],
    [
      "tool.uv as dotted keys, for default-groups",
      lines("[tool]", "uv.package = true"),
      plan({ g: ["a"] }),
      2,
      1,
    ],
    [
      "tool.uv as dotted keys, after a header that only implies it",
      lines("[tool.uv.workspace]", "members = []", "", "[tool]", "uv.package = false"),
      plan({ g: ["a"] }),
      5,
      1,
    ],
    [
      "default-groups inside [[tool.uv]], with only default-groups to write",
      lines("[[tool.uv]]", 'default-groups = ["dev"]'),
      plan({ g: ["a"] }, [], [], "prod"),
      1,
      1,
    ],
    [
      "inline sources after a group hpm extends first: the line in the file as it is",
      lines(
        "[dependency-groups]",
        'dev = ["pytest"]',
        "",
        "[tool.uv]",
        'sources = { foo = { path = "x" } }',
        "",
        "[other]",
      ),
      devPlan,
      5,
      1,
    ],
    [
      "index as an inline array",
      lines("[tool.uv]", 'index = [{ name = "a", url = "https://a" }]'),
      plan({ g: ["a"] }, [], [{ name: "b", url: "https://b" }]),
      2,
      1,
    ],
  ];
  for (const [name, original, p, line, column] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => applyPlan(original, p),
        inputError("toml-layout", line, column, /^cannot add entries to /),
      );
    });
  }
  await t.step("an hpm entry the user moved", () => {
    const managed = applyPlan("", devPlan).text;
    const moved = managed.replace(
      '[dependency-groups]\nvector-db = ["rag4code-qdrant"]\n',
      'dependency-groups.vector-db = ["rag4code-qdrant"]\n',
    );
    assert.throws(
      () => applyPlan(moved, emptyPlan("dev")),
      inputError("toml-layout", 1, 1, /vector-db/),
    );
  });
});

Deno.test("applyPlan() keeps injected values as strings", () => {
  const evil = 'x"]\n[evil]\nkey = "v';
  const p = plan(
    { "vector-db": [evil, "back\\slash", "ctl\u0000\u0007\u001f\u007f\ttab\r\n\f\b"] },
    [{ name: "rag4code-qdrant", table: [["path", 'a" }\n[evil2]\n'], ["editable", true]] }],
    [{ name: 'idx"\n[evil3]', url: "https://x/\u2028'''\"\"\"" }],
  );
  const result = applyAndRestore("", p);
  const parsed = parse(result);
  assert.deepEqual(Object.keys(parsed).sort(), ["dependency-groups", "tool"]);
  assert.deepEqual(at(parsed, "dependency-groups", "vector-db"), p.groups[0].requirements);
  assert.deepEqual(at(parsed, "tool", "uv", "sources"), {
    "rag4code-qdrant": { path: 'a" }\n[evil2]\n', editable: true },
  });
  assert.deepEqual(at(parsed, "tool", "uv", "index"), [{
    name: 'idx"\n[evil3]',
    url: "https://x/\u2028'''\"\"\"",
    explicit: true,
  }]);
  const raw = [...result].filter((c) => (c < " " && c !== "\n") || c === "\u007f");
  assert.deepEqual(raw, [], "control characters are escaped");
  assert.match(result, /\\u0000\\u0007\\u001f\\u007f\\ttab\\r\\n\\f\\b/);
});

Deno.test("applyPlan() rejects invalid TOML with its position", () => {
  assert.throws(
    () => applyPlan('[project]\nname = "core"\nversion = \n', devPlan, "x/pyproject.toml"),
    inputError("toml-syntax", 3, 11, /^cannot parse x\/pyproject\.toml: /),
  );
});

Deno.test("applyPlan() rejects values that are not valid Unicode", () => {
  assert.throws(() => applyPlan("", plan({ g: ["\uD800"] })), inputError("schema"));
});

Deno.test("applyPlan() keeps items the user added to hpm's groups", async (t) => {
  const original = lines("[project]", 'name = "core"');
  const prodPlan = plan({ "vector-db": ["rag4code-qdrant==1.0.0"] }, [qdrantProd], [], "prod");
  const dev = applyPlan(original, devPlan).text;
  const added = dev.replace(
    'vector-db = ["rag4code-qdrant"]',
    'vector-db = [\'coverage[toml]>=7\', "rag4code-qdrant", { include-group = "dev" }]',
  );

  await t.step("in the same mode: nothing changes, and they are reported", () => {
    const r = applyPlan(added, devPlan);
    assert.equal(r.changed, false);
    assert.deepEqual(r.kept, [{
      group: "vector-db",
      items: ["coverage[toml]>=7", "(a table)"],
      handedOver: false,
    }]);
  });
  await t.step("across a mode switch and back, as written", () => {
    const prod = applyPlan(added, prodPlan);
    assert.match(
      prod.text,
      /^vector-db = \["rag4code-qdrant==1\.0\.0", 'coverage\[toml\]>=7', \{ include-group = "dev" \}\]$/m,
    );
    assert.equal(prod.kept.length, 1);
    const back = applyPlan(prod.text, devPlan).text;
    assert.match(back, /^vector-db = \["rag4code-qdrant", 'coverage\[toml\]>=7', /m);
    assert.equal(applyPlan(back, devPlan).changed, false);
  });
  await t.step("when hpm drops the group, the group stays with the user's items only", () => {
    const r = applyPlan(added, emptyPlan("dev"));
    assert.deepEqual(r.kept.map((k) => [k.group, k.handedOver]), [["vector-db", true]]);
    assert.equal(
      r.text,
      lines(
        "[project]",
        'name = "core"',
        "",
        "[dependency-groups]",
        "vector-db = ['coverage[toml]>=7', { include-group = \"dev\" }]",
        "",
        "[tool.uv]",
        'default-groups = ["vector-db"]',
      ),
      "still installed by default; hpm's source and record are gone",
    );
    assert.equal(readManaged(r.text), undefined);
  });
  await t.step("an item for a package hpm puts in the group is hpm's", () => {
    const twice = dev.replace(
      'vector-db = ["rag4code-qdrant"]',
      'vector-db = ["rag4code-qdrant", "Rag4Code_Qdrant>=0.1"]',
    );
    assert.match(applyPlan(twice, prodPlan).text, /^vector-db = \["rag4code-qdrant==1\.0\.0"\]$/m);
  });
  await t.step("a record from before hpm recorded items: every item is hpm's, as then", () => {
    const legacy = added.replace(/^packages = .*\n/m, "");
    assert.equal(readManaged(legacy)?.packages, undefined);
    assert.match(applyPlan(legacy, prodPlan).text, /^vector-db = \["rag4code-qdrant==1\.0\.0"\]$/m);
  });
});

Deno.test("applyPlan() writes its overrides into tool.uv.override-dependencies", async (t) => {
  const b = (table: [string, string | boolean][]): PlannedSource => ({ name: "plug-b", table });
  const pinned = (overrides: string[] | undefined, mode = "dev"): Plan => ({
    ...plan({ plugins: ["plug-c", "plug-b"] }, [b([["path", "../libs-b"], ["editable", true]])]),
    mode,
    ...(overrides ? { overrides } : {}),
  });
  await t.step("a key of its own, recorded, and gone with the plan", () => {
    const original = lines("[project]", 'name = "core"', "", "[tool.uv]", "package = true");
    const text = applyAndRestore(original, pinned(["plug-b"]));
    assert.match(
      text,
      /^\[tool\.uv\]\npackage = true\ndefault-groups = \["plugins"\]\noverride-dependencies = \["plug-b"\]\n/m,
    );
    const managed = readManaged(text)!;
    assert.deepEqual(managed.overrides, ["plug-b"]);
    assert.ok(managed.created.includes("tool.uv.override-dependencies"));
    assert.equal(
      applyPlan(text, pinned(undefined)).text,
      applyPlan(original, pinned(undefined)).text,
    );
  });
  await t.step("beside the user's elements, kept as they are", () => {
    const original = lines("[tool.uv]", 'override-dependencies = ["numpy<2"]  # ours');
    const text = applyAndRestore(original, pinned(["plug-b==1.1.0"], "prod"));
    assert.match(text, /^override-dependencies = \["numpy<2", "plug-b==1\.1\.0"\] {2}# ours$/m);
    const later = applyPlan(text, pinned(["plug-b==1.2.0"], "prod")).text;
    assert.match(later, /^override-dependencies = \["numpy<2", "plug-b==1\.2\.0"\] {2}# ours$/m);
    assert.equal(applyPlan(later, pinned(undefined)).text.includes('"numpy<2"]  # ours'), true);
    assert.equal(applyPlan(later, emptyPlan("dev")).text, original);
  });
  await t.step("the user's very element stays theirs", () => {
    const original = lines("[tool.uv]", 'override-dependencies = ["plug-b"]');
    const text = applyPlan(original, pinned(["plug-b"])).text;
    assert.equal(readManaged(text)!.overrides, undefined);
    assert.match(text, /^override-dependencies = \["plug-b"\]$/m);
    assert.equal(applyPlan(text, emptyPlan("dev")).text, original);
    const adopted = applyPlan(original, pinned(["plug-b"]), "pyproject.toml", { adopt: true });
    assert.deepEqual(readManaged(adopted.text)!.overrides, ["plug-b"]);
  });
  await t.step("taken back with the rest after [tool.hpm] was deleted", () => {
    const original = lines("[project]", 'name = "core"');
    const text = applyPlan(original, pinned(["plug-b"])).text;
    const lost = text.slice(0, text.indexOf("\n\n[tool.hpm]") + 1);
    const adopted = applyPlan(lost, pinned(["plug-b"]), "pyproject.toml", { adopt: true }).text;
    assert.equal(adopted, text);
    assert.equal(applyPlan(adopted, emptyPlan("dev")).text, original);
  });
  await t.step("another of the user's for the same package is a conflict", () => {
    const original = lines("[tool.uv]", "override-dependencies = [", '    "plug-b>=2",', "]");
    assert.throws(
      () => applyPlan(original, pinned(["plug-b"])),
      inputError("conflict", 3, 5, /"plug-b>=2" in `tool\.uv\.override-dependencies`/),
    );
  });
  await t.step("one that is not an array cannot take them", () => {
    assert.throws(
      () => applyPlan(lines("[tool.uv]", "override-dependencies = 1"), pinned(["plug-b"])),
      inputError("toml-layout", 2, 1, /not an array/),
    );
  });
});

Deno.test("applyPlan() records the plugins developed from their clones", () => {
  const developed: Plan = {
    ...plan({ "vector-db": ["rag4code-qdrant"] }, [qdrantDev], [], "prod"),
    develop: ["rag4code-qdrant"],
  };
  const text = applyAndRestore(lines("[project]", 'name = "core"'), developed);
  assert.match(text, /^mode = "prod"\ndevelop = \["rag4code-qdrant"\]\ngroups = /m);
  assert.deepEqual(readManaged(text)!.develop, ["rag4code-qdrant"]);
  const released =
    applyPlan(text, plan({ "vector-db": ["rag4code-qdrant"] }, [qdrantProd], [], "prod")).text;
  assert.equal(readManaged(released)!.develop, undefined);
  assert.doesNotMatch(released, /develop/);
});
