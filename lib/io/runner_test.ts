import assert from "node:assert/strict";
import { join } from "node:path";
import { denoRunner } from "./runner.ts";

// Test modules run in parallel in one process: a test that set HPM_UV, HPM_GIT
// or PATH in Deno.env would change the programs every other module starts.
// They go in the request's environment, which picks the program as it does
// the child's.

Deno.test("denoRunner: a program that is not there is code 127, named where it was looked for", async () => {
  const uv = (env: Record<string, string>) =>
    denoRunner({ program: "uv", args: ["--version"], cwd: ".", env });
  assert.deepEqual(await uv({ HPM_UV: "/nonexistent/uv" }), {
    code: 127,
    stdout: "",
    stderr: "uv: not found at HPM_UV=/nonexistent/uv",
  });
  const named = await uv({ HPM_UV: "hpm-no-such-uv" });
  assert.equal(named.stderr, "uv: not found at HPM_UV=hpm-no-such-uv");
  const onPath = await uv({ HPM_UV: "", PATH: "/nonexistent" });
  assert.equal(onPath.stderr, "uv: not found on PATH (install it, or set HPM_UV)");
});

/** A repository holding one blob of `bytes` spaces; its folder and the blob's id. */
async function blobOf(bytes: number): Promise<{ dir: string; blob: string }> {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const init = await new Deno.Command("git", { args: ["init", "--quiet"], cwd: dir }).output();
  assert.equal(init.code, 0);
  const child = new Deno.Command("git", {
    args: ["hash-object", "-w", "--stdin"],
    cwd: dir,
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const spaces = new Uint8Array(1024 * 1024).fill(0x20);
  for (let n = 0; n < bytes; n += spaces.length) {
    await writer.write(spaces.subarray(0, Math.min(spaces.length, bytes - n)));
  }
  await writer.close();
  const out = await child.output();
  return { dir, blob: new TextDecoder().decode(out.stdout).trim() };
}

Deno.test("denoRunner: stdout past maxOutputBytes stops the program; it is too large, nothing is kept", async () => {
  const { dir, blob } = await blobOf(1024 * 1024);
  try {
    const read = (maxOutputBytes: number) =>
      denoRunner({ program: "git", args: ["cat-file", "blob", blob], cwd: dir, maxOutputBytes });
    const whole = await read(1024 * 1024);
    assert.equal(whole.code, 0);
    assert.equal(whole.stdout.length, 1024 * 1024);
    assert.equal(whole.tooLarge, undefined);
    assert.deepEqual(await read(1024 * 1024 - 1), {
      code: 125,
      stdout: "",
      stderr: "git wrote more than 1048575 bytes of output and was stopped",
      tooLarge: true,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoRunner: without a cap given, output past 64 MiB is too large", async () => {
  const { dir, blob } = await blobOf(64 * 1024 * 1024 + 1);
  try {
    const r = await denoRunner({ program: "git", args: ["cat-file", "blob", blob], cwd: dir });
    assert.equal(r.code, 125);
    assert.equal(r.tooLarge, true);
    assert.equal(r.stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoRunner: a flood on stderr keeps only its last MiB", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  try {
    const script = join(dir, "git");
    await Deno.writeTextFile(
      script,
      "#!/bin/sh\nhead -c 3000000 /dev/zero | tr '\\0' x >&2\necho 'fatal: the end' >&2\nexit 3\n",
    );
    await Deno.chmod(script, 0o755);
    const r = await denoRunner({ program: "git", args: [], cwd: dir, env: { HPM_GIT: script } });
    assert.equal(r.code, 3);
    assert.equal(r.stderr.length, 1024 * 1024);
    assert.ok(/^x+fatal: the end\n$/.test(r.stderr), "the end of stderr is kept");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const alive = (pid: number) => {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};

Deno.test({
  name: "denoRunner: an onSpawn that throws stops the program before the error goes on",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    let pid = 0;
    const started = Date.now();
    await assert.rejects(
      denoRunner({
        program: "uv",
        args: ["30"],
        cwd: ".",
        env: { HPM_UV: "sleep" },
        onSpawn: (p) => {
          pid = p;
          return Promise.reject(new Error("No space left on device"));
        },
      }),
      /No space left on device/,
    );
    assert.ok(pid > 0);
    assert.equal(alive(pid), false, "the program was stopped and waited for");
    assert.ok(Date.now() - started < 10_000, "not left to run its course");
  },
});

Deno.test({
  name: "denoRunner: a program killed by a signal is 128 + its number, as a shell says",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    for (const [signal, code] of [["HUP", 129], ["SEGV", 139], ["TERM", 143], ["KILL", 137]]) {
      const r = await denoRunner({
        program: "uv",
        args: ["-c", `kill -${signal} $$`],
        cwd: ".",
        env: { HPM_UV: "sh" },
      });
      assert.equal(r.code, code, `SIG${signal}`);
    }
  },
});
