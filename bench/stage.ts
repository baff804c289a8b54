// deno-lint-ignore-file no-console
/**
 * `deno run -A bench/stage.ts`: committing a change in prod form while working
 * in dev, on a project with two plugin repositories, two ways (median of
 * paired rounds, the order alternating, each run committing a fresh change):
 *
 * - `hpm stage` + `git commit` (the environment stays in dev);
 * - `hpm sync --mode prod` + `git add` + `git commit` + `hpm sync` (switch
 *   to prod, commit, switch back: uv reinstalls every plugin twice).
 *
 * Prints the median times and the median of the per-round ratios; `hpm stage` is expected to be ≥ 3× faster.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { git, makeTempRoot, run } from "../tests/_fixtures.ts";
import { devCheckoutOfProdCommit, setCoreVersion } from "../tests/_project.ts";
import { type Contender, median, medianOf, sample, uvBinary } from "./_measure.ts";

const RUNS = Number(Deno.env.get("HPM_BENCH_RUNS") ?? 9);
const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

// uv's binary, not pyenv's shim, first on PATH as in bench/main.ts: the
// interpreter HPM gives uv in its scratch copy is the first python3 there,
// and a shim (a shell script) would add its own start to every stage.
const uvPath = await uvBinary();
if (uvPath) Deno.env.set("PATH", `${dirname(uvPath)}:${Deno.env.get("PATH") ?? ""}`);

const root = await makeTempRoot();
try {
  // HPM's per-user state and cache in the run's own folder, not the user's.
  const env: Record<string, string> = {
    HPM_STATE_DIR: join(root, "state"),
    HPM_CACHE_DIR: join(root, "cache"),
    ...(uvPath ? { HPM_UV: uvPath } : {}),
  };
  const { dir } = await devCheckoutOfProdCommit(root, ["rag4code-qdrant", "rag4code-chroma"], env);
  const hpm = async (...args: string[]) => {
    const r = await run(Deno.execPath(), ["run", "-A", CLI, "-q", ...args], {
      cwd: dir,
      env,
    });
    if (r.code !== 0) throw new Error(`hpm ${args.join(" ")}: ${r.stderr}`);
  };
  const commit = (message: string) => git(["commit", "--quiet", "-m", message], { cwd: dir });
  let change = 0;
  // Each run commits a real change the user made in dev: a new version.
  const edit = () => setCoreVersion(dir, `1.0.${++change}`);

  const ways: Record<string, () => Promise<unknown>> = {
    "hpm stage + git commit": async () => {
      await hpm("stage");
      await commit("staged");
    },
    "sync prod + commit + sync dev": async () => {
      await hpm("sync", "--mode", "prod");
      await git(["add", "pyproject.toml", "uv.lock"], { cwd: dir });
      await commit("switched");
      await hpm("sync");
    },
  };
  // Warm-up: caches, and the first lock of each form.
  for (const way of Object.values(ways)) {
    await edit();
    await way();
  }
  // Paired rounds, the order alternating (bench/_measure.ts): a busy machine
  // slows both ways of a round alike; the ratio is the median of the rounds' ratios.
  const samples = await sample(
    Object.fromEntries(
      Object.entries(ways).map(([name, way]) => [name, { reset: edit, work: way }]),
    ) as Record<keyof typeof ways, Contender>,
    RUNS,
  );
  const [stageWay, switchWay] = Object.keys(ways);
  const ratio = medianOf(samples, (at) => at(switchWay) / at(stageWay));
  console.log(`median of ${RUNS} paired rounds, milliseconds; uv: ${uvPath ?? "uv on PATH"}\n`);
  console.log("| commit a change in prod form | ms |\n| --- | ---: |");
  for (const [name, times] of Object.entries(samples)) {
    console.log(`| ${name} | ${median(times).toFixed(0)} |`);
  }
  console.log(
    `\nhpm stage is ${ratio.toFixed(1)}× faster than switching modes (median of per-round ratios)`,
  );
} finally {
  await Deno.remove(root, { recursive: true });
}
