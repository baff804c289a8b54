// deno-lint-ignore-file no-console
/**
 * `deno task bench`: whole `hpm` runs timed beside bare `uv`, on a project
 * with two plugin repositories, reported as ratios (median of several runs).
 * What HPM adds on top of uv is its own start-up, reading and planning; the
 * ratios show whether that stays small next to uv's work.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempRoot, run, type RunResult } from "../tests/_fixtures.ts";
import { makeProject } from "../tests/_project.ts";

const RUNS = Number(Deno.env.get("HPM_BENCH_RUNS") ?? 7);
const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

async function timed(fn: () => Promise<RunResult>): Promise<number> {
  const start = performance.now();
  const r = await fn();
  if (r.code !== 0) throw new Error(r.stderr);
  return performance.now() - start;
}

async function median(fn: () => Promise<RunResult>, before?: () => Promise<void>): Promise<number> {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    await before?.();
    times.push(await timed(fn));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const root = await makeTempRoot();
try {
  const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }, {
    name: "rag4code-chroma",
  }]);
  const hpm = (...args: string[]) => () =>
    run(Deno.execPath(), ["run", "-A", CLI, "-q", ...args], { cwd: dir });
  const uv = (...args: string[]) => () => run("uv", ["--quiet", ...args], { cwd: dir });
  const pyproject = join(dir, "pyproject.toml");

  // Warm caches and produce the two pyproject.toml states bare uv is given.
  for (const mode of ["prod", "dev"]) await hpm("sync", "--mode", mode)();
  await hpm("sync", "--mode", "prod")();
  const prodText = await Deno.readTextFile(pyproject);
  await hpm("sync", "--mode", "dev")();
  const devText = await Deno.readTextFile(pyproject);

  const rows: [string, number, number][] = [];
  rows.push(["no-op sync (already in mode)", await median(hpm("sync")), await median(uv("sync"))]);
  rows.push([
    "switch dev → prod",
    await median(
      hpm("sync", "--mode", "prod"),
      () => hpm("sync", "--mode", "dev")().then(() => {}),
    ),
    await median(uv("sync"), async () => {
      await Deno.writeTextFile(pyproject, devText);
      await uv("sync")();
      await Deno.writeTextFile(pyproject, prodText);
    }),
  ]);
  await Deno.writeTextFile(pyproject, devText);
  await uv("sync")();
  rows.push([
    "check (CI guard) vs uv lock --check",
    await median(hpm("check")),
    await median(uv("lock", "--check")),
  ]);
  rows.push([
    "--version (start-up) vs uv --version",
    await median(hpm("--version")),
    await median(uv("--version")),
  ]);

  console.log(`median of ${RUNS} runs, milliseconds\n`);
  console.log("| operation | hpm | bare uv | ratio |\n| --- | ---: | ---: | ---: |");
  for (const [name, h, u] of rows) {
    console.log(`| ${name} | ${h.toFixed(0)} | ${u.toFixed(0)} | ${(h / u).toFixed(2)}× |`);
  }
} finally {
  await Deno.remove(root, { recursive: true });
}
