import assert from "node:assert/strict";
import { tempTree } from "../_testing.ts";
import { groupListCommand } from "./groups.ts";

Deno.test("hpm group list marks the selected option however select: spells it", async () => {
  const root = await tempTree("hpm-group-list-", {
    "hpm.yaml": "registry: ./reg\ngroups:\n  db:\n    options: [other, Rag_Plug]\n" +
      "    select: rag-plug\n",
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
    "reg/packages/other.yaml": "name: other\nsources: {dev: {type: pypi}}\n",
    "reg/packages/rag-plug.yaml": "name: rag-plug\nsources: {dev: {type: pypi}}\n",
  });
  try {
    const out: string[] = [];
    await groupListCommand({ project: root }, { out: (t) => out.push(t), err() {}, color: false });
    assert.deepEqual(out, ["db: other, Rag_Plug (selected)"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
