/**
 * Every disk access of a project, state, cache or scratch file goes through
 * lib/io: the one door (lib/io/files.ts) or a small module beside it named
 * for what it touches (scratch copies, clone folders, /proc). That is where
 * the checks of docs/security.md live, so a module elsewhere that called
 * Deno's file-system API itself would skip them. Tests and test helpers set
 * up files as they like; comments and JSDoc examples are not code.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { repoRoot } from "./_fixtures.ts";

// Deno's calls that read, write, list, inspect or move files and folders.
const FILE_API = new RegExp(
  String.raw`\bDeno\.(?:readFile|readTextFile|writeFile|writeTextFile|open|create|remove|rename|` +
    String.raw`mkdir|makeTempDir|makeTempFile|copyFile|lstat|stat|readDir|readLink|realPath|` +
    String.raw`symlink|link|chmod|chown|utime|truncate|watchFs)(?:Sync)?\b`,
  "g",
);

// The text with comments blanked out, lines kept where they were.
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " "))
    .replace(/(^|\s)\/\/.*$/gm, "$1");
}

/**
 * Where a module's code calls Deno's file API.
 *
 * @returns `file:line: the call` for each
 */
function offenders(file: string, text: string): string[] {
  return codeOnly(text).split("\n").flatMap((line, i) =>
    [...line.matchAll(FILE_API)].map((call) => `${file}:${i + 1}: ${call[0]}`)
  );
}

// Every module of the program outside lib/io: lib/'s and the entry points.
async function modulesOutsideTheDoors(): Promise<string[]> {
  const found = ["cli.ts", "mod.ts"];
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) {
        if (relative(repoRoot(), path) !== join("lib", "io")) await walk(path);
      } else if (
        e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") && e.name !== "_testing.ts"
      ) {
        found.push(relative(repoRoot(), path));
      }
    }
  };
  await walk(join(repoRoot(), "lib"));
  return found.sort();
}

Deno.test("no module outside lib/io calls Deno's file-system API: the doors do", async () => {
  const modules = await modulesOutsideTheDoors();
  assert.ok(modules.includes("lib/state/folder.ts") && !modules.includes("lib/io/files.ts"));
  const found: string[] = [];
  for (const module of modules) {
    found.push(...offenders(module, await Deno.readTextFile(join(repoRoot(), module))));
  }
  assert.deepEqual(
    found,
    [],
    "go through lib/io/files.ts, or a module of lib/io named for what it touches",
  );
});

Deno.test("the one-door rule sees a call in code, and none in comments or examples", () => {
  const text = [
    "/**",
    " * await Deno.writeTextFile(`${root}/hpm.yaml`, text);",
    " */",
    "// Deno.remove(path) would follow nothing",
    "const info = Deno.statSync(path); // Deno.lstat would not follow",
    "const kind: Deno.FileInfo = info; /* Deno.open( */ await Deno.remove(dir);",
    'Deno.env.get("HOME");',
  ].join("\n");
  assert.deepEqual(offenders("x.ts", text), ["x.ts:5: Deno.statSync", "x.ts:6: Deno.remove"]);
});
