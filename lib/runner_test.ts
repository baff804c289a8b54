import assert from "node:assert/strict";
import { denoRunner } from "./runner.ts";

Deno.test("denoRunner: a program that is not there is code 127, named where it was looked for", async () => {
  const saved = Deno.env.get("HPM_UV");
  const path = Deno.env.get("PATH");
  try {
    Deno.env.set("HPM_UV", "/nonexistent/uv");
    const at = await denoRunner({ program: "uv", args: ["--version"], cwd: "." });
    assert.deepEqual(at, {
      code: 127,
      stdout: "",
      stderr: "uv: not found at HPM_UV=/nonexistent/uv",
    });
    Deno.env.set("HPM_UV", "hpm-no-such-uv");
    const named = await denoRunner({ program: "uv", args: ["--version"], cwd: "." });
    assert.equal(named.stderr, "uv: not found at HPM_UV=hpm-no-such-uv");
    Deno.env.delete("HPM_UV");
    Deno.env.set("PATH", "/nonexistent");
    const onPath = await denoRunner({ program: "uv", args: ["--version"], cwd: "." });
    assert.equal(onPath.stderr, "uv: not found on PATH (install it, or set HPM_UV)");
  } finally {
    if (saved === undefined) Deno.env.delete("HPM_UV");
    else Deno.env.set("HPM_UV", saved);
    if (path !== undefined) Deno.env.set("PATH", path);
  }
});
