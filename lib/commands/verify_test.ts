import assert from "node:assert/strict";
import { join } from "node:path";
import { recordingRunner } from "../io/runner.ts";
import { verify } from "./verify.ts";
import { ONE_PLUGIN, tempTree } from "../_testing.ts";

Deno.test("verify() runs `uv lock` in a scratch copy without the clones, and removes it", async () => {
  const pyproject = '[project]\nname = "core"\nversion = "0.1.0"\n';
  const dir = await tempTree("hpm-unit-", {
    ...ONE_PLUGIN,
    "pyproject.toml": pyproject,
    "src/core/__init__.py": "",
  });
  try {
    const seen: { clone: boolean; src: boolean; pyproject: string }[] = [];
    const runner = recordingRunner(async (r) => {
      if (r.program === "git") return { code: 0, stdout: "", stderr: "" };
      const exists = (p: string) => Deno.stat(join(r.cwd, p)).then(() => true, () => false);
      seen.push({
        clone: await exists("packages/plug"),
        src: await exists("src/core/__init__.py"),
        pyproject: await Deno.readTextFile(join(r.cwd, "pyproject.toml")),
      });
      return { code: 0, stdout: "", stderr: "" };
    });
    for (const mode of ["prod", "dev"]) {
      await verify({ root: dir, mode, runner, env: { UV_PYTHON: "/usr/bin/python3" } });
    }
    assert.deepEqual(
      runner.calls.filter((c) => c.program === "uv").map((c) => [c.program, c.args]),
      [
        ["uv", ["lock", "--no-progress", "--python", "/usr/bin/python3"]],
        ["uv", ["lock", "--no-progress", "--python", "/usr/bin/python3"]],
      ],
    );
    assert.deepEqual(seen.map((s) => [s.clone, s.src]), [[false, true], [false, true]]);
    assert.match(
      seen[0].pyproject,
      /plug = \{ git = "https:\/\/example.com\/plug.git", tag = "v1.0.0" \}/,
    );
    assert.ok(
      seen[1].pyproject.includes(`path = "${join(dir, "packages", "plug")}"`),
      "dev paths are absolute",
    );
    for (const call of runner.calls.filter((c) => c.program === "uv")) {
      await assert.rejects(Deno.stat(call.cwd), "the scratch copy is gone");
    }
    assert.equal(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      '[project]\nname = "core"\nversion = "0.1.0"\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify() writes the scratch copy's own pyproject.toml, never through a link copied from the project", async () => {
  const pyproject = '[project]\nname = "core"\nversion = "0.1.0"\n';
  const dir = await tempTree("hpm-unit-", { ...ONE_PLUGIN, "config/pyproject.toml": pyproject });
  try {
    // A link inside the project, which the copy keeps as it is: to the project's own file.
    await Deno.symlink(join(dir, "config", "pyproject.toml"), join(dir, "pyproject.toml"));
    let locked = "";
    const runner = recordingRunner(async (r) => {
      if (r.program === "git") return { code: 0, stdout: "", stderr: "" };
      locked = await Deno.readTextFile(join(r.cwd, "pyproject.toml"));
      await Deno.writeTextFile(join(r.cwd, "uv.lock"), '[[package]]\nname = "a"\n\n[[package]]\n');
      return { code: 0, stdout: "", stderr: "" };
    });
    const result = await verify({ root: dir, mode: "prod", runner, env: { UV_PYTHON: "/x" } });
    assert.match(locked, /plug = \{ git = /, "uv locked the plan");
    assert.equal(result.lockedPackages, 2);
    assert.equal(await Deno.readTextFile(join(dir, "config", "pyproject.toml")), pyproject);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
