/**
 * Start-up cost is what a quick command costs, so the commands that need no
 * project load no parser: the CLI is run with an import map in which the
 * heavy packages (or HPM's own modules, by URL) are modules that throw when
 * loaded. A command that touched one would fail.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, repoRoot, run, type RunResult, settle, writeFile } from "./_fixtures.ts";
import { devCheckoutOfProdCommit, hpm, setCoreVersion } from "./_project.ts";

const POISONED = ["yaml", "zod/mini", "smol-toml", "diff", "ajv"];

// What planning needs: hpm.yaml's and the registries' YAML, their schemas.
const PLANNER = ["yaml", "zod/mini", "ajv", "diff", "commander"];

/** Runs the CLI in `cwd` (default: a scratch folder) with extra environment. */
type PoisonedHpm = (
  args: string[],
  where?: { cwd?: string; env?: Record<string, string> },
) => Promise<RunResult>;

async function withPoisonedCli(
  poisoned: readonly string[],
  fn: (hpm: PoisonedHpm, root: string) => Promise<void>,
): Promise<void> {
  const root = await makeTempRoot();
  try {
    const config = JSON.parse(await Deno.readTextFile(join(repoRoot(), "deno.json")));
    const imports: Record<string, string> = { ...config.imports };
    await writeFile(join(root, "poison.ts"), 'throw new Error("a heavy module was loaded");\n');
    for (const name of poisoned) imports[name] = "./poison.ts";
    const map = join(root, "import_map.json");
    await writeFile(map, JSON.stringify({ imports }));
    const cli = join(repoRoot(), "cli.ts");
    await fn(
      (args, where = {}) =>
        run(Deno.execPath(), ["run", "-A", "--quiet", "--import-map", map, cli, ...args], {
          cwd: where.cwd ?? root,
          env: { NO_COLOR: "1", ...where.env },
        }),
      root,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("--version loads no package at all, not even the argument parser", async () => {
  await withPoisonedCli([...POISONED, "commander"], async (hpm) => {
    for (const flag of ["--version", "-V"]) {
      const r = await hpm([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    }
    // The poison is real: anything else needs the parser and fails.
    const help = await hpm(["--help"]);
    assert.equal(help.code, 1);
    assert.match(help.stderr, /a heavy module was loaded|does not provide an export/);
  });
});

Deno.test("--help, completions and usage errors load no YAML, TOML or schema library", async () => {
  await withPoisonedCli(POISONED, async (hpm) => {
    const help = await hpm(["--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: hpm/);
    assert.equal((await hpm(["sync", "--help"])).code, 0);
    const script = await hpm(["completions", "bash"]);
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /complete -F/);
    const bad = await hpm(["completions", "tcsh"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: unknown shell `tcsh`/);
    // The poison is real: a command that reads the project fails.
    const sync = await hpm(["sync"]);
    assert.equal(sync.code, 1);
    assert.match(sync.stderr, /a heavy module was loaded|does not provide an export/);
  });
});

Deno.test("hpm stage and check --staged from the committed mode's record load no YAML or schema library, nor the parser", async () => {
  await withPoisonedCli(PLANNER, async (poisoned, root) => {
    const env = { HPM_STATE_DIR: join(root, "state") };
    const { dir } = await devCheckoutOfProdCommit(join(root, "p"), ["plug-a"], env);
    await setCoreVersion(dir, "0.2.0");

    const staged = await poisoned(["stage"], { cwd: dir, env });
    assert.equal(staged.code, 0, staged.stderr);
    assert.match(staged.stderr, /plan comes from its last sync/);
    assert.match(staged.stderr, /mode prod \(from default\): staged pyproject\.toml/);
    // The pre-commit hook's check of what was staged: the same record.
    const hook = await poisoned(["check", "--staged"], { cwd: dir, env });
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stderr, /the staged files are in the committed mode prod/);
    // The poison is real: without the record, stage and the check plan, and fail.
    await Deno.remove(join(root, "state", "fingerprints"), { recursive: true });
    for (const args of [["stage"], ["check", "--staged"]]) {
      const planned = await poisoned(args, { cwd: dir, env });
      assert.equal(planned.code, 1, args.join(" "));
      assert.match(planned.stderr, /a heavy module was loaded|does not provide an export/);
    }
  });
});

// A core with one plugin, plain files only (no git, no uv needed).
async function onePluginProject(dir: string): Promise<void> {
  await writeFile(
    join(dir, "pyproject.toml"),
    '[project]\nname = "core"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n',
  );
  await writeFile(
    join(dir, "hpm.yaml"),
    "registry: ./hpm-registry\ngroups:\n  plugins:\n    options: [plug]\n",
  );
  await writeFile(
    join(dir, "hpm-registry", "packages", "plug.yaml"),
    "name: plug\nsources:\n  dev: {type: local, path: ./packages/plug}\n" +
      "  prod: {type: pypi, version: 1.0.0}\n",
  );
  await writeFile(
    join(dir, "packages", "plug", "pyproject.toml"),
    '[project]\nname = "plug"\nversion = "1.0.0"\n',
  );
}

Deno.test("plain `hpm sync`, `diff`, `check` and `status` that plan do not load the argument parser", async () => {
  await withPoisonedCli(["commander"], async (poisoned, root) => {
    const dir = join(root, "core");
    await onePluginProject(dir);
    const env = { HPM_STATE_DIR: join(root, "state") };
    const synced = await poisoned(["sync", "--no-install", "--mode", "prod"], { cwd: dir, env });
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stderr, /mode prod \(from flag\): pyproject\.toml updated/);
    assert.match(await Deno.readTextFile(join(dir, "pyproject.toml")), /"plug==1\.0\.0"/);
    // check and diff planned anew (no record to answer from): the same.
    await Deno.remove(join(root, "state", "fingerprints"), { recursive: true });
    const diff = await poisoned(["diff", "--mode", "dev"], { cwd: dir, env });
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /^-.*"plug==1\.0\.0"/m);
    const check = await poisoned(["check", "--mode", "prod"], { cwd: dir, env });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, /pyproject\.toml is in sync for mode prod/);
    assert.match(check.stderr, /no uv\.lock: nothing to check there/);
    const status = await poisoned(["status"], { cwd: dir, env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /mode dev/);
    // A refusal in the planner's words, not the parser's.
    const bad = await poisoned(["sync", "--no-install", "--mode", "qa"], { cwd: dir, env });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^error: .*qa/);
    // The poison is real: a flag only the parser knows needs it, and fails.
    const dry = await poisoned(["sync", "--dry-run"], { cwd: dir, env });
    assert.equal(dry.code, 1);
    assert.match(dry.stderr, /a heavy module was loaded|does not provide an export/);
  });
});

Deno.test("a planned sync, a check that passes and status load no text-diff package", async () => {
  await withPoisonedCli(["commander", "diff"], async (poisoned, root) => {
    const dir = join(root, "core");
    await onePluginProject(dir);
    const env = { HPM_STATE_DIR: join(root, "state") };
    for (const mode of ["prod", "dev"]) {
      const synced = await poisoned(["sync", "--no-install", "--mode", mode], { cwd: dir, env });
      assert.equal(synced.code, 0, synced.stderr);
      assert.match(synced.stderr, /pyproject\.toml updated/);
      await Deno.remove(join(root, "state", "fingerprints"), { recursive: true });
    }
    const check = await poisoned(["check"], { cwd: dir, env });
    assert.equal(check.code, 0, check.stderr);
    assert.equal((await poisoned(["status"], { cwd: dir, env })).code, 0);
    // The poison is real: a diff to show loads it, and fails.
    const diff = await poisoned(["diff", "--mode", "prod"], { cwd: dir, env });
    assert.equal(diff.code, 1);
    assert.match(diff.stderr, /a heavy module was loaded|does not provide an export/);
  });
});

// HPM's own modules a fast answer has no use for: each costs Deno about half
// a millisecond to load from source (docs/benchmarks.md, "Modules").
const WRITE_AND_HASH = ["atomic_write.ts", "digest.ts"].map((m) =>
  new URL(`../lib/io/${m}`, import.meta.url).href
);

Deno.test("answers from the record load neither the atomic write nor the SHA-256 code", async () => {
  await withPoisonedCli(WRITE_AND_HASH, async (poisoned, root) => {
    const dir = join(root, "core");
    await onePluginProject(dir);
    const env = { HPM_STATE_DIR: join(root, "state") };
    // Inputs written within the sync's second cannot vouch by their stats; these can.
    await settle();
    const synced = await hpm(["sync", "--no-install", "--mode", "prod"], dir, env);
    assert.equal(synced.code, 0, synced.stderr);
    const noop = await poisoned(["sync", "--no-install", "--mode", "prod"], { cwd: dir, env });
    assert.equal(noop.code, 0, noop.stderr);
    assert.match(noop.stderr, /mode prod \(from flag\): pyproject\.toml unchanged/);
    const check = await poisoned(["check", "--pyproject-only", "--mode", "prod"], {
      cwd: dir,
      env,
    });
    assert.equal(check.code, 0, check.stderr);
    const diff = await poisoned(["diff", "--mode", "prod"], { cwd: dir, env });
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /already in sync/);
    // The poison is real: a switch writes, and fails before pyproject.toml changes.
    const before = await Deno.readTextFile(join(dir, "pyproject.toml"));
    const write = await poisoned(["sync", "--no-install", "--mode", "dev"], { cwd: dir, env });
    assert.notEqual(write.code, 0);
    assert.match(write.stderr, /a heavy module was loaded|does not provide an export/);
    assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), before);
  });
});
