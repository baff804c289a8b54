/**
 * `hpm release P [VERSION | --bump PART]`: the seed's release step in one
 * command. In the plugin's clone: the new version into pyproject.toml (when
 * it is written there) and committed, the tag `vX.Y.Z`, both pushed; then the
 * registry's prod ref pinned to it, prod verified in a scratch copy (with
 * `--test CMD` run there), and the core's committed form staged. Every check
 * comes before the first change; a step that fails says what was done and
 * what is left, and undoes what can be undone safely (never a pushed tag).
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import { HpmInputError, HpmOperationError } from "../core/errors.ts";
import { PYPROJECT_FILE } from "../core/project.ts";
import { isSafeGitRef } from "../core/value_checks.ts";
import {
  type Bump,
  bumpVersion,
  isReleaseVersion,
  projectVersion,
  setProjectVersion,
  versionOfTag,
} from "../edit/release_version.ts";
import { MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { MAX_PYPROJECT_BYTES, readConfined, writeConfined } from "../io/files.ts";
import {
  aheadBehind,
  cloneState,
  commitFile,
  createTag,
  currentBranch,
  deleteLocalTag,
  fetchRemote,
  gitFailure,
  gitPush,
  hasTag,
  newestTag,
  remoteRef,
  repoState,
  undoLastCommit,
  upstreamBranch,
} from "../io/git.ts";
import { denoRunner } from "../io/runner.ts";
import type { Io } from "../io/terminal.ts";
import { isolatedUv } from "../io/uv.ts";
import { notInRepo } from "../project/committed.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { loadProject } from "../project/load.ts";
import { findProjectRoot } from "../project/root.ts";
import { lockModeInScratch } from "../project/scratch_mode.ts";
import { lockedPackageCount } from "../project/scratch_resolve.ts";
import { stage } from "../project/stage_index.ts";
import { pinEntry, type PinResult, pinTarget } from "../registry/pin_entry.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";

/** Options of {@link release}. */
export interface ReleaseOptions extends CommandContext {
  /** The plugin to release. */
  readonly package: string;
  /** The version (PEP 440, `1.2.0`); or `bump`. */
  readonly version?: string;
  /** Raise the newest tag's version (else the static one) by this part; or `version`. */
  readonly bump?: Bump;
  /** A program and its arguments to run in a scratch prod environment (`uv run -- …`). */
  readonly test?: readonly string[];
  /** Check everything and say the steps; change nothing. */
  readonly dryRun?: boolean;
  /** Let uv write to the terminal. @default false */
  readonly stream?: boolean;
  /** Told one line a step, as it is done (or, with `dryRun`, would be). */
  readonly step?: (line: string) => void;
}

/** What {@link release} did (or, with `dryRun`, would do). */
export interface ReleaseResult {
  /** The version released. */
  readonly version: string;
  /** Its tag. */
  readonly tag: string;
  /** The steps, one line each. */
  readonly steps: readonly string[];
  /** The pin, unless `dryRun`. */
  readonly pin?: PinResult;
}

/** The prod mode: what a release is pinned in and verified as. */
const PROD = "prod";

/**
 * Release a plugin: see the module's description. Refuses, before changing
 * anything, a clone with uncommitted changes, one not on a branch that tracks
 * a remote branch, commits not on the remote (or the remote's not in the
 * clone), and a tag that exists here or on the remote.
 *
 * @param options the plugin, the version or bump, `--test`, `--dry-run`
 * @returns the version, the tag, the steps
 * @throws {HpmInputError} bad input (no version or both, an invalid one, a
 *   plugin not pinnable, a core not in git), nothing changed
 * @throws {HpmOperationError} a refusal (nothing changed) or a failed step
 *   (what was done, what is left, what was undone)
 *
 * @example Usage
 * ```ts
 * import { denoRunner, release } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A plugin `q` with a remote (a bare repository here), and a core whose registry pins its tag:
 * const root = await Deno.makeTempDir();
 * const core = `${root}/core`;
 * const git = (cwd: string, ...args: string[]) =>
 *   denoRunner({ program: "git", args: ["-c", "user.name=me", "-c", "user.email=me@x", ...args], cwd });
 * await git(root, "init", "--quiet", "--bare", "q.git");
 * await git(root, "clone", "--quiet", `${root}/q.git`, `${core}/packages/q`);
 * await Deno.writeTextFile(`${core}/packages/q/pyproject.toml`, '[project]\nname = "q"\nversion = "1.0.0"\n');
 * await git(`${core}/packages/q`, "add", "-A");
 * await git(`${core}/packages/q`, "commit", "--quiet", "-m", "q 1.0.0");
 * await git(`${core}/packages/q`, "tag", "v1.0.0");
 * await git(`${core}/packages/q`, "push", "--quiet", "origin", "HEAD", "v1.0.0");
 * await Deno.writeTextFile(`${core}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${core}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${core}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(
 *   `${core}/reg/packages/q.yaml`,
 *   "name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n" +
 *     `  prod: {type: git, url: 'file://${root}/q.git', tag: v1.0.0}\n`,
 * );
 * await git(core, "init", "--quiet");
 *
 * // --dry-run: every check made, every step listed, nothing changed.
 * const { tag, steps } = await release({ root: core, package: "q", bump: "minor", dryRun: true });
 * assert.equal(tag, "v1.1.0");
 * assert.equal(steps.length, 6); // commit, tag, push, pin, verify, stage
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function release(options: ReleaseOptions): Promise<ReleaseResult> {
  if ((options.version === undefined) === (options.bump === undefined)) {
    throw new HpmInputError(
      "usage",
      options.version === undefined
        ? "no version: give VERSION or --bump"
        : "give VERSION or --bump, not both",
      undefined,
      "for example `hpm release PLUGIN 1.2.0`, or `hpm release PLUGIN --bump minor`",
    );
  }
  if (options.version !== undefined && !isReleaseVersion(options.version)) {
    throw new HpmInputError(
      "usage",
      `\`${options.version}\` is not a PEP 440 version in its normal form`,
      undefined,
      "for example 1.2.0, 2.0.0rc1 or 1.2.0.post1 (without a leading v: the tag gets it)",
    );
  }
  if (options.test !== undefined && !options.test.length) {
    throw new HpmInputError("usage", "--test names no command", undefined, '--test "pytest -q"');
  }
  const runner = options.runner ?? denoRunner;
  const log = options.log ?? (() => {});
  const env = options.env ?? Deno.env.toObject();
  const context = { ...options, runner, log, env };
  const root = findProjectRoot(options.root);

  // Checks, in the order a person would make them; nothing changes.
  const project = await withProjectLock(
    root,
    async () => await loadProject(root, context),
    lockOptions(options),
  );
  const target = pinTarget(project, options.package, PROD, env);
  const { entry, clone: { dir, where } } = target;
  if (!await repoState(runner, root)) throw notInRepo(root);
  const refuse = (what: string, hint: string) =>
    new HpmOperationError(
      `refusing to release \`${entry.name}\`: ${what}; nothing was changed`,
      hint,
    );
  const state = await cloneState(runner, dir);
  if (state.dirty) {
    throw refuse(
      `its clone at ${where} has ${state.changedPaths} uncommitted change` +
        (state.changedPaths === 1 ? "" : "s"),
      `commit and push them (or stash them), then run \`hpm release ${entry.name}\` again`,
    );
  }
  const upstream = await upstreamBranch(runner, dir);
  if (!upstream) {
    // The branch HEAD is on, when a shell takes its name as it is.
    const current = await currentBranch(runner, dir);
    const name = current !== undefined && /^[\w./-]+$/.test(current) ? current : "BRANCH";
    throw refuse(
      `its clone at ${where} is not on a branch that tracks a remote branch`,
      `check out the release branch and set its upstream (\`git -C ${where} push -u origin ${name}\`)`,
    );
  }
  const { branch, remote } = upstream;
  try {
    await fetchRemote(runner, dir);
  } catch (e) {
    throw refuse(
      `its remote ${remote} cannot be reached to compare with it (${describe(e)})`,
      "check the network and your access to the remote",
    );
  }
  const { ahead, behind } = await aheadBehind(runner, dir);
  if (ahead > 0) {
    throw refuse(
      `${ahead} commit${ahead === 1 ? "" : "s"} of ${branch} ${ahead === 1 ? "is" : "are"} not ` +
        `on ${remote}`,
      `push ${ahead === 1 ? "it" : "them"} (\`git -C ${where} push\`) so the release is what ` +
        "others can see, then release",
    );
  }
  if (behind > 0) {
    throw refuse(
      `${remote} has ${behind} commit${behind === 1 ? "" : "s"} of ${branch} the clone lacks`,
      `pull first (\`git -C ${where} pull --ff-only\`), then release`,
    );
  }
  const pyprojectFile = join(dir, PYPROJECT_FILE);
  const shownPyproject = relative(root, pyprojectFile);
  const pyproject = new TextDecoder().decode(
    readConfined(pyprojectFile, { root: dir }, MAX_PYPROJECT_BYTES) ??
      new Uint8Array(),
  );
  const current = projectVersion(pyproject, shownPyproject);
  const newest = await newestTag(runner, dir);
  const from = (newest && versionOfTag(newest)) ??
    (current.kind === "static" ? current.version : undefined);
  if (options.bump && from === undefined) {
    throw new HpmInputError(
      "usage",
      `--bump needs a version to raise: \`${entry.name}\` has no vX.Y.Z tag and a dynamic version`,
      { file: shownPyproject },
      `give the version: \`hpm release ${entry.name} 1.0.0\``,
    );
  }
  const version = options.version ?? bumpVersion(from!, options.bump!);
  const tag = `v${version}`;
  if (!isSafeGitRef(tag)) throw new Error(`internal: ${tag} is not a ref`);
  const onRemote = await remoteRef(runner, dir, remote, tag, 30_000);
  if (await hasTag(runner, dir, tag) || onRemote.state === "found") {
    throw refuse(
      `the tag ${tag} exists ${onRemote.state === "found" ? `on ${remote}` : "in its clone"}`,
      `release another version (\`hpm release ${entry.name} --bump patch\`); a tag is never moved`,
    );
  }
  const writeVersion = current.kind === "static" && current.version !== version;
  const testLine = options.test ? ` and \`${options.test.join(" ")}\` passes there` : "";
  const plan = [
    writeVersion
      ? `commit: version ${version} in ${shownPyproject}`
      : current.kind === "dynamic"
      ? `version: dynamic in ${shownPyproject}, so only tagged`
      : `version: ${shownPyproject} already says ${version}`,
    `tag: ${tag} at ${branch}'s head in ${where}`,
    `push: ${branch} and ${tag} to ${remote}`,
    `pin: ${relative(root, entry.file)}: prod ref → ${tag}`,
    `verify: mode ${PROD} resolves${testLine}`,
    "stage: the core's pyproject.toml and uv.lock in its committed mode",
  ];
  if (options.dryRun) {
    for (const line of plan) options.step?.(line);
    return { version, tag, steps: plan };
  }

  // The steps. `done` says what a failure leaves; each undo is a safe one.
  const steps: string[] = [];
  const say = (line: string) => {
    steps.push(line);
    options.step?.(line);
  };
  let commit: string | undefined;
  if (writeVersion) {
    await writeConfined(pyprojectFile, setProjectVersion(pyproject, version, shownPyproject), {
      root: dir,
    });
    try {
      commit = await commitFile(runner, dir, PYPROJECT_FILE, `Release ${tag}`);
    } catch (e) {
      await writeConfined(pyprojectFile, pyproject, { root: dir });
      throw new HpmOperationError(
        `release of \`${entry.name}\` stopped: committing the version failed (${describe(e)}); ` +
          `${shownPyproject} is as it was`,
        "fix what git says, then run `hpm release` again",
      );
    }
    say(`committed version ${version} (${shownPyproject}) as ${commit.slice(0, 10)}`);
  } else say(plan[0]);
  // Until the push, what was made is only here: a failure takes it back and
  // says so ("nothing was pushed, the tag v1.1.0 was deleted, …").
  const takeBack = async (tagged: boolean) => {
    const undone = ["nothing was pushed"];
    try {
      if (tagged) {
        await deleteLocalTag(runner, dir, tag);
        undone.push(`the tag ${tag} was deleted`);
      }
      if (commit) {
        await undoLastCommit(runner, dir, commit);
        undone.push("the version commit was taken back");
      }
    } catch (undo) {
      undone.push(`undoing the rest failed (${describe(undo)}): check \`git -C ${where} log\``);
    }
    return undone.join(", ");
  };
  try {
    await createTag(runner, dir, tag, `Release ${tag}`);
  } catch (e) {
    throw new HpmOperationError(
      `release of \`${entry.name}\` stopped: tagging ${tag} failed (${describe(e)}); ` +
        await takeBack(false),
      "fix what git says, then run `hpm release` again",
    );
  }
  say(`tagged ${tag}`);
  try {
    await gitPush(runner, dir, remote, [
      `HEAD:${upstream.ref}`,
      `refs/tags/${tag}:refs/tags/${tag}`,
    ]);
  } catch (e) {
    // An atomic push: nothing reached the remote.
    throw new HpmOperationError(
      `release of \`${entry.name}\` stopped: pushing to ${remote} failed (${describe(e)}); ` +
        await takeBack(true),
      "fix your access to the remote, then run `hpm release` again",
    );
  }
  say(`pushed ${branch} and ${tag} to ${remote}`);
  const left = (from: number) =>
    [
      `\`hpm pin ${entry.name} --ref ${tag}\``,
      "`hpm verify --mode prod`",
      "`hpm stage`",
    ].slice(from).join(", then ");

  let pinned: PinResult;
  let before: Uint8Array | undefined;
  try {
    pinned = await withProjectLock(root, async () => {
      const fresh = await loadProject(root, context);
      const again = pinTarget(fresh, entry.name, PROD, env);
      before = readConfined(again.entry.file, { root: dirname(again.entry.file) }, MAX_YAML_BYTES);
      return await pinEntry(again, { ref: tag, mode: PROD, runner, log, env });
    }, lockOptions(options));
  } catch (e) {
    throw new HpmOperationError(
      `${tag} of \`${entry.name}\` is pushed, but pinning it failed: ${describe(e)}`,
      `left to do: ${left(0)}`,
    );
  }
  say(`pinned ${relative(root, pinned.file)}: ${pinned.previous ?? "(none)"} → ${tag}`);

  try {
    const packages = await lockModeInScratch(
      // What the core will commit: prod, with no plugin developed from its clone.
      { ...context, mode: PROD, stream: options.stream, committed: true },
      async (scratch) => {
        const count = lockedPackageCount(scratch);
        if (options.test) await testInScratch(scratch, root, options.test, context);
        return count;
      },
    );
    say(`verified: mode ${PROD} resolves (${packages} packages locked)${testLine}`);
  } catch (e) {
    // The registry goes back to what it said: nothing should pin a release
    // that does not work. The tag stays: others may have fetched it.
    let unpinned = "the pin was undone";
    try {
      if (before && pinned.changed) {
        await writeConfined(pinned.file, before, { root: dirname(pinned.file) });
      }
    } catch (undo) {
      unpinned = `undoing the pin failed (${describe(undo)}): set it back by hand`;
    }
    throw new HpmOperationError(
      `${tag} of \`${entry.name}\` does not pass: ${describe(e)}\n${unpinned}; ${tag} stays ` +
        `pushed to ${remote} (hpm never deletes a pushed tag)`,
      `fix it and release the next version (\`hpm release ${entry.name} --bump patch\`); if ` +
        `nobody uses ${tag} yet, you may delete it: \`git -C ${where} push --delete ${remote} ` +
        `${tag} && git -C ${where} tag -d ${tag}\``,
    );
  }

  try {
    const staged = await stage({ ...context, stream: options.stream });
    const files = staged.files.map((f) => f.path).join(", ");
    say(`staged ${files} in mode ${staged.mode}: commit the core to use ${tag}`);
  } catch (e) {
    throw new HpmOperationError(
      `${tag} of \`${entry.name}\` is pushed, pinned and verified, but staging the core ` +
        `failed: ${describe(e)}`,
      `left to do: ${left(2)}`,
    );
  }
  return { version, tag, steps, pin: pinned };
}

// `uv sync` into an environment of the scratch copy (the interpreter from
// outside the project), then the command, through uv: `uv run -- CMD`.
async function testInScratch(
  scratch: string,
  root: string,
  argv: readonly string[],
  context: Required<Pick<CommandContext, "runner" | "env" | "log">>,
): Promise<void> {
  const { python, env } = isolatedUv(root, context.env);
  const uvEnv = { ...env, UV_PROJECT_ENVIRONMENT: join(scratch, ".venv") };
  context.log(`installing mode ${PROD} into the scratch copy…`);
  const sync = await context.runner({
    program: "uv",
    args: ["sync", "--locked", "--no-progress", "--python", python],
    cwd: scratch,
    env: uvEnv,
  });
  if (sync.code !== 0) {
    throw new HpmOperationError(`\`uv sync\` in the scratch copy failed: ${sync.stderr.trim()}`);
  }
  context.log(`running \`${argv.join(" ")}\` there…`);
  const run = await context.runner({
    program: "uv",
    args: ["run", "--no-sync", "--python", python, "--", ...argv],
    cwd: scratch,
    env: uvEnv,
    stream: true,
  });
  if (run.code !== 0) {
    throw new HpmOperationError(`\`${argv.join(" ")}\` failed (exit ${run.code}) in mode ${PROD}`);
  }
}

function describe(e: unknown): string {
  if (e instanceof Error && "stderrTail" in e && typeof e.stderrTail === "string") {
    return gitFailure(e.stderrTail) ?? e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Split `--test`'s text into words as a shell would, without one: blanks
 * separate words, single or double quotes keep blanks in one; nothing is
 * expanded.
 *
 * @param text the command as typed
 * @returns its words
 * @throws {HpmInputError} `usage` for an unclosed quote
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= "";
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + ch;
  }
  if (quote) {
    throw new HpmInputError("usage", `--test has an unclosed ${quote}`, undefined, "close it");
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** `hpm release`'s command line. */
export type ReleaseFlags = GlobalFlags & {
  readonly package: string;
  readonly version?: string;
  readonly bump?: Bump;
  readonly test?: string;
  readonly dryRun?: boolean;
};

/**
 * `hpm release`: one line a step on stderr (with `--dry-run`, the steps on
 * stdout), or what failed, what was done and what is left.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function releaseCommand(flags: ReleaseFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  await release({
    ...context,
    package: flags.package,
    version: flags.version,
    bump: flags.bump,
    test: flags.test === undefined ? undefined : splitWords(flags.test),
    dryRun: flags.dryRun,
    stream: flags.verbose,
    step: flags.dryRun ? (line) => io.out(`would ${line}`) : context.log,
  });
}
