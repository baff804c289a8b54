/**
 * The git operations HPM needs, through the {@link Runner}. Every URL and ref
 * has been validated by the registry schema; they still go after `--` or
 * `--end-of-options`, and transports that run commands are disabled.
 *
 * @module
 */

import { CommandFailedError } from "./errors.ts";
import type { Runner } from "./runner.ts";

// Defence in depth: even a URL that slipped past validation cannot use the
// transports that execute commands.
const SAFE = ["-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never"];

async function git(runner: Runner, cwd: string, args: string[]): Promise<string> {
  const full = [...SAFE, ...args];
  const r = await runner({ program: "git", args: full, cwd });
  if (r.code !== 0) throw new CommandFailedError("git", full, r.code, r.stderr.slice(-2000));
  return r.stdout.trim();
}

async function gitOk(runner: Runner, cwd: string, args: string[]): Promise<string | undefined> {
  const r = await runner({ program: "git", args: [...SAFE, ...args], cwd });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * Clone `url` into `dest` (its default branch).
 *
 * @param runner runs git
 * @param url the repository
 * @param dest the folder to create
 * @param cwd where to run git
 * @param stream let git's progress show
 * @param env extra environment for git (e.g. `GIT_TERMINAL_PROMPT=0`)
 * @throws {CommandFailedError} when git fails
 */
export async function gitClone(
  runner: Runner,
  url: string,
  dest: string,
  cwd: string,
  stream = false,
  env?: Readonly<Record<string, string>>,
): Promise<void> {
  const args = [...SAFE, "clone", "--quiet", "--", url, dest];
  const r = await runner({ program: "git", args, cwd, stream, ...(env ? { env } : {}) });
  if (r.code !== 0) throw new CommandFailedError("git", args, r.code, r.stderr.slice(-2000));
}

/** The state of a local clone, as `hpm status` reports it. */
export interface CloneState {
  /** The current branch, undefined when HEAD is detached. */
  readonly branch?: string;
  /** When detached: the tag at HEAD, or its short commit. */
  readonly detachedAt?: string;
  /** Uncommitted changes (tracked or untracked files). */
  readonly dirty: boolean;
  /** Number of changed paths. */
  readonly changedPaths: number;
}

/**
 * Branch / detached state and uncommitted changes of a clone.
 *
 * @param runner runs git
 * @param dir the clone
 * @returns its state
 */
export async function cloneState(runner: Runner, dir: string): Promise<CloneState> {
  const branch = await gitOk(runner, dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  const detachedAt = branch ? undefined : (
    await gitOk(runner, dir, ["describe", "--tags", "--exact-match", "HEAD"]) ??
      await git(runner, dir, ["rev-parse", "--short", "HEAD"])
  );
  const porcelain = await git(runner, dir, ["status", "--porcelain"]);
  const changedPaths = porcelain ? porcelain.split("\n").length : 0;
  return { branch, detachedAt, dirty: changedPaths > 0, changedPaths };
}

/**
 * Whether `ref` names a commit in the clone.
 *
 * @param runner runs git
 * @param dir the clone
 * @param ref a tag, branch or commit
 * @returns true when it resolves
 */
export async function refExists(runner: Runner, dir: string, ref: string): Promise<boolean> {
  return (await gitOk(runner, dir, [
    "rev-parse",
    "--verify",
    "--quiet",
    "--end-of-options",
    `${ref}^{commit}`,
  ])) !==
    undefined;
}

/**
 * How many commits HEAD has that `ref` does not.
 *
 * @param runner runs git
 * @param dir the clone
 * @param ref the release ref
 * @returns the count
 */
export async function commitsSince(runner: Runner, dir: string, ref: string): Promise<number> {
  return Number(
    await git(runner, dir, ["rev-list", "--count", "--end-of-options", `${ref}..HEAD`]),
  );
}

/**
 * The newest tag of a clone, by version order (`v1.10.0` after `v1.9.0`).
 *
 * @param runner runs git
 * @param dir the clone
 * @returns the tag, or undefined when there is none
 */
export async function newestTag(runner: Runner, dir: string): Promise<string | undefined> {
  const tags = await git(runner, dir, ["tag", "--list", "--sort=-v:refname"]);
  return tags.split("\n").find((t) => t.trim() !== "")?.trim();
}

/**
 * The top folder of the git work tree that contains `dir`.
 *
 * @param runner runs git
 * @param dir a folder
 * @returns the absolute top folder, or undefined when `dir` is not in a work tree
 */
export async function worktreeTop(runner: Runner, dir: string): Promise<string | undefined> {
  return await gitOk(runner, dir, ["rev-parse", "--show-toplevel"]) || undefined;
}

/**
 * The work tree of a plugin checkout: the one `dir` is in, unless that is the
 * project's own work tree and `dir` is only a folder of it (git would then
 * report on the core, not on the plugin).
 *
 * @param runner runs git
 * @param dir the checkout
 * @param projectRoot the core project's root
 * @returns the top folder of the checkout's work tree, or undefined when it has none
 */
export async function checkoutWorktree(
  runner: Runner,
  dir: string,
  projectRoot: string,
): Promise<string | undefined> {
  const top = await worktreeTop(runner, dir);
  if (top === undefined) return undefined;
  const real = (p: string) => Deno.realPath(p).catch(() => p);
  if ((await real(top)) === (await real(dir))) return top;
  const projectTop = await worktreeTop(runner, projectRoot);
  return projectTop !== undefined && (await real(projectTop)) === (await real(top))
    ? undefined
    : top;
}

/** What a remote says about a ref; see {@link remoteRef}. */
export type RemoteRefState =
  | { readonly state: "found" | "missing" | "commit" }
  | { readonly state: "unreachable"; readonly reason: string };

/**
 * Whether `ref` is a tag or branch on the remote `url` (`git ls-remote`),
 * within `timeoutMs`. A commit id cannot be asked for this way: one that names
 * no ref is `commit`.
 *
 * @param runner runs git
 * @param cwd where to run git
 * @param url the repository
 * @param ref a tag, branch, full ref name or commit
 * @param timeoutMs how long to wait for the remote
 * @returns `found`, `missing`, `commit`, or `unreachable` with git's reason
 */
export async function remoteRef(
  runner: Runner,
  cwd: string,
  url: string,
  ref: string,
  timeoutMs: number,
): Promise<RemoteRefState> {
  const r = await runner({
    program: "git",
    args: [...SAFE, "ls-remote", "--end-of-options", url, ref],
    cwd,
    env: { GIT_TERMINAL_PROMPT: "0" },
    timeoutMs,
  });
  if (r.code !== 0) {
    const lines = r.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
    const reason = lines.find((l) => l.startsWith("fatal:"))?.replace(/^fatal:\s*/, "") ??
      lines.at(-1) ?? `git ls-remote stopped (exit code ${r.code}, after at most ${timeoutMs} ms)`;
    return { state: "unreachable", reason };
  }
  // ls-remote matches patterns by their tail (`v1` also matches `refs/tags/x/v1`).
  const names = new Set(r.stdout.split("\n").map((l) => l.split("\t")[1]?.trim()));
  const exact = [`refs/tags/${ref}`, `refs/heads/${ref}`, ref];
  if (exact.some((n) => names.has(n))) return { state: "found" };
  return /^[0-9a-f]{7,40}$/i.test(ref) ? { state: "commit" } : { state: "missing" };
}

/**
 * A file as it is at `ref` in a clone (`git cat-file blob REF:./PATH`, the
 * path relative to `dir`).
 *
 * @param runner runs git
 * @param dir a folder of the clone
 * @param ref a tag, branch or commit
 * @param path the file, relative to `dir`
 * @returns its text, or undefined when the ref or the file is not there
 */
export async function fileAtRef(
  runner: Runner,
  dir: string,
  ref: string,
  path: string,
): Promise<string | undefined> {
  const r = await runner({
    program: "git",
    args: [...SAFE, "cat-file", "blob", "--end-of-options", `${ref}:./${path}`],
    cwd: dir,
  });
  return r.code === 0 ? r.stdout : undefined;
}

/**
 * The upstream branch of the current branch (`origin/main`).
 *
 * @param runner runs git
 * @param dir the clone
 * @returns its name, or undefined when the branch tracks none
 */
export async function upstreamOf(runner: Runner, dir: string): Promise<string | undefined> {
  return await gitOk(runner, dir, [
    "rev-parse",
    "--abbrev-ref",
    "--symbolic-full-name",
    "@{upstream}",
  ]) || undefined;
}

/**
 * Fetch the current branch's remote; touches no branch and no file.
 *
 * @param runner runs git
 * @param dir the clone
 * @param env extra environment (e.g. `GIT_TERMINAL_PROMPT=0` when several run at once)
 * @throws {CommandFailedError} when git fails
 */
export async function fetchRemote(
  runner: Runner,
  dir: string,
  env?: Readonly<Record<string, string>>,
): Promise<void> {
  const args = [...SAFE, "fetch", "--quiet"];
  const r = await runner({ program: "git", args, cwd: dir, ...(env ? { env } : {}) });
  if (r.code !== 0) throw new CommandFailedError("git", args, r.code, r.stderr.slice(-2000));
}

/**
 * Commits HEAD has that its upstream does not, and the other way round.
 *
 * @param runner runs git
 * @param dir the clone (its branch has an upstream)
 * @returns `ahead` and `behind`
 */
export async function aheadBehind(
  runner: Runner,
  dir: string,
): Promise<{ ahead: number; behind: number }> {
  const out = await git(runner, dir, ["rev-list", "--left-right", "--count", "HEAD...@{upstream}"]);
  const [ahead, behind] = out.split(/\s+/).map(Number);
  return { ahead, behind };
}

/**
 * Fast-forward the current branch to its upstream (never a merge commit).
 *
 * @param runner runs git
 * @param dir the clone
 * @returns the short commits before and after
 * @throws {CommandFailedError} when it cannot fast-forward
 */
export async function fastForward(
  runner: Runner,
  dir: string,
): Promise<{ from: string; to: string }> {
  const from = await git(runner, dir, ["rev-parse", "--short", "HEAD"]);
  await git(runner, dir, ["merge", "--ff-only", "--quiet", "@{upstream}"]);
  return { from, to: await git(runner, dir, ["rev-parse", "--short", "HEAD"]) };
}

/**
 * A file as it is at `ref` of the remote `url`, fetched shallowly into the
 * bare repository `cache` (created when missing), within `timeoutMs`.
 *
 * @param runner runs git
 * @param cwd where to run `git init` (any existing folder)
 * @param cache a bare repository HPM owns, one per remote (git creates it)
 * @param url the remote
 * @param ref a tag or branch (a commit when the remote allows fetching one)
 * @param path the file, from the repository's top
 * @param timeoutMs how long the fetch may take
 * @returns its text, or why it could not be read
 */
export async function remoteFileAtRef(
  runner: Runner,
  cwd: string,
  cache: string,
  url: string,
  ref: string,
  path: string,
  timeoutMs: number,
): Promise<{ text: string } | { reason: string }> {
  const run = (args: string[], cwd: string, timeout?: number) =>
    runner({
      program: "git",
      args: [...SAFE, ...args],
      cwd,
      env: { GIT_TERMINAL_PROMPT: "0" },
      ...(timeout ? { timeoutMs: timeout } : {}),
    });
  const lastLine = (stderr: string) =>
    stderr.split("\n").map((l) => l.trim()).filter(Boolean).at(-1)?.replace(/^fatal:\s*/, "");
  try {
    await Deno.stat(cache);
  } catch {
    const init = await run(["init", "--quiet", "--bare", "--", cache], cwd);
    if (init.code !== 0) return { reason: lastLine(init.stderr) ?? "git init failed" };
  }
  const fetched = await run(
    ["fetch", "--quiet", "--depth", "1", "--end-of-options", url, ref],
    cache,
    timeoutMs,
  );
  if (fetched.code !== 0) {
    return { reason: lastLine(fetched.stderr) ?? `git fetch stopped (exit code ${fetched.code})` };
  }
  const file = await run(["cat-file", "blob", "--end-of-options", `FETCH_HEAD:${path}`], cache);
  return file.code === 0 ? { text: file.stdout } : { reason: `${ref} has no ${path}` };
}
