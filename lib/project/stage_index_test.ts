import assert from "node:assert/strict";
import { HpmInputError } from "../core/errors.ts";
import { ONE_PLUGIN, tempTree } from "../_testing.ts";
import { stage } from "./stage_index.ts";

Deno.test("stage(): a committed mode that installs from a missing clone is refused for its local path, not the clone", async () => {
  const { "packages/plug/pyproject.toml": _, ...files } = ONE_PLUGIN;
  const root = await tempTree("hpm-stage-unit-", {
    ...files,
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
  });
  try {
    // Cloning it would not help: a local path cannot be committed, so that is what is said.
    await assert.rejects(
      stage({ root, mode: "dev", env: { HPM_OFFLINE: "1" } }),
      (e) =>
        e instanceof HpmInputError && e.code === "commit-mode" &&
        /mode dev installs `plug` from a local path, which cannot be committed/.test(e.message),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
