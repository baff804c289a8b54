/**
 * Putting the dev checkouts of plugins on disk, cloned from their git source,
 * several at once: what `hpm clone` does, and `hpm sync --clone` before it
 * syncs. One failure never stops the others; the report says what happened
 * to each package and the caller decides the exit code.
 *
 * @module
 */

import { relative } from "node:path";
import { CommandFailedError, HpmInputError, HpmOperationError } from "../core/errors.ts";
import { checkJobs, runPool } from "../io/pool.ts";
import { homeFolder, isInside, realPath } from "../io/files.ts";
import { cloneIntoPlace, folderState, realLocation } from "../io/clone_folders.ts";
import {
  aheadBehind,
  cloneState,
  fastForward,
  fetchRemote,
  gitClone,
  gitFailure,
  hasOwnGit,
  upstreamOf,
} from "../io/git.ts";
import { projectMode } from "../core/mode.ts";
import { namedPlugins } from "../core/plugins.ts";
import { normalizeName } from "../core/names.ts";
import { loadProject, readLocalDependencies } from "./load.ts";
import { findProjectRoot } from "./root.ts";
import { planSync } from "./plan.ts";
import type { Project } from "../core/project.ts";
import { entryPlace, type RegistryEntry } from "../core/registry_entry.ts";
import { cloneSource, devCheckout } from "../core/checkout.ts";
import { denoRunner, type Runner } from "../io/runner.ts";
import type { CommandContext } from "./context.ts";
import type { Io } from "../io/terminal.ts";

/** Options of {@link clone}. */
export interface CloneOptions extends CommandContext {
  /** Packages to clone; default: every option of every group, and what they require. */
  readonly packages?: readonly string[];
  /** How many clones (or updates) run at once (at least 1). @default 4 */
  readonly jobs?: number;
  /**
   * Also bring existing checkouts up to date: fetch, and fast-forward the
   * clean ones that are only behind; the others are reported as `kept`.
   */
  readonly update?: boolean;
  /** Clone into folders outside the project without asking (`--yes`). */
  readonly yes?: boolean;
  /**
   * Asked before cloning into folders outside the project (their real
   * location, links followed); without it (and without `yes`) such clones
   * are refused.
   */
  readonly confirm?: (targets: readonly string[]) => Promise<boolean>;
  /**
   * Let git show its own progress (inherit stderr) when clones run one at a
   * time; for a stderr that is a terminal. Several at once never do.
   */
  readonly progress?: boolean;
}

/** What happened to one package. */
export interface CloneOutcome {
  /** The package name, as the registry writes it. */
  readonly name: string;
  /**
   * `cloned`; `present` (its path exists and is not empty, left alone);
   * `failed` (see `reason`); `skipped` (no local source in any mode: it has
   * no dev checkout; only for packages not named explicitly). With `update`,
   * an existing checkout is `updated` (fast-forwarded), `current` (nothing to
   * pull) or `kept` (left alone: uncommitted changes, unpushed commits…; see
   * `reason`).
   */
  readonly status: "cloned" | "present" | "updated" | "current" | "kept" | "failed" | "skipped";
  /** Absolute path of the dev checkout, when it has one. */
  readonly path?: string;
  /** The URL cloned from (or that failed). */
  readonly url?: string;
  /** Why it failed or was skipped. */
  readonly reason?: string;
}

/** The result of {@link clone}. */
export interface CloneReport {
  /** One outcome per package, sorted by name. */
  readonly results: readonly CloneOutcome[];
  /** Whether nothing failed. */
  readonly ok: boolean;
}

const DEFAULT_JOBS = 4;

/**
 * Clone every missing dev checkout (or the named packages') from the plugin's
 * git source into its dev path, up to `jobs` at once. Checkouts that already
 * exist are left alone. Packages that a fresh clone declares as dependencies
 * (in its pyproject.toml) and the registry knows are cloned too, as `hpm sync`
 * will need them.
 *
 * Per-package failures do not throw: every clone runs to the end and the
 * report lists each failure with its reason (`ok` is false); the CLI turns
 * that into exit code 1.
 *
 * @param options project, packages, parallelism, runner
 * @returns what happened to each package
 * @throws {HpmInputError} before cloning anything: an unknown package name
 *   (with "did you mean"), a bad `jobs`, or a broken manifest or registry entry
 *
 * @example Usage
 * ```ts
 * import { clone } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core whose plugin `q` is released on the index, with a dev checkout in packages/q:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(
 *   `${root}/reg/packages/q.yaml`,
 *   "name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n  prod: {type: pypi, version: 1.0.0}\n",
 * );
 * await Deno.mkdir(`${root}/packages/q`, { recursive: true });
 * await Deno.writeTextFile(`${root}/packages/q/pyproject.toml`, '[project]\nname = "q"\nversion = "1.0.0"\n');
 *
 * // q's checkout is there already: nothing to clone (others would be cloned from their git source).
 * const report = await clone({ root });
 * assert.deepEqual(report.results.map((r) => [r.name, r.status]), [["q", "present"]]);
 * assert.equal(report.ok, true);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function clone(options: CloneOptions = {}): Promise<CloneReport> {
  const jobs = checkJobs(options.jobs ?? DEFAULT_JOBS);
  const root = findProjectRoot(options.root);
  // No project lock: cloning can take minutes and touches none of the files
  // the lock protects, and status/sync must not wait for it.
  const env = options.env ?? Deno.env.toObject();
  const project = await loadProject(root, {
    runner: options.runner,
    log: options.log,
    env,
    refresh: options.refresh,
  });
  const { mode } = projectMode(project, { flag: options.mode, env: env.RUN_MODE });
  const home = homeFolder(env);
  const named = options.packages !== undefined && options.packages.length > 0;
  const first = named
    ? namedEntries(project, options.packages!)
    : namedPlugins(project.manifest, project.registry);

  const runner = options.runner ?? denoRunner;
  const log = options.log ?? (() => {});
  const results = new Map<string, CloneOutcome>();
  let queue = first;
  while (queue.length) {
    await confirmOutside(project, queue, mode, home, options);
    // Parallel clones asking for credentials, or drawing their progress, at
    // once would garble the terminal: each says one line as it ends.
    const quiet = jobs > 1 && queue.length > 1;
    const total = queue.length;
    let finished = 0;
    const round = await runPool(queue, jobs, (entry) =>
      cloneOne(project, entry, {
        mode,
        home,
        explicit: named,
        update: options.update ?? false,
        runner,
        log,
        done: (line) => log(total > 1 ? `${line} (${++finished}/${total})` : line),
        quiet,
        progress: !quiet && (options.progress ?? false),
      }));
    for (const [i, outcome] of round.entries()) results.set(queue[i].key, outcome);
    queue = named ? [] : discovered(project, round, results);
  }
  const sorted = [...results.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { results: sorted, ok: sorted.every((r) => r.status !== "failed") };
}

function namedEntries(project: Project, names: readonly string[]): RegistryEntry[] {
  const entries = new Map<string, RegistryEntry>();
  for (const name of names) {
    if (!project.registry.has(name)) throw project.registry.unknown(name);
    const entry = project.registry.get(name);
    entries.set(entry.key, entry);
  }
  return [...entries.values()];
}

// Dependencies a checkout's own pyproject.toml declares that the registry
// knows: dev-mode sync follows these, so they need checkouts too.
function discovered(
  project: Project,
  round: readonly CloneOutcome[],
  seen: ReadonlyMap<string, CloneOutcome>,
): RegistryEntry[] {
  const next = new Map<string, RegistryEntry>();
  for (const outcome of round) {
    if (outcome.path === undefined || outcome.status === "failed") continue;
    for (const dep of readLocalDependencies(outcome.path)?.names ?? []) {
      if (seen.has(dep) || next.has(dep) || !project.registry.has(dep)) continue;
      next.set(dep, project.registry.get(dep));
    }
  }
  return [...next.values()];
}

interface CloneContext {
  readonly mode: string;
  readonly home?: string;
  readonly explicit: boolean;
  readonly update: boolean;
  readonly runner: Runner;
  readonly log: (message: string) => void;
  /** Says how a package ended: its one line, counted. */
  readonly done: (line: string) => void;
  readonly quiet: boolean;
  /** git's own progress on the terminal. */
  readonly progress: boolean;
}

// Whatever goes wrong with one package is that package's failure: the
// others are still running and must be allowed to finish.
async function cloneOne(
  project: Project,
  entry: RegistryEntry,
  ctx: CloneContext,
): Promise<CloneOutcome> {
  try {
    return await cloneOneUnguarded(project, entry, ctx);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    ctx.done(`${entry.name}: failed: ${reason}`);
    return { name: entry.name, status: "failed", reason };
  }
}

async function cloneOneUnguarded(
  project: Project,
  entry: RegistryEntry,
  ctx: CloneContext,
): Promise<CloneOutcome> {
  const name = entry.name;
  const checkout = devCheckout(project, entry, ctx.mode, ctx.home);
  if (!checkout) {
    const reason = `no mode of ${entryPlace(entry)} has a local source, so it has no dev checkout`;
    if (!ctx.explicit) {
      ctx.done(`${name}: skipped (${reason})`);
      return { name, status: "skipped", reason };
    }
    ctx.done(`${name}: failed: ${reason}`);
    return { name, status: "failed", reason };
  }
  const path = checkout.path;
  const shown = relative(project.root, path) || ".";
  const fail = (reason: string, url?: string): CloneOutcome => {
    ctx.done(`${name}: failed: ${reason}`);
    return { name, status: "failed", path, url, reason };
  };

  const existing = await folderState(path);
  if (existing === "not-a-folder") return fail(`${shown} exists and is not a folder`);
  if (existing === "non-empty" && ctx.update) {
    try {
      const env = ctx.quiet ? { GIT_TERMINAL_PROMPT: "0" } : undefined;
      const { status, reason } = await updateCheckout(ctx.runner, path, env);
      ctx.done(
        `${name}: ${
          status === "updated"
            ? reason
            : status === "current"
            ? "up to date"
            : `left alone (${reason})`
        }`,
      );
      return { name, status, path, ...(reason ? { reason } : {}) };
    } catch (e) {
      if (!(e instanceof CommandFailedError)) throw e;
      return fail(gitReason(e));
    }
  }
  if (existing === "non-empty") {
    ctx.done(`${name}: already there (${shown})`);
    return { name, status: "present", path };
  }
  const from = cloneSource(entry);
  if (!from) {
    return fail(
      `no mode of ${
        entryPlace(entry)
      } has a git source to clone from, and it has no \`repository:\``,
    );
  }
  const url = from.source.url;
  if (from.source.subdirectory !== undefined) {
    // The checkout would be a folder inside a bigger repository; where that
    // repository should go is the user's call.
    return fail(
      `its git source is the subdirectory \`${from.source.subdirectory}\` of ${url}; ` +
        `clone that repository yourself so that ${shown} is inside it`,
      url,
    );
  }
  // One at a time, a line says what it waits for (git's progress follows
  // on a terminal); several at once, the line as each ends is enough.
  if (!ctx.quiet) ctx.log(`${name}: cloning ${url} into ${shown}…`);
  try {
    await cloneIntoPlace(path, existing === "empty", async (partial) => {
      await gitClone(
        ctx.runner,
        url,
        partial,
        project.root,
        ctx.progress,
        ctx.quiet ? { GIT_TERMINAL_PROMPT: "0" } : undefined,
      );
    });
  } catch (e) {
    if (!(e instanceof CommandFailedError)) throw e;
    return fail(gitReason(e), url);
  }
  ctx.done(`${name}: cloned into ${shown}`);
  return { name, status: "cloned", path, url };
}

// The project's own registry is committed, so a stranger's project could aim
// a clone at ~/.config/autostart or ../../elsewhere (also through a committed
// link): clones outside the project happen only when the user agrees.
async function confirmOutside(
  project: Project,
  entries: readonly RegistryEntry[],
  mode: string,
  home: string | undefined,
  options: CloneOptions,
): Promise<void> {
  if (options.yes) return;
  const root = realPath(project.root);
  const outside: string[] = [];
  for (const entry of entries) {
    const checkout = devCheckout(project, entry, mode, home);
    if (!checkout || (await folderState(checkout.path)) === "non-empty") continue;
    const real = realLocation(checkout.path);
    if (!isInside(real, root)) outside.push(`${entry.name}: ${real}`);
  }
  if (!outside.length || (options.confirm && await options.confirm(outside))) return;
  throw new HpmInputError(
    "untrusted-path",
    `refusing to clone outside the project without confirmation:\n  ${outside.join("\n  ")}`,
    undefined,
    "check these paths (the registry or hpm.local.yaml sets them); pass --yes to clone there",
  );
}

// git's "fatal:" line says why (no such repository, auth failed…).
function gitReason(e: CommandFailedError): string {
  const why = gitFailure(e.stderrTail);
  // The subcommand: the first argument that is not an option or its value.
  const what = e.args.find((a) => !a.startsWith("-") && !a.includes("="));
  return why ? `git ${what} failed: ${why}` : e.message;
}

/**
 * One line summing up a clone report, e.g. `2 cloned, 1 already there, 1 failed (x)`.
 *
 * @param report what {@link clone} returned
 * @returns the summary
 *
 * @example Usage
 * ```ts
 * import { summarizeClone } from "./clones.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   summarizeClone({
 *     ok: false,
 *     results: [
 *       { name: "a", status: "cloned" },
 *       { name: "b", status: "failed", reason: "no git source" },
 *     ],
 *   }),
 *   "1 cloned, 1 failed (b)",
 * );
 * ```
 */
export function summarizeClone(report: CloneReport): string {
  const count = (status: CloneOutcome["status"]) =>
    report.results.filter((r) => r.status === status);
  const failed = count("failed");
  const kept = count("kept");
  const parts = [
    [count("cloned").length, "cloned"],
    [count("updated").length, "updated"],
    [count("current").length, "up to date"],
    [count("present").length, "already there"],
    [kept.length, `left alone (${kept.map((r) => `${r.name}: ${r.reason}`).join("; ")})`],
    [count("skipped").length, "skipped (no local source)"],
  ].filter(([n]) => n).map(([n, what]) => `${n} ${what}`);
  if (failed.length) {
    parts.push(`${failed.length} failed (${failed.map((r) => r.name).join(", ")})`);
  }
  return parts.join(", ") ||
    "nothing to clone: no group in hpm.yaml names a plugin (`hpm group add`, or `hpm clone PACKAGE`)";
}

// What updateCheckout did.
interface UpdateOutcome {
  /** `updated` (fast-forwarded), `current` (nothing to pull), `kept` (left alone). */
  readonly status: "updated" | "current" | "kept";
  /** What was pulled, or why it was left alone. */
  readonly reason?: string;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

// `hpm clone --update`: bring an existing dev checkout up to date with its
// remote, only when that cannot lose or mix anyone's work: a clean clone on a
// branch that is behind its upstream is fast-forwarded; one with uncommitted
// changes, unpushed commits, a detached HEAD or no upstream is left exactly
// as it is, and the reason reported. Fetching or fast-forwarding that fails
// throws (CommandFailedError).
async function updateCheckout(
  runner: Runner,
  dir: string,
  env?: Readonly<Record<string, string>>,
): Promise<UpdateOutcome> {
  if (!hasOwnGit(dir)) return { status: "kept", reason: "not a git clone of its own" };
  const state = await cloneState(runner, dir);
  if (state.branch === undefined) {
    return { status: "kept", reason: `detached at ${state.detachedAt}, not on a branch` };
  }
  if (state.dirty) {
    return { status: "kept", reason: plural(state.changedPaths, "uncommitted change") };
  }
  if ((await upstreamOf(runner, dir)) === undefined) {
    return { status: "kept", reason: `branch ${state.branch} tracks no remote branch` };
  }
  await fetchRemote(runner, dir, env);
  const { ahead, behind } = await aheadBehind(runner, dir);
  if (ahead > 0) {
    const pull = behind > 0 ? `, ${behind} to pull: diverged` : "";
    return { status: "kept", reason: `${plural(ahead, "commit")} not pushed${pull}` };
  }
  if (behind === 0) return { status: "current" };
  const { from, to } = await fastForward(runner, dir);
  return {
    status: "updated",
    reason: `fast-forwarded ${plural(behind, "commit")} (${from}..${to})`,
  };
}

/**
 * Clone the dev checkouts that `hpm sync` would find missing for the mode
 * (`missingClones` of its plan), with {@link clone}'s rules (outside the
 * project only with `yes` or a yes from `confirm`), planning again after each
 * round: a fresh clone may declare plugins whose checkouts are missing too.
 *
 * @param options project, mode, parallelism, runner, `yes` / `confirm`
 * @returns what happened to each package cloned (none when nothing was missing)
 * @throws {HpmInputError} as {@link clone}, and for a malformed hpm.yaml or
 *   registry entry
 *
 * @example Usage
 * ```ts ignore
 * import { sync } from "@hpm/cli";
 * import { cloneMissing } from "./clones.ts";
 *
 * const report = await cloneMissing({ root: "/path/to/core", log: console.error });
 * if (report.ok) await sync({ root: "/path/to/core" });
 * ```
 */
export async function cloneMissing(options: CloneOptions = {}): Promise<CloneReport> {
  const results = new Map<string, CloneOutcome>();
  while (true) {
    const plan = await planSync({ ...options, reportProblems: true });
    const missing = plan.missingClones.filter((name) => !results.has(normalizeName(name)));
    if (!missing.length) break;
    const round = await clone({ ...options, packages: missing });
    for (const r of round.results) results.set(normalizeName(r.name), r);
  }
  const sorted = [...results.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { results: sorted, ok: sorted.every((r) => r.status !== "failed") };
}

/**
 * The question asked before cloning outside the project, when stdin is a
 * terminal; undefined otherwise (such clones then need `--yes`).
 *
 * @param io where the folders are listed
 * @returns the question, for {@link CloneOptions.confirm}
 */
export function confirmOnTerminal(io: Io): CloneOptions["confirm"] {
  if (!Deno.stdin.isTerminal()) return undefined;
  return (targets) => {
    io.err(`hpm: these clones would go outside the project:\n  ${targets.join("\n  ")}`);
    return Promise.resolve(confirm("clone there?"));
  };
}

/**
 * The error for a report with failed clones, or undefined when none failed.
 * Under `-q`, which hides the progress lines, each failure's reason is
 * written first (a failure's reason is an error's).
 *
 * @param report what {@link clone} or {@link cloneMissing} returned
 * @param done what became of the rest, for the hint
 * @param quiet where the reasons go when `-q` hid the progress lines
 * @returns the error, naming the packages
 */
export function cloneFailure(
  report: CloneReport,
  done = "the others were cloned",
  quiet?: Io,
): HpmOperationError | undefined {
  const failed = report.results.filter((r) => r.status === "failed");
  if (!failed.length) return undefined;
  if (quiet) { for (const r of failed) quiet.err(`hpm: ${r.name}: failed: ${r.reason}`); }
  return new HpmOperationError(
    `some clones failed (${failed.map((r) => r.name).join(", ")})`,
    `see the lines above; ${done}`,
  );
}
