import assert from "node:assert/strict";
import { HpmOperationError } from "../core/errors.ts";
import { checkReleaseOnRemote } from "./release_check.ts";
import { recordingRunner, type RunRequest } from "../io/runner.ts";

const SHA = "615240c2eccc8efbda5345e0a59260b4c88e6c2f";

function check(stdout: string | ((request: RunRequest) => string), code = 0, stderr = "") {
  const runner = recordingRunner((request) => ({
    code,
    stdout: typeof stdout === "string" ? stdout : stdout(request),
    stderr,
  }));
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
  const [config, call] = runner.calls;
  // The repository's own settings are looked at first, for commands git would run.
  assert.deepEqual(config.args.slice(-5), [
    "config",
    "--list",
    "--show-scope",
    "--show-origin",
    "-z",
  ]);
  assert.deepEqual(call.args.slice(-4), [
    "ls-remote",
    "--end-of-options",
    "https://example.com/q.git",
    "v1",
  ]);
  assert.equal(call.timeoutMs, 1234);
  assert.equal(call.env?.GIT_TERMINAL_PROMPT, "0");
});

Deno.test("checkReleaseOnRemote(): a command in the repository's own config is named, not run", async () => {
  const listed = [
    "global\0file:/home/u/.gitconfig\0core.sshcommand\nssh -i ~/.ssh/mine\0",
    "local\0file:.git/config\0core.sshcommand\nsh -c evil\0",
    "local\0file:/p/extra.cfg\0credential.https://example.com.helper\n!evil\0",
    "worktree\0file:.git/config.worktree\0remote.origin.uploadpack\nevil\0",
  ].join("");
  const { runner, logged, done } = check((r) =>
    r.args.includes("--list") ? listed : r.args.includes("--show-toplevel") ? "/p\n/p/.git\n" : ""
  );
  await done;
  assert.ok(runner.calls.every((c) => !c.args.includes("ls-remote")), "ls-remote ran");
  assert.deepEqual(logged, [
    "warning: could not check that `v1` exists on https://example.com/q.git (refusing to reach " +
    "a remote from /p: its git config sets core.sshCommand (/p/.git/config), " +
    "credential.https://example.com.helper (/p/extra.cfg), remote.origin.uploadpack " +
    "(/p/.git/config.worktree), commands git would run; remove them, or if they are your own, set them " +
    'in your global git config instead (under [includeIf "gitdir:/p/.git"] for this repository alone)); going on',
  ]);
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
