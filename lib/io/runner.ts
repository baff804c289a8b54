/**
 * The seam between HPM and the programs it drives (uv, git): one function
 * type. The default spawns with `Deno.Command` (an argument array, never a
 * shell); tests pass a recording runner to see every call.
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";

/** One program invocation. */
export interface RunRequest {
  /** The program: `uv` or `git`. */
  readonly program: "uv" | "git";
  /** Its arguments; values from registries are always behind `--` or in files. */
  readonly args: readonly string[];
  /** Working directory. */
  readonly cwd: string;
  /**
   * Extra environment variables. The program is looked for as the child will
   * see its environment: `HPM_UV`/`HPM_GIT` and `PATH` here win over the
   * process's.
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Let the program write straight to the terminal (uv's and git's progress
   * shows), instead of capturing its output.
   * @default false
   */
  readonly stream?: boolean;
  /** Aborts the program (it gets SIGTERM). */
  readonly signal?: AbortSignal;
  /** Stops the program (SIGTERM) after this many milliseconds; it then fails with code 124. */
  readonly timeoutMs?: number;
  /**
   * Told the child's process id once it runs, so a journal can record it: a
   * later run must not restore files while an orphaned uv still writes them.
   */
  readonly onSpawn?: (pid: number) => void | Promise<void>;
  /**
   * The most stdout to collect: a program that writes more is stopped
   * (SIGTERM) and fails with code 125 and `tooLarge`.
   * @default DEFAULT_MAX_OUTPUT_BYTES
   */
  readonly maxOutputBytes?: number;
  /** Written to the program's stdin, which is then closed. @default stdin closed */
  readonly stdin?: Uint8Array;
}

/**
 * The most stdout a program may write unless its request says otherwise: a
 * uv.lock's limit, the largest file HPM reads through a program.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

// Only the end of stderr is kept: that is where programs say why they failed.
const MAX_STDERR_BYTES = 1024 * 1024;

/** What a program did. */
export interface RunResult {
  /** Exit code; when killed by a signal, 128 + its number (as a shell reports it). */
  readonly code: number;
  /** Captured stdout (empty when streamed). */
  readonly stdout: string;
  /** Captured stderr (empty when streamed), its last MiB at most. */
  readonly stderr: string;
  /** Set when stdout passed `maxOutputBytes`: the program was stopped, nothing is kept. */
  readonly tooLarge?: true;
  /**
   * Captured stdout as written, for output that is not text (a blob's
   * bytes); a runner that leaves it out stands for `stdout` encoded as UTF-8.
   */
  readonly stdoutBytes?: Uint8Array;
}

/** Runs a program; never throws on a non-zero exit (the caller decides). */
export type Runner = (request: RunRequest) => Promise<RunResult>;

/**
 * The program to run for `uv` or `git`: `HPM_UV` / `HPM_GIT` when set, else
 * the bare name (found on PATH). An override must be an absolute path or a
 * bare command name: a relative path would resolve against the child's
 * working folder, which may be a plugin checkout.
 *
 * @param program `uv` or `git`
 * @param env the environment (default: the process's)
 * @returns what to spawn
 * @throws {HpmInputError} `usage` for a relative override
 *
 * @example Usage
 * ```ts
 * import { programPath } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(programPath("uv", {}), "uv");
 * assert.equal(programPath("git", { HPM_GIT: "/usr/bin/git" }), "/usr/bin/git");
 * assert.throws(() => programPath("git", { HPM_GIT: "./git" }));
 * ```
 */
export function programPath(
  program: RunRequest["program"],
  env?: Readonly<Record<string, string | undefined>>,
): string {
  const name = program === "uv" ? "HPM_UV" : "HPM_GIT";
  // Without an environment given, the one variable is read, not all of them.
  const override = env ? env[name] : Deno.env.get(name);
  if (!override) return program;
  const absolute = isAbsolutePath(override);
  const bare = !/[\\/]/.test(override) && override !== "." && override !== "..";
  if (!absolute && !bare) {
    throw new HpmInputError(
      "usage",
      `${name}=${override} is a relative path`,
      undefined,
      `set ${name} to an absolute path (or a command name found on PATH)`,
    );
  }
  return override;
}

/**
 * Whether a path is absolute on POSIX or Windows (`/…`, `C:\…`, `\\server\…`).
 *
 * @param path a path
 * @returns whether it names the same file from every working folder
 */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}

/**
 * Where `uv` or `git` would be run from: `HPM_UV`/`HPM_GIT` if it is a file,
 * else the first `PATH` folder holding the program; undefined when none does.
 * Nothing is started.
 *
 * @param program `uv` or `git`
 * @param env the environment (PATH, HPM_UV, HPM_GIT)
 * @returns the program's path, if found
 * @throws {HpmInputError} `usage` for a relative override
 */
export function findProgram(
  program: RunRequest["program"],
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const path = programPath(program, env);
  if (/[\\/]/.test(path)) {
    return isFile(path) ? path : undefined;
  }
  return filesOnPath(path, env).next().value;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The files a command name finds in the `PATH` folders, in their order (each
 * folder as `PATH` spells it); on Windows also with `.exe` and `.cmd`.
 * Nothing is started.
 *
 * @param name a bare command name
 * @param env the environment (PATH)
 * @returns the files, lazily
 */
export function* filesOnPath(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): Generator<string, undefined> {
  const windows = Deno.build.os === "windows";
  const names = windows ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  for (const dir of (env.PATH ?? "").split(windows ? ";" : ":")) {
    if (!dir) continue;
    for (const file of names) {
      const candidate = `${dir.replace(/[\\/]+$/, "")}/${file}`;
      if (isFile(candidate)) yield candidate;
    }
  }
  return undefined;
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
  const timeout = request.timeoutMs === undefined
    ? undefined
    : AbortSignal.timeout(request.timeoutMs);
  const signal = timeout && request.signal
    ? AbortSignal.any([timeout, request.signal])
    : timeout ?? request.signal;
  // Deno looks the program up on the child's PATH; the override is read from
  // the child's environment too.
  const path = programPath(
    request.program,
    request.env && { ...Deno.env.toObject(), ...request.env },
  );
  const command = new Deno.Command(path, {
    args: [...request.args],
    cwd: request.cwd,
    env: request.env ? { ...request.env } : undefined,
    stdin: request.stdin ? "piped" : "null",
    stdout: request.stream ? "inherit" : "piped",
    stderr: request.stream ? "inherit" : "piped",
    signal,
  });
  let child: Deno.ChildProcess;
  try {
    child = command.spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      const variable = `HPM_${request.program.toUpperCase()}`;
      return {
        code: 127,
        stdout: "",
        stderr: path === request.program
          ? `${path}: not found on PATH (install it, or set ${variable})`
          : `${request.program}: not found at ${variable}=${path}`,
      };
    }
    throw e;
  }
  try {
    await request.onSpawn?.(child.pid);
  } catch (e) {
    // Unrecorded, the program would outlive the rollback that follows and
    // write after it: it is stopped, and waited for, first.
    stop(child, "SIGKILL");
    if (!request.stream) await Promise.all([child.stdout.cancel(), child.stderr.cancel()]);
    await child.status;
    throw e;
  }
  if (request.stdin) feed(child.stdin, request.stdin);
  const maxOutput = request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const [stdout, stderr, status] = request.stream
    ? [new Uint8Array(), new Uint8Array(), await child.status]
    : await Promise.all([
      readLimited(child.stdout, maxOutput).then((bytes) => {
        if (bytes === undefined) stop(child);
        return bytes;
      }),
      collectTail(child.stderr, MAX_STDERR_BYTES),
      child.status,
    ]);
  if (timeout?.aborted && !request.signal?.aborted) {
    return {
      code: 124,
      stdout: "",
      stderr: `${request.program} did not finish within ${
        request.timeoutMs! / 1000
      } s and was stopped`,
    };
  }
  if (stdout === undefined) {
    return {
      code: 125,
      stdout: "",
      stderr: `${request.program} wrote more than ${maxOutput} bytes of output and was stopped`,
      tooLarge: true,
    };
  }
  const decoder = new TextDecoder();
  // Deno gives a program killed by a signal 128 + its number already.
  return {
    code: status.code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
    stdoutBytes: stdout,
  };
};

// Written while the output is read (a program may answer before it has read
// everything); one that exits without reading it all is not an error here.
function feed(stdin: WritableStream<Uint8Array>, bytes: Uint8Array): void {
  const writer = stdin.getWriter();
  writer.write(bytes).then(() => writer.close()).catch(() => {});
}

/**
 * The bytes of a stream, or undefined once there are more than `limit`: what
 * was read is dropped and the rest is not read (the stream is cancelled), so
 * no more than `limit` bytes are ever held.
 *
 * @param stream a program's output, a response's body
 * @param limit the most bytes to take
 * @returns the bytes, or undefined when there are more
 */
export async function readLimited(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  // Leaving the loop early cancels the stream.
  for await (const chunk of stream) {
    length += chunk.length;
    if (length > limit) return undefined;
    chunks.push(chunk);
  }
  return concat(chunks, length);
}

// The last `limit` bytes of a stream, read to its end.
async function collectTail(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    length += chunk.length;
    while (length - chunks[0].length >= limit) length -= chunks.shift()!.length;
  }
  const all = concat(chunks, length);
  return all.length > limit ? all.subarray(all.length - limit) : all;
}

// A program whose output is no longer read, or that must not run on.
function stop(child: Deno.ChildProcess, signal: Deno.Signal = "SIGTERM") {
  try {
    child.kill(signal);
  } catch {
    // it has already ended
  }
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
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
