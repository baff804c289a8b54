/**
 * Crash safety and concurrency with the real CLI and real uv: `hpm sync` killed
 * at random moments (SIGKILL, including while uv runs), interrupted with
 * SIGINT/SIGTERM, and run twice at once. pyproject.toml and uv.lock must always
 * end exactly as before or exactly as after, never mixed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURE_ENV, makeTempRoot, uv, writeFile } from "./_fixtures.ts";
import { hpm, journalOf, makeProject, snapshot } from "./_project.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const FILES = ["pyproject.toml", "uv.lock"];
type State = Record<string, string | undefined>;

function spawnHpm(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, ...args],
    cwd,
    env: { ...FIXTURE_ENV, NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

// Deterministic "random" delays, so a failure can be replayed.
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

// Whether `path` appears while `child` runs, within a minute: the wait ends
// when the file comes, and a cold hpm start on a loaded machine running the
// suite in parallel may take many seconds.
async function waitFor(path: string, child: Deno.ChildProcess): Promise<boolean> {
  let ended = false;
  child.status.then(() => ended = true);
  const end = Date.now() + 60_000;
  while (!ended && Date.now() < end) {
    if (await exists(path)) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return await exists(path);
}

const same = (a: State, b: State) => FILES.every((f) => a[f] === b[f]);

/** A project with two plugins, and the exact dev and prod states of its files. */
async function setup(root: string) {
  const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }, {
    name: "rag4code-chroma",
  }]);
  const ok = async (args: string[]) => {
    const r = await hpm(args, dir);
    assert.equal(r.code, 0, r.stderr);
  };
  await ok(["sync", "--mode", "prod"]);
  const prod = await snapshot(dir, FILES);
  await ok(["sync", "--mode", "dev"]);
  const dev = await snapshot(dir, FILES);
  await ok(["sync", "--mode", "prod"]);
  assert.deepEqual(await snapshot(dir, FILES), prod, "prod state is deterministic");
  await ok(["sync", "--mode", "dev"]);
  assert.deepEqual(await snapshot(dir, FILES), dev, "dev state is deterministic");
  return { dir, states: { dev, prod } as Record<"dev" | "prod", State> };
}

Deno.test("kill trials: 50 syncs killed with SIGKILL at random moments never leave mixed files", async () => {
  const root = await makeTempRoot();
  try {
    const { dir, states } = await setup(root);
    const journal = await journalOf(dir);
    const random = prng(20261124);
    let current: "dev" | "prod" = "dev";
    let insideTransaction = 0;
    let recoveries = 0;
    let environmentWarnings = 0;
    for (let trial = 0; trial < 50; trial++) {
      const target: "dev" | "prod" = current === "dev" ? "prod" : "dev";
      const child = spawnHpm(["sync", "--mode", target], dir);
      // Half the trials aim inside the transaction (journal open, uv running).
      if (trial % 2 === 0) {
        if (await waitFor(journal, child)) insideTransaction++;
        await new Promise((r) => setTimeout(r, Math.floor(random() * 400)));
      } else {
        await new Promise((r) => setTimeout(r, Math.floor(random() * 1500)));
      }
      try {
        child.kill("SIGKILL");
      } catch { /* it had already finished */ }
      await child.output();

      // pyproject.toml is only written by hpm, atomically: never a third state.
      const pyproject = (await snapshot(dir, ["pyproject.toml"]))["pyproject.toml"];
      assert.ok(
        pyproject === states.dev["pyproject.toml"] || pyproject === states.prod["pyproject.toml"],
        `trial ${trial}: pyproject.toml is neither before nor after`,
      );
      // The next run finishes or undoes it, and says so.
      const hadJournal = await exists(journal);
      const next = await hpm(["status", "--json"], dir);
      assert.equal(next.code, 0, `trial ${trial}: ${next.stderr}`);
      if (hadJournal) {
        assert.match(
          next.stderr,
          /interrupted hpm run .* rolled back/,
          `trial ${trial}`,
        );
        recoveries++;
      }
      assert.equal(await exists(journal), false, "the journal is gone after recovery");
      const after = await snapshot(dir, FILES);
      if (same(after, states[target])) current = target;
      else {assert.ok(
          same(after, states[current]),
          `trial ${trial}: files are mixed after recovery`,
        );}
      // A rollback under a uv that had started says the environment may
      // differ, and names the command that brings it back in step.
      const warning =
        /uv had started, so the environment may not match the restored files: run `hpm sync --mode (\w+)`/
          .exec(next.stderr);
      if (warning) {
        assert.match(next.stderr, /rolled back/, `trial ${trial}`);
        assert.equal(warning[1], current, `trial ${trial}: the command names the restored mode`);
        environmentWarnings++;
      }
    }
    assert.ok(environmentWarnings >= 1, "a rollback under a running uv said so");
    assert.ok(
      insideTransaction >= 20,
      `only ${insideTransaction} kills landed inside a transaction`,
    );
    assert.ok(recoveries >= 10, `only ${recoveries} recoveries were exercised`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// The slow uv is a Python script HPM runs (HPM_UV), and the signals are POSIX ones.
Deno.test({
  name: "SIGINT and SIGTERM during uv sync roll back and exit 130 / 143",
  ignore: Deno.build.os === "windows",
}, async (t) => {
  const root = await makeTempRoot();
  try {
    const { dir, states } = await setup(root);
    // A uv that is still running when the signal arrives: sleeps, then runs uv.
    const slowUv = join(root, "slow-uv");
    await writeFile(
      slowUv,
      "#!/usr/bin/env python3\nimport os, sys, time\ntime.sleep(3)\nos.execvp('uv', ['uv'] + sys.argv[1:])\n",
    );
    await Deno.chmod(slowUv, 0o755);
    const journal = await journalOf(dir);
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      await t.step(signal, async () => {
        const child = spawnHpm(["sync", "--mode", "prod"], dir, { HPM_UV: slowUv });
        assert.ok(await waitFor(journal, child), "the sync started");
        await new Promise((r) => setTimeout(r, 300));
        child.kill(signal);
        const out = await child.output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, code, stderr);
        assert.match(stderr, new RegExp(`interrupted by ${signal}`));
        assert.deepEqual(await snapshot(dir, FILES), states.dev, "restored byte for byte");
        assert.equal(await exists(journal), false);
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// The slow uv is a Python script HPM runs (HPM_UV), and the signals are POSIX ones.
Deno.test({
  name: "SIGINT and SIGTERM during the uv sync of a no-op stop uv and say nothing was changed",
  ignore: Deno.build.os === "windows",
}, async (t) => {
  const root = await makeTempRoot();
  try {
    const { dir, states } = await setup(root);
    const started = join(root, "uv-started");
    const finished = join(root, "uv-finished");
    const slowUv = join(root, "slow-uv");
    await writeFile(
      slowUv,
      "#!/usr/bin/env python3\nimport sys, time\n" +
        `open(${JSON.stringify(started)}, 'w').close()\ntime.sleep(3)\n` +
        `open(${JSON.stringify(finished)}, 'w').close()\n`,
    );
    await Deno.chmod(slowUv, 0o755);
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      await t.step(signal, async () => {
        await Deno.remove(started).catch(() => {});
        const child = spawnHpm(["-v", "sync"], dir, { HPM_UV: slowUv });
        assert.ok(await waitFor(started, child), "uv started");
        child.kill(signal);
        const out = await child.output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, code, stderr);
        assert.match(stderr, /answered from its fingerprint/, "the fast path ran uv");
        assert.match(
          stderr,
          new RegExp(`interrupted by ${signal}; hpm had changed nothing \\(uv was stopped\\)`),
        );
        assert.deepEqual(await snapshot(dir, FILES), states.dev);
        await new Promise((r) => setTimeout(r, 3500));
        assert.equal(await exists(finished), false, "uv was stopped, not left running");
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("two syncs at once, 20 times: both finish, files consistent, uv.lock matches", async () => {
  const root = await makeTempRoot();
  try {
    const { dir, states } = await setup(root);
    let waited = 0;
    for (let round = 0; round < 20; round++) {
      const a = spawnHpm(["sync", "--mode", "prod"], dir);
      const b = spawnHpm(["sync", "--mode", "dev"], dir);
      const [ra, rb] = await Promise.all([a.output(), b.output()]);
      const errs = [ra, rb].map((r) => new TextDecoder().decode(r.stderr));
      assert.equal(ra.code, 0, errs[0]);
      assert.equal(rb.code, 0, errs[1]);
      if (errs.some((e) => /waiting for another hpm run/.test(e))) waited++;
      const now = await snapshot(dir, FILES);
      assert.ok(same(now, states.dev) || same(now, states.prod), `round ${round}: files are mixed`);
    }
    await uv(["lock", "--locked"], { cwd: dir });
    assert.ok(waited > 0, "the lock made a run wait at least once");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a run holding the lock makes the next one wait; killed, it releases the lock", async () => {
  const root = await makeTempRoot();
  let holder: Deno.ChildProcess | undefined;
  try {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    // A real hpm lock, held by a process that then hangs until it is killed.
    const script = join(root, "hold-lock.ts");
    await writeFile(
      script,
      `import { withProjectLock } from ${
        JSON.stringify(new URL("../lib/state/project_mutex.ts", import.meta.url).href)
      };\n` +
        `await withProjectLock(${JSON.stringify(dir)}, async () => {\n` +
        `  console.log("locked");\n` +
        `  await new Promise(() => setInterval(() => {}, 1000));\n` +
        `});\n`,
    );
    holder = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", script],
      env: FIXTURE_ENV,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = holder.stdout.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value).trim(), "locked");
    // The waiter says whom it waits for; the holder is then killed outright.
    const waiter = spawnHpm(["sync", "--no-install"], dir);
    const said = waiter.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let stderr = "";
    while (!/waiting for/.test(stderr)) {
      const chunk = await said.read();
      if (chunk.done) break;
      stderr += chunk.value;
    }
    assert.match(stderr, new RegExp(`waiting for another hpm run \\(process ${holder.pid}\\)`));
    holder.kill("SIGKILL");
    await holder.status;
    reader.releaseLock();
    await holder.stdout.cancel();
    for (let chunk = await said.read(); !chunk.done; chunk = await said.read()) {
      stderr += chunk.value;
    }
    const status = await waiter.status;
    await waiter.stdout.cancel();
    assert.equal(status.code, 0, stderr);
    assert.ok(!(await exists(join(dir, ".hpm"))), "nothing is written in the project");
  } finally {
    // Whatever failed, the holder does not outlive the test.
    try {
      holder?.kill("SIGKILL");
    } catch {
      // already gone
    }
    await Deno.remove(root, { recursive: true });
  }
});
