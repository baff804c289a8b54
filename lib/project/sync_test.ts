import assert from "node:assert/strict";
import { join } from "node:path";
import { CommandFailedError, HpmInputError } from "../core/errors.ts";
import { recordingRunner } from "../io/runner.ts";
import { sync } from "./sync.ts";
import { planSync } from "../project/plan.ts";
import { ONE_PLUGIN, tempTree } from "../_testing.ts";

const PYPROJECT = '# core\n[project]\nname = "core"\nversion = "0.1.0"\n';

function project(): Promise<string> {
  return tempTree("hpm-unit-", {
    ...ONE_PLUGIN,
    "pyproject.toml": PYPROJECT,
    "uv.lock": "version = 1\n",
  });
}

async function withProject(fn: (dir: string) => Promise<void>) {
  const dir = await project();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sync() runs exactly `uv sync` with hpm's flags and the extra args, in the project root", async () => {
  await withProject(async (dir) => {
    const runner = recordingRunner();
    const result = await sync({
      root: dir,
      mode: "prod",
      locked: true,
      uvArgs: ["--no-dev"],
      runner,
      env: {},
    });
    // git may have been asked before it, for the release's own dependencies.
    assert.deepEqual(
      runner.calls.filter((c) => c.program === "uv").map((c) => [c.program, c.args, c.cwd]),
      [["uv", ["sync", "--locked", "--no-dev"], dir]],
    );
    assert.equal(result.changed, true);
    assert.equal(result.installed, true);
    assert.match(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      /plug = \{ git = "https:\/\/example.com\/plug.git", tag = "v1.0.0" \}/,
    );
  });
});

Deno.test("sync() mode comes from RUN_MODE when no flag is given", async () => {
  await withProject(async (dir) => {
    const result = await sync({ root: dir, runner: recordingRunner(), env: { RUN_MODE: "prod" } });
    assert.deepEqual([result.mode, result.modeOrigin], ["prod", "RUN_MODE"]);
  });
});

Deno.test("sync() restores pyproject.toml and uv.lock byte for byte when uv fails", async () => {
  await withProject(async (dir) => {
    const runner = recordingRunner(async (req) => {
      await Deno.writeTextFile(join(req.cwd, "uv.lock"), "half-written by uv");
      return { code: 2, stdout: "", stderr: "error: boom" };
    });
    await assert.rejects(sync({ root: dir, runner, env: {} }), (e: unknown) => {
      assert.ok(e instanceof CommandFailedError);
      assert.equal(e.exitCode, 2);
      assert.match(e.stderrTail, /boom/);
      return true;
    });
    assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), PYPROJECT);
    assert.equal(await Deno.readTextFile(join(dir, "uv.lock")), "version = 1\n");
  });
});

Deno.test("sync() --dry-run and --no-install run no process; bad input runs none and writes nothing", async (t) => {
  await t.step("dry run", async () => {
    await withProject(async (dir) => {
      const runner = recordingRunner();
      const r = await sync({ root: dir, dryRun: true, runner, env: {} });
      assert.equal(runner.calls.length, 0);
      assert.equal(r.changed, true);
      assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), PYPROJECT);
    });
  });
  await t.step("no install", async () => {
    await withProject(async (dir) => {
      const runner = recordingRunner();
      await sync({ root: dir, install: false, runner, env: {} });
      assert.equal(runner.calls.length, 0);
      assert.notEqual(await Deno.readTextFile(join(dir, "pyproject.toml")), PYPROJECT);
    });
  });
  await t.step("missing clone", async () => {
    await withProject(async (dir) => {
      await Deno.remove(join(dir, "packages"), { recursive: true });
      const runner = recordingRunner();
      await assert.rejects(sync({ root: dir, runner, env: {} }), (e: unknown) => {
        assert.ok(e instanceof HpmInputError);
        assert.equal(e.code, "missing-clone");
        assert.match(e.hint!, /hpm clone plug/);
        return true;
      });
      assert.equal(runner.calls.length, 0);
      assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), PYPROJECT);
    });
  });
});

Deno.test("planSync() reports missing clones instead of failing", async () => {
  await withProject(async (dir) => {
    await Deno.remove(join(dir, "packages"), { recursive: true });
    const plan = await planSync({ root: dir, env: {} });
    assert.deepEqual(plan.missingClones, ["plug"]);
  });
});
