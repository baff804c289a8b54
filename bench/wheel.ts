// deno-lint-ignore-file no-console
/**
 * `deno run -A bench/wheel.ts` (part of `deno task bench`): what the wheel's
 * `hpm` costs beside `deno task install`'s, in paired rounds
 * (bench/_measure.ts): `hpm --version`, and a no-op `hpm sync --no-install`
 * of 20 plugins. The wheel is built from this checkout and installed with
 * `uv tool install`, as a user would; the goal is at most 1.3×.
 *
 * One more row shows the road not taken on Linux and macOS: the Windows
 * wheel's Python launcher (packaging/hpm_cli) run here, which starts Python
 * before Deno (docs/packaging.md).
 *
 * Prints a table; asserts nothing.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { makeTempRoot, repoRoot, run } from "../tests/_fixtures.ts";
import { DENO_PIN, hpmWheels, uvToolInstall, windowsLauncher } from "../tests/_wheels.ts";
import { command, median, medianOf, sample, uvBinary } from "./_measure.ts";
import { gitProject } from "./_projects.ts";

const ROUNDS = 3 * Math.max(7, Number(Deno.env.get("HPM_BENCH_RUNS") ?? 7));
const GOAL = 1.3;
const progress = (what: string) => console.error(`bench/wheel: ${what}`);

const UV = await uvBinary();
if (UV) Deno.env.set("PATH", `${dirname(UV)}:${Deno.env.get("PATH") ?? ""}`);

const root = await makeTempRoot();
// HPM's per-user state and cache in the run's own folder, not the user's.
const env = {
  NO_COLOR: "1",
  HPM_STATE_DIR: join(root, "state"),
  HPM_CACHE_DIR: join(root, "cache"),
  UV_PYTHON_DOWNLOADS: "never",
};
const ok = (what: string, r: { code: number; stderr: string }) => {
  if (r.code !== 0) throw new Error(`${what}: ${r.stderr}`);
};
try {
  progress("building the wheels, installing them and deno task install's hpm…");
  const { posix, windows } = await hpmWheels(join(root, "dist"));
  const tool = await uvToolInstall(root, posix);
  ok("uv tool install", tool);
  const wheel = tool.hpm;
  const denoRoot = join(root, "deno-root");
  ok(
    "deno task install",
    await run(Deno.execPath(), ["task", "install"], {
      cwd: repoRoot(),
      env: {
        DENO_INSTALL_ROOT: denoRoot,
        PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH")}`,
      },
    }),
  );
  const installed = join(denoRoot, "bin", "hpm");
  const { hpm: launcher } = await windowsLauncher(root, windows);

  const project = await gitProject(join(root, "r20"), 20);
  for (let i = 0; i < 2; i++) {
    ok("warm-up", await run(wheel, ["sync", "--no-install"], { cwd: project, env }));
  }
  const rows: string[] = [];
  for (
    const [what, args] of [
      ["`hpm --version`", ["--version"]],
      ["`hpm sync --no-install`, nothing to change, 20 plugins", ["-q", "sync", "--no-install"]],
    ] as const
  ) {
    progress(`${what}…`);
    const s = await sample({
      installed: { work: command(installed, args, { cwd: project, env }) },
      wheel: { work: command(wheel, args, { cwd: project, env }) },
      python: {
        work: command(launcher[0], [...launcher.slice(1), ...args], { cwd: project, env }),
      },
    }, ROUNDS);
    const ratio = medianOf(s, (at) => at("wheel") / at("installed"));
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    rows.push(
      `| ${what}: the wheel's \`hpm\` (uv tool install) vs \`deno task install\`'s | ${
        ms(median(s.wheel))
      } vs ${ms(median(s.installed))}: ${ratio.toFixed(2)}× | ≤ ${GOAL}× | ${
        ratio <= GOAL ? "yes" : "**no**"
      } |`,
      `| the same through the Windows wheel's Python launcher | ${ms(median(s.python))}: ${
        medianOf(s, (at) => at("python") / at("installed")).toFixed(2)
      }× | — | |`,
    );
  }
  console.log(
    `Measured by bench/wheel.ts: Deno ${Deno.version.deno}, ${DENO_PIN} from PyPI, ` +
      `median of ${ROUNDS} paired rounds.\n`,
  );
  console.log("| operation | measured | goal | met |\n| --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
} finally {
  await Deno.remove(root, { recursive: true });
}
