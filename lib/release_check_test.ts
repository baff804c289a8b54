import assert from "node:assert/strict";
import { HpmOperationError } from "./errors.ts";
import { checkReleaseOnRemote } from "./release_check.ts";
import { recordingRunner } from "./runner.ts";

const SHA = "615240c2eccc8efbda5345e0a59260b4c88e6c2f";

function check(stdout: string, code = 0, stderr = "") {
  const runner = recordingRunner(() => ({ code, stdout, stderr }));
  const logged: string[] = [];
  const done = checkReleaseOnRemote({
    runner,
    cwd: "/p",
    url: "https://example.com/q.git",
    ref: "v1",
    name: "q",
    command: "hpm pin q",
    log: (m) => logged.push(m),
    timeoutMs: 1234,
  });
  return { runner, logged, done };
}

Deno.test("checkReleaseOnRemote(): ls-remote after --end-of-options, bounded, no prompt", async () => {
  const { runner, done } = check(`${SHA}\trefs/tags/v1\n`);
  await done;
  const [call] = runner.calls;
  assert.deepEqual(call.args.slice(-4), [
    "ls-remote",
    "--end-of-options",
    "https://example.com/q.git",
    "v1",
  ]);
  assert.equal(call.timeoutMs, 1234);
  assert.equal(call.env?.GIT_TERMINAL_PROMPT, "0");
});

Deno.test("checkReleaseOnRemote(): a ref matched only by its tail is missing", async () => {
  const { done } = check(`${SHA}\trefs/tags/old/v1\n`);
  await assert.rejects(done, (e: unknown) => {
    assert.ok(e instanceof HpmOperationError);
    assert.match(e.message, /`v1` is not a tag or branch of https:\/\/example\.com\/q\.git/);
    assert.match(e.hint!, /--no-verify/);
    return true;
  });
});

Deno.test("checkReleaseOnRemote(): unreachable warns with git's reason and goes on", async () => {
  const { done, logged } = check("", 128, "fatal: unable to access 'x': Could not resolve host\n");
  await done;
  assert.deepEqual(logged, [
    "warning: could not check that `v1` exists on https://example.com/q.git " +
    "(unable to access 'x': Could not resolve host); going on",
  ]);
  const timedOut = check("", 143, "");
  await timedOut.done;
  assert.match(timedOut.logged[0], /exit code 143, after at most 1234 ms/);
});

Deno.test("checkReleaseOnRemote(): HPM_OFFLINE asks nothing and says so", async () => {
  const runner = recordingRunner();
  const logged: string[] = [];
  await checkReleaseOnRemote({
    runner,
    cwd: "/p",
    url: "https://example.com/q.git",
    ref: "v1",
    name: "q",
    command: "hpm pin q",
    log: (m) => logged.push(m),
    offline: true,
  });
  assert.equal(runner.calls.length, 0);
  assert.deepEqual(logged, [
    "offline (HPM_OFFLINE=1): `v1` was not checked on https://example.com/q.git",
  ]);
});
