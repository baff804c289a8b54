/**
 * How the benchmark measures: every figure compares commands timed in the
 * same loop, one after the other, their order rotated each round, so a busy
 * machine slows both sides of a ratio alike. A ratio is the median of the
 * per-round ratios, not a ratio of medians.
 *
 * @module
 */

import { run, type RunOptions } from "../tests/_fixtures.ts";

/** One command of a comparison: an untimed `reset` puts the project back first. */
export interface Contender {
  /** The timed work; throws when the command fails. */
  readonly work: () => Promise<void>;
  /** Untimed preparation before each timed run. */
  readonly reset?: () => Promise<void>;
}

/** Times per contender, one entry per round, rounds aligned. */
export type Samples<K extends string> = Record<K, number[]>;

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Run each contender once per round, `rounds` times, rotating the order.
 *
 * @param contenders the commands to compare, by name
 * @param rounds how many rounds
 * @returns milliseconds per contender per round
 */
export async function sample<K extends string>(
  contenders: Record<K, Contender>,
  rounds: number,
): Promise<Samples<K>> {
  const names = Object.keys(contenders) as K[];
  const out = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Samples<K>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      await contenders[name].reset?.();
      const start = performance.now();
      await contenders[name].work();
      out[name].push(performance.now() - start);
    }
  }
  return out;
}

/** The median over rounds of `f(round)`. */
export function medianOf<K extends string>(
  samples: Samples<K>,
  f: (at: (name: K) => number) => number,
): number {
  const rounds = Object.values<number[]>(samples)[0].length;
  return median(
    Array.from({ length: rounds }, (_, i) => f((name) => samples[name][i])),
  );
}

/** A command to run, throwing with its output when it fails. */
export function command(
  program: string,
  args: readonly string[],
  options: RunOptions,
): () => Promise<void> {
  return async () => {
    const r = await run(program, [...args], options);
    if (r.code !== 0) {
      throw new Error(`\`${program} ${args.join(" ")}\` exited ${r.code}\n${r.stderr}${r.stdout}`);
    }
  };
}

/**
 * The peak resident memory (MiB) of a command and its children, from the
 * kernel's accounting (GNU time's `%M`).
 */
export async function peakMemory(
  program: string,
  args: readonly string[],
  options: RunOptions,
): Promise<number> {
  const r = await run("/usr/bin/time", ["-f", "peak-kib %M", program, ...args], options);
  const m = /peak-kib (\d+)\s*$/.exec(r.stderr);
  if (r.code !== 0 || !m) throw new Error(`\`${program} ${args.join(" ")}\` failed\n${r.stderr}`);
  return Number(m[1]) / 1024;
}

/**
 * The uv binary itself when `uv` on PATH is a pyenv shim: a shell script that
 * adds about 100 ms to every start of uv, and tens of milliseconds of jitter,
 * to both sides of a comparison. The bench times HPM and uv, not the shim.
 * `HPM_UV` set by the caller wins; undefined means uv on PATH as it is.
 */
export async function uvBinary(): Promise<string | undefined> {
  if (Deno.env.get("HPM_UV")) return Deno.env.get("HPM_UV");
  const shim = await run("pyenv", ["which", "uv"], { cwd: Deno.cwd() }).catch(() => undefined);
  return shim?.code === 0 ? shim.stdout.trim() : undefined;
}
