/**
 * The seam between HPM and the programs it drives (uv, git): one function
 * type. The default spawns with `Deno.Command` (an argument array, never a
 * shell); tests pass a recording runner to see every call.
 *
 * @module
 */

/** One program invocation. */
export interface RunRequest {
  /** The program: `uv` or `git`. */
  readonly program: "uv" | "git";
  /** Its arguments; values from registries are always behind `--` or in files. */
  readonly args: readonly string[];
  /** Working directory. */
  readonly cwd: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Let the program write straight to the terminal (uv's and git's progress
   * shows), instead of capturing its output.
   * @default false
   */
  readonly stream?: boolean;
  /** Aborts the program (it gets SIGTERM). */
  readonly signal?: AbortSignal;
  /** Stops the program (SIGTERM) after this long, e.g. a network call that hangs. */
  readonly timeoutMs?: number;
  /**
   * Told the child's process id once it runs, so a journal can record it: a
   * later run must not restore files while an orphaned uv still writes them.
   */
  readonly onSpawn?: (pid: number) => void | Promise<void>;
}

/** What a program did. */
export interface RunResult {
  /** Exit code; 128 + signal number when killed by a signal. */
  readonly code: number;
  /** Captured stdout (empty when streamed). */
  readonly stdout: string;
  /** Captured stderr (empty when streamed). */
  readonly stderr: string;
}

/** Runs a program; never throws on a non-zero exit (the caller decides). */
export type Runner = (request: RunRequest) => Promise<RunResult>;

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Where to find each program. `HPM_UV` / `HPM_GIT` let a user point HPM at a
 * particular binary without changing PATH.
 */
function executable(program: RunRequest["program"]): string {
  const override = Deno.env.get(program === "uv" ? "HPM_UV" : "HPM_GIT");
  return override || program;
}

/**
 * The default runner: `Deno.Command`, no shell.
 *
 * @param request what to run
 * @returns how it ended
 *
 * @example Usage
 * ```ts
 * import { denoRunner } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const r = await denoRunner({ program: "git", args: ["--version"], cwd: "." });
 * assert.equal(r.code, 0);
 * assert.match(r.stdout, /git version/);
 * ```
 */
export const denoRunner: Runner = async (request): Promise<RunResult> => {
  const command = new Deno.Command(executable(request.program), {
    args: [...request.args],
    cwd: request.cwd,
    env: request.env ? { ...request.env } : undefined,
    stdin: "null",
    stdout: request.stream ? "inherit" : "piped",
    stderr: request.stream ? "inherit" : "piped",
    signal: abortSignal(request),
  });
  let output: Deno.CommandOutput;
  try {
    const child = command.spawn();
    await request.onSpawn?.(child.pid);
    output = await child.output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return {
        code: 127,
        stdout: "",
        stderr:
          `${request.program}: not found on PATH (install it, or set HPM_${request.program.toUpperCase()})`,
      };
    }
    throw e;
  }
  const code = output.signal ? 128 + (SIGNALS[output.signal] ?? 0) : output.code;
  if (request.stream) return { code, stdout: "", stderr: "" };
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
};

function abortSignal(request: RunRequest): AbortSignal | undefined {
  if (request.timeoutMs === undefined) return request.signal;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  return request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
}

/** A runner that records each request; see {@link recordingRunner}. */
export interface RecordingRunner extends Runner {
  /** Every request, in order. */
  readonly calls: RunRequest[];
}

/**
 * A runner for tests: records every call and answers with `respond` (default:
 * success with no output), so tests can assert the exact argv HPM uses.
 *
 * @param respond produces each result
 * @returns the runner, with its `calls`
 *
 * @example Usage
 * ```ts
 * import { recordingRunner } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const runner = recordingRunner();
 * await runner({ program: "uv", args: ["sync"], cwd: "/p" });
 * assert.deepEqual(runner.calls.map((c) => c.args), [["sync"]]);
 * ```
 */
export function recordingRunner(
  respond: (request: RunRequest) => RunResult | Promise<RunResult> = () => ({
    code: 0,
    stdout: "",
    stderr: "",
  }),
): RecordingRunner {
  const calls: RunRequest[] = [];
  const runner = (request: RunRequest) => {
    calls.push(request);
    return Promise.resolve(respond(request));
  };
  return Object.assign(runner, { calls });
}
