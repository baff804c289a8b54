/**
 * HPM's modules transpiled to JavaScript ahead of time, one file per module,
 * the way `deno compile` embeds them (the binary itself cannot be built where
 * the bench runs: `deno compile` downloads its runtime). Run from source, Deno
 * looks up each TypeScript module's emitted JavaScript in its cache first;
 * this copy shows what HPM costs without that step.
 *
 * @module
 */

import { join } from "node:path";
import { run } from "../tests/_fixtures.ts";

/**
 * Transpile cli.ts and lib/ (its layers' folders too) into `out` (imports of `.ts` files rewritten to
 * `.js`, deno.json and deno.lock beside them for the npm imports).
 *
 * @param repo the repository root
 * @param out an empty folder
 * @returns the path of the transpiled cli.js
 */
export async function transpiledCli(repo: string, out: string): Promise<string> {
  const modules = libModules(repo, "lib");
  const built = await run(Deno.execPath(), [
    "bundle",
    "--inline-imports=false",
    "--packages",
    "external",
    "--outdir",
    out,
    "cli.ts",
    ...modules,
  ], { cwd: repo });
  if (built.code !== 0) throw new Error(`deno bundle failed:\n${built.stderr}`);
  for (const file of ["cli.js", ...modules.map((m) => m.replace(/\.ts$/, ".js"))]) {
    const path = join(out, file);
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(
      path,
      text.replace(/((?:from|import\()\s*"\.{1,2}\/[^"]+)\.ts"/g, '$1.js"'),
    );
  }
  for (const file of ["deno.json", "deno.lock"]) {
    await Deno.copyFile(join(repo, file), join(out, file));
  }
  return join(out, "cli.js");
}

// lib/'s modules, folder by folder (tests and test helpers left out).
function libModules(repo: string, dir: string): string[] {
  return [...Deno.readDirSync(join(repo, dir))].flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory) return libModules(repo, path);
    const module = e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") &&
      e.name !== "_testing.ts";
    return module ? [path] : [];
  });
}
