import assert from "node:assert/strict";
import { HpmInputError } from "../core/errors.ts";
import { devPlan, inputError, lines, plan, qdrantDev, qdrantProd } from "./_testing.ts";
import { applyPlan, emptyPlan } from "./pyproject.ts";
import { foreignSources, plannedPackages } from "./pyproject_policy.ts";

Deno.test("applyPlan() reports collisions naming both entries", async (t) => {
  await t.step("dependency group (normalised)", () => {
    const original = lines(
      "[project]",
      'name = "core"',
      "",
      "[dependency-groups]",
      'Vector_DB = ["mine"]',
    );
    assert.throws(
      () => applyPlan(original, devPlan, "core/pyproject.toml"),
      inputError(
        "conflict",
        5,
        1,
        /"vector-db".*core\/pyproject\.toml:5:1.*"Vector_DB".*vector-db = \["rag4code-qdrant"\]/,
      ),
    );
  });
  await t.step("dependency group written as an inline table", () => {
    const original = lines('dependency-groups = { dev = [], vector-db = ["mine"] }');
    assert.throws(() => applyPlan(original, devPlan), inputError("conflict", 1, 33));
  });
  await t.step("source (normalised)", () => {
    const original = lines("[tool.uv.sources]", "  Rag4Code_Qdrant = { workspace = true }");
    assert.throws(
      () => applyPlan(original, devPlan),
      inputError(
        "conflict",
        2,
        3,
        /source "rag4code-qdrant".*pyproject\.toml:2:3.*"Rag4Code_Qdrant".*rag4code-qdrant = \{ path = "packages\/rag4code-qdrant", editable = true \}/,
      ),
    );
  });
  await t.step("index", () => {
    const original = lines(
      "[[tool.uv.index]]",
      'name = "pytorch"',
      'url = "https://download.pytorch.org/whl/cpu"',
      "",
      "[[tool.uv.index]]",
      'url = "https://example.com/simple"',
      'name = "hpm-localhost"',
    );
    const p = plan({ g: ["a"] }, [], [{ name: "hpm-localhost", url: "http://127.0.0.1/simple" }]);
    assert.throws(
      () => applyPlan(original, p),
      inputError("conflict", 7, 1, /index "hpm-localhost".*:7:1.*http:\/\/127\.0\.0\.1\/simple/),
    );
  });
  await t.step("an entry hpm wrote is not a collision", () => {
    const managed = applyPlan("", devPlan).text;
    assert.equal(applyPlan(managed, devPlan).changed, false);
  });
});

Deno.test("a source of the user's for a package the plan installs is refused, whatever [tool.hpm] says", async (t) => {
  // prod installs rag4code-openai from the package index: it writes no source for it.
  const prod = plan(
    { "vector-db": ["rag4code-qdrant"], llm: ["rag4code-openai==1.2.0"] },
    [qdrantProd],
    [],
    "prod",
  );
  const synced = applyPlan(lines("[project]", 'name = "core"'), prod).text;
  const withLine = (line: string) =>
    synced.replace("[tool.uv.sources]\n", `[tool.uv.sources]\n${line}\n`);
  const lineOf = (text: string, line: string) => text.split("\n").indexOf(line) + 1;

  await t.step(
    "a local path, a git URL, an index: applyPlan refuses, foreignSources names it",
    () => {
      for (
        const value of [
          '{ path = "packages/openai", editable = true }',
          '{ git = "https://evil.example/o.git", tag = "v1" }',
          '{ index = "mine" }',
        ]
      ) {
        const text = withLine(`Rag4Code_OpenAI = ${value}`);
        const line = lineOf(text, `Rag4Code_OpenAI = ${value}`);
        assert.throws(
          () => applyPlan(text, prod, "core/pyproject.toml"),
          inputError(
            "conflict",
            line,
            1,
            new RegExp(
              `core/pyproject\\.toml:${line}:1 has source "Rag4Code_OpenAI", which hpm did not write \\(mode prod installs rag4code-openai==1\\.2\\.0 from the package index, with no source\\)`,
            ),
          ),
        );
        assert.deepEqual(foreignSources(text, prod), [
          `pyproject.toml:${line}:1: [tool.uv.sources] Rag4Code_OpenAI = ${value} is not mode ` +
          "prod's source for rag4code-openai (mode prod installs rag4code-openai==1.2.0 from the " +
          "package index, with no source)",
        ]);
      }
    },
  );
  await t.step("the plan's own source, changed where [tool.hpm] does not list it", () => {
    const text = synced.replace(/^rag4code-qdrant = .*$/m, 'rag4code-qdrant = { path = "../q" }')
      .replace('sources = ["rag4code-qdrant"]', "sources = []");
    assert.throws(() => applyPlan(text, prod), inputError("conflict"));
    assert.deepEqual(foreignSources(text, prod), [
      `pyproject.toml:${
        lineOf(text, 'rag4code-qdrant = { path = "../q" }')
      }:1: [tool.uv.sources] ` +
      `rag4code-qdrant = { path = "../q" } is not mode prod's source for rag4code-qdrant (mode ` +
      `prod: rag4code-qdrant = { git = "https://github.com/rag4code/adapter-qdrant.git", tag = ` +
      `"v1.0.0" })`,
    ]);
  });
  await t.step("written as dotted keys, or a list of sources", () => {
    const text = lines(
      "[tool]",
      'uv.sources.rag4code-openai = [{ path = "a", marker = "sys_platform == \'linux\'" }]',
    );
    assert.throws(() => applyPlan(text, prod), inputError("conflict", 2, 1));
    assert.equal(foreignSources(text, prod).length, 1);
    assert.match(
      foreignSources(text, prod)[0],
      /^pyproject\.toml:2:1: .*\[\{ path = "a", marker = /,
    );
  });
  await t.step(
    "a requirement of the user's with a URL for it, in any list but hpm's groups",
    () => {
      const url = '"rag4code-openai[x] @ file:///home/me/openai"';
      for (
        const [before, line, shown] of [
          ['name = "core"', `dependencies = [${url}]`, url],
          // Inside an inline table: the key of its list.
          ['name = "core"', `optional-dependencies = { extra = ["a", ${url}] }`, "extra"],
          ["[tool.uv]", `override-dependencies = [${url}]`, url],
        ]
      ) {
        const text = synced.replace(`${before}\n`, `${before}\n${line}\n`);
        const at = lineOf(text, line);
        const column = line.indexOf(shown) + 1;
        assert.throws(
          () => applyPlan(text, prod),
          inputError("conflict", at, column, /rag4code-openai\[x\] @ file:\/\/\/home\/me\/openai/),
        );
        const [found, ...more] = foreignSources(text, prod);
        assert.deepEqual(more, []);
        assert.match(
          found,
          new RegExp(
            `^pyproject\\.toml:${at}:${column}: .* is not mode prod's source for rag4code-openai`,
          ),
        );
      }
      // Without a URL it is the user's requirement, which hpm leaves alone.
      const plain = synced.replace(
        'name = "core"\n',
        'name = "core"\ndependencies = ["rag4code-openai>=1"]\n',
      );
      assert.deepEqual(foreignSources(plain, prod), []);
      assert.equal(applyPlan(plain, prod).changed, false);
    },
  );
  await t.step("sources for packages hpm does not manage are the user's, and stay", () => {
    const text = withLine('mine = { path = "../mine", editable = true }');
    assert.deepEqual(foreignSources(text, prod), []);
    assert.equal(applyPlan(text, prod).changed, false);
    assert.equal(applyPlan(text, emptyPlan("prod")).text.includes("mine = { path"), true);
  });
  await t.step("hpm's own entries, as it wrote them, are not foreign", () => {
    assert.deepEqual(foreignSources(synced, prod), []);
    const dev = applyPlan(
      synced,
      plan({ "vector-db": ["rag4code-qdrant"], llm: ["rag4code-openai"] }, [qdrantDev, {
        name: "rag4code-openai",
        table: [["path", "o"], ["editable", true]],
      }]),
    ).text;
    // A dev form's entries are hpm's too: prod rewrites them (drift, not a collision).
    assert.deepEqual(foreignSources(dev, prod), []);
    assert.equal(applyPlan(dev, prod).text, synced);
  });
});

Deno.test("plannedPackages(): every package the groups install, once, by normalised name", () => {
  const p = plan({ a: ["X_y>=1", "z"], b: ["x-y", "w[extra]==2"] });
  assert.deepEqual([...plannedPackages(p)], [
    ["x-y", { name: "X_y", requirement: "X_y>=1" }],
    ["z", { name: "z", requirement: "z" }],
    ["w", { name: "w", requirement: "w[extra]==2" }],
  ]);
});

Deno.test("applyPlan() with [tool.hpm] deleted: the error names --adopt, which takes exact matches only", async (t) => {
  const original = lines("[project]", 'name = "core"');
  const managed = applyPlan(original, devPlan).text;
  const orphaned = managed.slice(0, managed.indexOf("\n[tool.hpm]"));

  await t.step("without --adopt: a conflict whose hint is the recovery", () => {
    assert.throws(() => applyPlan(orphaned, devPlan), (e) => {
      assert.ok(e instanceof HpmInputError);
      assert.equal(e.code, "conflict");
      assert.match(e.message, /^cannot write dependency group "vector-db"/);
      assert.match(e.hint!, /`hpm sync --mode dev --adopt`/);
      return true;
    });
  });
  await t.step("with adopt: the entries are hpm's again, the record is back", () => {
    const r = applyPlan(orphaned, devPlan, "pyproject.toml", { adopt: true });
    assert.equal(r.text, managed, "as if the record had never gone");
    assert.equal(applyPlan(r.text, emptyPlan("dev")).text, original, "and hpm can leave again");
  });
  await t.step("a group holding an item the user added is adopted, the item kept as theirs", () => {
    const withMine = applyPlan(
      managed.replace(
        'vector-db = ["rag4code-qdrant"]',
        'vector-db = ["rag4code-qdrant", "pytest-mock"]',
      ),
      devPlan,
    );
    assert.deepEqual(withMine.kept, [
      { group: "vector-db", items: ["pytest-mock"], handedOver: false },
    ]);
    const lost = withMine.text.slice(0, withMine.text.indexOf("\n[tool.hpm]"));
    assert.throws(() => applyPlan(lost, devPlan), (e) => {
      assert.ok(e instanceof HpmInputError);
      assert.match(e.hint!, /`hpm sync --mode dev --adopt`/);
      return true;
    });
    const r = applyPlan(lost, devPlan, "pyproject.toml", { adopt: true });
    assert.equal(r.text, withMine.text, "the record as it was: pytest-mock is not hpm's");
    assert.deepEqual(r.kept, withMine.kept);
    const left = applyPlan(r.text, emptyPlan("dev")).text;
    assert.match(
      left,
      /^vector-db = \["pytest-mock"\]$/m,
      "when hpm leaves, the user's item stays",
    );
  });
  await t.step("an entry that differs is still a conflict, with a real fix as hint", () => {
    const mine = orphaned.replace("editable = true }", "editable = false }");
    assert.throws(
      () => applyPlan(mine, devPlan, "pyproject.toml", { adopt: true }),
      (e) => {
        assert.ok(e instanceof HpmInputError);
        assert.match(e.message, /^cannot write source "rag4code-qdrant"/);
        assert.match(e.hint!, /^remove your source for `rag4code-qdrant`/);
        assert.doesNotMatch(e.hint!, /rename/);
        return true;
      },
    );
  });
});
