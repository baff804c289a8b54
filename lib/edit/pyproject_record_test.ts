import assert from "node:assert/strict";
import { devPlan, inputError, lines } from "./_testing.ts";
import { applyPlan } from "./pyproject.ts";
import { readManaged } from "./pyproject_record.ts";

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
