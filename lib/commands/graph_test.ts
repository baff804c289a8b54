import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { ONE_PLUGIN, tempTree } from "../_testing.ts";
import { graph } from "./graph.ts";

Deno.test("graph() of a project whose pyproject.toml does not parse: named after its folder, the problem said", async () => {
  const root = await tempTree("hpm-graph-", {
    ...ONE_PLUGIN,
    "pyproject.toml": '[project\nname = "core"\n',
  });
  try {
    const { graph: drawn, problem } = await graph({
      root,
      mode: "dev",
      env: { HPM_OFFLINE: "1", HPM_STATE_DIR: join(root, "state") },
    });
    assert.equal(drawn.nodes.find((n) => n.kind === "core")?.name, basename(root));
    assert.equal(problem?.code, "toml-syntax");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
