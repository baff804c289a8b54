/**
 * `deno test --parallel` runs the test modules in one process, side by side:
 * a test that sets a variable in Deno.env sets it for every other module's
 * programs and hpm runs too (a PATH of `/nonexistent` once made a concurrent
 * git read fail as "git: not found"). Tests give a program its variables
 * through its request's or run's environment instead. Only the one value the
 * whole suite runs with anyway may be set.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { repoRoot } from "./_fixtures.ts";

const CHANGES_ENV = /\bDeno\.env\.(?:set|delete)\([^)]*\)/g;
const SUITE_WIDE = 'Deno.env.set("UV_PYTHON_DOWNLOADS", "never")';

// The suite's modules and their helpers: every .ts under lib/ and tests/
// that is a test or a test helper (its name starts with `_`).
async function suiteFiles(): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) {
        if (e.name !== "data") await walk(path);
      } else if (e.name.endsWith("_test.ts") || /^_.*\.ts$/.test(e.name)) {
        found.push(relative(repoRoot(), path));
      }
    }
  };
  await walk(join(repoRoot(), "lib"));
  await walk(join(repoRoot(), "tests"));
  return found.sort();
}

Deno.test("no test changes Deno.env, which every module running beside it shares", async () => {
  const files = await suiteFiles();
  assert.ok(files.includes("lib/io/runner_test.ts") && files.includes("tests/_fixtures.ts"));
  const found: string[] = [];
  for (const file of files) {
    if (file === relative(repoRoot(), new URL(import.meta.url).pathname)) continue;
    const text = await Deno.readTextFile(join(repoRoot(), file));
    text.split("\n").forEach((line, i) => {
      for (const [call] of line.matchAll(CHANGES_ENV)) {
        if (call !== SUITE_WIDE) found.push(`${file}:${i + 1}: ${call}`);
      }
    });
  }
  assert.deepEqual(found, [], "give the variable to the program's request or run instead");
});
