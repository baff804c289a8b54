/**
 * `hpm foreach -- CMD ARGS…`: run a program the user typed in each dev
 * checkout of the project that is on disk, several at once, its output
 * grouped under each checkout's name (or each line prefixed with it).
 *
 * @module
 */

import { homeFolder } from "../io/files.ts";
import { relative } from "node:path";
import { HpmInputError, HpmOperationError, InterruptedError } from "../core/errors.ts";
import { projectMode } from "../core/mode.ts";
import { cloneState } from "../io/git.ts";
import { Interrupts } from "../io/interrupts.ts";
import { checkJobs, runPool } from "../io/pool.ts";
import { denoRunner } from "../io/runner.ts";
import type { Io } from "../io/terminal.ts";
import { mayRun, runUserProgram } from "../io/user_program.ts";
import { type Checkout, existingCheckouts } from "../project/checkouts.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { loadProjectAt } from "../project/load.ts";

/** Options of {@link foreach}. */
export interface ForeachOptions extends CommandContext {
  /** The program and its arguments. */
  readonly command: readonly string[];
  /** Only the checkouts of this group's plugins (and what they need). */
  readonly group?: string;
  /** Only checkouts with uncommitted changes. */
  readonly dirty?: boolean;
  /** How many run at once (at least 1). @default 4 */
  readonly jobs?: number;
  /**
   * Where each checkout's output goes: `line` gets each line as it comes
   * (`stream` says which), `done` gets all of a checkout's output once it
   * ends, in the checkouts' order.
   */
  readonly output: {
    readonly line?: (checkout: Checkout, stream: "stdout" | "stderr", line: string) => void;
    readonly done?: (checkout: Checkout, output: string, code: number) => void;
  };
  /** Stops the programs still running. */
  readonly signal?: AbortSignal;
}

/** How the program ended in one checkout. */
export interface ForeachOutcome {
  /** The plugin. */
  readonly name: string;
  /** Its checkout. */
  readonly path: string;
  /** The exit code (127: the program was not found). */
  readonly code: number;
}

const DEFAULT_JOBS = 4;

/**
 * Run `command` in each dev checkout on disk (see `existingCheckouts`), at
 * most `jobs` at once, in no shell: `sh -c '…'` when the user wants one.
 *
 * @param options the command, which checkouts, parallelism, where output goes
 * @returns one outcome per checkout, in hpm.yaml's order
 * @throws {HpmInputError} `usage` (no command, a bad `jobs`, an unknown
 *   group), `not-permitted` when Deno does not let HPM start the program
 *   (nothing ran); bad input in the project's files
 *
 * @example Usage
 * ```ts
 * import { denoRunner, foreach } from "@hpm/cli";
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
 * await denoRunner({ program: "git", args: ["init", "--quiet"], cwd: `${root}/packages/q` });
 *
 * // git runs in each dev checkout on disk (another program needs --allow-run).
 * const seen: string[] = [];
 * const outcomes = await foreach({
 *   root,
 *   command: ["git", "status", "--short"],
 *   output: { done: (checkout, text) => seen.push(`${checkout.name}: ${text.trim()}`) },
 * });
 * assert.deepEqual(outcomes.map((o) => [o.name, o.code]), [["q", 0]]);
 * assert.deepEqual(seen, ["q: ?? pyproject.toml"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function foreach(options: ForeachOptions): Promise<ForeachOutcome[]> {
  const [program, ...args] = options.command;
  if (program === undefined || program === "") {
    throw new HpmInputError(
      "usage",
      "no command to run",
      undefined,
      "put it after --: `hpm foreach -- git status --short`",
    );
  }
  const jobs = checkJobs(options.jobs ?? DEFAULT_JOBS);
  if (!mayRun(program)) throw notPermitted(program, options.command);
  const env = options.env ?? Deno.env.toObject();
  const project = await loadProjectAt(options);
  const { mode } = projectMode(project, { flag: options.mode, env: env.RUN_MODE });
  let checkouts = existingCheckouts(project, {
    mode,
    home: homeFolder(env),
    group: options.group,
  });
  if (options.dirty) {
    const runner = options.runner ?? denoRunner;
    const dirty = await runPool(
      checkouts,
      jobs,
      async (c) => c.git && (await cloneState(runner, c.path)).dirty,
    );
    checkouts = checkouts.filter((_, i) => dirty[i]);
  }
  const argv = [program, ...args] as const;
  // Outputs are handed over in the checkouts' order, each as soon as it and
  // every one before it have ended.
  const finished: ((() => void) | undefined)[] = [];
  let shown = 0;
  const show = () => {
    while (finished[shown]) finished[shown++]!();
  };
  return await runPool(checkouts.map((c, i) => [c, i] as const), jobs, async ([checkout, i]) => {
    if (options.signal?.aborted) {
      // Stopped before its turn: it never ran.
      finished[i] = () => {};
      show();
      return { name: checkout.name, path: checkout.path, code: 130 };
    }
    let output = "";
    const pending = new Map<"stdout" | "stderr", string>();
    const line = options.output.line;
    const { code, notFound } = await runUserProgram({
      argv,
      cwd: checkout.path,
      signal: options.signal,
      onOutput: (stream, text) => {
        if (!line) {
          output += text;
          return;
        }
        const lines = ((pending.get(stream) ?? "") + text).split("\n");
        pending.set(stream, lines.pop()!);
        for (const l of lines) line(checkout, stream, l);
      },
    });
    for (const [stream, rest] of pending) if (rest) line!(checkout, stream, rest);
    if (notFound) {
      const message = `${program}: not found`;
      if (line) line(checkout, "stderr", message);
      else output += `${message}\n`;
    }
    finished[i] = () => options.output.done?.(checkout, output, code);
    show();
    return { name: checkout.name, path: checkout.path, code };
  });
}

function notPermitted(program: string, command: readonly string[]): HpmInputError {
  const typed = command.map((a) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`
  )
    .join(" ");
  return new HpmInputError(
    "not-permitted",
    `hpm may not start \`${program}\`: Deno lets it run only uv and git (--allow-run=uv,git); ` +
      "nothing was run",
    undefined,
    `run it through uv (\`hpm foreach -- uv run --no-project ${typed}\`), or start hpm with ` +
      "Deno's --allow-run (`deno run --allow-read --allow-write --allow-run --allow-env " +
      `--allow-sys=uid --allow-net jsr:@hpm/cli/cli foreach -- ${typed}\`)`,
  );
}

/** `hpm foreach`'s command line. */
export type ForeachFlags = GlobalFlags & {
  readonly command: readonly string[];
  readonly group?: string;
  readonly dirty?: boolean;
  readonly jobs?: string;
  readonly prefix?: boolean;
};

/**
 * `hpm foreach`: each checkout's output under its name (with `--prefix`, each
 * line after it), then which failed; exit 1 if any did. Ctrl-C stops the
 * programs still running.
 *
 * @param flags the command line
 * @param io where output goes
 */
export async function foreachCommand(flags: ForeachFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const interrupts = new Interrupts();
  interrupts.listen();
  const where = (c: Checkout) => relative(Deno.cwd(), c.path) || ".";
  let outcomes: ForeachOutcome[];
  try {
    outcomes = await foreach({
      ...context,
      command: flags.command,
      group: flags.group,
      dirty: flags.dirty,
      jobs: flags.jobs === undefined ? undefined : Number(flags.jobs),
      signal: interrupts.abort.signal,
      output: flags.prefix
        ? {
          line: (c, stream, text) => (stream === "stdout" ? io.out : io.err)(`${c.name}: ${text}`),
        }
        : {
          done: (c, output, code) => {
            io.out(`── ${c.name} (${where(c)})${code === 0 ? "" : ` · exit ${code}`}`);
            if (output) io.out(output.replace(/\n$/, ""));
          },
        },
    });
  } finally {
    interrupts.close();
  }
  const { caught } = interrupts;
  if (caught) {
    throw Object.assign(new InterruptedError(caught, false), {
      message: `interrupted by ${caught}; the programs still running were stopped`,
    });
  }
  const failed = outcomes.filter((o) => o.code !== 0);
  if (!outcomes.length) {
    context.log(
      flags.dirty
        ? "no dev checkout has uncommitted changes: nothing was run"
        : "no dev checkout is on disk: nothing was run (`hpm clone` makes them)",
    );
  } else if (failed.length) {
    throw new HpmOperationError(
      `\`${flags.command[0]}\` failed in ${failed.length} of ${outcomes.length} checkout` +
        `${outcomes.length === 1 ? "" : "s"}: ` +
        failed.map((o) => `${o.name} (exit ${o.code})`).join(", "),
      "its output is above, under each checkout's name",
    );
  } else {
    context.log(
      `ran \`${flags.command[0]}\` in ${outcomes.length} checkout${
        outcomes.length === 1 ? "" : "s"
      }`,
    );
  }
}
