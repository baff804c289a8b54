/**
 * The one place HPM starts a program the user named on its command line
 * (`hpm foreach -- CMD ARGS…`), not one of its own (uv and git, through
 * runner.ts). The program and its arguments come from the command line only,
 * never from a project or a registry; it runs as an argument array, no
 * shell, its output handed over as it comes.
 *
 * HPM is installed with Deno's `--allow-run=uv,git`, so Deno lets it start
 * only those two unless the user grants more: {@link mayRun} asks first, so
 * a refusal is said once, before anything runs.
 *
 * @module
 */

/**
 * Whether Deno lets HPM start `program` (`--allow-run`, or `uv`/`git` under
 * `--allow-run=uv,git`). Asks without prompting.
 *
 * @param program the program, as typed
 * @returns whether it is granted
 */
export function mayRun(program: string): boolean {
  return Deno.permissions.querySync({ name: "run", command: program }).state === "granted";
}

/** One run of a user's program. */
export interface UserRun {
  /** The program and its arguments, as typed. */
  readonly argv: readonly [string, ...string[]];
  /** The folder it runs in. */
  readonly cwd: string;
  /** Stops it (SIGTERM). */
  readonly signal?: AbortSignal;
  /** Each piece of its output, decoded, in the order each stream gives it. */
  readonly onOutput: (stream: "stdout" | "stderr", text: string) => void;
}

/**
 * Run a program the user named, stdin closed, its stdout and stderr passed
 * to `onOutput` as they come.
 *
 * @param run what to run, where, and where its output goes
 * @returns its exit code (128 + the signal when killed; 127 when not found,
 *   with `notFound`)
 */
export async function runUserProgram(
  run: UserRun,
): Promise<{ readonly code: number; readonly notFound?: true }> {
  const [program, ...args] = run.argv;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      cwd: run.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: run.signal,
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { code: 127, notFound: true };
    throw e;
  }
  const pump = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) run.onOutput(name, decoder.decode(chunk, { stream: true }));
    const rest = decoder.decode();
    if (rest) run.onOutput(name, rest);
  };
  const [, , status] = await Promise.all([
    pump(child.stdout, "stdout"),
    pump(child.stderr, "stderr"),
    child.status,
  ]);
  // Deno gives a program a signal ended 128 + the signal's number, as shells do.
  return { code: status.code };
}
