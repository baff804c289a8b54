/**
 * The full command line: every command and flag, read by the argument
 * parser (commander), which loads only when a command line is not plain
 * enough for cli.ts to answer first (see `plain_command.ts`). It only reads
 * and dispatches: each command is a handler in its module under
 * lib/commands/, loaded when it runs.
 *
 * @module
 */

import type { Command } from "commander";
import type { Io } from "../io/terminal.ts";
import { renderError } from "./output.ts";
import type { CompletionCommand } from "../commands/completions.ts";
import { exitCodeOf } from "../core/errors.ts";
import type { GlobalFlags } from "../project/context.ts";
import type { PlainCommand } from "./plain_command.ts";
import { VERSION } from "../core/version.ts";

// What `verify` and `stage` say of what they run: `uv lock`, with uv's reach.
const LOCKS_AS_UV_DOES =
  "\n\nuv locks the project as `uv lock` does, with an interpreter from outside it" +
  "\n(UV_PYTHON, else python3 or python on PATH), never its .venv or a .python-version." +
  "\nuv may build a source tree (the project, a local path) whose metadata is dynamic to" +
  "\nread it, running its build backend: code from the project. `hpm check` does not.";

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
      const { stageCommand } = await import("../commands/stage.ts");
      await stageCommand(
        { ...globals, mode: text(flags.mode), offline: flags.offline === true },
        io,
      );
    } else if (plain.name === "check") {
      const { checkCommand } = await import("../commands/check.ts");
      await checkCommand({
        ...globals,
        mode: text(flags.mode),
        staged: flags.staged === true,
        pyprojectOnly: flags["pyproject-only"] === true,
        allowBuild: flags["allow-build"] === true,
      }, io);
    } else if (plain.name === "status") {
      const { statusCommand } = await import("../commands/status.ts");
      await statusCommand({ ...globals, mode: text(flags.mode) }, io);
    } else if (plain.name === "diff") {
      const { diffCommand } = await import("../commands/diff.ts");
      await diffCommand({ ...globals, mode: text(flags.mode) }, io);
    } else if (plain.name === "sync" && !(flags.frozen && flags.locked)) {
      // Both at once is the parser's to refuse, in its words.
      const { syncCommand } = await import("../commands/sync.ts");
      await syncCommand({
        ...globals,
        mode: text(flags.mode),
        install: !flags["no-install"],
        frozen: flags.frozen === true,
        locked: flags.locked === true,
        uvArgs: plain.rest,
      }, io);
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
    .option(
      "--refresh",
      "read remote registries' newest states (not the commits pyproject.toml records)",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
    });

  // Read when a command runs: the parser fills them in after the tree is built.
  const globals = () => program.opts<GlobalFlags>();
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
    .addOption(
      new Option("--clone", "first clone the dev checkouts the mode needs and lacks (as hpm clone)")
        .conflicts("dryRun"),
    )
    .option("-y, --yes", "with --clone: clone into folders outside the project without asking")
    .argument("[uv-args...]", "arguments for `uv sync`, after --")
    .addHelpText(
      "after",
      `
Examples:
  hpm sync                      # default mode (dev): local clones, editable
  hpm sync --mode prod          # released git tags / index versions
  RUN_MODE=prod hpm sync --locked
  hpm sync --dry-run            # show what would change
  hpm sync --clone              # clone missing dev checkouts first, then sync
  hpm sync -- --no-dev          # extra flags for uv sync`,
    )
    .action(async (uvArgs: string[], flags) => {
      const { syncCommand } = await import("../commands/sync.ts");
      await syncCommand({ ...globals(), ...flags, uvArgs }, io);
    });

  program.command("diff")
    .description("show what `hpm sync` would change in pyproject.toml")
    .addOption(modeOption())
    .option("--json", "print a structured diff")
    .addHelpText("after", "\nExamples:\n  hpm diff --mode prod\n  hpm diff --json | jq .sources")
    .action(async (flags) => {
      const { diffCommand } = await import("../commands/diff.ts");
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
    .option(
      "--allow-build",
      "ask uv about uv.lock even when it would run the project's build backend to answer",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  hpm check --mode prod   # in CI: is anything still pointing at a local path?" +
        "\n  hpm check --staged      # in a pre-commit hook" +
        "\n\nIt runs no code from the project. uv (`uv lock --check --offline`) gets an" +
        "\ninterpreter from outside it (UV_PYTHON, else python3 or python on PATH), never its" +
        "\n.venv or a .python-version. A source tree in uv.lock (the project, a local path)" +
        "\nthat declares its version, dependencies, optional-dependencies or requires-python" +
        "\ndynamic could only be checked by running its build backend: uv is not asked, and" +
        "\ncheck fails, saying so; --allow-build asks uv anyway, as `uv lock --check` does" +
        "\n(for the project's own CI, which runs its code to test it anyway).",
    )
    .action(async (flags) => {
      const { checkCommand } = await import("../commands/check.ts");
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
      const { stageCommand } = await import("../commands/stage.ts");
      await stageCommand({ ...globals(), mode: flags.mode, offline: flags.offline }, io);
    });

  const group = program.command("group").description("edit the plugin groups in hpm.yaml")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm group add vector-db --option rag4code-qdrant\n  hpm group list",
    );
  group.command("add")
    .description("add plugins to a group (creating it)")
    .argument("<group>", "the group, e.g. vector-db")
    .requiredOption(
      "-o, --option <package...>",
      "registry packages (several after one -o, or -o repeated)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  hpm group add vector-db --option rag4code-qdrant\n  hpm group add llm -o rag4code-openai rag4code-ollama" +
        "\n  hpm group add llm -o rag4code-openai -o rag4code-ollama",
    )
    .action(async (name: string, flags) => {
      const { groupAddCommand } = await import("../commands/groups.ts");
      await groupAddCommand({ ...globals(), group: name, option: flags.option }, io);
    });
  group.command("remove")
    .description("remove a group, or one option of it")
    .argument("<group>", "the group")
    .option("-o, --option <package>", "remove only this option")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm group remove llm --option rag4code-ollama   # one option" +
        "\n  hpm group remove llm                            # the whole group",
    )
    .action(async (name: string, flags) => {
      const { groupRemoveCommand } = await import("../commands/groups.ts");
      await groupRemoveCommand({ ...globals(), group: name, option: flags.option }, io);
    });
  group.command("use")
    .description("install only this option of a group of alternatives")
    .argument("<group>", "the group")
    .argument("<package>", "the option to use")
    .addHelpText("after", "\nExamples:\n  hpm group use vector-db rag4code-chroma && hpm sync")
    .action(async (name: string, pkg: string) => {
      const { groupUseCommand } = await import("../commands/groups.ts");
      await groupUseCommand({ ...globals(), group: name, package: pkg }, io);
    });
  group.command("list")
    .description("list groups and their options")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm group list   # vector-db: rag4code-qdrant (selected), rag4code-chroma" +
        "\n  hpm group list --json | jq -r '.[].name'",
    )
    .action(async (flags) => {
      const { groupListCommand } = await import("../commands/groups.ts");
      await groupListCommand({ ...globals(), ...flags }, io);
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
      const { statusCommand } = await import("../commands/status.ts");
      await statusCommand({ ...globals(), ...flags }, io);
    });

  // `hpm develop` and `hpm free` edit hpm.local.yaml, then sync as `hpm sync` would.
  const syncAfter = async (flags: { sync: boolean }) => {
    if (!flags.sync) return;
    const { syncCommand } = await import("../commands/sync.ts");
    await syncCommand({ ...globals(), install: true }, io);
  };

  program.command("develop")
    .description(
      "install plugins from their clones in every mode, the others from their releases " +
        "(hpm.local.yaml), and sync",
    )
    .argument("[packages...]", "the plugins (none: list the developed ones)")
    .option("--no-sync", "edit hpm.local.yaml only; `hpm sync` later")
    .option("--json", "with no plugins: print the list as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm develop rag4code-qdrant   # it from its clone, every other plugin from its release" +
        "\n  hpm develop                   # which plugins are developed, and where" +
        "\n  hpm free rag4code-qdrant      # back to its release" +
        "\n\nThe plugins go under `develop:` in hpm.local.yaml (this machine only). Unless that" +
        "\nfile sets a `mode:` of its own, when the mode hpm.yaml chooses is not the committed" +
        "\none (dev, say), `mode:` there is set to the committed mode (prod), so the other" +
        "\nplugins come from their releases." +
        "\n`hpm stage`, `hpm check --staged` and CI never see `develop:`.",
    )
    .action(async (packages: string[], flags) => {
      const { developCommand } = await import("../commands/develop.ts");
      await developCommand({ ...globals(), ...flags, packages }, io);
      if (packages.length) await syncAfter(flags);
    });

  program.command("free")
    .description("stop developing plugins: they come from their releases again (and sync)")
    .argument("[packages...]", "the plugins")
    .option("-a, --all", "every developed plugin")
    .option("--no-sync", "edit hpm.local.yaml only; `hpm sync` later")
    .addHelpText("after", "\nExamples:\n  hpm free rag4code-qdrant\n  hpm free --all")
    .action(async (packages: string[], flags) => {
      const { freeCommand } = await import("../commands/develop.ts");
      await freeCommand({ ...globals(), ...flags, packages }, io);
      await syncAfter(flags);
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
      const { cloneCommand } = await import("../commands/clone.ts");
      await cloneCommand({ ...globals(), ...flags, packages }, io);
    });

  program.command("pull")
    .description(
      "pull the core (committed form swapped in, your edits kept), its registries and clones; " +
        "sync the mode in force again",
    )
    .addOption(modeOption())
    .option("-j, --jobs <n>", "clones (or updates) at once", "4")
    .option("-y, --yes", "clone into folders outside the project without asking")
    .option("--json", "print what was pulled, cloned and synced as JSON")
    .argument("[git-args...]", "arguments for `git pull` (repository, refspec), after --")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm pull                    # every morning, in dev" +
        "\n  hpm pull -- origin main     # a branch other than the upstream" +
        "\n\nIt fetches and fast-forwards as `git pull --ff-only` does, with pyproject.toml and" +
        "\nuv.lock in the committed form (your own edits carried over); then refreshes the" +
        "\nremote registries, clones what is missing, fast-forwards the clean clones" +
        "\n(`hpm clone --update`) and syncs. Killed at any point, the next hpm run finds" +
        "\nthe files in your mode or in the committed form, never a mix.",
    )
    .action(async (gitArgs: string[], flags) => {
      const { pullCommand } = await import("../commands/pull.ts");
      await pullCommand({ ...globals(), ...flags, gitArgs }, io);
    });

  program.command("pin")
    .description("release step: set a plugin's prod ref in its registry entry (comments kept)")
    .argument("<package>", "the plugin")
    .option("--ref <ref>", "the ref to pin (default: newest tag of its local clone)")
    .option("-f, --force", "pin even if the clone has uncommitted changes or commits after the tag")
    .option("--no-verify", "do not check that the ref exists on the remote (git ls-remote)")
    .option("-m, --mode <mode>", "the registry mode to edit", "prod")
    .option(
      "--registry <dir>",
      "edit the entry in this registry folder or clone (e.g. of a git registry, to try first)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  hpm pin rag4code-qdrant\n  hpm pin rag4code-qdrant --ref v1.1.0" +
        "\n  hpm pin rag4code-qdrant --registry ../team-registry   # from the core, into a clone" +
        "\n  cd ../team-registry && hpm pin rag4code-qdrant       # in the registry: newest tag of its remote",
    )
    .action(async (name: string, flags) => {
      const { pinCommand } = await import("../commands/pin.ts");
      await pinCommand({ ...globals(), ...flags, package: name }, io);
    });

  program.command("release")
    .description(
      "release a plugin: version, tag, push, pin the registry's prod ref, verify prod, stage the core",
    )
    .argument("<package>", "the plugin")
    .argument("[version]", "the version to release (PEP 440, e.g. 1.2.0; the tag is v1.2.0)")
    .addOption(
      new Option("--bump <part>", "raise the newest tag's version instead").choices([
        "patch",
        "minor",
        "major",
      ]),
    )
    .option("--test <command>", "run this in a scratch prod environment (uv run --, no shell)")
    .option("-n, --dry-run", "check everything and print the steps; change nothing")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm release rag4code-qdrant --bump minor --dry-run\n" +
        "  hpm release rag4code-qdrant 1.2.0\n" +
        '  hpm release rag4code-qdrant --bump patch --test "pytest -q tests/integration"' +
        "\n\nThe clone must be clean, on a branch whose commits are all on its remote, and the tag" +
        "\nnew. A static [project] version is written and committed; a dynamic one is only" +
        "\ntagged. A step that fails says what was done and what is left: an unpushed tag is" +
        "\ndeleted, a pin that does not verify is undone, a pushed tag is never deleted." +
        LOCKS_AS_UV_DOES,
    )
    .action(async (name: string, version: string | undefined, flags) => {
      const { releaseCommand } = await import("../commands/release.ts");
      await releaseCommand({ ...globals(), ...flags, package: name, version }, io);
    });

  program.command("verify")
    .description("will this mode resolve? `uv lock` in a scratch copy; touches nothing")
    .addOption(modeOption())
    .addHelpText(
      "after",
      "\nExamples:\n  hpm verify --mode prod   # before tagging or deploying" + LOCKS_AS_UV_DOES,
    )
    .action(async (flags) => {
      const { verifyCommand } = await import("../commands/verify.ts");
      await verifyCommand({ ...globals(), ...flags }, io);
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
      const { initCommand } = await import("../commands/init.ts");
      await initCommand({ ...globals(), ...flags }, io);
    });

  const registry = program.command("registry").description("what the registries know")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm registry list\n  hpm registry show rag4code-qdrant",
    );
  registry.command("list")
    .description("list known packages: description, each mode's source and ref")
    .option("--json", "print JSON")
    .option(
      "--outdated",
      "ask each prod source's git remote (or the index it names) for newer releases",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  hpm registry list\n  hpm registry list --outdated          # plug  v1.0.0 → v1.2.0" +
        "\n  hpm registry list --outdated --json | jq '.[] | select(.state == \"outdated\")'" +
        "\n\n--outdated compares tag names (v1.2.0, 1.2.0) and versions by PEP 440; pre-releases" +
        "\ncount only when the prod ref is one. A pypi source is checked only on the index its" +
        "\nentry names. HPM_OFFLINE=1 asks nothing.",
    )
    .action(async (flags) => {
      const { registryListCommand } = await import("../commands/registry.ts");
      await registryListCommand({ ...globals(), ...flags }, io);
    });
  registry.command("show")
    .description("show one package's entry")
    .argument("<package>", "the package")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm registry show rag4code-qdrant" +
        "\n  hpm registry show rag4code-qdrant --json | jq .sources.prod",
    )
    .action(async (name: string, flags) => {
      const { registryShowCommand } = await import("../commands/registry.ts");
      await registryShowCommand({ ...globals(), ...flags, package: name }, io);
    });
  registry.command("update")
    .description(
      "move pyproject.toml to the remote registries' newest states, saying what changes",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  hpm registry update && hpm sync && hpm stage   # then commit the move" +
        "\n\nA git registry is read at the commit pyproject.toml records; this fetches each" +
        "\nremote registry's newest state and writes pyproject.toml for its mode (nothing is" +
        "\ninstalled), recording the new commits.",
    )
    .action(async () => {
      const { registryUpdateCommand } = await import("../commands/registry.ts");
      await registryUpdateCommand(globals(), io);
    });
  registry.command("index")
    .description("write index.json into a local registry folder, for hosts that serve it")
    .argument("[folder]", "the registry folder (default: the project's first local registry)")
    .addHelpText("after", "\nExamples:\n  hpm registry index\n  hpm registry index ./hpm-registry")
    .action(async (folder: string | undefined) => {
      const { registryIndexCommand } = await import("../commands/registry.ts");
      await registryIndexCommand({ ...globals(), folder }, io);
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
      const { registryAddCommand } = await import("../commands/registry.ts");
      await registryAddCommand({
        ...globals(),
        entry: {
          name,
          description: flags.description,
          devPath: flags.devPath,
          git: flags.git,
          ref: flags.ref,
          pypi: flags.pypi,
          index: flags.index,
          repository: flags.repository,
        },
        verify: flags.verify,
      }, io);
    });

  program.command("foreach")
    .description("run a program in each dev checkout on disk, several at once (no shell)")
    .argument("<command...>", "the program and its arguments, after --")
    .option(
      "-g, --group <group>",
      "only the checkouts of this group's plugins (and what they need)",
    )
    .option("--dirty", "only checkouts with uncommitted changes")
    .option("-j, --jobs <n>", "programs at once", "4")
    .option("--prefix", "print each line as it comes, after the checkout's name")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm foreach -- git status --short\n  hpm foreach --dirty -- git diff --stat\n" +
        "  hpm foreach -g vector-db -- uv run pytest -q\n" +
        "  hpm foreach --prefix -j 8 -- git pull --ff-only\n" +
        "  hpm foreach -- sh -c 'git log -1 --format=%h && ls'   # a shell only when you ask" +
        "\n\nIt runs only what you type, in the checkouts hpm.yaml's plugins have on disk; exit 1" +
        "\nwhen it fails in any. Installed hpm may start only uv and git (Deno's" +
        "\n--allow-run=uv,git): run another program through uv (`uv run --no-project CMD`), or" +
        "\nstart hpm with Deno's --allow-run.",
    )
    .action(async (command: string[], flags) => {
      const { foreachCommand } = await import("../commands/foreach.ts");
      await foreachCommand({ ...globals(), ...flags, command }, io);
    });

  program.command("graph")
    .description("draw the project: core → groups → plugins → what they need, with their sources")
    .addOption(modeOption())
    .addOption(
      new Option("-f, --format <format>", "tree (the terminal), mermaid (Markdown) or dot")
        .choices(["tree", "mermaid", "dot"]).default("tree"),
    )
    .option("--json", "print the graph's nodes and edges as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm graph\n  hpm graph --mode prod\n" +
        "  hpm graph --format mermaid   # paste into a README or a pull request (```mermaid)\n" +
        "  hpm graph --format dot | dot -Tsvg > graph.svg" +
        "\n\nMarks: [missing checkout] (`hpm clone`), [not selected] (an alternative of its" +
        "\ngroup), [collision] (pyproject.toml gives it a source of its own, which sync refuses).",
    )
    .action(async (flags) => {
      const { graphCommand } = await import("../commands/graph.ts");
      await graphCommand({ ...globals(), ...flags }, io);
    });

  program.command("modes")
    .description("list the modes the project defines (hpm.yaml and its plugins' entries)")
    .option("--json", "print the modes every plugin has as a JSON array, for a CI matrix")
    .addHelpText(
      "after",
      '\nExamples:\n  hpm modes\n  hpm modes --json      # ["dev","prod"]\n' +
        "  # GitHub Actions: strategy.matrix.mode: ${{ fromJSON(needs.modes.outputs.modes) }}",
    )
    .action(async (flags) => {
      const { modesCommand } = await import("../commands/modes.ts");
      await modesCommand({ ...globals(), ...flags }, io);
    });

  program.command("schema")
    .description("print the JSON Schema of hpm.yaml (or of a registry entry), for editors")
    .option("--registry", "the schema of a registry entry")
    .option("--local", "the schema of hpm.local.yaml")
    .addHelpText(
      "after",
      "\nExamples:\n  hpm schema > hpm-registry/hpm.schema.json   # hpm init writes all three" +
        "\n  hpm schema --registry > hpm-registry/registry-entry.schema.json" +
        "\n  hpm schema --local > hpm-registry/hpm.local.schema.json",
    )
    .action(async (flags) => {
      const { schemaCommand } = await import("../commands/schema.ts");
      schemaCommand(flags, io);
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
      const { completionsCommand } = await import("../commands/completions.ts");
      completionsCommand({ shell, program: completionTree(program) }, io);
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
