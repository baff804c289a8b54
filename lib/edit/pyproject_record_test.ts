import assert from "node:assert/strict";
import { devPlan, inputError, lines, plan, qdrantProd } from "./_testing.ts";
import { applyPlan } from "./pyproject.ts";
import { readManaged, recordedPlan } from "./pyproject_record.ts";

Deno.test("readManaged() reads the record", async (t) => {
  await t.step("absent", () => {
    assert.equal(readManaged(lines("[tool.uv]", "package = true")), undefined);
  });
  await t.step("as applyPlan writes it", () => {
    const managed = applyPlan(lines("[tool.uv]", "package = true"), devPlan).text;
    assert.deepEqual(readManaged(managed), {
      mode: "dev",
      groups: ["vector-db"],
      packages: ["vector-db/rag4code-qdrant"],
      sources: ["rag4code-qdrant"],
      indexes: [],
      defaultGroups: ["vector-db"],
      created: ["dependency-groups", "tool.uv.default-groups", "tool.uv.sources"],
    });
  });
  await t.step("damaged", () => {
    const damaged = lines("[tool.hpm]", 'mode = "dev"', 'groups = "vector-db"');
    assert.throws(
      () => readManaged(damaged, "p.toml"),
      inputError("toml-layout", 3, 1, /tool\.hpm\.groups.*array of strings/),
    );
    assert.throws(() => applyPlan(damaged, devPlan), inputError("toml-layout", 3, 1));
    assert.throws(() => readManaged(lines("[tool]", "hpm = 1")), inputError("toml-layout", 2, 1));
  });
});

Deno.test("readManaged() and applyPlan(): the git registries' states, one line each, commit ids only", () => {
  const a = { location: "https://example.com/b.git#main", commit: "b".repeat(40) };
  const b = { location: "file:///srv/a reg.git#v3", commit: "a".repeat(64) };
  const text = applyPlan(lines("[tool.uv]", "package = true"), { ...devPlan, registries: [a, b] })
    .text;
  assert.match(
    text,
    /^registries\."file:\/\/\/srv\/a reg\.git#v3" = "a{64}"\nregistries\."https:/m,
  );
  assert.deepEqual(readManaged(text)?.registries, [b, a], "by location");
  const moved = { ...devPlan, registries: [{ ...a, commit: "c".repeat(40) }] };
  const after = applyPlan(text, moved).text;
  assert.deepEqual(readManaged(after)?.registries, moved.registries);
  assert.equal(applyPlan(after, moved).changed, false);
  assert.equal(readManaged(applyPlan(after, devPlan).text)?.registries, undefined, "none: no line");
  const planted = after.replace("c".repeat(40), "../../etc");
  assert.throws(
    () => readManaged(planted, "p.toml"),
    inputError("toml-layout", 20, 1, /tool\.hpm\.registries.*commit ids/),
  );
});

Deno.test("recordedPlan(): the entries a file holds, which applied to another form of it give the same file", () => {
  const base = lines("[project]", 'name = "core"', "", "[dependency-groups]", 'dev = ["pytest"]');
  const prod = plan(
    { "vector-db": ["rag4code-qdrant"], llm: ["rag4code-openai==1.2.0"] },
    [{ name: "rag4code-openai", table: [["index", "hpm-pypi-example-com"]] }, qdrantProd],
    [{ name: "hpm-pypi-example-com", url: "https://pypi.example.com/simple" }],
    "prod",
  );
  const prodText = applyPlan(base, prod).text;
  assert.deepEqual(recordedPlan(prodText), prod);
  // The user's item in hpm's group is not the plan's.
  const withMine = prodText.replace(
    'vector-db = ["rag4code-qdrant"]',
    'vector-db = ["rag4code-qdrant", "mine"]',
  );
  assert.deepEqual(recordedPlan(withMine), prod);
  // The dev form, switched with the plan the prod form holds, is the prod form.
  const devText = applyPlan(prodText, devPlan).text;
  assert.equal(applyPlan(devText, recordedPlan(prodText)!).text, prodText);
  assert.equal(recordedPlan(base), undefined);
  // What else a record names comes back too: the registries' states.
  const pinned = { ...prod, registries: [{ location: "https://x/r.git", commit: "d".repeat(40) }] };
  const pinnedText = applyPlan(base, pinned).text;
  assert.deepEqual(recordedPlan(pinnedText), pinned);
  assert.equal(applyPlan(applyPlan(pinnedText, devPlan).text, pinned).text, pinnedText);
});
