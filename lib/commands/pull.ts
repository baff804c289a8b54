/**
 * `hpm pull`: bring the working copy up to date without leaving the mode in
 * force. In dev, pyproject.toml and uv.lock always differ from HEAD (which
 * holds the committed form), so a plain `git pull` refuses whenever a
 * teammate changed either. hpm pull puts the committed form back in their
 * place (the user's own edits carried over, as `hpm stage` separates them),
 * fast-forwards as `git pull --ff-only` does, refreshes the remote
 * registries, clones what is missing and fast-forwards the clean clones (as
 * `hpm clone --update`), and syncs the mode in force again: all under the
 * project lock, the swap journaled (state/pull_journal.ts) so that a kill at
 * any moment leaves the dev form or the committed form, never a mix, and
 * nothing of the user's lost.
 *
 * @module
 */

import { Interrupts } from "../io/interrupts.ts";
import {
  CommandFailedError,
  HpmInputError,
  HpmOperationError,
  InterruptedError,
} from "../core/errors.ts";
import { chooseMode, projectMode } from "../core/mode.ts";
import { LOCK_FILE, type Project, PYPROJECT_FILE } from "../core/project.ts";
import { type EntryMove, entryMoves } from "../core/registry_move.ts";
import type { SyncResult } from "../core/sync_result.ts";
import { mergeThreeWay } from "../edit/merge3.ts";
import { applyPlan, emptyPlan } from "../edit/pyproject.ts";
import { recordedPlan } from "../edit/pyproject_record.ts";
import { joinPath, MAX_PYPROJECT_BYTES, MAX_UV_LOCK_BYTES, readConfined } from "../io/files.ts";
import {
  changedFiles,
  commitsBetween,
  currentBranch,
  fastForwardTo,
  fetchForMerge,
  fileAtRef,
  headCommit,
  isAncestor,
  repoState,
  uncommittedFiles,
  unmergedPaths,
} from "../io/git.ts";
import { denoRunner, type Runner } from "../io/runner.ts";
import type { Io } from "../io/terminal.ts";
import { checkJobs } from "../io/pool.ts";
import { requireUv } from "../io/uv.ts";
import {
  clone,
  cloneFailure,
  type CloneOptions,
  type CloneReport,
  confirmOnTerminal,
} from "../project/clones.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { loadProject } from "../project/load.ts";
import { findProjectRoot } from "../project/root.ts";
import { syncLocked } from "../project/sync.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import { type PulledFile, PullJournal } from "../state/pull_journal.ts";

/** Options of {@link pull}. */
export interface PullOptions
  extends CommandContext, Pick<CloneOptions, "jobs" | "yes" | "confirm"> {
  /** `git pull`'s own arguments (repository, refspec, fetch options), from after `--`. */
  readonly gitArgs?: readonly string[];
  /** Let git and uv write their progress to the terminal. @default false */
  readonly stream?: boolean;
}

/** What {@link pull} did. */
export interface PullResult {
  /** The core: the commits pulled (0: it was up to date), from and to. */
  readonly core: {
    readonly commits: number;
    readonly from: string;
    readonly to: string;
    /** Whether the user's own uncommitted edits to pyproject.toml were merged with the pulled ones. */
    readonly merged: boolean;
  };
  /** What the registries changed for the project's plugins (`plug 1.0.0 → 1.1.0`). */
  readonly registry: readonly EntryMove[];
  /** The plugins' clones: cloned, fast-forwarded, left alone, failed. */
  readonly plugins: CloneReport;
  /** The sync of the mode in force. */
  readonly sync: SyncResult;
}

type Env = Readonly<Record<string, string | undefined>>;

interface Context {
  readonly root: string;
  readonly runner: Runner;
  readonly env: Env;
  readonly log: (message: string) => void;
  readonly options: PullOptions;
  /** The plugins hpm.local.yaml develops, for the steps by hand. */
  readonly developed?: readonly string[];
}

/**
 * Pull the core and its plugins, and sync the mode in force again.
 *
 * @param options project, mode, git's arguments, clone options, runner
 * @returns what was pulled, cloned and synced
 * @throws {HpmInputError} before anything is touched: `usage` for a bad
 *   `jobs` or mode; `git-state` for no repository, a merge or rebase in
 *   progress, unresolved conflicts, a detached HEAD, no upstream, staged
 *   pyproject.toml/uv.lock, uncommitted changes the pull would overwrite
 * @throws {HpmOperationError} before anything is touched: uv cannot be found,
 *   the branch has diverged, or the user's own edits and the pulled commits
 *   change the same lines of pyproject.toml (the steps to carry them by hand
 *   in the hint)
 * @throws {CommandFailedError} when git fails (the working copies put back)
 * @throws {InterruptedError} on SIGINT/SIGTERM while the files are swapped
 *
 * @example Usage
 * ```ts
 * import { denoRunner, pull, recordingRunner, type Runner, sync } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin from the index, pushed to a remote (a bare repository here):
 * const root = await Deno.makeTempDir();
 * const git = (cwd: string, ...args: string[]) =>
 *   denoRunner({ program: "git", args: ["-c", "user.name=me", "-c", "user.email=me@x", ...args], cwd });
 * await git(root, "init", "--quiet", "--bare", "core.git");
 * await git(root, "clone", "--quiet", `${root}/core.git`, "mine");
 * const mine = `${root}/mine`;
 * await Deno.writeTextFile(`${mine}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${mine}/hpm.yaml`, "registry: ./reg\nmode: prod\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${mine}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${mine}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 * await sync({ root: mine, install: false });
 * await git(mine, "add", "-A");
 * await git(mine, "commit", "--quiet", "-m", "core");
 * await git(mine, "push", "--quiet", "origin", "HEAD");
 * // A teammate pushes a commit.
 * await git(root, "clone", "--quiet", `${root}/core.git`, "mate");
 * await Deno.writeTextFile(`${root}/mate/README.md`, "# core\n");
 * await git(`${root}/mate`, "add", "-A");
 * await git(`${root}/mate`, "commit", "--quiet", "-m", "readme");
 * await git(`${root}/mate`, "push", "--quiet", "origin", "HEAD");
 *
 * // git runs for real; uv (the sync at the end) is a recording runner's here.
 * const uv = recordingRunner();
 * const runner: Runner = (r) => r.program === "uv" ? uv(r) : denoRunner(r);
 * const { core, sync: synced } = await pull({ root: mine, runner });
 * assert.equal(core.commits, 1);
 * assert.equal(synced.mode, "prod");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function pull(options: PullOptions = {}): Promise<PullResult> {
  const root = findProjectRoot(options.root);
  const runner = options.runner ?? denoRunner;
  const env = options.env ?? Deno.env.toObject();
  const log = options.log ?? (() => {});
  // Checked before anything moves: the clones and the sync come after the
  // core is pulled, too late to refuse.
  if (options.jobs !== undefined) checkJobs(options.jobs);
  requireUv({ ...Deno.env.toObject(), ...env }, false);
  return await withProjectLock(root, async () => {
    const before = await cachedProject({ root, runner, env, log, options });
    // Checked before anything is touched: a bad --mode is bad input.
    const request = { flag: options.mode, env: env.RUN_MODE };
    const { mode } = before ? projectMode(before, request) : chooseMode(request);
    const developed = before?.overlay?.develop;
    const core = await pullCore({ root, runner, env, log, options, developed }, mode);
    try {
      // The registries at their newest states, as `hpm registry update` takes
      // them: the clones and the sync read them there, and pyproject.toml's
      // record moves (for the next `hpm stage`).
      const newest = { ...options, runner, env, log, refresh: true };
      const project = await loadProject(root, newest);
      const names = project.manifest.groups.flatMap((g) => g.options);
      const registry = before ? entryMoves(before.registry, project.registry, names) : [];
      const plugins = await clone({ ...newest, root, update: true });
      const sync = await syncLocked(root, { ...newest, stream: options.stream });
      await core.journal?.end();
      return { core: core.result, registry, plugins, sync };
    } catch (e) {
      if (core.journal) {
        await core.journal.end();
        log(
          "the pull itself is done: pyproject.toml and uv.lock are in the committed form, " +
            `with your own edits; \`hpm sync\` brings mode ${mode} back once the error below is fixed`,
        );
      }
      throw e;
    }
  }, lockOptions({ ...options, log, env }));
}

// The project as it was before the pull, its remote registries from the
// cache (what they moved from), or undefined when it cannot be read so: the
// pull may be what mends it.
async function cachedProject({ root, runner, env }: Context): Promise<Project | undefined> {
  try {
    const project = await loadProject(root, {
      runner,
      env: { ...env, HPM_OFFLINE: "1" },
      log: () => {},
    });
    // Entries are read when first asked for: now, before the pull changes them.
    for (const name of project.manifest.groups.flatMap((g) => g.options)) {
      project.registry.fileOf(name);
    }
    return project;
  } catch (e) {
    if (e instanceof HpmInputError || e instanceof HpmOperationError) return undefined;
    throw e;
  }
}

const gitState = (message: string, hint: string) =>
  new HpmInputError("git-state", message, undefined, hint);

// Pull the core: refusals first (nothing touched), then, when the pulled
// commits change pyproject.toml or uv.lock, the journaled swap around git's
// fast-forward; otherwise git carries the working copies as they are.
async function pullCore(
  ctx: Context,
  mode: string,
): Promise<{ result: PullResult["core"]; journal?: PullJournal }> {
  const { root, runner, options } = ctx;
  const repo = await repoState(runner, root);
  if (!repo) {
    throw gitState(`${root} is not in a git work tree`, "hpm pull updates the core's repository");
  }
  if (repo.operation || repo.paused) {
    const what = repo.operation ?? repo.paused!;
    throw gitState(
      `a ${what === "am" ? "`git am`" : what} is in progress; nothing was pulled`,
      `finish it (\`git ${repo.operation ? "commit" : `${what} --continue`}\`) or abort it ` +
        `(\`git ${what} --abort\`), then run \`hpm pull\``,
    );
  }
  const unmerged = await unmergedPaths(runner, repo.top);
  if (unmerged.length) {
    throw gitState(
      `${unmerged.slice(0, 3).join(", ")}${unmerged.length > 3 ? ", …" : ""} ` +
        `${unmerged.length === 1 ? "has" : "have"} unresolved conflicts; nothing was pulled`,
      "resolve them and `git add` the files, or `git restore --staged` them, then run `hpm pull`",
    );
  }
  const branch = await currentBranch(runner, root);
  const from = await headCommit(runner, root);
  if (branch === undefined || from === undefined) {
    throw gitState(
      branch === undefined ? "HEAD is detached: there is no branch to pull into" : "no commit yet",
      branch === undefined
        ? "check out a branch (`git switch main`), then run `hpm pull`"
        : "commit first",
    );
  }
  const fetched = await fetchForMerge(
    runner,
    repo.top,
    options.gitArgs ?? [],
    options.stream ?? false,
  );
  if (fetched.length !== 1) {
    throw gitState(
      fetched.length
        ? `the fetch names ${fetched.length} branches to merge; hpm pull fast-forwards to one`
        : `branch ${branch} tracks no remote branch, and none was named; nothing was pulled`,
      `name one: \`hpm pull -- origin ${branch}\`, or set it once: ` +
        `\`git branch --set-upstream-to=origin/${branch}\``,
    );
  }
  const to = fetched[0];
  const upToDate = { result: { commits: 0, from, to: from, merged: false } };
  if (await isAncestor(runner, root, to, from)) return upToDate;
  if (!await isAncestor(runner, root, from, to)) {
    const [ours, theirs] = await Promise.all([
      commitsBetween(runner, root, to, from),
      commitsBetween(runner, root, from, to),
    ]);
    throw new HpmOperationError(
      `${branch} and the fetched commits have diverged (${ours} and ${theirs} commits each); ` +
        "hpm pull only fast-forwards, as `git pull --ff-only`; nothing was changed",
      "rebase or merge with git yourself, then run `hpm sync`",
    );
  }
  const commits = await commitsBetween(runner, root, from, to);
  const paths = {
    [PYPROJECT_FILE]: repo.prefix + PYPROJECT_FILE,
    [LOCK_FILE]: repo.prefix + LOCK_FILE,
  };
  const [changed, local] = await Promise.all([
    changedFiles(runner, repo.top, from, to),
    uncommittedFiles(runner, repo.top),
  ]);
  const ours = Object.values(paths);
  const staged = local.staged.filter((p) => ours.includes(p));
  if (staged.length) {
    throw gitState(
      `${staged.join(" and ")} ${staged.length === 1 ? "is" : "are"} staged; nothing was pulled`,
      "commit them first (`git commit`: `hpm stage` staged the committed form), or unstage them " +
        `(\`git restore --staged ${staged.join(" ")}\`), then run \`hpm pull\``,
    );
  }
  const blocking = changed.filter((p) => local.changed.includes(p) && !ours.includes(p));
  if (blocking.length) {
    throw gitState(
      `your uncommitted changes to ${blocking.slice(0, 3).join(", ")}` +
        `${blocking.length > 3 ? ", …" : ""} would be overwritten by the pull; nothing was pulled`,
      "commit or stash them first (`git stash`), then run `hpm pull`",
    );
  }
  const swapped = (Object.keys(paths) as (keyof typeof paths)[])
    .filter((name) => changed.includes(paths[name]));
  if (!swapped.length) {
    // Git carries the working copies of files the commits leave alone.
    await fastForward(ctx, to);
    return { result: { commits, from, to, merged: false } };
  }
  const { files, merged } = await pulledForms(ctx, from, to, swapped);
  const journal = await PullJournal.begin(root, { head: from, target: to, mode, files }, ctx.env);
  await swapAndFastForward(ctx, journal, to);
  return { result: { commits, from, to, merged }, journal };
}

// A fast-forward with nothing of HPM's to undo: git refuses what it must.
async function fastForward({ root, runner }: Context, to: string): Promise<void> {
  const r = await fastForwardTo(runner, root, to, () => {});
  if (r.code !== 0 || await headCommit(runner, root) !== to) {
    throw new CommandFailedError("git", ["merge", "--ff-only", to], r.code, r.stderr.slice(-2000));
  }
}

// Swap the committed form in, let git fast-forward, then write what the files
// become; a signal meanwhile waits for a consistent end (the pull undone, or
// done) and stops there. Git is left to finish whatever the signal: its
// result (whether HEAD moved) decides which end.
async function swapAndFastForward(
  { root, runner }: Context,
  journal: PullJournal,
  to: string,
): Promise<void> {
  // Git is not aborted: the signal is only kept, and acted on between steps.
  const interrupts = new Interrupts();
  interrupts.listen();
  // Once git has moved HEAD, only going forward is right: the working copies
  // would undo the pulled changes. A failure from there on leaves the journal
  // to the next run, which goes forward.
  let moved = false;
  try {
    await journal.swap();
    if (interrupts.caught) {
      await journal.rollback();
      throw new InterruptedError(interrupts.caught);
    }
    const r = await fastForwardTo(runner, root, to, (pid) => journal.recordChild(pid));
    moved = await headCommit(runner, root) === to;
    if (!moved) {
      await journal.rollback();
      if (interrupts.caught) throw new InterruptedError(interrupts.caught);
      throw new CommandFailedError(
        "git",
        ["merge", "--ff-only", to],
        r.code,
        r.stderr.slice(-2000),
        "pyproject.toml and uv.lock were put back as you had them; nothing was pulled",
      );
    }
    await journal.pulled();
    if (interrupts.caught) {
      await journal.end();
      throw new InterruptedError(
        interrupts.caught,
        true,
        "the pull was done: pyproject.toml and uv.lock are in the committed form, with your " +
          "own edits; run `hpm sync` (registries, clones and the sync were not)",
      );
    }
  } catch (e) {
    const handled = e instanceof InterruptedError || e instanceof CommandFailedError;
    // If it cannot, the journal still holds them for the next run.
    if (!handled && !moved) await journal.rollback().catch(() => {});
    throw e;
  } finally {
    interrupts.close();
  }
}

const encode = (text: string | undefined) =>
  text === undefined ? undefined : new TextEncoder().encode(text);
const decode = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);

// Each file the commits change, in each form: the working copy, HEAD's and
// the pulled commit's committed forms, and what it becomes. pyproject.toml
// becomes the pulled form with the user's own edits (found as `hpm stage`
// finds them: what differs once HPM's entries are set aside); uv.lock, uv's
// output for it, becomes the pulled one, and the sync that follows locks
// from it.
async function pulledForms(
  { root, runner, developed }: Context,
  from: string,
  to: string,
  names: readonly (typeof PYPROJECT_FILE | typeof LOCK_FILE)[],
): Promise<{ files: PulledFile[]; merged: boolean }> {
  let merged = false;
  const files: PulledFile[] = [];
  for (const name of names) {
    const limit = name === LOCK_FILE ? MAX_UV_LOCK_BYTES : MAX_PYPROJECT_BYTES;
    const worktree = readConfined(joinPath(root, name), { root }, limit);
    const [head, pulled] = await Promise.all(
      [from, to].map((commit) => fileAtRef(runner, root, commit, name, limit, true)),
    );
    let result = encode(pulled) ?? worktree;
    const own = decode(worktree);
    if (
      name === PYPROJECT_FILE && own !== undefined && head !== undefined && pulled !== undefined
    ) {
      const users = (text: string) => applyPlan(text, emptyPlan("dev"), name).text;
      if (users(own) !== users(head)) {
        result = encode(withOwnEdits(head, own, pulled, developed ?? []));
        merged = true;
      }
    }
    files.push({ name, worktree, head: encode(head), pulled: encode(pulled), result });
  }
  return { files, merged };
}

// The pulled pyproject.toml with the user's own uncommitted edits: the working
// copy given HEAD's entries (the plan HEAD's record lists) differs from HEAD by
// those edits alone, which are merged by lines into the pulled form. Edits of
// the same lines are refused before anything is touched, with the steps to
// carry them over by hand (plugins developed are freed first, or their entries
// would stay in the committed form, and developed again last).
function withOwnEdits(
  head: string,
  own: string,
  pulled: string,
  developed: readonly string[],
): string {
  const plan = recordedPlan(head, PYPROJECT_FILE);
  const ours = applyPlan(own, plan ?? emptyPlan("dev"), PYPROJECT_FILE).text;
  const merge = mergeThreeWay(head, ours, pulled);
  if ("text" in merge) return merge.text;
  const [first] = merge.conflicts;
  const shown = (text: string) => text.trim().split("\n")[0] || "(nothing)";
  const more = merge.conflicts.length > 1 ? `, and ${merge.conflicts.length - 1} more` : "";
  throw new HpmOperationError(
    `your uncommitted edits to pyproject.toml and the pulled commits change the same lines ` +
      `(line ${first.line} of HEAD's: yours \`${shown(first.ours)}\`, theirs ` +
      `\`${shown(first.theirs)}\`${more}); nothing was changed`,
    "carry them over by hand, in the committed form (only your lines can conflict then):\n" +
      (developed.length ? "    hpm free --all --no-sync    # developed again at the end\n" : "") +
      `    hpm sync --mode ${
        plan?.mode ?? "prod"
      } --no-install   # the committed form, with your edits\n` +
      "    git checkout -- uv.lock     # uv's own output: the last step locks it again\n" +
      "    git stash push -- pyproject.toml\n" +
      "    git pull --ff-only\n" +
      "    git stash pop               # mend the conflict in pyproject.toml, then:\n" +
      "    git restore --staged pyproject.toml && git stash drop\n" +
      (developed.length
        ? `    hpm develop ${developed.join(" ")}   # back to the mode in force`
        : "    hpm sync                    # back to the mode in force"),
  );
}

/** `hpm pull`'s command line: git's arguments after `--`, and the clone options. */
export interface PullFlags extends GlobalFlags {
  /** `--mode`: the mode to sync after pulling. */
  readonly mode?: string;
  /** `--jobs`, as given. */
  readonly jobs: string;
  /** `--yes`: clone outside the project without asking. */
  readonly yes?: boolean;
  /** `--json`. */
  readonly json?: boolean;
  /** `git pull`'s arguments. */
  readonly gitArgs: readonly string[];
}

/**
 * One line summing up a pull, e.g. `core: 3 new commits; plugins: 2 updated,
 * 1 left (plug: 1 uncommitted change); registry: plug 1.0.0 → 1.1.0; mode dev
 * synced`.
 *
 * @param result what {@link pull} returned
 * @returns the summary
 */
export function summarizePull(result: PullResult): string {
  const { core, plugins, registry, sync } = result;
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const coreText = core.commits
    ? `${plural(core.commits, "new commit")}${
      core.merged ? " (your edits to pyproject.toml kept)" : ""
    }`
    : "up to date";
  const of = (status: string) => plugins.results.filter((r) => r.status === status);
  const kept = of("kept");
  const failed = of("failed");
  const parts = [
    [of("cloned").length, "cloned"],
    [of("updated").length, "updated"],
    [kept.length, `left (${kept.map((r) => `${r.name}: ${r.reason}`).join("; ")})`],
    [failed.length, `failed (${failed.map((r) => r.name).join(", ")})`],
  ].filter(([n]) => n).map(([n, what]) => `${n} ${what}`);
  const moves = registry.map((m) =>
    `${m.name}${m.mode === "prod" ? "" : ` (${m.mode})`} ${m.from} → ${m.to}`
  );
  return `core: ${coreText}; plugins: ${parts.join(", ") || "up to date"}; registry: ${
    moves.join(", ") || "unchanged"
  }; mode ${sync.mode} synced`;
}

/**
 * `hpm pull`: progress as it goes, then one summary line (or JSON).
 *
 * @param flags the command line
 * @param io where it reports
 * @throws {HpmOperationError} when a clone failed (the rest was done)
 */
export async function pullCommand(flags: PullFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const result = await pull({
    ...context,
    gitArgs: flags.gitArgs,
    jobs: Number(flags.jobs),
    yes: flags.yes,
    stream: !flags.quiet && !flags.json,
    confirm: confirmOnTerminal(io),
  });
  if (flags.json) {
    const { mode, modeOrigin, changed, installed } = result.sync;
    io.out(JSON.stringify(
      { ...result, sync: { mode, modeOrigin, changed, installed } },
      null,
      2,
    ));
  } else if (!flags.quiet) io.out(summarizePull(result));
  const failure = cloneFailure(
    result.plugins,
    "the rest of the pull was done",
    flags.quiet ? io : undefined,
  );
  if (failure) throw failure;
}
