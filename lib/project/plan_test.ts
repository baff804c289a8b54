import assert from "node:assert/strict";
import { join } from "node:path";
import { tempTree } from "../_testing.ts";
import { planSync, scratchLeaveOut } from "./plan.ts";

Deno.test("scratchLeaveOut(): a `~/` dev checkout is found under USERPROFILE when HOME is unset, as planning finds it", async () => {
  const root = await tempTree("hpm-plan-unit-", {
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
    "hpm.yaml": "registry: ./reg\ngroups:\n  db:\n    options: [q]\n",
    "reg/packages/q.yaml": "name: q\nsources:\n  dev: {type: local, path: ~/q}\n" +
      "  prod: {type: pypi, version: 1.0.0}\n",
  });
  try {
    // Windows: the home folder is USERPROFILE; here it is the project, so the checkout is in it.
    const env = { USERPROFILE: root, HPM_OFFLINE: "1" };
    const plan = await planSync({ root, mode: "prod", env });
    assert.deepEqual(scratchLeaveOut(plan, env), [join(root, "q")]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
