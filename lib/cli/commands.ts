/**
 * The full command line: every command and flag, read by the argument
 * parser (commander), which loads only when a command line is not plain
 * enough for cli.ts to answer first (see `plain_command.ts`). Each command
 * loads its own modules when it runs.
 *
 * @module
 */

import type { Command } from "commander";
import { type Io, pyprojectDiff } from "../io/terminal.ts";
import { renderError } from "./output.ts";
import { ALREADY_IN_SYNC, checkPassed, syncSummary } from "../core/sync_result.ts";
import type { CompletionCommand } from "./completions.ts";
import { exitCodeOf, HpmInputError, HpmOperationError } from "../core/errors.ts";
import { denoRunner, type Runner } from "../io/runner.ts";
import type { PlainCommand } from "./plain_command.ts";
import { VERSION } from "../core/version.ts";

/** The flags every command takes. */
export interface GlobalFlags {
  project?: string;
  quiet?: boolean;
  verbose?: boolean;
  refresh?: boolean;
}

/** `hpm stage`'s flags. */
export interface StageFlags extends GlobalFlags {
  mode?: string;
  offline?: boolean;
}

/** `hpm sync`'s flags. */
export interface SyncFlags extends GlobalFlags {
  mode?: string;
  dryRun?: boolean;
  /** Not `--no-install`. */
  install: boolean;
  frozen?: boolean;
  locked?: boolean;
  json?: boolean;
  adopt?: boolean;
}

// What `verify` and `stage` say of what they run: `uv lock`, with uv's reach.
const LOCKS_AS_UV_DOES =
  "\n\nuv locks the project as `uv lock` does, with an interpreter from outside it" +
  "\n(UV_PYTHON, else python3 or python on PATH), never its .venv or a .python-version." +
  "\nuv may build a source tree (the project, a local path) whose metadata is dynamic to" +
  "\nread it, running its build backend: code from the project. `hpm check` does not.";

// How a command reports (`hpm: …` notices unless quiet; with --verbose every
// uv and git command line before it runs), and what every command that reads
// the project is given. Flags are read when used: the parser fills them in
// after the command tree is built.
function reporting(flags: () => GlobalFlags, io: Io) {
  const log = (message: string) => {
    if (!flags().quiet) io.err(`hpm: ${message}`);
  };
  const runner: Runner = (request) => {
    if (flags().verbose) log(`$ ${request.program} ${request.args.join(" ")}`);
    return denoRunner(request);
  };
  const reading = (mode?: string) => ({
    root: flags().project,
    mode,
    log,
    runner,
    refresh: flags().refresh,
  });
  return { log, runner, reading };
}

/**
 * `hpm stage`, whether the argument parser read its command line or cli.ts
 * read it plainly: the same words either way.
 *
 * @param flags the command's flags
 * @param io where it reports
 */
export async function stageCommand(flags: StageFlags, io: Io): Promise<void> {
  const { log, reading } = reporting(() => flags, io);
  const { stage } = await import("../commands/stage.ts");
  const { mode, modeOrigin, files } = await stage({
    ...reading(flags.mode),
    offline: flags.offline,
    stream: flags.verbose,
  });
  const changed = files.filter((f) => f.changed).map((f) => f.path);
  log(
    `mode ${mode} (from ${modeOrigin}): ` +
      (changed.length ? `staged ${changed.join(", ")}` : "the index already had it") +
      "; the working tree and the environment are unchanged",
  );
}

/**
 * `hpm sync`, whether the argument parser read its command line or cli.ts
 * read it plainly: the same words either way.
 *
 * @param flags the command's flags
 * @param uvArgs arguments for `uv sync`
 * @param io where it reports
 */
export async function syncCommand(flags: SyncFlags, uvArgs: string[], io: Io): Promise<void> {
  const { log, reading } = reporting(() => flags, io);
  const { sync } = await import("../commands/sync.ts");
  const { changeCounts, diffPyproject } = await import("../edit/pyproject_diff.ts");
  const result = await sync({
    ...reading(flags.mode),
    dryRun: flags.dryRun,
    install: flags.install,
    frozen: flags.frozen,
    locked: flags.locked,
    uvArgs,
    adopt: flags.adopt,
    stream: !flags.quiet && !flags.json,
  });
  if (flags.json) {
    io.out(JSON.stringify(
      {
        targetMode: result.mode,
        modeOrigin: result.modeOrigin,
        dryRun: flags.dryRun ?? false,
        installed: result.installed,
        kept: result.kept,
        ...diffPyproject(result.before, result.after),
      },
      null,
      2,
    ));
    return;
  }
  for (const k of result.kept) {
    const items = k.items.join(", ");
    log(
      k.handedOver
        ? `kept group ${k.group}: it holds what you added (${items}); hpm no longer manages it`
        : `kept what you added to hpm's groups: ${k.group}: ${items}`,
    );
  }
  if (flags.dryRun) {
    io.out(await pyprojectDiff(result.before, result.after, io) || ALREADY_IN_SYNC);
    return;
  }
  log(syncSummary(
    result.mode,
    result.modeOrigin,
    result.changed ? changeCounts(diffPyproject(result.before, result.after)) : undefined,
    result.installed,
  ));
}

/** `hpm diff`'s flags. */
export interface DiffFlags extends GlobalFlags {
  mode?: string;
  json?: boolean;
}

/**
 * `hpm diff` (normal path), whether the argument parser read its command
 * line or cli.ts read it plainly.
 *
 * @param flags the command's flags
 * @param io where it reports
 */
export async function diffCommand(flags: DiffFlags, io: Io): Promise<void> {
  const { reading } = reporting(() => flags, io);
  const { planSync } = await import("../project/plan.ts");
  const { diffPyproject } = await import("../edit/pyproject_diff.ts");
  const plan = await planSync(reading(flags.mode));
  if (flags.json) {
    io.out(
      JSON.stringify(
        { targetMode: plan.mode, ...diffPyproject(plan.before, plan.after) },
        null,
        2,
      ),
    );
  } else {
    io.out(await pyprojectDiff(plan.before, plan.after, io) || ALREADY_IN_SYNC);
  }
}

/** `hpm check`'s flags. */
export interface CheckFlags extends GlobalFlags {
  mode?: string;
  staged?: boolean;
  pyprojectOnly?: boolean;
}

/**
 * `hpm check` (normal path), whether the argument parser read its command
 * line or cli.ts read it plainly.
 *
 * @param flags the command's flags
 * @param io where it reports
 * @throws {HpmOperationError} when pyproject.toml, uv.lock or the staged files are not in the mode
 */
export async function checkCommand(flags: CheckFlags, io: Io): Promise<void> {
  const { log, runner, reading } = reporting(() => flags, io);
  if (flags.staged) {
    const { checkStaged } = await import("../commands/check.ts");
    const { mode, problems } = await checkStaged(reading(flags.mode));
    for (const p of problems) io.out(p);
    if (problems.length) {
      throw new HpmOperationError(
        `the staged pyproject.toml / uv.lock are not in the committed mode ${mode}`,
        `run \`hpm stage\` to stage mode ${mode}'s form (your working tree stays as it is); ` +
          "a source named above that hpm did not write must first be removed from pyproject.toml",
      );
    }
    log(`the staged files are in the committed mode ${mode}`);
    return;
  }
  const { planSync } = await import("../project/plan.ts");
  const plan = await planSync({ ...reading(flags.mode), reportProblems: true });
  if (plan.problem) {
    // A source of the user's for a plugin hpm manages collides with the plan:
    // for a check, that is drift, named entry by entry.
    const { foreignSources } = await import("../edit/pyproject.ts");
    const foreign = plan.problem.code === "conflict"
      ? foreignSources(plan.before, plan.resolution.plan, plan.project.pyprojectFile)
      : [];
    if (!foreign.length) throw plan.problem;
    for (const f of foreign) io.out(f);
    throw new HpmOperationError(
      `pyproject.toml gives ${foreign.length === 1 ? "a plugin" : "plugins"} hpm manages ` +
        `another source than mode ${plan.mode}'s`,
      `remove ${foreign.length === 1 ? "it" : "them"} from pyproject.toml (from a requirement, ` +
        `its URL): hpm writes each plugin's source for the mode (\`hpm sync --mode ${plan.mode}\`)`,
    );
  }
  if (plan.changed) {
    io.out(await pyprojectDiff(plan.before, plan.after, io));
    throw new HpmOperationError(
      `pyproject.toml is out of sync with hpm.yaml for mode ${plan.mode}`,
      `run \`hpm sync --mode ${plan.mode}\``,
    );
  }
  log(checkPassed("pyproject.toml", plan.mode));
  if (flags.pyprojectOnly) return;
  const { checkLock } = await import("../project/lockfile_check.ts");
  const lock = await checkLock(plan, { runner, log });
  if (!lock.present) {
    log(`no uv.lock: nothing to check there (\`hpm sync --mode ${plan.mode}\` writes one)`);
    return;
  }
  if (lock.problems.length) {
    for (const p of lock.problems) io.out(p);
    throw new HpmOperationError(
      `uv.lock does not match mode ${plan.mode}`,
      `run \`hpm sync --mode ${plan.mode}\` (pyproject.toml is right; uv.lock was not re-locked)`,
    );
  }
  if (lock.uvSkipped) {
    throw new HpmOperationError(
      `uv.lock was not checked by uv: ${lock.uvSkipped}, so uv would have to run its ` +
        "build backend to check it, and hpm check runs no code from the project",
      `uv.lock locks every plugin from mode ${plan.mode}'s kind of source; where running the ` +
        "project's code is acceptable, `uv lock --check --offline` checks the rest " +
        "(and `hpm check --pyproject-only` checks pyproject.toml alone)",
    );
  }
  if (lock.uvUnanswered) {
    throw new HpmOperationError(
      `uv could not check uv.lock offline, so it is not known to match mode ${plan.mode}: ` +
        lock.uvUnanswered,
      "let uv fetch what it needs first (`uv lock --check`, online), then run `hpm check` " +
        "again; `hpm check --pyproject-only` checks pyproject.toml alone",
    );
  }
  log(checkPassed("uv.lock", plan.mode));
}

/** `hpm status`'s flags. */
export interface StatusFlags extends GlobalFlags {
  mode?: string;
  json?: boolean;
}

/**
 * `hpm status`, whether the argument parser read its command line or cli.ts
 * read it plainly.
 *
 * @param flags the command's flags
 * @param io where it reports
 */
export async function statusCommand(flags: StatusFlags, io: Io): Promise<void> {
  const { reading } = reporting(() => flags, io);
  const { formatStatus, status } = await import("../commands/status.ts");
  const report = await status(reading(flags.mode));
  io.out(flags.json ? JSON.stringify(report, null, 2) : formatStatus(report, { color: io.color }));
}

/**
 * Run a command line read plainly (see `plain_command.ts`: `sync`, `check`,
 * `diff`, `status`, `stage` with their usual flags) without the argument
 * parser, which costs a planned `sync` about a tenth of its time to load and
 * build; undefined for a command line only the parser runs.
 *
 * @param plain the command line
 * @param io where output goes (already guarded)
 * @returns the exit code, or undefined
 */
export async function runPlain(plain: PlainCommand, io: Io): Promise<number | undefined> {
  const { flags } = plain;
  const text = (v: string | true | undefined) => typeof v === "string" ? v : undefined;
  const globals = {
    project: text(flags.project),
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
    refresh: flags.refresh === true,
  };
  try {
    if (plain.name === "stage") {
      await stageCommand(
        { ...globals, mode: text(flags.mode), offline: flags.offline === true },
        io,
      );
    } else if (plain.name === "check") {
      await checkCommand({
        ...globals,
        mode: text(flags.mode),
        staged: flags.staged === true,
        pyprojectOnly: flags["pyproject-only"] === true,
      }, io);
    } else if (plain.name === "status") {
      await statusCommand({ ...globals, mode: text(flags.mode) }, io);
    } else if (plain.name === "diff") {
      await diffCommand({ ...globals, mode: text(flags.mode) }, io);
    } else if (plain.name === "sync" && !(flags.frozen && flags.locked)) {
      // Both at once is the parser's to refuse, in its words.
      await syncCommand(
        {
          ...globals,
          mode: text(flags.mode),
          install: !flags["no-install"],
          frozen: flags.frozen === true,
          locked: flags.locked === true,
        },
        [...plain.rest],
        io,
      );
    } else return undefined;
    return 0;
  } catch (error) {
    io.err(renderError(error, io));
    return exitCodeOf(error);
  }
}

/**
 * Read `args` with the argument parser and run the command.
 *
 * @param args the arguments after `hpm`
 * @param io where output goes (already guarded)
 * @returns the exit code
 */
export async function runParsed(args: readonly string[], io: Io): Promise<number> {
  const { Command, CommanderError, Option } = await import("commander");
  let exitCode = 0;
  const program = new Command("hpm")
    .description("Switch a Python core and its plugin packages between dev and prod, with uv.")
    .version(VERSION, "-V, --version")
    .option("-C, --project <dir>", "the project (folder with hpm.yaml); default: search upwards")
    .option("-q, --quiet", "print only errors")
    .option("-v, --verbose", "print more detail")
    .option("--refresh", "ask remote registries again, even when their cached copies are fresh")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
    });

  const globals = () => program.opts<GlobalFlags>();
  const { log, runner, reading } = reporting(globals, io);
  const root = () => globals().project;
  // The read-only listing commands load the project without locking it.
  const loadHere = async () => {
    const [{ findProjectRoot }, { loadProject }] = await Promise.all([
      import("../project/root.ts"),
      import("../project/load.ts"),
    ]);
    const { log, runner, refresh } = reading();
    return await loadProject(findProjectRoot(root()), { log, runner, refresh });
  };
  const modeOption = () =>
    new Option(
      "-m, --mode <mode>",
      "mode to use (default: $RUN_MODE, hpm.local.yaml, hpm.yaml, dev)",
    );

  program.command("sync")
    .description("update pyproject.toml for the mode and run `uv sync`")
    .addOption(modeOption())
    .option("-n, --dry-run", "print the diff of pyproject.toml and change nothing")
    .option("--no-install", "write pyproject.toml but do not run uv")
    .addOption(new Option("--frozen", "pass --frozen to uv sync").conflicts("locked"))
    .option("--locked", "pass --locked to uv sync")
    .option("--json", "print the result (mode, changes) as JSON; uv's output is not streamed")
    .option(
      "--adopt",
      "take entries that are exactly what hpm would write as hpm's (after [tool.hpm] was deleted)",
    )
    .argument("[uv-args...]", "arguments for `uv sync`, after --")
    .addHelpText(
      "after",
      `
Examples:
  hpm sync                      # default mode (dev): local clones, editable
  hpm sync --mode prod          # released git tags / index versions
  RUN_MODE=prod hpm sync --locked
  hpm sync --dry-run            # show what would change
  hpm sync -- --no-dev          # extra flags for uv sync`,
    )
    .action(async (uvArgs: string[], flags) => {
      await syncCommand({ ...globals(), ...flags }, uvArgs, io);
    });

  program.command("diff")
    .description("show what `hpm sync` would change in pyproject.toml")
    .addOption(modeOption())
    .option("--json", "print a structured diff")
    .addHelpText("after", "\nExamples:\n  hpm diff --mode prod\n  hpm diff --json | jq .sources")
    .action(async (flags) => {
      await diffCommand({ ...globals(), ...flags }, io);
    });

  program.command("check")
    .description(
      "exit 1 if pyproject.toml or uv.lock is not what `hpm sync` would write (a CI guard)",
    )
    .addOption(modeOption())
    .option(
      "--staged",
      "check git's index: is it in the committed mode (--mode, else commit-mode)?",
    )
    .option("--pyproject-only", "check pyproject.toml only, not uv.lock")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm check --mode prod   # in CI: is anything still pointing at a local path?" +
        "\n  hpm check --staged      # in a pre-commit hook" +
        "\n\nIt runs no code from the project. uv (`uv lock --check --offline`) gets an" +
        "\ninterpreter from outside it (UV_PYTHON, else python3 or python on PATH), never its" +
        "\n.venv or a .python-version. A source tree in uv.lock (the project, a local path)" +
        "\nthat declares its version, dependencies, optional-dependencies or requires-python" +
        "\ndynamic could only be checked by running its build backend: uv is not asked, and" +
        "\ncheck fails, saying so.",
    )
    .action(async (flags) => {
      await checkCommand({ ...globals(), ...flags }, io);
    });

  program.command("stage")
    .description("stage pyproject.toml and uv.lock in the committed mode (prod); git index only")
    .option("-m, --mode <mode>", "the mode to stage (default: commit-mode in hpm.yaml, else prod)")
    .option("--offline", "resolve uv.lock from uv's cache only")
    .addHelpText(
      "after",
      "\nExamples:\n  uv add httpx && hpm stage && git commit -m 'use httpx'   # while in dev" +
        LOCKS_AS_UV_DOES,
    )
    .action(async (flags) => {
      await stageCommand({ ...globals(), mode: flags.mode, offline: flags.offline }, io);
    });

  const group = program.command("group").description("edit the plugin groups in hpm.yaml");
  group.command("add")
    .description("add plugins to a group (creating it)")
    .argument("<group>", "the group, e.g. vector-db")
    .requiredOption("-o, --option <package>", "a registry package (repeatable)", collect, [])
    .addHelpText(
      "after",
      "\nExamples:\n  hpm group add vector-db --option rag4code-qdrant\n  hpm group add llm -o rag4code-openai -o rag4code-ollama",
    )
    .action(async (name: string, flags) => {
      const { groupAdd } = await import("../commands/groups.ts");
      const { changed, mode } = await groupAdd(name, flags.option, { root: root() });
      log(
        changed
          ? `group ${name} updated in hpm.yaml; run \`hpm sync --mode ${mode}\``
          : `group ${name} already has that`,
      );
    });
  group.command("remove")
    .description("remove a group, or one option of it")
    .argument("<group>", "the group")
    .option("-o, --option <package>", "remove only this option")
    .action(async (name: string, flags) => {
      const { groupRemove } = await import("../commands/groups.ts");
      const { mode } = await groupRemove(name, flags.option, { root: root() });
      log(`hpm.yaml updated; run \`hpm sync --mode ${mode}\``);
    });
  group.command("use")
    .description("install only this option of a group of alternatives")
    .argument("<group>", "the group")
    .argument("<package>", "the option to use")
    .addHelpText("after", "\nExamples:\n  hpm group use vector-db rag4code-chroma && hpm sync")
    .action(async (name: string, pkg: string) => {
      const { groupUse } = await import("../commands/groups.ts");
      const { mode } = await groupUse(name, pkg, { root: root() });
      log(`group ${name} now uses ${pkg}; run \`hpm sync --mode ${mode}\``);
    });
  group.command("list")
    .description("list groups and their options")
    .option("--json", "print JSON")
    .action(async (flags) => {
      const project = await loadHere();
      const groups = project.manifest.groups;
      if (flags.json) {
        io.out(
          JSON.stringify(
            groups.map(({ name, options, select }) => ({ name, options, select })),
            null,
            2,
          ),
        );
        return;
      }
      if (!groups.length) io.out("no groups; add one with `hpm group add GROUP --option PACKAGE`");
      for (const g of groups) {
        const opts = g.options.map((o) => (g.select === o ? `${o} (selected)` : o));
        io.out(`${g.name}: ${opts.join(", ") || "(empty)"}`);
      }
    });

  program.command("status")
    .description("mode in force; per plugin: source, clone state, commits since the prod ref")
    .addOption(modeOption())
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm status\n  hpm status --json | jq '.packages[] | select(.clone.dirty)'",
    )
    .action(async (flags) => {
      await statusCommand({ ...globals(), ...flags }, io);
    });

  program.command("clone")
    .description("clone missing dev checkouts from the plugins' git URLs, several at once")
    .argument("[packages...]", "only these (default: every plugin of every group)")
    .option("-j, --jobs <n>", "clones (or updates) at once", "4")
    .option(
      "-u, --update",
      "also fetch and fast-forward existing clean clones; dirty or unpushed ones are left alone",
    )
    .option("--json", "print the per-plugin outcome as JSON")
    .option("-y, --yes", "clone into folders outside the project without asking")
    .addOption(modeOption())
    .addHelpText(
      "after",
      "\nExamples:\n  hpm clone\n  hpm clone rag4code-qdrant --jobs 1\n  hpm clone --update   # and pull",
    )
    .action(async (packages: string[], flags) => {
      const { clone, summarizeClone } = await import("../commands/clone.ts");
      const report = await clone({
        root: root(),
        packages: packages.length ? packages : undefined,
        jobs: Number(flags.jobs),
        update: flags.update,
        mode: flags.mode,
        yes: flags.yes,
        confirm: Deno.stdin.isTerminal()
          ? (targets) => {
            io.err(`hpm: these clones would go outside the project:\n  ${targets.join("\n  ")}`);
            return Promise.resolve(confirm("clone there?"));
          }
          : undefined,
        log,
        runner,
        refresh: globals().refresh,
      });
      if (flags.json) io.out(JSON.stringify(report, null, 2));
      else if (!globals().quiet) io.out(summarizeClone(report));
      if (!report.ok) {
        const failed = report.results.filter((r) => r.status === "failed");
        // -q hides the progress lines, but a failure's reason is an error.
        if (globals().quiet) {
          for (const r of failed) io.err(`hpm: ${r.name}: failed: ${r.reason}`);
        }
        throw new HpmOperationError(
          `some clones failed (${failed.map((r) => r.name).join(", ")})`,
          "see the lines above; the others were cloned",
        );
      }
    });

  program.command("pin")
    .description("release step: set a plugin's prod ref in its registry entry (comments kept)")
    .argument("<package>", "the plugin")
    .option("--ref <ref>", "the ref to pin (default: newest tag of its local clone)")
    .option("-f, --force", "pin even if the clone has uncommitted changes or commits after the tag")
    .option("--no-verify", "do not check that the ref exists on the remote (git ls-remote)")
    .option("-m, --mode <mode>", "the registry mode to edit", "prod")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm pin rag4code-qdrant\n  hpm pin rag4code-qdrant --ref v1.1.0",
    )
    .action(async (name: string, flags) => {
      const { pin } = await import("../commands/pin.ts");
      const r = await pin({
        root: root(),
        package: name,
        ref: flags.ref,
        force: flags.force,
        verify: flags.verify,
        mode: flags.mode,
        log,
        runner,
      });
      log(
        r.changed
          ? `${r.file}: ${r.previous ?? "(none)"} → ${r.ref}`
          : `${name} is already pinned to ${r.ref}`,
      );
    });

  program.command("verify")
    .description("will this mode resolve? `uv lock` in a scratch copy; touches nothing")
    .addOption(modeOption())
    .addHelpText(
      "after",
      "\nExamples:\n  hpm verify --mode prod   # before tagging or deploying" + LOCKS_AS_UV_DOES,
    )
    .action(async (flags) => {
      const { verify } = await import("../commands/verify.ts");
      const { mode, lockedPackages } = await verify({
        ...reading(flags.mode),
        stream: globals().verbose,
      });
      log(`mode ${mode} resolves (${lockedPackages} packages locked); nothing was changed`);
    });

  program.command("init")
    .description("set up HPM in an existing uv project: hpm.yaml, a registry folder, .gitignore")
    .option("--registry <dir>", "registry folder to create", "hpm-registry")
    .option(
      "--hook",
      "install a git pre-commit hook running `hpm check --staged` (alone if set up)",
    )
    .option(
      "--no-adopt",
      "leave the path/git sources pyproject.toml already has for its plugins as they are",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  uv init --lib my-core && cd my-core && hpm init\n  hpm init --hook\n" +
        "  hpm init   # in a project whose [tool.uv.sources] has path/git entries: adopts them",
    )
    .action(async (flags) => {
      const { findProjectRoot } = await import("../project/root.ts");
      const { init } = await import("../commands/init.ts");
      const { installHook } = await import("../commands/init.ts");
      const here = globals().project;
      const found = () => {
        try {
          return findProjectRoot(here);
        } catch {
          return undefined;
        }
      };
      const setUp = flags.hook && found();
      if (!setUp) {
        const changed = await init({
          root: here,
          registry: flags.registry,
          adopt: flags.adopt,
          log,
        });
        for (const file of changed) log(`wrote ${file}`);
      }
      if (flags.hook) {
        const { path, changed } = await installHook({
          root: setUp || here,
          runner,
        });
        log(changed ? `wrote ${path}` : `${path} is already hpm's hook`);
        return;
      }
      log(
        "next: `hpm registry add NAME --git URL --ref TAG`, then `hpm group add GROUP --option NAME`",
      );
    });

  const registry = program.command("registry").description("what the registries know");
  registry.command("list")
    .description("list known packages and their modes")
    .option("--json", "print JSON")
    .action(async (flags) => {
      const project = await loadHere();
      const rows = project.registry.names().map((name) => {
        const e = project.registry.get(name);
        return {
          name: e.name,
          description: e.description,
          modes: Object.keys(e.sources),
          file: e.file,
        };
      });
      if (flags.json) io.out(JSON.stringify(rows, null, 2));
      else if (!rows.length) io.out("the registry is empty; add a package with `hpm registry add`");
      else {for (const r of rows) {
          io.out(`${r.name}  [${r.modes.join(", ")}]${r.description ? `  ${r.description}` : ""}`);
        }}
    });
  registry.command("show")
    .description("show one package's entry")
    .argument("<package>", "the package")
    .option("--json", "print JSON")
    .action(async (name: string, flags) => {
      const { describeSource } = await import("../core/registry_entry.ts");
      const project = await loadHere();
      const e = project.registry.get(name);
      const data = {
        name: e.name,
        description: e.description,
        repository: e.repository,
        requires: e.requires,
        sources: e.sources,
        file: e.file,
      };
      if (flags.json) io.out(JSON.stringify(data, null, 2));
      else {
        io.out(`${e.name}${e.description ? ` — ${e.description}` : ""}\n  file: ${e.file}`);
        if (e.repository) io.out(`  repository: ${e.repository}`);
        if (e.requires.length) io.out(`  requires: ${e.requires.join(", ")}`);
        for (const [mode, source] of Object.entries(e.sources)) {
          io.out(`  ${mode}: ${describeSource(source)}`);
        }
      }
    });
  registry.command("update")
    .description("fetch every remote registry now, whatever the age of its cached copy")
    .action(async () => {
      const { findProjectRoot } = await import("../project/root.ts");
      const { loadProject } = await import("../project/load.ts");
      const { parseRegistryLocation } = await import("../core/registry_location.ts");
      const root = findProjectRoot(globals().project);
      const project = await loadProject(root, { log, runner, refresh: true });
      const remote = project.manifest.registries.filter((r) =>
        parseRegistryLocation(r).kind !== "local"
      );
      log(
        remote.length
          ? `updated ${remote.join(", ")}`
          : "no remote registry in hpm.yaml: nothing to update",
      );
    });
  registry.command("index")
    .description("write index.json into a local registry folder, for hosts that serve it")
    .argument("[folder]", "the registry folder (default: the project's first local registry)")
    .addHelpText("after", "\nExamples:\n  hpm registry index\n  hpm registry index ./hpm-registry")
    .action(async (folder: string | undefined) => {
      const { registryIndex } = await import("../registry/index_file.ts");
      const { file, names } = await registryIndex({ folder, root: globals().project });
      log(`wrote ${file} (${names.length} package${names.length === 1 ? "" : "s"})`);
    });
  registry.command("add")
    .description("add a package to the first local registry")
    .argument("<package>", "the package name")
    .option("--dev-path <path>", "where its local clone lives (default ./packages/NAME)")
    .option("--git <url>", "prod source: git repository URL")
    .option("--ref <ref>", "prod source: tag, branch or commit (with --git)")
    .option("--pypi <version>", "prod source: a version on a package index")
    .option("--index <url>", "private index URL (with --pypi)")
    .option("--repository <url>", "git URL the code is developed in (with --pypi; for `hpm clone`)")
    .option("--description <text>", "one line about it")
    .option("--no-verify", "do not check that --ref exists on the --git remote (git ls-remote)")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm registry add rag4code-qdrant --git https://github.com/rag4code/adapter-qdrant.git --ref v1.0.0\n" +
        "  hpm registry add rag4code-openai --pypi 1.2.0 --index https://pypi.example.com/simple\n" +
        "  hpm registry add rag4code-openai --pypi 1.2.0 --repository https://github.com/rag4code/openai.git",
    )
    .action(async (name: string, flags) => {
      const { registryAdd } = await import("../registry/add.ts");
      const file = await registryAdd({
        name,
        description: flags.description,
        devPath: flags.devPath,
        git: flags.git,
        ref: flags.ref,
        pypi: flags.pypi,
        index: flags.index,
        repository: flags.repository,
      }, { root: root(), verify: flags.verify, runner, log });
      log(`wrote ${file}`);
    });

  program.command("schema")
    .description("print the JSON Schema of hpm.yaml (or of a registry entry), for editors")
    .option("--registry", "the schema of a registry entry")
    .option("--local", "the schema of hpm.local.yaml")
    .action(async (flags) => {
      const { jsonSchema } = await import("../core/json_schema.ts");
      io.out(
        JSON.stringify(
          jsonSchema(flags.registry ? "registry" : flags.local ? "local" : "manifest"),
          null,
          2,
        ),
      );
    });

  program.command("completions")
    .description("print a shell completion script")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm completions bash > ~/.local/share/bash-completion/completions/hpm\n" +
        "  hpm completions fish > ~/.config/fish/completions/hpm.fish",
    )
    .action(async (shell: string) => {
      const { completionScript } = await import("./completions.ts");
      if (shell !== "bash" && shell !== "zsh" && shell !== "fish") {
        throw new HpmInputError(
          "usage",
          `unknown shell \`${shell}\``,
          undefined,
          "choose bash, zsh or fish",
        );
      }
      io.out(completionScript(completionTree(program), shell).trimEnd());
    });

  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version succeed; help shown because a command is missing
      // (`hpm`, `hpm group`) is a usage error, as in uv.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      return error.code === "commander.help" && error.exitCode === 0 ? 0 : 2;
    }
    io.err(renderError(error, io));
    exitCode = exitCodeOf(error);
  }
  return exitCode;
}

function completionTree(command: Command): CompletionCommand {
  return {
    name: command.name(),
    description: command.description(),
    options: [
      ...command.options.flatMap((o) => [o.long, o.short].filter((f) => f !== undefined)),
      "--help",
    ],
    commands: command.commands.map(completionTree),
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
