/**
 * Start-up cost is what a quick command costs, so the commands that need no
 * project load no parser: the CLI is run with an import map in which the
 * heavy packages are modules that throw when loaded. A command that touched
 * one would fail.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, repoRoot, run, type RunResult, writeFile } from "./_fixtures.ts";

const POISONED = ["yaml", "zod", "smol-toml", "diff", "ajv"];

async function withPoisonedCli(
  poisonCommander: boolean,
  fn: (hpm: (...args: string[]) => Promise<RunResult>) => Promise<void>,
): Promise<void> {
  const root = await makeTempRoot();
  try {
    const config = JSON.parse(await Deno.readTextFile(join(repoRoot(), "deno.json")));
    const imports: Record<string, string> = { ...config.imports };
    await writeFile(join(root, "poison.ts"), 'throw new Error("a heavy module was loaded");\n');
    for (const name of [...POISONED, ...(poisonCommander ? ["commander"] : [])]) {
      imports[name] = "./poison.ts";
    }
    const map = join(root, "import_map.json");
    await writeFile(map, JSON.stringify({ imports }));
    const cli = join(repoRoot(), "cli.ts");
    await fn((...args) =>
      run(Deno.execPath(), ["run", "-A", "--quiet", "--import-map", map, cli, ...args], {
        cwd: root,
        env: { NO_COLOR: "1" },
      })
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("--version loads no package at all, not even the argument parser", async () => {
  await withPoisonedCli(true, async (hpm) => {
    for (const flag of ["--version", "-V"]) {
      const r = await hpm(flag);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    }
    // The poison is real: anything else needs the parser and fails.
    const help = await hpm("--help");
    assert.equal(help.code, 1);
    assert.match(help.stderr, /a heavy module was loaded|does not provide an export/);
  });
});

Deno.test("--help, completions and usage errors load no YAML, TOML or schema library", async () => {
  await withPoisonedCli(false, async (hpm) => {
    const help = await hpm("--help");
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: hpm/);
    assert.equal((await hpm("sync", "--help")).code, 0);
    const script = await hpm("completions", "bash");
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /complete -F/);
    const bad = await hpm("completions", "tcsh");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: unknown shell `tcsh`/);
    // The poison is real: a command that reads the project fails.
    const sync = await hpm("sync");
    assert.equal(sync.code, 1);
    assert.match(sync.stderr, /a heavy module was loaded|does not provide an export/);
  });
});
