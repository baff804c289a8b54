/**
 * The git operations HPM needs: the one door through which HPM runs git.
 *
 * Git runs in folders HPM did not create (plugin clones, a project from a
 * stranger, a registry's checkout), and a repository's own configuration can
 * make git run commands (`core.fsmonitor`, hooks, an embedded bare
 * repository). So every call is hardened the way git's own security notes
 * advise for untrusted repositories, and git only ever runs inside a folder
 * that has its own `.git` (see {@link hasOwnGit}) or one HPM made. Only the
 * calls that must reach a remote may use a transport, and they refuse a
 * repository whose own configuration names a command for git to run there
 * (`core.sshCommand`, `remote.<name>.uploadpack`…). Every URL and ref has
 * been validated by the registry schema; they still go after `--` or
 * `--end-of-options`.
 *
 * @module
 */

import { CommandFailedError, HpmInputError } from "../core/errors.ts";
import type { Reader } from "../core/reader.ts";
import { door, joinPath } from "./files.ts";
import type { Runner, RunRequest, RunResult } from "./runner.ts";

/**
 * The options every git call starts with: no filesystem monitor command, no
 * hooks, no implicitly found bare repository (a folder laid out as one inside
 * a project), no transports that run commands, no pager.
 */
export const GIT_HARDENING: readonly string[] = [
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "safe.bareRepository=explicit",
  "-c",
  "protocol.ext.allow=never",
  "-c",
  "protocol.fd.allow=never",
  "-c",
  "core.pager=cat",
  "-c",
  "advice.detachedHead=false",
];

/** How to run one git command. */
export interface GitCall {
  /** Environment for git (e.g. `GIT_TERMINAL_PROMPT=0`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Stop git after this long (network operations). */
  readonly timeoutMs?: number;
  /** Let git's progress show. */
  readonly stream?: boolean;
  /**
   * Leave `core.hooksPath` as configured: only for asking git where hooks
   * live (a query that runs none), so `hpm init --hook` honours the user's setting.
   */
  readonly configuredHooks?: boolean;
  /**
   * Whether the call may reach a remote; no other call may use a transport
   * at all (in a partial clone, git would otherwise fetch a missing object
   * from the clone's remote, with the clone's settings). `repository`: git
   * reads the configuration of the repository it runs in (fetch, ls-remote,
   * a merge that fetches missing objects), so the call is refused when that
   * configuration names a command git would run while reaching the remote;
   * `clone`: git reads only the user's configuration.
   */
  readonly network?: "repository" | "clone";
  /** The most output to collect (see {@link RunRequest.maxOutputBytes}). */
  readonly maxOutputBytes?: number;
  /** Told git's process id once it runs (see {@link RunRequest.onSpawn}). */
  readonly onSpawn?: (pid: number) => void | Promise<void>;
  /** Written to git's stdin (see {@link RunRequest.stdin}). */
  readonly stdin?: Uint8Array;
}

// Read-only queries must not even take git's optional index lock.
const QUIET_ENV = { GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" };

// With an empty list of allowed protocols git reaches no remote, whatever
// the repository's `protocol.*.allow` says.
const NO_TRANSPORT = { GIT_ALLOW_PROTOCOL: "" };

/**
 * The settings with which a repository's own configuration makes git run a
 * program while it reaches a remote: the ssh command, the `git://` proxy,
 * the askpass and credential helpers, the upload-pack or receive-pack (run
 * as a local command for a remote that is a path) or remote helper, the
 * command listing an alternate's refs, and the programs checking or making
 * signatures (a fast-forward under `merge.verifySignatures`, a signed push;
 * with ssh signing, the command choosing the key). Names as `git config
 * --list` prints them, lower-cased but for the middle part.
 */
const COMMAND_SETTING =
  /^(core\.(sshcommand|gitproxy|askpass|alternaterefscommand)|credential\.(.+\.)?helper|remote\..+\.(uploadpack|receivepack|vcs)|gpg\.(.+\.)?program|gpg\.ssh\.defaultkeycommand)$/;

// git's own spelling of the lower-cased settings, for messages.
const SPELLING: Readonly<Record<string, string>> = {
  "core.sshcommand": "core.sshCommand",
  "core.gitproxy": "core.gitProxy",
  "core.askpass": "core.askPass",
  "core.alternaterefscommand": "core.alternateRefsCommand",
  "gpg.ssh.defaultkeycommand": "gpg.ssh.defaultKeyCommand",
};

/**
 * Run git, hardened; the result whatever the exit code.
 *
 * @param runner runs git
 * @param cwd where to run it
 * @param args its arguments (after the hardening options)
 * @param call environment, timeout, streaming, network, output limit
 * @returns how it ended (a refusal to reach a remote fails like git, code 128)
 */
export async function runGit(
  runner: Runner,
  cwd: string,
  args: readonly string[],
  call: GitCall = {},
): Promise<RunResult> {
  if (call.network === "repository") {
    const refused = await refuseCommandSettings(runner, cwd);
    if (refused) return refused;
  }
  const env = call.network ? call.env : { ...call.env, ...NO_TRANSPORT };
  const request: RunRequest = {
    program: "git",
    args: [
      ...(call.configuredHooks
        ? GIT_HARDENING.filter((a, i, all) =>
          a !== "core.hooksPath=/dev/null" && all[i + 1] !== "core.hooksPath=/dev/null"
        )
        : GIT_HARDENING),
      ...args,
    ],
    cwd,
    ...(env ? { env } : {}),
    ...(call.stream ? { stream: true } : {}),
    ...(call.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
    ...(call.maxOutputBytes !== undefined ? { maxOutputBytes: call.maxOutputBytes } : {}),
    ...(call.onSpawn ? { onSpawn: call.onSpawn } : {}),
    ...(call.stdin ? { stdin: call.stdin } : {}),
  };
  return await runner(request);
}

// A repository that came as an archive or a shared folder (or a `.git` file
// naming a git folder elsewhere) has a configuration nobody vetted, and the
// command-valued settings cannot all be overridden from the command line
// (`credential.helper` is a list, `remote.<name>.uploadpack` is per remote):
// so the configuration git will read (includes followed, as git does) is
// checked first, and a failure like git's own says which settings and where.
async function refuseCommandSettings(
  runner: Runner,
  cwd: string,
): Promise<RunResult | undefined> {
  const listed = await runGit(
    runner,
    cwd,
    ["config", "--list", "--show-scope", "--show-origin", "-z"],
    { env: QUIET_ENV },
  );
  if (listed.code !== 0) return listed;
  // Each entry is `scope NUL origin NUL key LF value NUL`.
  const fields = listed.stdout.split("\0");
  const found = new Map<string, string>();
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const key = fields[i + 2].split("\n", 1)[0];
    if ((fields[i] === "local" || fields[i] === "worktree") && COMMAND_SETTING.test(key)) {
      found.set(SPELLING[key] ?? key, fields[i + 1].replace(/^file:/, ""));
    }
  }
  if (found.size === 0) return undefined;
  // git names the repository's own files relative to the top of its work
  // tree; `includeIf "gitdir:…"` matches the git folder, wherever it is.
  const [top = cwd, gitDir = `${top}/.git`] =
    (await gitOk(runner, cwd, ["rev-parse", "--show-toplevel", "--absolute-git-dir"]))
      ?.split("\n") ?? [];
  const { resolve } = await import("node:path");
  const named = [...found].map(([key, file]) => `${key} (${resolve(top, file)})`);
  const [what, it, is] = found.size === 1
    ? ["a command", "it", "it is"]
    : ["commands", "them", "they are"];
  return {
    code: 128,
    stdout: "",
    stderr: `fatal: refusing to reach a remote from ${cwd}: its git config sets ` +
      `${named.join(", ")}, ${what} git would run; remove ${it}, or if ${is} your own, ` +
      `set ${it} in your global git config instead ` +
      `(under [includeIf "gitdir:${gitDir}"] for this repository alone)\n`,
  };
}

/**
 * Run git, hardened; its stdout exactly as written (file contents keep their bytes).
 *
 * @throws {CommandFailedError} when git fails
 */
async function gitRaw(
  runner: Runner,
  cwd: string,
  args: string[],
  call: GitCall = {},
): Promise<string> {
  const r = await runGit(runner, cwd, args, { env: QUIET_ENV, ...call });
  if (r.code !== 0) throw new CommandFailedError("git", args, r.code, r.stderr.slice(-2000));
  return r.stdout;
}

/** {@link gitRaw}, its stdout trimmed. */
async function git(
  runner: Runner,
  cwd: string,
  args: string[],
  call: GitCall = {},
): Promise<string> {
  return (await gitRaw(runner, cwd, args, call)).trim();
}

/**
 * Why git failed, from its stderr: its `fatal:` line (without the prefix),
 * else its last line.
 *
 * @param stderr what git wrote to stderr
 * @returns the reason, or undefined when git said nothing
 */
export function gitFailure(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => l.startsWith("fatal:")) ?? lines.at(-1))?.replace(/^fatal:\s*/, "");
}

async function gitOk(runner: Runner, cwd: string, args: string[]): Promise<string | undefined> {
  const r = await runGit(runner, cwd, args, { env: QUIET_ENV });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * Whether `dir` is the top of a git work tree of its own: it has a `.git`
 * entry (a folder, or the file of a linked work tree). Git is only run in such
 * folders, so a folder that merely looks like a repository (`HEAD`,
 * `objects/`, a `config`) or one inside another repository is never queried.
 *
 * @param dir a folder
 * @returns whether it has its own `.git`
 */
export function hasOwnGit(dir: string): boolean {
  try {
    const info = Deno.lstatSync(joinPath(dir, ".git"));
    return info.isDirectory || info.isFile;
  } catch {
    return false;
  }
}

/**
 * Clone `url` into `dest` (its default branch).
 *
 * @param runner runs git
 * @param url the repository
 * @param dest the folder to create
 * @param cwd where to run git
 * @param progress let git's progress show on the terminal (its output is
 *   then not captured, so a failure's reason is what git showed there)
 * @param env extra environment for git (e.g. `GIT_TERMINAL_PROMPT=0`)
 * @throws {CommandFailedError} when git fails
 */
export async function gitClone(
  runner: Runner,
  url: string,
  dest: string,
  cwd: string,
  progress = false,
  env?: Readonly<Record<string, string>>,
): Promise<void> {
  const args = ["clone", progress ? "--progress" : "--quiet", "--", url, dest];
  const r = await runGit(runner, cwd, args, {
    stream: progress,
    network: "clone",
    ...(env ? { env } : {}),
  });
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
  /**
   * Commits on HEAD that its upstream branch does not have, as of the last
   * fetch (nothing is asked of the remote); absent when HEAD is detached or
   * its branch tracks none that exists.
   */
  readonly notPushed?: number;
}

/**
 * Branch / detached state and uncommitted changes of a clone: one `git
 * status` (two more processes only when HEAD is detached).
 *
 * @param runner runs git
 * @param dir the clone
 * @returns its state
 */
export async function cloneState(runner: Runner, dir: string): Promise<CloneState> {
  const lines = (await git(runner, dir, ["status", "--porcelain=v2", "--branch"]))
    .split("\n").filter((l) => l !== "");
  const head = lines.find((l) => l.startsWith("# branch.head "))?.slice("# branch.head ".length);
  const branch = head === undefined || head === "(detached)" ? undefined : head;
  const detachedAt = branch ? undefined : (
    await gitOk(runner, dir, ["describe", "--tags", "--exact-match", "HEAD"]) ??
      await git(runner, dir, ["rev-parse", "--short", "HEAD"])
  );
  const changedPaths = lines.filter((l) => !l.startsWith("#")).length;
  // `# branch.ab +A -B`: git prints it only when the upstream exists.
  const ahead = /^# branch\.ab \+(\d+) -\d+$/m.exec(lines.join("\n"))?.[1];
  return {
    branch,
    detachedAt,
    dirty: changedPaths > 0,
    changedPaths,
    ...(ahead === undefined ? {} : { notPushed: Number(ahead) }),
  };
}

/**
 * How many commits HEAD has that `ref` does not; undefined when `ref` names
 * no commit in the clone. One git process answers both.
 *
 * @param runner runs git
 * @param dir the clone
 * @param ref a tag, branch or commit (the release ref)
 * @returns the count, or undefined
 */
export async function commitsAfter(
  runner: Runner,
  dir: string,
  ref: string,
): Promise<number | undefined> {
  const count = await gitOk(runner, dir, [
    "rev-list",
    "--count",
    "--end-of-options",
    `${ref}^{commit}..HEAD`,
  ]);
  return count === undefined ? undefined : Number(count);
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

/** Where a folder sits in its git repository. */
export interface RepoLocation {
  /** The top folder of the work tree. */
  readonly top: string;
  /** The folder relative to `top`, `/`-separated, ending in `/` (empty at the top). */
  readonly prefix: string;
}

/**
 * The work tree `dir` is in, and its path inside it.
 *
 * @param runner runs git
 * @param dir a folder
 * @returns the location, or undefined when `dir` is not in a work tree
 */
export async function repoLocation(runner: Runner, dir: string): Promise<RepoLocation | undefined> {
  const out = await gitOk(runner, dir, ["rev-parse", "--show-toplevel", "--show-prefix"]);
  if (!out) return undefined;
  const [top, prefix = ""] = out.split("\n");
  return { top, prefix };
}

/**
 * Paths with unresolved conflicts in the index (stages 1–3).
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @returns the paths, relative to `top`, each once
 */
export async function unmergedPaths(runner: Runner, top: string): Promise<string[]> {
  const out = await gitRaw(runner, top, ["ls-files", "--unmerged", "-z"]);
  return [...new Set(out.split("\0").filter(Boolean).map((l) => l.slice(l.indexOf("\t") + 1)))];
}

// The refs git keeps while a multi-step operation waits for its commit.
const OPERATIONS = [
  ["MERGE_HEAD", "merge"],
  ["CHERRY_PICK_HEAD", "cherry-pick"],
  ["REVERT_HEAD", "revert"],
] as const;

// The folders git keeps while a rebase or `git am` is stopped midway; `am`
// leaves a file in rebase-apply/ that tells it from a rebase.
const PAUSES = [
  ["rebase-merge", "rebase"],
  ["rebase-apply/applying", "am"],
  ["rebase-apply", "rebase"],
] as const;

/** Where a folder sits in its repository, and what the repository is in the middle of. */
export interface RepoState extends RepoLocation {
  /** A merge, cherry-pick or revert whose commit is not made yet. */
  readonly operation?: (typeof OPERATIONS)[number][1];
  /** A rebase or `git am` stopped midway (at a conflict, an `edit`), finished with `--continue`. */
  readonly paused?: (typeof PAUSES)[number][1];
}

/**
 * {@link repoLocation} and the multi-step operation the repository is in the
 * middle of (a merge, cherry-pick or revert whose commit is not made yet; a
 * rebase or `git am` stopped midway), in one git call.
 *
 * @param runner runs git
 * @param dir a folder
 * @returns the location and operation, or undefined when `dir` is not in a work tree
 */
export async function repoState(runner: Runner, dir: string): Promise<RepoState | undefined> {
  const out = await gitOk(runner, dir, [
    "rev-parse",
    "--show-toplevel",
    "--show-prefix",
    ...OPERATIONS.flatMap(([ref]) => ["--git-path", ref]),
  ]);
  if (!out) return undefined;
  // The prefix line is empty at the top; each --git-path is relative to `dir`.
  const [top, prefix, ...markers] = out.split("\n");
  if (markers.length !== OPERATIONS.length) {
    throw new CommandFailedError("git", ["rev-parse"], 0, `unexpected output: ${out}`);
  }
  // Loaded here, not with the module: node:path would cost every importer its load.
  const { resolve } = await import("node:path");
  const exists = (path: string) => Deno.stat(resolve(dir, path)).then(() => true, () => false);
  // A rebase's folders are beside MERGE_HEAD, in the work tree's own git folder.
  const gitDir = markers[0].slice(0, -OPERATIONS[0][0].length);
  const [operations, pauses] = await Promise.all([
    Promise.all(markers.map(exists)),
    Promise.all(PAUSES.map(([path]) => exists(gitDir + path))),
  ]);
  const operation = OPERATIONS[operations.indexOf(true)]?.[1];
  const paused = PAUSES[pauses.indexOf(true)]?.[1];
  return { top, prefix, ...(operation ? { operation } : {}), ...(paused ? { paused } : {}) };
}

/** One file's entry in the index. */
export interface IndexEntry {
  /** Its file mode, e.g. `100644`. */
  readonly mode: string;
  /** Its blob id. */
  readonly blob: string;
}

/**
 * Files' entries in the index (stage 0).
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param paths the files, relative to `top`
 * @returns the entries, by path; a file not in the index has none
 */
export async function indexEntries(
  runner: Runner,
  top: string,
  paths: readonly string[],
): Promise<Map<string, IndexEntry>> {
  const out = await gitRaw(runner, top, [
    "--literal-pathspecs",
    "ls-files",
    "--stage",
    "-z",
    "--",
    ...paths,
  ]);
  const entries = new Map<string, IndexEntry>();
  for (const line of out.split("\0")) {
    const m = /^(\d+) ([0-9a-f]+) 0\t(.*)$/s.exec(line);
    if (m) entries.set(m[3], { mode: m[1], blob: m[2] });
  }
  return entries;
}

/**
 * Whether git ignores a path (`.gitignore`, `info/exclude`, `core.excludesFile`).
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param path the path, relative to `top`
 * @returns true when it is ignored
 */
export async function isIgnored(runner: Runner, top: string, path: string): Promise<boolean> {
  return await gitOk(runner, top, ["check-ignore", "--quiet", "--no-index", "--", path]) !==
    undefined;
}

/**
 * Whether git tracks a path, or any file below it (a folder).
 *
 * @param runner runs git
 * @param dir a folder in the work tree, where git runs
 * @param path the path, relative to `dir`
 * @returns true when the index has it; false too when `dir` is not in a work tree
 */
export async function isTracked(runner: Runner, dir: string, path: string): Promise<boolean> {
  return !!await gitOk(runner, dir, ["--literal-pathspecs", "ls-files", "-z", "--", path]);
}

/**
 * The blob id of a file in HEAD.
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param path the file, relative to `top`
 * @returns the blob id, or undefined when there is no commit yet or HEAD lacks the file
 */
export async function headBlob(
  runner: Runner,
  top: string,
  path: string,
): Promise<string | undefined> {
  return await gitOk(runner, top, [
    "rev-parse",
    "--quiet",
    "--verify",
    "--end-of-options",
    `HEAD:${path}`,
  ]);
}

/**
 * The content of a blob, byte for byte (decoded as UTF-8).
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param blob the blob id
 * @returns its text
 */
export async function readBlob(runner: Runner, top: string, blob: string): Promise<string> {
  return await gitRaw(runner, top, ["cat-file", "blob", blob]);
}

/**
 * Write a file's content into the object store, as `git add` would store it
 * at `path` (its clean filters and line-ending rules applied).
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param file the file holding the content (anywhere on disk)
 * @param path the path it will have in the repository, relative to `top`
 * @returns the blob id
 */
export async function writeBlob(
  runner: Runner,
  top: string,
  file: string,
  path: string,
): Promise<string> {
  return await git(runner, top, ["hash-object", "-w", `--path=${path}`, "--", file]);
}

/**
 * Point index entries at blobs, in one index update: the working tree is not
 * touched.
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param entries the paths (relative to `top`) with their mode and blob
 */
export async function setIndexEntries(
  runner: Runner,
  top: string,
  entries: readonly ({ readonly path: string } & IndexEntry)[],
): Promise<void> {
  await git(runner, top, [
    "update-index",
    "--add",
    ...entries.flatMap((e) => ["--cacheinfo", `${e.mode},${e.blob},${e.path}`]),
  ]);
}

/**
 * Where git looks for the pre-commit hook (`core.hooksPath` respected).
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @returns the absolute path of the hook file
 */
export async function preCommitHookPath(runner: Runner, top: string): Promise<string> {
  const path = await git(runner, top, ["rev-parse", "--git-path", "hooks/pre-commit"], {
    configuredHooks: true,
  });
  const { resolve } = await import("node:path");
  return resolve(top, path);
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
  const r = await runGit(runner, cwd, ["ls-remote", "--end-of-options", url, ref], {
    env: QUIET_ENV,
    timeoutMs,
    network: "repository",
  });
  if (r.code !== 0) {
    const reason = gitFailure(r.stderr) ??
      `git ls-remote stopped (exit code ${r.code}, after at most ${timeoutMs} ms)`;
    return { state: "unreachable", reason };
  }
  // ls-remote matches patterns by their tail (`v1` also matches `refs/tags/x/v1`).
  const names = new Set(r.stdout.split("\n").map((l) => l.split("\t")[1]?.trim()));
  const exact = [`refs/tags/${ref}`, `refs/heads/${ref}`, ref];
  if (exact.some((n) => names.has(n))) return { state: "found" };
  return /^[0-9a-f]{7,40}$/i.test(ref) ? { state: "commit" } : { state: "missing" };
}

/**
 * The tags of the remote `url` (`git ls-remote --tags --refs`), within
 * `timeoutMs`, reading at most `maxBytes` of git's answer.
 *
 * @param runner runs git
 * @param cwd where to run git
 * @param url the repository
 * @param timeoutMs how long to wait for the remote
 * @param maxBytes the most output to read (a remote with more tags is refused)
 * @param sort git's order for them (`-v:refname`: the newest version first); default: by name
 * @returns the tag names (without `refs/tags/`), or why the remote did not answer
 */
export async function remoteTags(
  runner: Runner,
  cwd: string,
  url: string,
  timeoutMs: number,
  maxBytes: number,
  sort?: "-v:refname",
): Promise<{ tags: string[] } | { reason: string }> {
  const order = sort ? [`--sort=${sort}`] : [];
  const r = await runGit(
    runner,
    cwd,
    ["ls-remote", "--tags", "--refs", ...order, "--end-of-options", url],
    { env: QUIET_ENV, timeoutMs, network: "repository", maxOutputBytes: maxBytes },
  );
  if (r.code !== 0) {
    return {
      reason: gitFailure(r.stderr) ??
        `git ls-remote stopped (exit code ${r.code}, after at most ${timeoutMs} ms)`,
    };
  }
  const tags = r.stdout.split("\n").flatMap((line) => {
    const name = line.split("\t")[1]?.trim();
    return name?.startsWith("refs/tags/") ? [name.slice("refs/tags/".length)] : [];
  });
  return { tags };
}

/**
 * The newest tag of the remote `url`, by version order (`v1.10.0` after
 * `v1.9.0`), as {@link newestTag} finds it in a clone, within `timeoutMs`.
 *
 * @param runner runs git
 * @param cwd where to run git
 * @param url the repository
 * @param timeoutMs how long to wait for the remote
 * @returns the tag (undefined when it has none), or why the remote did not answer
 */
export async function newestRemoteTag(
  runner: Runner,
  cwd: string,
  url: string,
  timeoutMs: number,
): Promise<{ readonly tag?: string } | { readonly reason: string }> {
  const found = await remoteTags(runner, cwd, url, timeoutMs, MAX_TAG_LIST_BYTES, "-v:refname");
  return "reason" in found ? found : { tag: found.tags[0] };
}

// What a remote's list of tags may take: 64 bytes a line, a million tags.
const MAX_TAG_LIST_BYTES = 64 * 1024 * 1024;

/** An entry of a tree, as `git ls-tree -l` lists it. */
export interface TreeEntry {
  /** Its path from the tree. */
  readonly path: string;
  /** `100644` and `100755` are files, `120000` a link, `040000` a folder, `160000` a submodule. */
  readonly mode: string;
  /** Its object id. */
  readonly object: string;
  /** Its size in bytes; undefined for a folder or a submodule. */
  readonly size?: number;
}

/**
 * The entries of a tree (not those below them), or only those at `paths`,
 * as the repository holds them: nothing of a work tree, attributes or
 * filters is involved.
 *
 * @param runner runs git
 * @param dir the repository
 * @param tree a commit or tree id
 * @param paths the entries wanted; all when none
 * @param call timeout and environment
 * @returns the entries
 * @throws {CommandFailedError} when git fails (no such object)
 */
export async function treeEntries(
  runner: Runner,
  dir: string,
  tree: string,
  paths: readonly string[] = [],
  call: GitCall = {},
): Promise<TreeEntry[]> {
  // `-l` rather than `--format`, which needs git 2.36.
  const out = await gitRaw(
    runner,
    dir,
    // A `--` with no path after it would match nothing.
    ["ls-tree", "-z", "-l", "--end-of-options", tree, ...(paths.length ? ["--", ...paths] : [])],
    call,
  );
  return out.split("\0").flatMap((line) => {
    const m = /^(\d+) \w+ ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(line);
    if (!m) return [];
    return [{ path: m[4], mode: m[1], object: m[2], ...(m[3] === "-" ? {} : { size: +m[3] }) }];
  });
}

/**
 * The bytes of blobs, in one `git cat-file --batch`: as the repository holds
 * them, no filter or line-ending rule applied.
 *
 * @param runner runs git
 * @param dir the repository
 * @param blobs their ids
 * @param maxBytes the most their contents may hold together
 * @param call timeout and environment
 * @returns each blob's bytes, in the order asked
 * @throws {CommandFailedError} when git fails, a blob is missing, or they hold more than `maxBytes`
 */
export async function blobBytes(
  runner: Runner,
  dir: string,
  blobs: readonly string[],
  maxBytes: number,
  call: GitCall = {},
): Promise<Uint8Array[]> {
  if (!blobs.length) return [];
  const args = ["cat-file", "--batch"];
  const encoder = new TextEncoder();
  const r = await runGit(runner, dir, args, {
    env: QUIET_ENV,
    ...call,
    stdin: encoder.encode(blobs.map((b) => `${b}\n`).join("")),
    // Each blob comes after a line `<id> blob <size>` and is followed by a newline.
    maxOutputBytes: maxBytes + blobs.reduce((sum, b) => sum + b.length + 32, 0),
  });
  const fail = (why: string) => new CommandFailedError("git", args, r.code, why);
  if (r.code !== 0) throw fail(r.stderr.slice(-2000));
  const out = r.stdoutBytes ?? encoder.encode(r.stdout);
  const decoder = new TextDecoder();
  const found: Uint8Array[] = [];
  let at = 0;
  for (const blob of blobs) {
    const end = out.indexOf(0x0a, at);
    const header = decoder.decode(out.subarray(at, end < 0 ? out.length : end));
    const size = header.startsWith(`${blob} blob `) ? Number(header.split(" ")[2]) : NaN;
    if (end < 0 || !Number.isSafeInteger(size) || end + 1 + size > out.length) {
      throw fail(`unexpected answer for ${blob}: ${header}`);
    }
    found.push(out.subarray(end + 1, end + 1 + size));
    at = end + 2 + size;
  }
  return found;
}

/**
 * The files whose content decides which object `ref` names in the clone at
 * `dir`, as git's rules for a name look it up (`$GIT_DIR/REF`, `refs/REF`,
 * `refs/tags/REF`, `refs/heads/REF`, `refs/remotes/REF`,
 * `refs/remotes/REF/HEAD`, then `packed-refs`), plus the repository's
 * `config` (which also says how refs are stored). While none of them changes,
 * {@link fileAtRef} gives the same answer: objects never change. Undefined
 * when files alone do not tell: refs kept in a reftable, a clone whose `.git`
 * is a link or a file (a linked worktree), a ref that is an expression or an
 * abbreviated commit (new objects can make it ambiguous).
 *
 * Each is read through `reader` before git reads it, so a reader that keeps
 * what it saw holds the content git is about to answer from (a file that
 * changes in between then no longer matches what was kept).
 *
 * @param dir the clone
 * @param ref a tag, branch or full commit id
 * @param reader what reads them
 * @returns absolute paths, present or absent
 */
export function refFiles(
  dir: string,
  ref: string,
  reader: Reader = door,
): string[] | undefined {
  const gitDir = joinPath(dir, ".git");
  try {
    if (!Deno.lstatSync(gitDir).isDirectory) return undefined;
  } catch {
    return undefined;
  }
  const files = [joinPath(gitDir, "config"), joinPath(gitDir, "packed-refs")];
  const readable = (list: string[]) => {
    try {
      for (const file of list) reader.read(file, { root: gitDir }, MAX_REF_FILE_BYTES);
      return list;
    } catch {
      return undefined; // a link out, a folder, too large: what decides is not a file here
    }
  };
  if (/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(ref)) return readable(files);
  // git reads a name that is all hex, or ends in `-g<hex>` (git describe), as
  // an abbreviated object when no ref has it.
  const plain = /^[A-Za-z0-9_][A-Za-z0-9._/+-]*$/.test(ref) &&
    !/^[0-9a-f]{4,}$|-g[0-9a-f]{4,}$/i.test(ref) &&
    !/\.\.|\/\/|\/\.|\.lock(\/|$)|[/.]$/.test(ref);
  if (!plain) return undefined;
  try {
    Deno.lstatSync(joinPath(gitDir, "reftable"));
    return undefined;
  } catch {
    // no reftable: refs are files
  }
  const loose = [
    ...["", "refs/", "refs/tags/", "refs/heads/", "refs/remotes/"].map((at) =>
      joinPath(gitDir, `${at}${ref}`)
    ),
    joinPath(gitDir, `refs/remotes/${ref}/HEAD`),
  ];
  // A symbolic ref leads to a file not in the list.
  const symbolic = loose.some((file) => {
    try {
      const head = reader.read(file, { root: gitDir }, MAX_REF_FILE_BYTES);
      return head !== undefined && new TextDecoder().decode(head).startsWith("ref:");
    } catch {
      return true; // a link or a folder: what decides is elsewhere
    }
  });
  return symbolic ? undefined : readable([...files, ...loose]);
}

// packed-refs holds every tag of a clone: thousands in a large project.
const MAX_REF_FILE_BYTES = 32 * 1024 * 1024;

/**
 * A file as it is at `ref` in a clone (`git cat-file blob REF:./PATH`, the
 * path relative to `dir`); with `asCheckedOut`, as a checkout of `ref`
 * writes it into the work tree (`git cat-file --filters`: line endings and
 * filters applied).
 *
 * @param runner runs git
 * @param dir a folder of the clone
 * @param ref a tag, branch or commit
 * @param path the file, relative to `dir`
 * @param maxBytes the file's size limit
 * @param asCheckedOut as a checkout writes it, not as the blob holds it
 * @returns its text, or undefined when the ref or the file is not there
 * @throws {HpmInputError} `too-large` when the file is larger than `maxBytes`
 */
export async function fileAtRef(
  runner: Runner,
  dir: string,
  ref: string,
  path: string,
  maxBytes: number,
  asCheckedOut = false,
): Promise<string | undefined> {
  return await blobText(
    runner,
    dir,
    `${ref}:./${path}`,
    maxBytes,
    `${path} at ${ref} in ${dir}`,
    // What uv installs is fetched from the remote, which never sends the
    // clone's replace refs: read the same objects.
    { ...QUIET_ENV, GIT_NO_REPLACE_OBJECTS: "1" },
    asCheckedOut,
  );
}

// A blob's text, undefined when there is no such blob; never more than
// `maxBytes` of it is held, by HPM or by git (which streams a blob larger
// than core.bigFileThreshold instead of inflating it whole).
async function blobText(
  runner: Runner,
  dir: string,
  object: string,
  maxBytes: number,
  shown: string,
  env: Readonly<Record<string, string>>,
  filters = false,
): Promise<string | undefined> {
  const r = await runGit(
    runner,
    dir,
    [
      "-c",
      `core.bigFileThreshold=${maxBytes}`,
      "cat-file",
      ...(filters ? ["--filters"] : ["blob"]),
      "--end-of-options",
      object,
    ],
    { env, maxOutputBytes: maxBytes },
  );
  if (r.tooLarge) {
    throw new HpmInputError(
      "too-large",
      `${shown} is larger than ${maxBytes} bytes`,
      undefined,
      "check that release: a real one is far smaller",
    );
  }
  return r.code === 0 ? r.stdout : undefined;
}

/**
 * The commit HEAD is at.
 *
 * @param runner runs git
 * @param dir a folder of the work tree
 * @returns its id, or undefined before the first commit
 */
export async function headCommit(runner: Runner, dir: string): Promise<string | undefined> {
  return await gitOk(runner, dir, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]) ||
    undefined;
}

/**
 * The branch HEAD is on.
 *
 * @param runner runs git
 * @param dir a folder of the work tree
 * @returns its short name, or undefined when HEAD is detached
 */
export async function currentBranch(runner: Runner, dir: string): Promise<string | undefined> {
  return await gitOk(runner, dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]) || undefined;
}

/**
 * Fetch as `git pull` does before it merges (`git fetch ARGS`: the branch's
 * upstream without arguments), then the commits it fetched for merging (the
 * lines of FETCH_HEAD not marked `not-for-merge`).
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param args `git pull`'s own arguments (repository, refspec, fetch options), from the user
 * @param stream let git's progress show
 * @returns the commits to merge; empty when the branch has no upstream and none was named
 * @throws {CommandFailedError} when git fails
 */
export async function fetchForMerge(
  runner: Runner,
  top: string,
  args: readonly string[],
  stream: boolean,
): Promise<string[]> {
  const fetch = ["fetch", "--recurse-submodules=no", ...args];
  const r = await runGit(runner, top, fetch, { network: "repository", stream });
  if (r.code !== 0) throw new CommandFailedError("git", fetch, r.code, r.stderr.slice(-2000));
  const file = await git(runner, top, ["rev-parse", "--git-path", "FETCH_HEAD"]);
  const { resolve } = await import("node:path");
  const path = resolve(top, file);
  const bytes = door.read(path, { root: resolve(path, "..") }, 16 * 1024 * 1024);
  return new TextDecoder().decode(bytes ?? new Uint8Array()).split("\n")
    .map((line) => line.split("\t"))
    .filter(([commit, mark]) => /^[0-9a-f]{40,64}$/.test(commit ?? "") && mark === "")
    .map(([commit]) => commit);
}

/**
 * Whether commit `a` is an ancestor of `b` (or is `b`).
 *
 * @param runner runs git
 * @param dir a folder of the work tree
 * @param a a commit id
 * @param b a commit id
 * @returns the answer
 */
export async function isAncestor(
  runner: Runner,
  dir: string,
  a: string,
  b: string,
): Promise<boolean> {
  return await gitOk(runner, dir, ["merge-base", "--is-ancestor", "--end-of-options", a, b]) !==
    undefined;
}

/**
 * How many commits `to` has that `from` does not.
 *
 * @param runner runs git
 * @param dir a folder of the work tree
 * @param from a commit id
 * @param to a commit id
 * @returns the count
 */
export async function commitsBetween(
  runner: Runner,
  dir: string,
  from: string,
  to: string,
): Promise<number> {
  return Number(
    await git(runner, dir, ["rev-list", "--count", "--end-of-options", `${from}..${to}`]),
  );
}

/**
 * The files that differ between two commits, relative to the top.
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param from a commit id
 * @param to a commit id
 * @returns their paths
 */
export async function changedFiles(
  runner: Runner,
  top: string,
  from: string,
  to: string,
): Promise<string[]> {
  const out = await gitRaw(runner, top, [
    "diff",
    "--name-only",
    "--no-renames",
    "-z",
    "--end-of-options",
    from,
    to,
  ]);
  return out.split("\0").filter(Boolean);
}

/**
 * The files of the work tree that differ from HEAD or are not tracked
 * (ignored ones aside), and those staged, relative to the top.
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @returns the changed paths (both sides of a rename), and the staged ones
 */
export async function uncommittedFiles(
  runner: Runner,
  top: string,
): Promise<{ changed: string[]; staged: string[] }> {
  const fields = (await gitRaw(runner, top, [
    "status",
    "--porcelain=v1",
    "-z",
    "--untracked-files=all",
  ])).split("\0");
  const changed: string[] = [];
  const staged: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i];
    if (entry.length < 4) continue;
    const path = entry.slice(3);
    changed.push(path);
    if (entry[0] !== " " && entry[0] !== "?") staged.push(path);
    // A rename or copy is followed by its source path.
    if (entry[0] === "R" || entry[0] === "C") changed.push(fields[++i]);
  }
  return { changed, staged };
}

/**
 * Fast-forward the current branch to `commit` (never a merge commit), as
 * `git pull --ff-only` does after its fetch: git refuses when a change in the
 * work tree would be overwritten.
 *
 * @param runner runs git
 * @param top the work tree's top folder
 * @param commit the commit fetched
 * @param onSpawn told git's process id, which may outlive a killed hpm
 * @returns how git ended
 */
export async function fastForwardTo(
  runner: Runner,
  top: string,
  commit: string,
  onSpawn: (pid: number) => void | Promise<void>,
): Promise<RunResult> {
  // As fastForward: a partial clone's merge reaches the remote; submodules are left alone.
  return await runGit(
    runner,
    top,
    ["-c", "submodule.recurse=false", "merge", "--ff-only", "--quiet", "--end-of-options", commit],
    { network: "repository", onSpawn },
  );
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
  // A submodule's fetch would read the submodule's own config, not checked here.
  const args = ["fetch", "--quiet", "--recurse-submodules=no"];
  const r = await runGit(runner, dir, args, { network: "repository", ...(env ? { env } : {}) });
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
  // In a partial clone the merge fetches the objects it lacks, so it reaches
  // the remote; not from submodules, whose own config is not checked.
  await git(
    runner,
    dir,
    ["-c", "submodule.recurse=false", "merge", "--ff-only", "--quiet", "@{upstream}"],
    { network: "repository" },
  );
  return { from, to: await git(runner, dir, ["rev-parse", "--short", "HEAD"]) };
}

/**
 * A file as it is at `ref` of the remote `url`, fetched shallowly into `dir`,
 * a repository HPM owns (one per remote, made here when it has no `.git`
 * yet), within `timeoutMs`. Calls for one `dir` take turns in this process;
 * each fetch goes into a ref of its own, so another process fetching into
 * the same repository cannot swap what is read (git's own locks may make one
 * of them fail, which is then its reason).
 *
 * @param runner runs git
 * @param dir an existing folder of HPM's cache
 * @param url the remote
 * @param ref a tag or branch (a commit when the remote allows fetching one)
 * @param path the file, from the repository's top
 * @param timeoutMs how long the fetch may take
 * @param maxBytes the file's size limit
 * @param keep keep what `ref` named as the tag `ref` in `dir`, so {@link fileAtRef} reads it there
 * @returns its text, or why it could not be read
 * @throws {HpmInputError} `too-large` when the file is larger than `maxBytes`
 */
export function remoteFileAtRef(
  runner: Runner,
  dir: string,
  url: string,
  ref: string,
  path: string,
  timeoutMs: number,
  maxBytes: number,
  keep = false,
): Promise<{ text: string } | { reason: string }> {
  return inTurn(dir, async () => {
    const call = { env: { GIT_TERMINAL_PROMPT: "0" } };
    const why = (r: { code: number; stderr: string }) =>
      gitFailure(r.stderr) ?? `git stopped with exit code ${r.code}`;
    if (!hasOwnGit(dir)) {
      const init = await runGit(runner, dir, ["init", "--quiet"], call);
      if (init.code !== 0) return { reason: why(init) };
    }
    // A tag to keep is fetched as that tag; anything else into this process's
    // own ref, removed once read.
    const own = keep && !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(ref)
      ? `refs/tags/${ref}`
      : `refs/hpm/fetched-${Deno.pid}`;
    const fetched = await runGit(
      runner,
      dir,
      ["fetch", "--quiet", "--no-tags", "--depth", "1", "--end-of-options", url, `+${ref}:${own}`],
      { ...call, timeoutMs, network: "repository" },
    );
    if (fetched.code !== 0) return { reason: why(fetched) };
    try {
      const text = await blobText(
        runner,
        dir,
        `${own}:${path}`,
        maxBytes,
        `${path} at ${ref} of ${url}`,
        call.env,
      );
      return text === undefined ? { reason: `${ref} has no ${path}` } : { text };
    } finally {
      if (own.startsWith("refs/hpm/")) {
        await runGit(runner, dir, ["update-ref", "-d", "--end-of-options", own], call);
      }
    }
  });
}

// The work on each of HPM's cache repositories, one call after another.
const turns = new Map<string, Promise<unknown>>();

function inTurn<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const mine = (turns.get(dir) ?? Promise.resolve()).then(work, work);
  const done = mine.catch(() => {});
  turns.set(dir, done);
  done.then(() => {
    if (turns.get(dir) === done) turns.delete(dir);
  });
  return mine;
}

/** Where the current branch is pushed: its upstream's remote and branch. */
export interface Upstream {
  /** The current branch (`main`). */
  readonly branch: string;
  /** The remote's name (`origin`). */
  readonly remote: string;
  /** The branch on the remote, as a full ref (`refs/heads/main`). */
  readonly ref: string;
}

/**
 * The current branch and where it is pushed.
 *
 * @param runner runs git
 * @param dir the clone
 * @returns the branch and its upstream, or undefined when HEAD is detached or
 *   the branch tracks no remote branch
 */
export async function upstreamBranch(runner: Runner, dir: string): Promise<Upstream | undefined> {
  const branch = await gitOk(runner, dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  if (!branch) return undefined;
  const out = await gitOk(runner, dir, [
    "for-each-ref",
    "--format=%(upstream:remotename)%00%(upstream:remoteref)",
    "--end-of-options",
    `refs/heads/${branch}`,
  ]);
  const [remote, ref] = out?.split("\0") ?? [];
  return remote && ref?.startsWith("refs/heads/") ? { branch, remote, ref } : undefined;
}

/**
 * Whether a tag exists in the clone.
 *
 * @param runner runs git
 * @param dir the clone
 * @param tag the tag's name
 * @returns whether `refs/tags/TAG` exists
 */
export async function hasTag(runner: Runner, dir: string, tag: string): Promise<boolean> {
  return await gitOk(runner, dir, ["rev-parse", "--verify", "--quiet", `refs/tags/${tag}`]) !==
    undefined;
}

/**
 * Commit one file of the work tree, as it is, with a message.
 *
 * @param runner runs git
 * @param dir the clone
 * @param path the file, relative to `dir`
 * @param message the commit message
 * @returns the new commit's id
 * @throws {CommandFailedError} when git fails
 */
export async function commitFile(
  runner: Runner,
  dir: string,
  path: string,
  message: string,
): Promise<string> {
  await git(runner, dir, ["add", "--", path]);
  // Hooks are off (hardening): HPM's own commit runs no program of the clone's.
  await git(runner, dir, ["commit", "--quiet", "--no-verify", "-m", message, "--", path]);
  return await git(runner, dir, ["rev-parse", "HEAD"]);
}

/**
 * Make an annotated tag at HEAD.
 *
 * @param runner runs git
 * @param dir the clone
 * @param tag the tag (a valid ref name, checked by the caller)
 * @param message its message
 * @throws {CommandFailedError} when git fails (a tag of that name exists)
 */
export async function createTag(
  runner: Runner,
  dir: string,
  tag: string,
  message: string,
): Promise<void> {
  await git(runner, dir, ["tag", "--annotate", "-m", message, "--end-of-options", tag, "HEAD"]);
}

/**
 * Delete a tag from the clone (never from a remote).
 *
 * @param runner runs git
 * @param dir the clone
 * @param tag the tag
 * @throws {CommandFailedError} when git fails
 */
export async function deleteLocalTag(runner: Runner, dir: string, tag: string): Promise<void> {
  await git(runner, dir, ["tag", "--delete", "--end-of-options", tag]);
}

/**
 * Take back the last commit of the current branch, keeping the work tree
 * safe (`git reset --keep HEAD~1`: refused when a change there would be lost).
 *
 * @param runner runs git
 * @param dir the clone
 * @param commit the commit HEAD must be (the one to take back)
 * @throws {CommandFailedError} when HEAD is another commit, or git refuses
 */
export async function undoLastCommit(runner: Runner, dir: string, commit: string): Promise<void> {
  const head = await git(runner, dir, ["rev-parse", "HEAD"]);
  if (head !== commit) {
    throw new CommandFailedError("git", ["reset"], 1, `HEAD is ${head}, not ${commit}`);
  }
  await git(runner, dir, ["reset", "--quiet", "--keep", "HEAD~1"]);
}

/**
 * Push refs to a remote of the clone, all or none (`--atomic`). Like fetch,
 * it reaches the remote from the repository, so it is refused when the
 * repository's own configuration names a command git would run then.
 *
 * @param runner runs git
 * @param dir the clone
 * @param remote the remote's name (from the clone's upstream)
 * @param refspecs `SRC:DST` refspecs (validated by the caller)
 * @throws {CommandFailedError} when git fails or refuses
 */
export async function gitPush(
  runner: Runner,
  dir: string,
  remote: string,
  refspecs: readonly string[],
): Promise<void> {
  // A push to a submodule's remote would read the submodule's own config.
  const args = [
    "push",
    "--quiet",
    "--atomic",
    "--no-verify",
    "--recurse-submodules=no",
    "--end-of-options",
    remote,
    ...refspecs,
  ];
  const r = await runGit(runner, dir, args, {
    network: "repository",
    env: { GIT_TERMINAL_PROMPT: "0" },
  });
  if (r.code !== 0) throw new CommandFailedError("git", args, r.code, r.stderr.slice(-2000));
}
