// deno-lint-ignore-file no-console
/**
 * The `hpm` command line: flags in, calls into mod.ts, text and exit codes out.
 * Errors become messages only here.
 *
 * @module
 */

import { Command, CommanderError, Option } from "commander";
import {
  type DiffColors,
  diffPyproject,
  exitCodeOf,
  groupAdd,
  groupRemove,
  groupUse,
  HpmInputError,
  loadProject,
  planSync,
  sync,
  unifiedDiff,
} from "./mod.ts";
import { CommandFailedError, HpmOperationError } from "./lib/errors.ts";
import { findProjectRoot } from "./lib/project.ts";
import { VERSION } from "./lib/version.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  color: boolean;
}

function defaultIo(): Io {
  const noColor = Deno.env.get("NO_COLOR") !== undefined && Deno.env.get("NO_COLOR") !== "";
  return {
    out: (text) => console.log(text),
    err: (text) => console.error(text),
    color: !noColor && Deno.stdout.isTerminal(),
  };
}

const paint = (on: boolean, code: string) => (s: string) => on ? `\x1b[${code}m${s}\x1b[0m` : s;

function diffColors(on: boolean): DiffColors {
  return { added: paint(on, "32"), removed: paint(on, "31"), header: paint(on, "1") };
}

async function snippet(file: string, line: number, column: number): Promise<string[]> {
  try {
    const text = await Deno.readTextFile(file);
    const source = text.split(/\r?\n/)[line - 1];
    if (source === undefined) return [];
    const gutter = String(line).length;
    return [
      `${" ".repeat(gutter)} |`,
      `${line} | ${source}`,
      `${" ".repeat(gutter)} | ${" ".repeat(Math.max(0, column - 1))}^`,
    ];
  } catch {
    return [];
  }
}

/** Render an error the way users see it: message, file:line:col, source line, hint. */
async function renderError(error: unknown, io: Io): Promise<string> {
  const red = paint(io.color, "31;1");
  const dim = paint(io.color, "2");
  if (error instanceof HpmInputError) {
    const lines = [`${red("error")}: ${error.message}`];
    if (error.file) {
      const at = error.line ? `${error.file}:${error.line}:${error.column ?? 1}` : error.file;
      lines.push(`  ${dim("-->")} ${at}`);
      if (error.line) lines.push(...(await snippet(error.file, error.line, error.column ?? 1)));
    }
    if (error.hint) lines.push(`  ${dim("hint:")} ${error.hint}`);
    return lines.join("\n");
  }
  if (error instanceof CommandFailedError) {
    const tail = error.stderrTail.trim();
    return `${red("error")}: ${error.message}` + (tail ? `\n${tail}` : "") +
      "\n  hint: pyproject.toml and uv.lock were restored to what they were before";
  }
  if (error instanceof HpmOperationError) {
    return `${red("error")}: ${error.message}` +
      (error.hint ? `\n  ${dim("hint:")} ${error.hint}` : "");
  }
  if (error instanceof Error && error.name === "InterruptedError") {
    return `${red("interrupted")}: ${error.message}`;
  }
  const message = error instanceof Error ? error.stack ?? error.message : String(error);
  return `${red("internal error")}: ${message}\n  hint: this is a bug in hpm; please report it`;
}

interface GlobalFlags {
  project?: string;
  quiet?: boolean;
  verbose?: boolean;
}

/**
 * Run the CLI with `args`; returns the exit code instead of exiting, so tests
 * and scripts can call it.
 *
 * @param args the arguments after `hpm`
 * @param io where output goes
 * @returns the exit code
 */
export async function main(args: readonly string[], io: Io = defaultIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command("hpm")
    .description("Switch a Python core and its plugin packages between dev and prod, with uv.")
    .version(VERSION, "-V, --version")
    .option("-C, --project <dir>", "the project (folder with hpm.yaml); default: search upwards")
    .option("-q, --quiet", "print only errors")
    .option("-v, --verbose", "print more detail")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
    });

  const globals = () => program.opts<GlobalFlags>();
  const log = (message: string) => {
    if (!globals().quiet) io.err(`hpm: ${message}`);
  };
  const root = () => globals().project;
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
      const result = await sync({
        root: root(),
        mode: flags.mode,
        dryRun: flags.dryRun,
        install: flags.install,
        frozen: flags.frozen,
        locked: flags.locked,
        uvArgs,
        stream: !globals().quiet,
        log,
      });
      if (flags.dryRun) {
        const diff = unifiedDiff(
          result.before,
          result.after,
          "pyproject.toml",
          diffColors(io.color),
        );
        io.out(diff ? diff.trimEnd() : "pyproject.toml is already in sync");
        return;
      }
      log(
        `mode ${result.mode} (from ${result.modeOrigin}): ` +
          (result.changed ? "pyproject.toml updated" : "pyproject.toml unchanged") +
          (result.installed ? ", environment synced" : ""),
      );
    });

  program.command("diff")
    .description("show what `hpm sync` would change in pyproject.toml")
    .addOption(modeOption())
    .option("--json", "print a structured diff")
    .addHelpText("after", "\nExamples:\n  hpm diff --mode prod\n  hpm diff --json | jq .sources")
    .action(async (flags) => {
      const plan = await planSync({ root: root(), mode: flags.mode, log });
      if (flags.json) {
        io.out(
          JSON.stringify({ mode: plan.mode, ...diffPyproject(plan.before, plan.after) }, null, 2),
        );
      } else {
        const diff = unifiedDiff(plan.before, plan.after, "pyproject.toml", diffColors(io.color));
        io.out(diff ? diff.trimEnd() : "pyproject.toml is already in sync");
      }
    });

  program.command("check")
    .description("exit 1 if pyproject.toml is not what `hpm sync` would write (a CI guard)")
    .addOption(modeOption())
    .addHelpText(
      "after",
      "\nExamples:\n  hpm check --mode prod   # in CI: is anything still pointing at a local path?",
    )
    .action(async (flags) => {
      const plan = await planSync({ root: root(), mode: flags.mode, log });
      if (plan.changed) {
        io.out(
          unifiedDiff(plan.before, plan.after, "pyproject.toml", diffColors(io.color)).trimEnd(),
        );
        throw new HpmOperationError(
          `pyproject.toml is out of sync with hpm.yaml for mode ${plan.mode}`,
          `run \`hpm sync --mode ${plan.mode}\``,
        );
      }
      log(`pyproject.toml is in sync for mode ${plan.mode}`);
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
      const { changed } = await groupAdd(name, flags.option, { root: root() });
      log(
        changed
          ? `group ${name} updated in hpm.yaml; run \`hpm sync\``
          : `group ${name} already has that`,
      );
    });
  group.command("remove")
    .description("remove a group, or one option of it")
    .argument("<group>", "the group")
    .option("-o, --option <package>", "remove only this option")
    .action(async (name: string, flags) => {
      await groupRemove(name, flags.option, { root: root() });
      log(`hpm.yaml updated; run \`hpm sync\``);
    });
  group.command("use")
    .description("install only this option of a group of alternatives")
    .argument("<group>", "the group")
    .argument("<package>", "the option to use")
    .addHelpText("after", "\nExamples:\n  hpm group use vector-db rag4code-chroma && hpm sync")
    .action(async (name: string, pkg: string) => {
      await groupUse(name, pkg, { root: root() });
      log(`group ${name} now uses ${pkg}; run \`hpm sync\``);
    });
  group.command("list")
    .description("list groups and their options")
    .option("--json", "print JSON")
    .action(async (flags) => {
      const project = await loadProject(await findProjectRoot(root() ?? Deno.cwd()));
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

  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" || error.code === "commander.version" ||
        error.code === "commander.help"
      ) return 0;
      return 2;
    }
    io.err(await renderError(error, io));
    exitCode = exitCodeOf(error);
  }
  return exitCode;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
