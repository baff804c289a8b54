// deno-lint-ignore-file no-console
/**
 * `deno task bench`: whole `hpm` runs timed beside the floor (an empty
 * `deno run`), bare uv, a hand edit plus uv, and mxdev doing the same job,
 * each figure a paired ratio (see `_measure.ts`). Writes the measured section
 * of docs/benchmarks.md. Not part of `deno task test`: it asserts nothing
 * about time, it reports.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempRoot, run } from "../tests/_fixtures.ts";
import { devCheckoutOfProdCommit } from "../tests/_project.ts";
import {
  command,
  type Contender,
  median,
  medianOf,
  peakMemory,
  sample,
  uvBinary,
} from "./_measure.ts";
import { transpiledCli } from "./_transpiled.ts";
import {
  gitProject,
  HATCHLING,
  indexProject,
  installMxdev,
  plainProject,
  teamProject,
  twinProjects,
} from "./_projects.ts";

// Every uv of the run (the bench's own, HPM's, mxdev's comparison) is the
// binary, not a shim in front of it (see uvBinary).
const UV = await uvBinary();
if (UV) Deno.env.set("PATH", `${dirname(UV)}:${Deno.env.get("PATH") ?? ""}`);
const ROUNDS = Math.max(7, Number(Deno.env.get("HPM_BENCH_RUNS") ?? 7));
// The start-up, no-op and from-record rows take well under a second a round,
// and their differences are milliseconds beside uv's and the machine's own
// jitter: they get three times the rounds, so their medians move less from
// run to run.
const QUICK_ROUNDS = 3 * ROUNDS;
// uv's own no-op varies by tens of milliseconds from run to run, more than
// the row beside it measures: the no-op `sync` row gets three times more.
const NOOP_ROUNDS = 3 * QUICK_ROUNDS;
const REPO = fileURLToPath(new URL("..", import.meta.url));
const DOC = join(REPO, "docs", "benchmarks.md");
// HPM's per-user folders for this run only, removed at its end: the state
// (fingerprints, journals, locks, notices) and the cache (the team rows'
// fetched registry), neither of them the user's own.
const STATE = await Deno.makeTempDir({ prefix: "hpm-bench-state-" });
const CACHE = await Deno.makeTempDir({ prefix: "hpm-bench-cache-" });
const BASE_ENV = { NO_COLOR: "1", HPM_STATE_DIR: STATE, HPM_CACHE_DIR: CACHE };
// A project's fingerprint (its records).
const recordOf = (dir: string) =>
  join(STATE, "fingerprints", `${encodeURIComponent(Deno.realPathSync(dir))}.jsonl`);
// Forget a project's fingerprint, as any change of an input would.
const forget = (dir: string) => Deno.remove(recordOf(dir)).catch(() => {});
// The same read-only command from the project's record and planned anew. A
// command that plans does not write the record back: the runs from the
// record put it back first.
async function fromRecordAndPlanned(dir: string, work: () => Promise<void>) {
  const kept = await Deno.readFile(recordOf(dir));
  const putBack = () => Deno.writeFile(recordOf(dir), kept, { mode: 0o600 });
  return {
    contenders: { fast: { reset: putBack, work }, planned: { reset: () => forget(dir), work } },
    done: putBack,
  };
}
// The twins' prod is a wheel in a find-links folder: uv never asks an index.
const OFFLINE = { UV_OFFLINE: "1" };

interface Row {
  readonly operation: string;
  readonly measured: string;
  readonly goal: string;
  readonly met?: boolean;
}

const rows: Row[] = [];
const memory: [string, number][] = [];
const ms = (n: number) => `${n.toFixed(0)} ms`;
const times = (n: number) => `${n.toFixed(2)}×`;
const progress = (what: string) => console.error(`bench: ${what}`);

// `deno run` of an `hpm` entry point: the source (cli.ts), unless another is given.
const hpmArgs = (args: string[], cli = join(REPO, "cli.ts")) => [
  "run",
  "-A",
  "--quiet",
  cli,
  "-q",
  ...args,
];
const hpmFrom =
  (cli?: string) => (dir: string, env: Record<string, string> = {}) => (...args: string[]) =>
    command(Deno.execPath(), hpmArgs(args, cli), { cwd: dir, env: { ...BASE_ENV, ...env } });
const hpm = hpmFrom();
const uv = (dir: string, env: Record<string, string> = {}) => (...args: string[]) =>
  command("uv", ["--quiet", ...args], { cwd: dir, env: { ...BASE_ENV, ...env } });
const floor = (dir: string) =>
  command(Deno.execPath(), ["run", "-A", "--quiet", join(REPO, "bench", "empty.ts")], {
    cwd: dir,
    env: BASE_ENV,
  });
const serially = (...steps: (() => Promise<void>)[]) => async () => {
  for (const step of steps) await step();
};
const writer = (file: string, text: string) => () => Deno.writeTextFile(file, text);
// A hand edit is a process too (a `sed`, a copy): it pays its own start-up.
const copy = (from: string, to: string) => command("cp", [from, to], { cwd: REPO });

/** The pyproject.toml text after `hpm sync --mode MODE` (with `extra` flags). */
async function textFor(dir: string, mode: string, env = {}, ...extra: string[]): Promise<string> {
  await hpm(dir, env)("sync", "--mode", mode, ...extra)();
  return await Deno.readTextFile(join(dir, "pyproject.toml"));
}

/** `uv pip freeze` with the project folder taken out, to compare twin environments. */
async function freeze(dir: string): Promise<string> {
  const r = await run("uv", ["pip", "freeze"], { cwd: dir, env: OFFLINE });
  return r.stdout.replaceAll(dir, "<project>");
}

// `transpiled`: the same work from HPM's modules transpiled ahead of time, on a row of its own.
async function vsFloor(
  operation: string,
  dir: string,
  work: () => Promise<void>,
  transpiled?: () => Promise<void>,
) {
  const contenders: Record<string, Contender> = { floor: { work: floor(dir) }, hpm: { work } };
  if (transpiled) contenders.transpiled = { work: transpiled };
  const s = await sample(contenders, QUICK_ROUNDS);
  const ratio = medianOf(s, (at) => at("hpm") / at("floor"));
  rows.push({
    operation,
    measured: `${ms(median(s.hpm))}: ${times(ratio)} floor`,
    goal: "≤ 1.5× floor",
    met: ratio <= 1.5,
  });
  if (transpiled) {
    rows.push({
      operation: "the same, HPM's modules transpiled to JavaScript ahead of time, " +
        "as `deno compile` embeds them (bench/_transpiled.ts)",
      measured: `${ms(median(s.transpiled))}: ${
        times(medianOf(s, (at) => at("transpiled") / at("floor")))
      } floor`,
      goal: "—",
    });
  }
  return s;
}

const root = await makeTempRoot();
// How far away the package index of the index row answers from.
const INDEX_LATENCY_MS = 50;
let served: { close(): Promise<void> } | undefined;
try {
  progress("building projects (real git repositories, wheels, mxdev from PyPI)…");
  const r2 = await gitProject(join(root, "r2"), 2);
  const r20 = await gitProject(join(root, "r20"), 20);
  const p20 = await plainProject(join(root, "p20"), 20, 200);
  const p20big = await plainProject(join(root, "p20big"), 20, 2000);
  const p200 = await plainProject(join(root, "p200"), 200, 200);
  const w5 = await twinProjects(join(root, "w5"), 5);
  const w20 = await twinProjects(join(root, "w20"), 20);
  const w5h = await twinProjects(join(root, "w5h"), 5, HATCHLING);
  const w20h = await twinProjects(join(root, "w20h"), 20, HATCHLING);
  const t5 = await teamProject(join(root, "t5"), 5);
  const i5 = await indexProject(join(root, "i5"), 5, INDEX_LATENCY_MS);
  served = i5.index;
  const mxdev = await installMxdev(root);
  // Dev in the working tree, prod committed: where `hpm check --staged` runs.
  const { dir: committed } = await devCheckoutOfProdCommit(
    join(root, "committed"),
    ["plug-a", "plug-b"],
    BASE_ENV,
  );

  progress("warming up: every project synced in both modes, uv's cache filled…");
  const texts = new Map<string, { dev: string; prod: string }>();
  for (const dir of [r2, r20, i5.dir]) {
    const prod = await textFor(dir, "prod");
    texts.set(dir, { prod, dev: await textFor(dir, "dev") });
  }
  for (const dir of [p20, p20big, p200]) {
    const prod = await textFor(dir, "prod", {}, "--no-install");
    texts.set(dir, { prod, dev: await textFor(dir, "dev", {}, "--no-install") });
  }
  for (const twin of [w5, w20, w5h, w20h]) {
    const prod = await textFor(twin.hpm, "prod", OFFLINE);
    const hpmProd = await freeze(twin.hpm);
    texts.set(twin.hpm, { prod, dev: await textFor(twin.hpm, "dev", OFFLINE) });
    const hpmDev = await freeze(twin.hpm);
    for (const mode of ["prod", "dev"] as const) {
      await Deno.writeTextFile(join(twin.hpm, `${mode}.toml`), texts.get(twin.hpm)![mode]);
    }
    if (!mxdev) continue;
    const mx = twin.mxdev;
    await command(mxdev, ["-n", "-s", "-c", "mx-prod.ini"], { cwd: mx, env: OFFLINE })();
    await uv(mx, OFFLINE)("sync")();
    const mxProd = await freeze(mx);
    await command(mxdev, ["-n", "-s", "-c", "mx-dev.ini"], { cwd: mx, env: OFFLINE })();
    await uv(mx, OFFLINE)("sync")();
    const mxDev = await freeze(mx);
    texts.set(mx, { dev: await Deno.readTextFile(join(mx, "pyproject.toml")), prod: "" });
    if (hpmProd !== mxProd || hpmDev !== mxDev) {
      throw new Error(
        `not equal work: HPM and mxdev environments differ\n${hpmProd}\n${mxProd}\n${hpmDev}\n${mxDev}`,
      );
    }
  }
  for (const dir of [r2, r20, p20, p20big, p200, i5.dir]) {
    for (const mode of ["prod", "dev"] as const) {
      await Deno.writeTextFile(join(dir, `${mode}.toml`), texts.get(dir)![mode]);
    }
  }

  progress("start-up and no-ops…");
  // HPM as `deno compile` embeds it: its modules transpiled ahead of time.
  const hpmJs = hpmFrom(await transpiledCli(REPO, await Deno.makeTempDir({ dir: root })));
  const startup = await vsFloor(
    "`hpm --version`",
    r2,
    hpm(r2)("--version"),
    hpmJs(r2)("--version"),
  );
  rows.unshift({
    operation: "empty `deno run` (the floor)",
    measured: ms(median(startup.floor)),
    goal: "—",
  });
  await vsFloor(
    "`hpm sync --no-install`, nothing to change, 20 plugins",
    r20,
    hpm(r20)("sync", "--no-install"),
    hpmJs(r20)("sync", "--no-install"),
  );
  {
    const wrapper = command(
      Deno.execPath(),
      ["run", "-A", "--quiet", join(REPO, "bench", "locked_uv.ts"), join(STATE, "bench.lock")],
      { cwd: r2, env: BASE_ENV },
    );
    const s = await sample({
      floor: { work: floor(r2) },
      hpm: { work: hpm(r2)("sync") },
      uv: { work: uv(r2)("sync") },
      wrapper: { work: wrapper },
    }, NOOP_ROUNDS);
    const extra = medianOf(s, (at) => (at("hpm") - at("uv")) / at("floor"));
    const least = medianOf(s, (at) => (at("wrapper") - at("uv")) / at("floor"));
    rows.push({
      operation: "`hpm sync`, nothing to change, 2 plugins, vs `uv sync`",
      measured: `${ms(median(s.hpm))} vs ${ms(median(s.uv))}: uv + ${times(extra)} floor`,
      goal: "≤ uv + 1.5× floor",
      met: extra <= 1.5,
    });
    rows.push({
      operation:
        "the least a Deno program running `uv sync` under a lock costs (bench/locked_uv.ts)",
      measured: `${ms(median(s.wrapper))}: uv + ${times(least)} floor`,
      goal: "—",
    });
  }
  await vsFloor(
    "`hpm check --pyproject-only`, in sync, 20 plugins",
    r20,
    hpm(r20)("check", "--pyproject-only"),
  );
  {
    const { contenders, done } = await fromRecordAndPlanned(r20, hpm(r20)("check"));
    const s = await sample({ uv: { work: uv(r20)("lock", "--check") }, ...contenders }, ROUNDS);
    await done();
    for (const [how, name] of [["from its record", "fast"], ["planned anew", "planned"]] as const) {
      rows.push({
        operation:
          `\`hpm check\` (pyproject.toml and uv.lock), 20 plugins, ${how}, vs \`uv lock --check\``,
        measured: `${ms(median(s[name]))} vs ${ms(median(s.uv))}: ${
          times(medianOf(s, (at) => at(name) / at("uv")))
        }`,
        goal: "—",
      });
    }
  }
  {
    const gitLoop = command(
      "sh",
      ["-c", 'for d in packages/*; do git -C "$d" status --porcelain --branch >/dev/null; done'],
      { cwd: r20 },
    );
    const s = await sample({
      floor: { work: floor(r20) },
      hpm: { work: hpm(r20)("status") },
      git: { work: gitLoop },
    }, ROUNDS);
    rows.push({
      operation: "`hpm status`, 20 clones, vs `git status` in each clone",
      measured: `${ms(median(s.hpm))} vs ${ms(median(s.git))}: ${
        times(medianOf(s, (at) => at("hpm") / at("git")))
      } (${times(medianOf(s, (at) => at("hpm") / at("floor")))} floor)`,
      goal: "—",
    });
  }

  {
    // The pre-commit hook's check: dev in the working tree, prod committed and staged.
    const { contenders, done } = await fromRecordAndPlanned(
      committed,
      hpm(committed)("check", "--staged"),
    );
    const s = await sample(contenders, QUICK_ROUNDS);
    await done();
    rows.push({
      operation: "`hpm check --staged` (the pre-commit hook), 2 plugins, from the committed " +
        "mode's record vs planned anew",
      measured: `${ms(median(s.fast))} vs ${ms(median(s.planned))}: ${
        times(medianOf(s, (at) => at("fast") / at("planned")))
      }`,
      goal: "—",
    });
  }

  progress("scaling: registry size, plugin count…");
  // A switch back to a mode synced before is answered from its record (fast);
  // with the record gone, as after any change of an input, it is planned anew.
  const fileSwitch = (dir: string, planned: boolean): Contender => ({
    reset: async () => {
      await Deno.writeTextFile(join(dir, "pyproject.toml"), texts.get(dir)!.dev);
      if (planned) await forget(dir);
    },
    work: hpm(dir)("sync", "--no-install", "--mode", "prod"),
  });
  for (const planned of [false, true]) {
    const how = planned ? "planned anew" : "from its record";
    const s = await sample({
      floor: { work: floor(p20) },
      small: fileSwitch(p20, planned),
      big: fileSwitch(p20big, planned),
      many: fileSwitch(p200, planned),
    }, planned ? ROUNDS : QUICK_ROUNDS);
    rows.push({
      operation: `\`--no-install\` switch dev → prod, 20 plugins, ${how}`,
      measured: `${ms(median(s.small))}: ${
        times(medianOf(s, (at) => at("small") / at("floor")))
      } floor`,
      goal: "—",
    });
    const bigger = medianOf(s, (at) => at("big") / at("small"));
    rows.push({
      operation: `registry of 2,000 entries vs 200 (20 plugins, that switch ${how})`,
      measured: `${ms(median(s.big))} vs ${ms(median(s.small))}: ${times(bigger)}`,
      goal: "≤ 1.1×",
      met: bigger <= 1.1,
    });
    const more = medianOf(s, (at) => at("many") / at("small"));
    rows.push({
      operation: `200 plugins vs 20 (that switch ${how})`,
      measured: `${ms(median(s.many))} vs ${ms(median(s.small))}: ${times(more)}`,
      goal: "≤ 3×",
      met: more <= 3,
    });
  }

  progress("switches with uv: HPM's share and uv's share…");
  // prod → dev from dev's record, or planned anew once the record is gone.
  for (const planned of [false, true]) {
    const backToProd = serially(
      hpm(r20)("sync", "--mode", "prod"),
      () => planned ? forget(r20) : Promise.resolve(),
    );
    const pyproject = join(r20, "pyproject.toml");
    const s = await sample({
      floor: { work: floor(r20) },
      hpm: { reset: backToProd, work: hpm(r20)("sync", "--mode", "dev") },
      hand: {
        reset: backToProd,
        work: serially(copy(join(r20, "dev.toml"), pyproject), uv(r20)("sync")),
      },
    }, ROUNDS);
    const share = medianOf(s, (at) => at("hpm") - at("hand"));
    rows.push({
      operation: `switch prod → dev, 20 plugins, ${
        planned ? "planned anew" : "from its record"
      }: uv's share and HPM's`,
      measured: `${ms(median(s.hpm))} = uv ${ms(median(s.hand))} + HPM ${ms(share)} (${
        times(medianOf(s, (at) => (at("hpm") - at("hand")) / at("floor")))
      } floor)`,
      goal: "—",
    });
  }
  await hpm(r20)("sync", "--mode", "dev")();

  const cycles = [[5, w5, "uv_build"], [20, w20, "uv_build"], [5, w5h, "hatchling"], [
    20,
    w20h,
    "hatchling",
  ]] as const;
  for (const [count, twin, backend] of cycles) {
    progress(`dev → prod → dev cycles, ${count} plugins, core built by ${backend}…`);
    const dir = twin.hpm;
    const pyproject = join(dir, "pyproject.toml");
    const contenders: Record<string, Contender> = {
      hpm: {
        work: serially(
          hpm(dir, OFFLINE)("sync", "--mode", "prod"),
          hpm(dir, OFFLINE)("sync", "--mode", "dev"),
        ),
      },
      hand: {
        work: serially(
          copy(join(dir, "prod.toml"), pyproject),
          uv(dir, OFFLINE)("sync"),
          copy(join(dir, "dev.toml"), pyproject),
          uv(dir, OFFLINE)("sync"),
        ),
      },
    };
    if (mxdev) {
      const mx = (ini: string) =>
        command(mxdev, ["-n", "-s", "-c", ini], { cwd: twin.mxdev, env: OFFLINE });
      contenders.mxdev = {
        work: serially(
          mx("mx-prod.ini"),
          uv(twin.mxdev, OFFLINE)("sync"),
          mx("mx-dev.ini"),
          uv(twin.mxdev, OFFLINE)("sync"),
        ),
      };
    }
    // HPM's share is a few percent of a cycle, and the builds' own jitter
    // (hatchling's 1–3 s on this machine) moved the ratio of seven rounds by
    // ±10% from run to run: the cycles get the quick rows' count.
    const s = await sample(contenders, QUICK_ROUNDS);
    const vsHand = medianOf(s, (at) => at("hpm") / at("hand"));
    if (mxdev) {
      const vsMx = medianOf(s, (at) => at("hpm") / at("mxdev"));
      rows.push({
        operation:
          `dev → prod → dev cycle, ${count} plugins, core built by ${backend}, vs mxdev + \`uv sync\``,
        measured: `${ms(median(s.hpm))} vs ${ms(median(s.mxdev))}: ${times(vsMx)}`,
        goal: "< 1×",
        met: vsMx < 1,
      });
    }
    rows.push({
      operation: `the same, ${count} plugins, vs a hand edit (\`cp\`) + \`uv sync\``,
      measured: `${ms(median(s.hpm))} vs ${ms(median(s.hand))}: ${times(vsHand)}`,
      goal: "≤ 1.05×",
      met: vsHand <= 1.05,
    });
  }

  // What each mode's own uv.lock saves: a hand edit makes uv resolve anew,
  // asking the index again; from the record, uv checks the mode's lock.
  progress(`dev → prod → dev cycles, prod from an index ${INDEX_LATENCY_MS} ms away…`);
  {
    const pyproject = join(i5.dir, "pyproject.toml");
    const s = await sample({
      hpm: {
        work: serially(hpm(i5.dir)("sync", "--mode", "prod"), hpm(i5.dir)("sync", "--mode", "dev")),
      },
      hand: {
        work: serially(
          copy(join(i5.dir, "prod.toml"), pyproject),
          uv(i5.dir)("sync"),
          copy(join(i5.dir, "dev.toml"), pyproject),
          uv(i5.dir)("sync"),
        ),
      },
    }, QUICK_ROUNDS);
    rows.push({
      operation:
        `dev → prod → dev cycle, 5 plugins, prod from a package index ${INDEX_LATENCY_MS} ms ` +
        "away whose pages ask for revalidation, vs a hand edit (`cp`) + `uv sync`",
      measured: `${ms(median(s.hpm))} vs ${ms(median(s.hand))}: ${
        times(medianOf(s, (at) => at("hpm") / at("hand")))
      }`,
      goal: "—",
    });
  }

  // A team's registry in git, plugins released by git tags: each switch
  // answered from its record (the registry read at the commit pyproject.toml
  // records), each mode's uv.lock put back; by hand, the two files copied in.
  progress("dev → prod → dev cycles, a git team registry…");
  {
    const files = ["pyproject.toml", "uv.lock"];
    const saved: Record<string, string> = {};
    for (const mode of ["prod", "dev", "prod", "dev"]) {
      await hpm(t5)("sync", "--mode", mode)();
      for (const file of files) saved[`${mode}.${file}`] = join(t5, `${mode}.${file}`);
      for (const file of files) await Deno.copyFile(join(t5, file), saved[`${mode}.${file}`]);
    }
    const byHand = (mode: string) =>
      serially(
        ...files.map((file) => copy(saved[`${mode}.${file}`], join(t5, file))),
        uv(t5)("sync"),
      );
    const s = await sample({
      hpm: { work: serially(hpm(t5)("sync", "--mode", "prod"), hpm(t5)("sync", "--mode", "dev")) },
      hand: { work: serially(byHand("prod"), byHand("dev")) },
    }, QUICK_ROUNDS);
    const ratio = medianOf(s, (at) => at("hpm") / at("hand"));
    rows.push({
      operation: "dev → prod → dev cycle, 5 plugins released by git tags, the registry a team's " +
        "git repository, vs copying pyproject.toml and uv.lock in (`cp`) + `uv sync`",
      measured: `${ms(median(s.hpm))} vs ${ms(median(s.hand))}: ${times(ratio)}`,
      goal: "≤ 1.5×",
      met: ratio <= 1.5,
    });
  }

  if (mxdev) {
    progress("file edit only…");
    const s = await sample({
      hpm: {
        reset: writer(join(w20.hpm, "pyproject.toml"), texts.get(w20.hpm)!.dev),
        work: hpm(w20.hpm, OFFLINE)("sync", "--no-install", "--mode", "prod"),
      },
      mxdev: {
        reset: writer(join(w20.mxdev, "pyproject.toml"), texts.get(w20.mxdev)!.dev),
        work: command(mxdev, ["-n", "-s", "-c", "mx-prod.ini"], { cwd: w20.mxdev }),
      },
    }, ROUNDS);
    const ratio = medianOf(s, (at) => at("hpm") / at("mxdev"));
    rows.push({
      operation: "file edit only, 20 plugins: `hpm sync --no-install` vs mxdev's edit",
      measured: `${ms(median(s.hpm))} vs ${ms(median(s.mxdev))}: ${times(ratio)}`,
      goal: "< 1×",
      met: ratio < 1,
    });
  }

  progress("peak memory…");
  const peak = async (
    what: string,
    program: string,
    args: string[],
    cwd: string,
    before?: () => Promise<void>,
  ) => {
    const values = [];
    for (let i = 0; i < 3; i++) {
      await before?.();
      values.push(await peakMemory(program, args, { cwd, env: BASE_ENV }));
    }
    memory.push([what, median(values)]);
  };
  await peak("`hpm --version`", Deno.execPath(), hpmArgs(["--version"]), r2);
  await peak(
    "`hpm sync --no-install`, nothing to change, 20 plugins",
    Deno.execPath(),
    hpmArgs(["sync", "--no-install"]),
    r20,
  );
  await peak(
    "`hpm check --pyproject-only`, 20 plugins",
    Deno.execPath(),
    hpmArgs(["check", "--pyproject-only"]),
    r20,
  );
  await peak(
    "`hpm sync --no-install --mode prod`, 200 plugins",
    Deno.execPath(),
    hpmArgs(["sync", "--no-install", "--mode", "prod"]),
    p200,
    writer(join(p200, "pyproject.toml"), texts.get(p200)!.dev),
  );
  await peak("`uv sync`, nothing to change, 20 plugins", "uv", ["sync", "--quiet"], r20);
  if (mxdev) {
    await peak("mxdev's edit, 20 plugins", mxdev, ["-n", "-s", "-c", "mx-prod.ini"], w20.mxdev);
  }

  const versions = await Promise.all([
    run("uv", ["--version"], { cwd: root }),
    run("nproc", [], { cwd: root }),
  ]);
  const table = [
    `Measured ${
      new Date().toISOString().slice(0, 16).replace("T", " ")
    } UTC by \`deno task bench\`: ` +
    `Deno ${Deno.version.deno}, ${versions[0].stdout.trim()}${
      UV ? " (its binary, not pyenv's shim)" : ""
    }, ${versions[1].stdout.trim()} cores, ` +
    `median of ${ROUNDS} rounds (${QUICK_ROUNDS} for the start-up, no-op, from-record and cycle rows, ${NOOP_ROUNDS} for the no-op \`sync\` beside uv)${
      mxdev ? ", mxdev 5.4.1 (uv mode)" : ", mxdev unavailable (no PyPI)"
    }.`,
    "",
    "| operation | measured | goal | met |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.operation} | ${r.measured} | ${r.goal} | ${
        r.met === undefined ? "" : r.met ? "yes" : "**no**"
      } |`
    ),
    "",
    "Peak memory (largest process of the run, resident):",
    "",
    "| run | MiB |",
    "| --- | ---: |",
    ...memory.map(([what, mib]) => `| ${what} | ${mib.toFixed(0)} |`),
  ].join("\n");
  console.log(table);
  const doc = await Deno.readTextFile(DOC);
  const begin = "<!-- bench:begin -->";
  const end = "<!-- bench:end -->";
  const at = doc.indexOf(begin);
  const until = doc.indexOf(end);
  if (at < 0 || until < at) throw new Error(`${DOC} has no ${begin} … ${end} section`);
  await Deno.writeTextFile(
    DOC,
    `${doc.slice(0, at + begin.length)}\n${table}\n${doc.slice(until)}`,
  );
  // The table's columns are padded by deno fmt, as deno task check expects.
  const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", DOC] }).output();
  if (!fmt.success) {
    throw new Error(`deno fmt ${DOC} failed: ${new TextDecoder().decode(fmt.stderr)}`);
  }
  progress(`wrote ${DOC}`);
} finally {
  await served?.close();
  await Deno.remove(root, { recursive: true });
  await Deno.remove(STATE, { recursive: true });
  await Deno.remove(CACHE, { recursive: true });
}
