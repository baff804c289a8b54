import assert from "node:assert/strict";
import { join } from "node:path";
import type { HpmOperationError } from "../core/errors.ts";
import { PullJournal, recoverPull } from "./pull_journal.ts";
import { JOURNALS, projectStateName } from "./folder.ts";
import { recoverInterrupted } from "./transaction.ts";

const te = new TextEncoder();
const GIT_ENV = {
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.invalid",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd, env: GIT_ENV }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

const HEAD_FORM = "[project]\nname = 'core'\n\n[tool.hpm]\nmode = 'prod'\n";
const PULLED_FORM = "[project]\nname = 'core'\ndependencies = ['x']\n\n[tool.hpm]\nmode = 'prod'\n";
const WORKTREE = "[project]\nname = 'core'\nversion = '0.2.0'\n\n[tool.hpm]\nmode = 'dev'\n";
const RESULT = "[project]\nname = 'core'\nversion = '0.2.0'\ndependencies = ['x']\n\n" +
  "[tool.hpm]\nmode = 'prod'\n";

interface Pulling {
  readonly root: string;
  readonly env: { readonly HPM_STATE_DIR: string };
  readonly head: string;
  readonly target: string;
  readonly journal: string;
  read(): Promise<string>;
}

// A core repository at commit `head` whose next commit `target` (on a branch
// beside it) changes pyproject.toml; the working copy holds the user's dev
// form. `fn` gets it with a pull's journal begun.
async function pulling(
  fn: (at: Pulling, journal: PullJournal) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  const env = { HPM_STATE_DIR: await Deno.makeTempDir({ prefix: "hpm-state-" }) };
  try {
    await git(root, "init", "--quiet", "-b", "main");
    await Deno.writeTextFile(join(root, "pyproject.toml"), HEAD_FORM);
    await git(root, "add", "-A");
    await git(root, "commit", "--quiet", "-m", "head");
    const head = await git(root, "rev-parse", "HEAD");
    await git(root, "checkout", "--quiet", "-b", "theirs");
    await Deno.writeTextFile(join(root, "pyproject.toml"), PULLED_FORM);
    await git(root, "commit", "--quiet", "-am", "theirs");
    const target = await git(root, "rev-parse", "HEAD");
    await git(root, "checkout", "--quiet", "main");
    await Deno.writeTextFile(join(root, "pyproject.toml"), WORKTREE);
    const journal = await PullJournal.begin(root, {
      head,
      target,
      mode: "dev",
      files: [{
        name: "pyproject.toml",
        worktree: te.encode(WORKTREE),
        head: te.encode(HEAD_FORM),
        pulled: te.encode(PULLED_FORM),
        result: te.encode(RESULT),
      }],
    }, env);
    await fn({
      root,
      env,
      head,
      target,
      journal: join(env.HPM_STATE_DIR, JOURNALS, await projectStateName(root, "pull")),
      read: () => Deno.readTextFile(join(root, "pyproject.toml")),
    }, journal);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(env.HPM_STATE_DIR, { recursive: true });
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("recoverPull(): killed before the swap or before git moved HEAD: the working copies come back", async (t) => {
  await t.step("journal written, nothing swapped yet", async () => {
    await pulling(async (at) => {
      const message = await recoverPull(at.root, at.env);
      assert.match(message!, /hpm pull \(process \d+\) was undone before it pulled/);
      assert.equal(await at.read(), WORKTREE);
      assert.equal(await exists(at.journal), false);
    });
  });
  await t.step("nothing swapped yet, then a commit by hand: nothing to put back", async () => {
    await pulling(async (at) => {
      await git(at.root, "commit", "--quiet", "--allow-empty", "-m", "by hand");
      assert.match((await recoverPull(at.root, at.env))!, /undone before it pulled/);
      assert.equal(await at.read(), WORKTREE);
      assert.equal(await exists(at.journal), false);
    });
  });
  await t.step("swapped, git not run (or refused)", async () => {
    await pulling(async (at, journal) => {
      await journal.swap();
      assert.equal(await at.read(), HEAD_FORM, "the committed form, for git to fast-forward");
      const recovered = await recoverInterrupted(at.root, at.env);
      assert.match(recovered!.message, /undone before it pulled/);
      assert.equal(await at.read(), WORKTREE);
    });
  });
});

Deno.test("recoverPull(): killed once git moved HEAD: the pulled form with the user's edits", async (t) => {
  await t.step("git fast-forwarded; the result not written yet", async () => {
    await pulling(async (at, journal) => {
      await journal.swap();
      await git(at.root, "merge", "--ff-only", "--quiet", at.target);
      assert.equal(await at.read(), PULLED_FORM);
      const message = await recoverPull(at.root, at.env);
      assert.match(
        message!,
        /had pulled .*committed form, with your own edits; run `hpm sync` to bring mode dev back/,
      );
      assert.equal(await at.read(), RESULT);
      assert.equal(await exists(at.journal), false);
    });
  });
  await t.step("pulled: the files are left to the sync that follows", async () => {
    await pulling(async (at, journal) => {
      await journal.swap();
      await git(at.root, "merge", "--ff-only", "--quiet", at.target);
      await journal.pulled();
      await Deno.writeTextFile(join(at.root, "pyproject.toml"), "synced by the sync after\n");
      assert.match((await recoverPull(at.root, at.env))!, /had pulled/);
      assert.equal(await at.read(), "synced by the sync after\n");
      assert.equal(await exists(at.journal), false);
    });
  });
});

Deno.test("recoverPull(): killed as it swapped, then pulled by hand with git: the pulled changes stay", async () => {
  await pulling(async (at) => {
    // The swap written, its step not yet recorded; then the user's own `git pull`.
    await Deno.writeTextFile(join(at.root, "pyproject.toml"), HEAD_FORM);
    await git(at.root, "merge", "--ff-only", "--quiet", at.target);
    assert.equal(await at.read(), PULLED_FORM);
    assert.match((await recoverPull(at.root, at.env))!, /had pulled/);
    assert.equal(await at.read(), RESULT, "the pulled form, with the user's edits");
    assert.equal(await exists(at.journal), false);
  });
});

Deno.test("recoverPull(): a git left running is waited for, then decides", async () => {
  await pulling(async (at, journal) => {
    await journal.swap();
    // Stands for the fast-forwarding git: it ends, having moved HEAD.
    const child = new Deno.Command("sleep", { args: ["0.4"] }).spawn();
    await journal.recordChild(child.pid);
    await git(at.root, "merge", "--ff-only", "--quiet", at.target);
    const started = Date.now();
    assert.match((await recoverPull(at.root, at.env))!, /had pulled/);
    assert.ok(Date.now() - started >= 250, "recovery waited for it");
    await child.status;
    assert.equal(await at.read(), RESULT);
  });
});

Deno.test("recoverPull(): a file changed since by hand, or HEAD moved elsewhere: all is left, the journal keeps the user's copies, runs stop until it goes", async (t) => {
  const refused = (at: Pulling, why: RegExp) =>
    assert.rejects(recoverPull(at.root, at.env), (e: HpmOperationError) => {
      assert.match(e.message, why);
      assert.match(e.message, /can be neither finished nor undone: .*; nothing was done$/);
      assert.ok(e.hint?.includes(at.journal), e.hint);
      return true;
    });
  await t.step("a file changed", async () => {
    await pulling(async (at, journal) => {
      await journal.swap();
      await Deno.writeTextFile(join(at.root, "pyproject.toml"), "edited after the kill\n");
      await refused(at, /pyproject\.toml has changed since/);
      assert.equal(await at.read(), "edited after the kill\n");
      const kept = await Deno.readFile(at.journal);
      assert.ok(new TextDecoder().decode(kept).includes(WORKTREE), "the working copy is in it");
      await refused(at, /pyproject\.toml has changed since/);
      // The next pull would replace it: refused, naming it.
      await assert.rejects(
        PullJournal.begin(
          at.root,
          { head: at.head, target: at.target, mode: "dev", files: [] },
          at.env,
        ),
        (e: HpmOperationError) => e.message.includes(at.journal) && !!e.hint?.includes("delete it"),
      );
      assert.deepEqual(await Deno.readFile(at.journal), kept);
    });
  });
  await t.step("HEAD moved to another commit", async () => {
    await pulling(async (at, journal) => {
      await journal.swap();
      await git(at.root, "commit", "--quiet", "--allow-empty", "-m", "by hand");
      await refused(at, /HEAD has moved since/);
      assert.equal(await at.read(), HEAD_FORM, "left as it is");
      assert.equal(await exists(at.journal), true);
    });
  });
});

Deno.test("recoverPull(): no journal, nothing to do; a damaged one is reported and left", async () => {
  await pulling(async (at, journal) => {
    await journal.end();
    assert.equal(await recoverPull(at.root, at.env), undefined);
    await Deno.writeTextFile(at.journal, "{}\n");
    assert.match(
      (await recoverPull(at.root, at.env))!,
      /warning: ignored .*not an hpm pull journal/,
    );
    assert.equal(await at.read(), WORKTREE);
    assert.equal(await exists(at.journal), true);
  });
});
