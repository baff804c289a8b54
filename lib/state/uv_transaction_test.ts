import assert from "node:assert/strict";
import { join } from "node:path";
import { CommandFailedError, HpmOperationError } from "../core/errors.ts";
import { sha256Hex } from "../io/digest.ts";
import { recordingRunner, type RunRequest, type RunResult } from "../io/runner.ts";
import { FROZEN_WARNING } from "../io/uv.ts";
import { JOURNALS } from "./folder.ts";
import { runUvTransaction } from "./uv_transaction.ts";

// CRLF and bytes that are not UTF-8: "byte for byte" must mean it.
const PYPROJECT = "[project]\r\nname = 'core'\r\n# caf\u00e9\r\n";
const LOCK = new Uint8Array([0x76, 0x65, 0x72, 0xff, 0x00, 0x0d, 0x0a, 0xfe]);
const NEW_PYPROJECT = "[project]\nname = 'core'\n[tool.uv.sources]\n";

interface Project {
  readonly root: string;
  readonly env: { readonly HPM_STATE_DIR: string };
  /** The journals in the user's state, by name. */
  journals(): string[];
  pyproject(): Uint8Array;
  lock(): Uint8Array | undefined;
}

async function withProject(
  lock: Uint8Array | undefined,
  fn: (p: Project) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "hpm-unit-uvtx-" });
  const state = await Deno.makeTempDir({ prefix: "hpm-state-" });
  try {
    Deno.writeTextFileSync(join(root, "pyproject.toml"), PYPROJECT);
    if (lock) Deno.writeFileSync(join(root, "uv.lock"), lock);
    const read = (name: string) => {
      try {
        return Deno.readFileSync(join(root, name));
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    };
    await fn({
      root,
      env: { HPM_STATE_DIR: state },
      journals: () => {
        try {
          return [...Deno.readDirSync(join(state, JOURNALS))].map((e) => e.name);
        } catch {
          return [];
        }
      },
      pyproject: () => read("pyproject.toml")!,
      lock: () => read("uv.lock"),
    });
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
}

// uv as the recording runner plays it: what it saw when it ran, and what it did.
function fakeUv(p: Project, does: (request: RunRequest) => RunResult = () => ok) {
  const seen: { pyproject: string; lock?: Uint8Array; journals: string[] }[] = [];
  const runner = recordingRunner((request) => {
    seen.push({
      pyproject: new TextDecoder().decode(p.pyproject()),
      lock: p.lock(),
      journals: p.journals(),
    });
    return does(request);
  });
  return { runner, seen };
}

const ok: RunResult = { code: 0, stdout: "", stderr: "" };
const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("runUvTransaction(): pyproject.toml is written, journaled, then uv runs in the project; the journal goes after", async () => {
  await withProject(LOCK, async (p) => {
    const { runner, seen } = fakeUv(p, () => {
      Deno.writeTextFileSync(join(p.root, "uv.lock"), "locked by uv");
      return ok;
    });
    const result = await runUvTransaction(p.root, NEW_PYPROJECT, ["sync", "--no-install"], {
      runner,
      env: p.env,
    });
    assert.deepEqual(runner.calls.map((c) => [c.program, c.args, c.cwd]), [
      ["uv", ["sync", "--no-install"], p.root],
    ]);
    assert.equal(seen[0].pyproject, NEW_PYPROJECT, "uv saw the new pyproject.toml");
    assert.equal(seen[0].journals.length, 1, "while uv ran, a journal could undo it");
    assert.deepEqual(p.journals(), [], "committed: no journal left");
    assert.equal(new TextDecoder().decode(p.pyproject()), NEW_PYPROJECT);
    assert.equal(new TextDecoder().decode(p.lock()), "locked by uv", "uv's lock is kept");
    assert.equal(result.lockBefore, await sha256Hex(LOCK), "uv locked after HPM wrote");
  });
});

Deno.test("runUvTransaction(): uv failing restores pyproject.toml and uv.lock byte for byte, and says so", async () => {
  await withProject(LOCK, async (p) => {
    const { runner } = fakeUv(p, () => {
      Deno.writeTextFileSync(join(p.root, "uv.lock"), "half written");
      return { code: 2, stdout: "", stderr: `${"x".repeat(5000)}error: no tag v9` };
    });
    await assert.rejects(
      () => runUvTransaction(p.root, NEW_PYPROJECT, ["sync"], { runner, env: p.env }),
      (e) => {
        assert.ok(e instanceof CommandFailedError);
        assert.equal(e.exitCode, 2);
        assert.ok(e.stderrTail.endsWith("error: no tag v9") && e.stderrTail.length === 4000);
        assert.equal(e.hint, "pyproject.toml and uv.lock were restored to what they were before");
        return true;
      },
    );
    assert.deepEqual(p.pyproject(), encode(PYPROJECT));
    assert.deepEqual(p.lock(), LOCK);
    assert.deepEqual(p.journals(), []);
  });
});

Deno.test("runUvTransaction(): a uv.lock uv made where there was none goes when uv fails", async () => {
  await withProject(undefined, async (p) => {
    const { runner } = fakeUv(p, () => {
      Deno.writeTextFileSync(join(p.root, "uv.lock"), "new");
      return { code: 1, stdout: "", stderr: "error" };
    });
    await assert.rejects(
      () => runUvTransaction(p.root, NEW_PYPROJECT, ["lock"], { runner, env: p.env }),
      CommandFailedError,
    );
    assert.deepEqual(p.pyproject(), encode(PYPROJECT));
    assert.equal(p.lock(), undefined);
  });
});

Deno.test("runUvTransaction(): the lock hash is reported only when uv locked after HPM wrote", async () => {
  await withProject(undefined, async (p) => {
    const run = (pyproject: string | undefined, args: string[] | undefined) =>
      runUvTransaction(p.root, pyproject, args, { runner: recordingRunner(), env: p.env });
    assert.deepEqual(await run(NEW_PYPROJECT, ["sync"]), { lockBefore: null }, "no uv.lock before");
    Deno.writeFileSync(join(p.root, "uv.lock"), LOCK);
    assert.equal((await run(NEW_PYPROJECT, ["lock"])).lockBefore, await sha256Hex(LOCK));
    assert.equal((await run(NEW_PYPROJECT, ["sync", "--frozen"])).lockBefore, undefined, "frozen");
    assert.equal((await run(NEW_PYPROJECT, undefined)).lockBefore, undefined, "uv did not run");
    assert.equal((await run(undefined, ["sync"])).lockBefore, undefined, "HPM wrote nothing");
  });
});

Deno.test("runUvTransaction(): with nothing to write, uv runs as by hand: no journal, and a failure says nothing changed", async () => {
  await withProject(LOCK, async (p) => {
    const { runner, seen } = fakeUv(p, () => {
      Deno.writeTextFileSync(join(p.root, "uv.lock"), "uv's own change");
      return { code: 1, stdout: "", stderr: "error" };
    });
    await assert.rejects(
      () => runUvTransaction(p.root, undefined, ["sync"], { runner, env: p.env }),
      (e) =>
        e instanceof CommandFailedError &&
        e.hint === "hpm changed nothing: pyproject.toml was already right for the mode",
    );
    assert.deepEqual(seen[0].journals, []);
    assert.equal(
      new TextDecoder().decode(p.lock()),
      "uv's own change",
      "uv.lock is uv's to keep or change",
    );
    assert.deepEqual(p.pyproject(), encode(PYPROJECT));
  });
});

Deno.test("runUvTransaction(): the uv.lock of an earlier switch is put back only if uv.lock is the one that switch found", async () => {
  await withProject(LOCK, async (p) => {
    const remembered = encode("the lock uv left for this mode");
    const traces: string[] = [];
    const logs: string[] = [];
    const options = (when: string | null) => ({
      env: p.env,
      lock: { when, bytes: remembered },
      trace: (m: string) => traces.push(m),
      log: (m: string) => logs.push(m),
    });
    const same = fakeUv(p);
    await runUvTransaction(p.root, NEW_PYPROJECT, ["sync", "--frozen"], {
      ...options(await sha256Hex(LOCK)),
      runner: same.runner,
    });
    assert.deepEqual(same.seen[0].lock, remembered, "uv ran with the lock put back");
    assert.match(traces.pop()!, /put back/);
    assert.deepEqual(logs, [], "frozen is right with the mode's own lock");

    const changed = fakeUv(p);
    Deno.writeFileSync(join(p.root, "uv.lock"), LOCK);
    await runUvTransaction(p.root, NEW_PYPROJECT, ["sync", "--frozen"], {
      ...options(null),
      runner: changed.runner,
    });
    assert.deepEqual(changed.seen[0].lock, LOCK, "a lock changed since is left to uv");
    assert.match(traces.pop()!, /uv locks from it/);
    assert.deepEqual(logs, [FROZEN_WARNING], "frozen with a lock made for another state");
  });
});

Deno.test("runUvTransaction(): uv not found, with nothing written, is said as the check before a write says it", async () => {
  await withProject(LOCK, async (p) => {
    const runner = recordingRunner(() => ({ code: 127, stdout: "", stderr: "" }));
    const env = { ...p.env, HPM_UV: join(p.root, "no-such-uv") };
    await assert.rejects(
      () => runUvTransaction(p.root, undefined, ["sync"], { runner, env }),
      (e) => e instanceof HpmOperationError && /uv: not found at HPM_UV=/.test(e.message),
    );
  });
});

Deno.test("runUvTransaction(): a journal that cannot begin leaves no signal listener behind", async () => {
  await withProject(LOCK, async (p) => {
    const added = new Set<() => void>();
    const { addSignalListener, removeSignalListener } = Deno;
    Deno.addSignalListener = (signal, listener) => {
      added.add(listener);
      addSignalListener(signal, listener);
    };
    Deno.removeSignalListener = (signal, listener) => {
      added.delete(listener);
      removeSignalListener(signal, listener);
    };
    try {
      // A state folder that is a file: the journal cannot be written.
      await Deno.writeTextFile(join(p.env.HPM_STATE_DIR, JOURNALS), "");
      const { runner } = fakeUv(p);
      await assert.rejects(
        runUvTransaction(p.root, NEW_PYPROJECT, ["sync"], { runner, env: p.env }),
      );
      assert.equal(runner.calls.length, 0, "uv never ran");
      assert.equal(added.size, 0, "SIGINT and SIGTERM end hpm again");
    } finally {
      Deno.addSignalListener = addSignalListener;
      Deno.removeSignalListener = removeSignalListener;
    }
    assert.deepEqual(p.pyproject(), encode(PYPROJECT));
  });
});

Deno.test("runUvTransaction(): whileUvRuns starts once uv runs, after the write without uv, once either way", async () => {
  await withProject(LOCK, async (p) => {
    const events: string[] = [];
    const whileUvRuns = () => events.push(`beside, pyproject.toml ${p.pyproject().length} bytes`);
    // A runner that reports the spawn, as Deno's does: the work starts while uv runs.
    const spawning = async (request: RunRequest): Promise<RunResult> => {
      events.push("uv spawned");
      await request.onSpawn?.(4242);
      events.push("uv exits");
      return ok;
    };
    await runUvTransaction(p.root, undefined, ["sync"], {
      runner: spawning,
      env: p.env,
      whileUvRuns,
    });
    const before = encode(PYPROJECT).length;
    assert.deepEqual(events, ["uv spawned", `beside, pyproject.toml ${before} bytes`, "uv exits"]);

    // A runner that never calls onSpawn: started once uv has run, not skipped.
    events.length = 0;
    const { runner } = fakeUv(p, () => (events.push("uv ran"), ok));
    await runUvTransaction(p.root, undefined, ["sync"], { runner, env: p.env, whileUvRuns });
    assert.deepEqual(events, ["uv ran", `beside, pyproject.toml ${before} bytes`]);

    // No uv to run (--no-install): started once pyproject.toml is written.
    events.length = 0;
    await runUvTransaction(p.root, NEW_PYPROJECT, undefined, { runner, env: p.env, whileUvRuns });
    assert.deepEqual(events, [`beside, pyproject.toml ${NEW_PYPROJECT.length} bytes`]);
  });
});
