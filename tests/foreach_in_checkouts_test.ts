/**
 * `hpm foreach` in a project whose plugins are cloned (one only because
 * another declares it, one in a second group, one missing): output grouped
 * per checkout in order or prefixed line by line, `--dirty`, `-g`, exit 1
 * naming the checkouts that failed, no shell, a program Deno does not let
 * hpm start refused before anything runs, and Ctrl-C stopping the programs.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempRoot, run, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

Deno.test("hpm foreach: each checkout on disk, grouped or prefixed, and what failed", async (t) => {
  const root = await makeTempRoot();
  try {
    const { dir } = await makeProject(root, [
      { name: "plug-base" },
      { name: "plug-q", dependencies: ["plug-base"] },
      { name: "plug-llm" },
      { name: "plug-gone" },
    ]);
    await writeFile(
      join(dir, "hpm.yaml"),
      "registry: ./hpm-registry\ngroups:\n  vector-db:\n    options: [plug-q, plug-gone]\n" +
        "  llm:\n    options: [plug-llm]\n",
    );
    await Deno.remove(join(dir, "packages", "plug-gone"), { recursive: true });

    await t.step("grouped under each name, in hpm.yaml's order; what they need too", async () => {
      const r = await hpm(["foreach", "--", "git", "rev-parse", "--abbrev-ref", "HEAD"], dir);
      expectOk(r, "hpm foreach");
      assert.equal(
        r.stdout,
        "── plug-q (packages/plug-q)\nmain\n" +
          "── plug-base (packages/plug-base)\nmain\n" +
          "── plug-llm (packages/plug-llm)\nmain\n",
      );
      assert.match(r.stderr, /ran `git` in 3 checkouts/);
    });

    await t.step("no shell: the arguments reach the program as typed", async () => {
      const r = await hpm(["foreach", "-g", "llm", "--", "echo", "$HOME", "a;b", "*"], dir);
      expectOk(r, "hpm foreach echo");
      assert.equal(r.stdout, "── plug-llm (packages/plug-llm)\n$HOME a;b *\n");
    });

    await t.step("--dirty, and a failure: exit 1 naming it, the others still run", async () => {
      await Deno.writeTextFile(join(dir, "packages", "plug-base", "wip.py"), "x = 1\n");
      const dirty = await hpm(["foreach", "--dirty", "--", "git", "status", "--short"], dir);
      expectOk(dirty, "hpm foreach --dirty");
      assert.equal(dirty.stdout, "── plug-base (packages/plug-base)\n?? wip.py\n");

      const r = await hpm(
        ["foreach", "-j", "1", "--", "sh", "-c", "echo here; test ! -e wip.py"],
        dir,
      );
      assert.equal(r.code, 1);
      assert.equal(
        r.stdout,
        "── plug-q (packages/plug-q)\nhere\n" +
          "── plug-base (packages/plug-base) · exit 1\nhere\n" +
          "── plug-llm (packages/plug-llm)\nhere\n",
      );
      assert.match(r.stderr, /error: `sh` failed in 1 of 3 checkouts: plug-base \(exit 1\)/);
    });

    await t.step("--prefix: each line after the checkout's name, on its own stream", async () => {
      const r = await hpm(
        ["foreach", "--prefix", "-g", "vector-db", "--", "sh", "-c", "echo out; echo err >&2"],
        dir,
      );
      expectOk(r, "hpm foreach --prefix");
      assert.deepEqual(r.stdout.trimEnd().split("\n").sort(), ["plug-base: out", "plug-q: out"]);
      assert.deepEqual(
        r.stderr.split("\n").filter((l) => l.endsWith(": err")).sort(),
        ["plug-base: err", "plug-q: err"],
      );
    });

    await t.step("a program Deno does not let hpm start: refused, nothing run", async () => {
      const r = await run(Deno.execPath(), [
        "run",
        "--quiet",
        "--allow-read",
        "--allow-write",
        "--allow-run=uv,git",
        "--allow-env",
        "--allow-sys=uid",
        "--allow-net",
        CLI,
        "foreach",
        "--",
        "touch",
        "marker",
      ], { cwd: dir, env: { NO_COLOR: "1" } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /error: hpm may not start `touch`: .*--allow-run=uv,git.*nothing was run/,
      );
      assert.match(r.stderr, /hint: .*uv run --no-project touch marker/);
      await assert.rejects(Deno.lstat(join(dir, "packages", "plug-q", "marker")));
    });

    await t.step("bad input: an unknown group, no command", async () => {
      const group = await hpm(["foreach", "-g", "nope", "--", "true"], dir);
      assert.equal(group.code, 2);
      assert.match(group.stderr, /no group `nope` in .*hpm\.yaml[^]*groups: vector-db, llm/);
      assert.equal((await hpm(["foreach"], dir)).code, 2);
    });

    // SIGINT, and a process looked up by its id, as POSIX systems have them.
    await t.step({
      name: "Ctrl-C stops the programs still running",
      ignore: Deno.build.os === "windows",
      fn: async () => {
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--quiet",
            CLI,
            "foreach",
            "--",
            "sh",
            "-c",
            "echo $$ > pid; exec sleep 60",
          ],
          cwd: dir,
          env: { NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const pidFile = join(dir, "packages", "plug-llm", "pid");
        // A minute: the wait ends when the id is written, and a cold hpm start on
        // a loaded machine running the suite in parallel may take many seconds.
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          if ((await Deno.readTextFile(pidFile).catch(() => "")).trim()) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const pid = Number((await Deno.readTextFile(pidFile)).trim());
        child.kill("SIGINT");
        const out = await child.output();
        assert.equal(out.code, 130);
        assert.match(
          new TextDecoder().decode(out.stderr),
          /interrupted by SIGINT; the programs still running were stopped/,
        );
        // The program is gone: no process has its id any more.
        await new Promise((r) => setTimeout(r, 200));
        assert.throws(() => Deno.kill(pid, "SIGCONT"), Deno.errors.NotFound);
      },
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
