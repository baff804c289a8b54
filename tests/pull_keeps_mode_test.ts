/**
 * `hpm pull` in dev (issue 22, item 4), with a real git remote for the core
 * and the plugins, and real uv: a teammate's commit changes pyproject.toml
 * and uv.lock (and pins a plugin in the core's registry); the user's own
 * uncommitted edit is carried over; an edit of the same line is refused
 * before anything is touched, with steps that work; a pull killed (SIGKILL)
 * at each step leaves, after the next hpm run, the dev form the user had or
 * the committed form with their edit, never a mix, nothing lost.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURE_ENV, git, run, uv, withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const FILES = ["pyproject.toml", "uv.lock"];

/** What the fixture built, and the user's state before each pull. */
interface Team {
  readonly root: string;
  /** The user's core, in dev, with an edit of their own. */
  readonly dir: string;
  /** The teammate's clone of the core. */
  readonly mate: string;
  /** The commit the user is at, and the teammate's on the remote. */
  readonly before: string;
  readonly after: string;
  /** The user's pyproject.toml and uv.lock before pulling. */
  readonly worktree: Record<string, string>;
  /** plug-a's commit before the pull fast-forwards its clone. */
  readonly plugA: string;
  /** Put the user back where they were before pulling. */
  reset(): Promise<void>;
}

const read = (dir: string, file: string) => Deno.readTextFile(join(dir, file));
const head = async (dir: string) => (await git(["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
const recordMode = (text: string) => /^\[tool\.hpm\]\n(?:#.*\n)*mode = "(\w+)"/m.exec(text)?.[1];

// The user's own edit: a line of theirs, two lines from the teammate's.
const OWN = 'keywords = ["mine"]';
const addOwn = (text: string) =>
  text.replace('requires-python = ">=3.11"\n', `requires-python = ">=3.11"\n${OWN}\n`);

async function team(root: string): Promise<Team> {
  const { dir, plugins } = await makeProject(root, [
    {
      name: "plug-a",
      versions: ["1.0.0", "1.1.0"],
      prod: (repo) => `{type: git, url: "${repo.bareUrl}", ref: v1.0.0}`,
    },
    { name: "plug-b" },
  ]);
  const env = { HPM_STATE_DIR: join(root, "state-setup") };
  await Deno.writeTextFile(join(dir, ".gitignore"), "/packages/\n", { append: true });
  await git(["init", "--quiet", "-b", "main"], { cwd: dir });
  expectOk(await hpm(["sync", "--mode", "prod"], dir, env), "sync prod");
  await git(["add", "-A"], { cwd: dir });
  await git(["commit", "--quiet", "-m", "prod form"], { cwd: dir });
  const bare = join(root, "core.git");
  await git(["clone", "--quiet", "--bare", dir, bare], { cwd: root });
  await git(["remote", "add", "origin", bare], { cwd: dir });
  await git(["fetch", "--quiet", "origin"], { cwd: dir });
  await git(["branch", "--quiet", "--set-upstream-to=origin/main"], { cwd: dir });
  const before = await head(dir);

  // The teammate: a new version, plug-a pinned to v1.1.0, locked, pushed.
  const mate = join(root, "mate");
  await git(["clone", "--quiet", bare, mate], { cwd: root });
  const entry = join(mate, "hpm-registry", "packages", "plug-a.yaml");
  await Deno.writeTextFile(
    entry,
    (await Deno.readTextFile(entry)).replace("ref: v1.0.0", "ref: v1.1.0"),
  );
  await writeFile(
    join(mate, "pyproject.toml"),
    (await read(mate, "pyproject.toml")).replace('version = "0.1.0"', 'version = "0.2.0"'),
  );
  expectOk(
    await hpm(["sync", "--mode", "prod", "--no-install"], mate, {
      HPM_STATE_DIR: join(root, "s2"),
    }),
    "teammate's prod form",
  );
  await uv(["lock"], { cwd: mate });
  await git(["commit", "--quiet", "-am", "0.2.0, plug-a 1.1.0"], { cwd: mate });
  await git(["push", "--quiet", "origin", "main"], { cwd: mate });
  const after = await head(mate);

  // plug-a moves on upstream (its clone is fast-forwarded); plug-b's clone is dirty.
  const upstream = join(root, "plug-a-elsewhere");
  await git(["clone", "--quiet", plugins["plug-a"].bare, upstream], { cwd: root });
  await Deno.writeTextFile(join(upstream, "NEWS"), "more\n");
  await git(["add", "-A"], { cwd: upstream });
  await git(["commit", "--quiet", "-m", "news"], { cwd: upstream });
  await git(["push", "--quiet", "origin", "main"], { cwd: upstream });
  await Deno.writeTextFile(join(plugins["plug-b"].clone, "wip.py"), "x = 1\n");
  const plugA = await head(plugins["plug-a"].clone);

  // The user, in dev, with an edit of their own.
  expectOk(await hpm(["sync"], dir, env), "sync dev");
  await Deno.writeTextFile(join(dir, "pyproject.toml"), addOwn(await read(dir, "pyproject.toml")));
  const worktree: Record<string, string> = {
    "pyproject.toml": await read(dir, "pyproject.toml"),
    "uv.lock": await read(dir, "uv.lock"),
  };
  assert.equal(recordMode(worktree["pyproject.toml"]), "dev");
  return {
    root,
    dir,
    mate,
    before,
    after,
    worktree,
    plugA,
    async reset() {
      await git(["reset", "--quiet", "--hard", before], { cwd: dir });
      for (const f of FILES) await Deno.writeTextFile(join(dir, f), worktree[f]);
      await git(["reset", "--quiet", "--hard", plugA], { cwd: plugins["plug-a"].clone });
    },
  };
}

// The committed form at the teammate's commit, with the user's edit.
async function expectCommittedWithOwn(t: Team, what: string): Promise<void> {
  const text = await read(t.dir, "pyproject.toml");
  assert.equal(await head(t.dir), t.after, what);
  assert.equal(
    text,
    addOwn(await read(t.mate, "pyproject.toml")),
    `${what}: pulled form + own edit`,
  );
  assert.equal(await read(t.dir, "uv.lock"), await read(t.mate, "uv.lock"), what);
}

// As the user had it: their dev form, HEAD where it was.
async function expectAsBefore(t: Team, what: string): Promise<void> {
  assert.equal(await head(t.dir), t.before, what);
  for (const f of FILES) assert.equal(await read(t.dir, f), t.worktree[f], `${what}: ${f}`);
}

Deno.test("hpm pull in dev: the teammate's pyproject.toml and uv.lock, the user's edit kept; clones, registry, sync; one summary", async () => {
  await withRoot(async (root) => {
    const t = await team(root);
    const env = { HPM_STATE_DIR: join(root, "state") };
    const r = await hpm(["pull"], t.dir, env);
    expectOk(r, "hpm pull");
    assert.equal(
      r.stdout.trim(),
      "core: 1 new commit (your edits to pyproject.toml kept); plugins: 1 updated, 1 left " +
        "(plug-b: 1 uncommitted change); registry: plug-a v1.0.0 → v1.1.0; mode dev synced",
    );
    assert.equal(await head(t.dir), t.after);
    const text = await read(t.dir, "pyproject.toml");
    assert.equal(recordMode(text), "dev", "the mode in force, again");
    assert.match(text, /^version = "0\.2\.0"$/m, "the teammate's change");
    assert.ok(text.includes(OWN), "the user's own edit");
    assert.match(text, /plug-a = \{ path = "packages\/plug-a", editable = true \}/);
    expectOk(await hpm(["check"], t.dir, env), "dev is in sync, uv.lock too");
    // What is left to commit is the user's edit alone.
    expectOk(await hpm(["stage", "--offline"], t.dir, env), "stage");
    const staged = (await git(["diff", "--cached", "-U0"], { cwd: t.dir })).stdout;
    assert.deepEqual(
      staged.split("\n").filter((l) => /^[-+][^-+]/.test(l)),
      [`+${OWN}`],
      staged,
    );
    await git(["reset", "--quiet"], { cwd: t.dir });

    // Nothing new: the summary says so.
    const again = await hpm(["pull", "--json"], t.dir, env);
    expectOk(again, "second pull");
    const json = JSON.parse(again.stdout);
    assert.equal(json.core.commits, 0);
    assert.deepEqual(json.registry, []);
    assert.equal(json.sync.mode, "dev");
  });
});

// Refused: the user's edit and the teammate's change the same line; the steps
// of the hint, run as the user would type them, end where a pull would have.
async function sameLineThenSteps(t: Team, env: Record<string, string>): Promise<string[]> {
  const mine = (await read(t.dir, "pyproject.toml")).replace(
    'version = "0.1.0"',
    'version = "0.1.1"',
  );
  const lock = await read(t.dir, "uv.lock");
  await Deno.writeTextFile(join(t.dir, "pyproject.toml"), mine);
  const r = await hpm(["pull"], t.dir, env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /your uncommitted edits to pyproject\.toml and the pulled commits change the same lines \(line 3 of HEAD's: yours `version = "0\.1\.1"`, theirs `version = "0\.2\.0"`\); nothing was changed/,
  );
  assert.equal(await head(t.dir), t.before, "nothing pulled");
  assert.equal(await read(t.dir, "pyproject.toml"), mine, "nothing touched");
  assert.equal(await read(t.dir, "uv.lock"), lock);

  const steps = r.stderr.split("\n").filter((l) => /^ {4}(hpm|git) /.test(l))
    .map((l) => l.replace(/#.*$/, "").trim());
  const runStep = async (line: string) => {
    const [program, ...args] = line.split(/\s+/);
    return program === "hpm" ? await hpm(args, t.dir, env) : await run("git", args, { cwd: t.dir });
  };
  const pop = steps.indexOf("git stash pop");
  assert.ok(pop > 0, r.stderr);
  for (const step of steps.slice(0, pop + 1)) {
    const done = await runStep(step);
    if (step !== "git stash pop") expectOk(done, step);
  }
  // Only the user's line and the teammate's conflict; the dev and prod entries do not.
  const conflicted = await read(t.dir, "pyproject.toml");
  assert.match(
    conflicted,
    /<<<<<<< [^\n]*\nversion = "0\.2\.0"\n=======\nversion = "0\.1\.1"\n>>>>>>> /,
  );
  assert.equal(conflicted.match(/<<<<<<</g)?.length, 1);
  await Deno.writeTextFile(
    join(t.dir, "pyproject.toml"),
    conflicted.replace(/<<<<<<< [^\n]*\n[^\n]*\n=======\n([^\n]*\n)>>>>>>> [^\n]*\n/, "$1"),
  );
  for (const step of steps.slice(pop + 1)) {
    for (const part of step.split(" && ")) expectOk(await runStep(part), part);
  }
  assert.equal(await head(t.dir), t.after);
  assert.match(await read(t.dir, "pyproject.toml"), /^version = "0\.1\.1"$/m);
  assert.equal((await git(["stash", "list"], { cwd: t.dir })).stdout, "");
  return steps;
}

Deno.test("hpm pull refuses an edit of the same line before touching anything, and its steps work", async () => {
  await withRoot(async (root) => {
    const t = await team(root);
    const steps = await sameLineThenSteps(t, { HPM_STATE_DIR: join(root, "state") });
    assert.equal(steps.length, 7);
    assert.equal(recordMode(await read(t.dir, "pyproject.toml")), "dev");
  });
});

Deno.test("hpm pull's steps by hand, with a plugin developed: freed first, developed again last", async () => {
  await withRoot(async (root) => {
    const t = await team(root);
    const env = { HPM_STATE_DIR: join(root, "state") };
    expectOk(await hpm(["develop", "plug-a"], t.dir, env), "develop plug-a");
    const steps = await sameLineThenSteps(t, env);
    assert.equal(steps[0], "hpm free --all --no-sync");
    assert.equal(steps.at(-1), "hpm develop plug-a");
    const text = await read(t.dir, "pyproject.toml");
    assert.match(text, /plug-a = \{ path = "packages\/plug-a", editable = true \}/);
    assert.match(await read(t.dir, "hpm.local.yaml"), /develop: \[plug-a\]|develop:\n *- plug-a/);
  });
});

Deno.test("hpm pull checks its flags and uv before anything moves", async () => {
  await withRoot(async (root) => {
    const t = await team(root);
    const env = { HPM_STATE_DIR: join(root, "state") };
    const plugA = join(t.dir, "packages", "plug-a");
    const untouched = async (what: string) => {
      assert.equal(await head(t.dir), t.before, `${what}: the core not pulled`);
      assert.equal(await head(plugA), t.plugA, `${what}: plug-a not fast-forwarded`);
      for (const f of FILES) assert.equal(await read(t.dir, f), t.worktree[f], `${what}: ${f}`);
    };
    for (const jobs of ["0", "x"]) {
      const r = await hpm(["pull", "-j", jobs], t.dir, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--jobs must be a whole number of at least 1/);
      await untouched(`-j ${jobs}`);
    }
    const r = await hpm(["pull"], t.dir, { ...env, HPM_UV: "/nonexistent/uv" });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /uv cannot be run \(uv: not found at HPM_UV=\/nonexistent\/uv\)/);
    assert.doesNotMatch(r.stderr, /--no-install/, "pull has none");
    await untouched("no uv");
  });
});

Deno.test("hpm pull -q: a clone that failed says why, the rest of the pull done", async () => {
  await withRoot(async (root) => {
    const t = await team(root);
    const plugA = join(t.dir, "packages", "plug-a");
    await git(["remote", "set-url", "origin", join(root, "gone.git")], { cwd: plugA });
    const r = await hpm(["pull", "-q"], t.dir, { HPM_STATE_DIR: join(root, "state") });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^hpm: plug-a: failed: git fetch failed: .*gone\.git/m);
    assert.match(
      r.stderr,
      /error: some clones failed \(plug-a\)\n +hint: see the lines above; the rest of the pull was done/,
    );
    assert.equal(await head(t.dir), t.after, "the core was pulled");
  });
});

Deno.test("hpm pull names what holds the index: a stopped rebase, conflicts a stash pop left", async () => {
  await withRoot(async (root) => {
    const t = await team(root);
    const env = { HPM_STATE_DIR: join(root, "state") };
    const notes = join(t.dir, "NOTES");
    const commit = async (text: string) => {
      await Deno.writeTextFile(notes, text);
      await git(["add", "NOTES"], { cwd: t.dir });
      await git(["commit", "--quiet", "-m", text], { cwd: t.dir });
    };
    const refused = async (pattern: RegExp, hint: RegExp) => {
      const at = await head(t.dir);
      const r = await hpm(["pull"], t.dir, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, hint);
      assert.equal(await head(t.dir), at, "nothing pulled");
    };
    // A rebase stopped at a conflict.
    await git(["switch", "--quiet", "-c", "side"], { cwd: t.dir });
    await commit("side\n");
    await git(["switch", "--quiet", "main"], { cwd: t.dir });
    await commit("main\n");
    await git(["stash", "--quiet"], { cwd: t.dir });
    assert.notEqual((await run("git", ["rebase", "side"], { cwd: t.dir })).code, 0);
    await refused(
      /error: a rebase is in progress; nothing was pulled/,
      /hint: finish it \(`git rebase --continue`\) or abort it \(`git rebase --abort`\)/,
    );
    expectOk(await run("git", ["rebase", "--abort"], { cwd: t.dir }), "rebase --abort");

    // A stash pop that conflicts: no operation, only conflicts.
    await Deno.writeTextFile(notes, "stashed\n");
    await git(["stash", "--quiet"], { cwd: t.dir });
    await commit("committed\n");
    assert.notEqual((await run("git", ["stash", "pop"], { cwd: t.dir })).code, 0);
    await refused(
      /error: NOTES has unresolved conflicts; nothing was pulled/,
      /hint: resolve them and `git add` the files, or `git restore --staged` them, then run `hpm pull`/,
    );
  });
});

// A git or uv that stops on a given command until the test has killed hpm:
// it writes its process id to MARK, waits, then runs the real program.
async function pausingWrappers(root: string): Promise<Record<string, string>> {
  const bin = join(root, "bin");
  for (const program of ["git", "uv"]) {
    const real = (await run("sh", ["-c", `command -v ${program}`], { cwd: root })).stdout.trim();
    await writeFile(
      join(bin, program),
      `#!/bin/sh
if [ -n "$PAUSE_ON" ] && [ ! -e "$MARK" ] && [ "$(pwd -P)" = "$PAUSE_IN" ]; then
  case " $* " in *" $PAUSE_ON "*) echo $$ > "$MARK.tmp"; mv "$MARK.tmp" "$MARK"; sleep 2;; esac
fi
exec ${real} "$@"
`,
    );
    await Deno.chmod(join(bin, program), 0o755);
  }
  return { HPM_GIT: join(bin, "git"), HPM_UV: join(bin, "uv") };
}

// The process id in `path`, once it is there. A minute at most: the wait ends
// when it comes, and a cold hpm start on a loaded machine running the suite
// in parallel may take many seconds.
async function waitFor(path: string): Promise<number> {
  for (let i = 0; i < 2400; i++) {
    try {
      return Number((await Deno.readTextFile(path)).trim());
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`${path} never appeared`);
}

// The pausing git and uv are shell scripts HPM runs (HPM_GIT, HPM_UV).
Deno.test({
  name:
    "hpm pull killed (SIGKILL) at each step: the next hpm run finds the dev form or the committed form, nothing lost",
  ignore: Deno.build.os === "windows",
}, async (t) => {
  await withRoot(async (root) => {
    const team_ = await team(root);
    const wrappers = await pausingWrappers(root);
    const real = (path: string) => Deno.realPathSync(path);
    let n = 0;
    // Start a pull that pauses at `on` (a word of git's or uv's command line,
    // run in `dir`); kill it there (and the paused program too, with
    // `stopped`); then let the next hpm run recover.
    const killAt = async (on: string, dir: string, stopped = false) => {
      await team_.reset();
      const mark = join(root, `mark-${++n}`);
      const env = {
        ...FIXTURE_ENV,
        NO_COLOR: "1",
        HPM_STATE_DIR: join(root, `state-${n}`),
        ...wrappers,
        PAUSE_ON: on,
        PAUSE_IN: real(dir),
        MARK: mark,
      };
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", CLI, "pull"],
        cwd: team_.dir,
        env,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const paused = await waitFor(mark).catch(async (e) => {
        child.kill("SIGKILL");
        await child.output();
        throw e;
      });
      child.kill("SIGKILL");
      const out = await child.output();
      assert.equal(out.signal, "SIGKILL", new TextDecoder().decode(out.stderr));
      if (stopped) Deno.kill(paused, "SIGKILL");
      const next = await hpm(["status"], team_.dir, { HPM_STATE_DIR: env.HPM_STATE_DIR });
      expectOk(next, "the next hpm run");
      return next.stderr;
    };

    await t.step("while fetching: nothing was touched", async () => {
      const said = await killAt("fetch", team_.dir);
      assert.doesNotMatch(said, /interrupted/);
      await expectAsBefore(team_, "killed while fetching");
    });
    await t.step("committed form swapped in, git not run yet: undone", async () => {
      const said = await killAt("merge", team_.dir, true);
      assert.match(said, /interrupted hpm pull \(process \d+\) was undone before it pulled/);
      await expectAsBefore(team_, "killed before git merged");
    });
    await t.step(
      "while git fast-forwards (it outlives hpm): waited for, then forward",
      async () => {
        const said = await killAt("merge", team_.dir);
        assert.match(
          said,
          /interrupted hpm pull .* had pulled .*committed form, with your own edits/,
        );
        await expectCommittedWithOwn(team_, "killed while git merged");
      },
    );
    await t.step("while updating a plugin's clone: the committed form", async () => {
      const said = await killAt("fetch", join(team_.dir, "packages", "plug-a"));
      assert.match(said, /had pulled/);
      await expectCommittedWithOwn(team_, "killed while updating plug-a");
    });
    await t.step(
      "while uv syncs: its transaction and the pull are recovered: the committed form",
      async () => {
        const said = await killAt("sync", team_.dir);
        assert.match(said, /rolled back: pyproject\.toml and uv\.lock restored/);
        assert.match(said, /had pulled/);
        await expectCommittedWithOwn(team_, "killed while uv synced");
        // From there, `hpm sync` brings dev back, with the user's edit.
        expectOk(
          await hpm(["sync"], team_.dir, { HPM_STATE_DIR: join(root, "state-last") }),
          "sync",
        );
        const text = await read(team_.dir, "pyproject.toml");
        assert.equal(recordMode(text), "dev");
        assert.ok(text.includes(OWN));
      },
    );
  });
});

Deno.test("hpm pull killed, then pyproject.toml edited by hand: every hpm run stops, the journal keeps the user's copy until they delete it", async () => {
  await withRoot(async (root) => {
    const t = await team(root);
    const wrappers = await pausingWrappers(root);
    const mark = join(root, "mark");
    const state = join(root, "state");
    // Killed with the committed form swapped in, before git merged.
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", CLI, "pull"],
      cwd: t.dir,
      env: {
        ...FIXTURE_ENV,
        NO_COLOR: "1",
        HPM_STATE_DIR: state,
        ...wrappers,
        PAUSE_ON: "merge",
        PAUSE_IN: Deno.realPathSync(t.dir),
        MARK: mark,
      },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const paused = await waitFor(mark);
    child.kill("SIGKILL");
    await child.status;
    Deno.kill(paused, "SIGKILL");
    const journal = join(state, "journals", `${encodeURIComponent(Deno.realPathSync(t.dir))}.pull`);
    const kept = await Deno.readTextFile(journal);
    assert.ok(kept.includes(t.worktree["pyproject.toml"]), "the user's dev form is in it");

    // Not knowing, the user edits the committed form hpm had swapped in.
    const edited = (await read(t.dir, "pyproject.toml")) + "# mine, after the kill\n";
    await Deno.writeTextFile(join(t.dir, "pyproject.toml"), edited);
    const env = { HPM_STATE_DIR: state };
    for (const args of [["pull"], ["pull"], ["status"], ["sync"]]) {
      const r = await hpm(args, t.dir, env);
      assert.equal(r.code, 1, `${args}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /error: an interrupted hpm pull \(process \d+\) can be neither finished nor undone: pyproject\.toml has changed since; nothing was done\n +hint: your working copies are kept in its journal: take what you need from \S+ \(a line of JSON, then the saved files' bytes\), delete it, then run hpm again/,
      );
      assert.ok(r.stderr.includes(journal), r.stderr);
      assert.equal(await head(t.dir), t.before, `${args}: nothing pulled`);
      assert.equal(await read(t.dir, "pyproject.toml"), edited, `${args}: the hand edit stays`);
      assert.equal(await Deno.readTextFile(journal), kept, `${args}: the journal is kept whole`);
    }
    // Once the user has taken what they need and deleted it, hpm goes on.
    await Deno.remove(journal);
    await Deno.writeTextFile(join(t.dir, "pyproject.toml"), t.worktree["pyproject.toml"]);
    expectOk(await hpm(["pull"], t.dir, env), "hpm pull");
    assert.equal(await head(t.dir), t.after);
    const text = await read(t.dir, "pyproject.toml");
    assert.equal(recordMode(text), "dev");
    assert.ok(text.includes(OWN));
  });
});

Deno.test("hpm pull refuses, touching nothing: pyproject.toml staged, a change the pull would overwrite, a diverged branch, no upstream", async () => {
  await withRoot(async (root) => {
    const t = await team(root);
    const env = { HPM_STATE_DIR: join(root, "state") };
    const refused = async (code: number, pattern: RegExp, what: string) => {
      const snapshot = await Promise.all(FILES.map((f) => read(t.dir, f)));
      const r = await hpm(["pull"], t.dir, env);
      assert.equal(r.code, code, `${what}: ${r.stderr}`);
      assert.match(r.stderr, pattern, what);
      assert.equal(await head(t.dir), t.before, `${what}: nothing pulled`);
      assert.deepEqual(await Promise.all(FILES.map((f) => read(t.dir, f))), snapshot, what);
    };
    await git(["add", "pyproject.toml"], { cwd: t.dir });
    await refused(2, /pyproject\.toml is staged; nothing was pulled/, "staged");
    await git(["reset", "--quiet"], { cwd: t.dir });

    const entry = join(t.dir, "hpm-registry", "packages", "plug-a.yaml");
    const original = await Deno.readTextFile(entry);
    await Deno.writeTextFile(entry, original + "# mine\n");
    await refused(
      2,
      /your uncommitted changes to hpm-registry\/packages\/plug-a\.yaml would be overwritten/,
      "a change of the user's in a file the pull changes",
    );
    await Deno.writeTextFile(entry, original);

    await git(["commit", "--quiet", "--allow-empty", "-m", "mine"], { cwd: t.dir });
    const mine = await head(t.dir);
    const diverged = await hpm(["pull"], t.dir, env);
    assert.equal(diverged.code, 1, diverged.stderr);
    assert.match(
      diverged.stderr,
      /main and the fetched commits have diverged \(1 and 1 commits each\)/,
    );
    assert.equal(await head(t.dir), mine);
    await git(["reset", "--quiet", "--soft", t.before], { cwd: t.dir });

    await git(["branch", "--quiet", "--unset-upstream"], { cwd: t.dir });
    await refused(2, /branch main tracks no remote branch, and none was named/, "no upstream");
    // Naming one is what the hint says.
    expectOk(await hpm(["pull", "--", "origin", "main"], t.dir, env), "hpm pull -- origin main");
    assert.equal(await head(t.dir), t.after);
  });
});
