import assert from "node:assert/strict";
import { join } from "node:path";
import { tempTree } from "../_testing.ts";
import { recordingRunner, type RunRequest, type RunResult } from "../io/runner.ts";
import { environmentState } from "./environment.ts";

// A project whose .venv's interpreter is a link out of it, as uv makes one.
async function project(): Promise<string> {
  const root = await tempTree("hpm-environment-unit-", { "uv.lock": "version = 1\n" });
  await Deno.mkdir(join(root, ".venv", "bin"), { recursive: true });
  await Deno.symlink(Deno.execPath(), join(root, ".venv", "bin", "python"));
  return root;
}

// uv answers `answer`; git says .venv is not tracked.
const runnerAnswering = (answer: RunResult) =>
  recordingRunner((r: RunRequest) =>
    r.program === "uv" ? answer : { code: 0, stdout: "", stderr: "" }
  );

// .venv/bin/python, a link: a POSIX environment.
const posix = { ignore: Deno.build.os === "windows" };

Deno.test(
  "environmentState(): uv asked offline, from uv.lock as it is, with .venv's own interpreter",
  posix,
  async () => {
    const root = await project();
    try {
      const runner = runnerAnswering({ code: 0, stdout: "", stderr: "Would make no changes\n" });
      assert.deepEqual(await environmentState(root, runner, {}), {
        state: "in-sync",
        path: join(root, ".venv"),
        reason: null,
      });
      const uv = runner.calls.find((c) => c.program === "uv")!;
      assert.deepEqual(uv.args, [
        "sync",
        "--check",
        "--frozen",
        "--offline",
        "--inexact",
        "--no-progress",
        "--python",
        join(root, ".venv", "bin", "python"),
      ]);
      assert.equal(uv.cwd, root);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

Deno.test(
  "environmentState(): what uv would do; what it could not tell; nothing asked without uv.lock",
  posix,
  async () => {
    const root = await project();
    try {
      const outdated = runnerAnswering({
        code: 1,
        stdout: "",
        stderr: "Would use project environment at: .venv\nWould uninstall 1 package\n" +
          "Would install 2 packages\n - a==1\n + a==2\nerror: The environment is outdated; run `uv sync`\n",
      });
      assert.deepEqual(await environmentState(root, outdated, {}), {
        state: "outdated",
        path: join(root, ".venv"),
        reason: "uv would uninstall 1 package, install 2 packages",
      });
      const offline = runnerAnswering({
        code: 2,
        stdout: "",
        stderr: "error: Failed to fetch `plug`\n  Caused by: network disabled\n",
      });
      assert.equal(
        (await environmentState(root, offline, {})).reason,
        "uv could not tell offline: Failed to fetch `plug`",
      );
      await Deno.remove(join(root, "uv.lock"));
      const none = runnerAnswering({ code: 0, stdout: "", stderr: "" });
      assert.equal((await environmentState(root, none, {})).state, "unknown");
      assert.equal(none.calls.filter((c) => c.program === "uv").length, 0);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

Deno.test(
  "environmentState(): a relative HPM_UV makes the environment unknown, said why; nothing thrown",
  posix,
  async () => {
    const root = await project();
    try {
      const runner = runnerAnswering({ code: 0, stdout: "", stderr: "" });
      assert.deepEqual(await environmentState(root, runner, { HPM_UV: "bin/uv" }), {
        state: "unknown",
        path: join(root, ".venv"),
        reason: "HPM_UV=bin/uv is a relative path",
      });
      assert.equal(runner.calls.filter((c) => c.program === "uv").length, 0);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
