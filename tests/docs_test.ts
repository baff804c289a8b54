/**
 * The docs say what the code does: every error code HPM can raise is in the
 * catalogue (docs/errors.md), and the catalogue lists no code that does not
 * exist; README's commands are real CLI commands.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { repoRoot } from "./_fixtures.ts";

async function read(path: string): Promise<string> {
  return await Deno.readTextFile(join(repoRoot(), path));
}

async function sources(): Promise<string> {
  let all = await read("cli.ts");
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(join(repoRoot(), dir))) {
      if (e.isDirectory) await walk(join(dir, e.name));
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") && e.name !== "errors.ts") {
        all += await read(join(dir, e.name));
      }
    }
  };
  await walk("lib");
  return all;
}

Deno.test("docs/errors.md lists exactly the error codes the code raises", async () => {
  const code = await sources();
  const declared = [...(await read("lib/core/errors.ts")).matchAll(/^\s+\| "([a-z-]+)"/gm)].map((
    m,
  ) => m[1]);
  // A code is raised when its literal appears outside errors.ts (constructors
  // and ternaries that pick a code alike).
  const raised = new Set(declared.filter((c) => code.includes(`"${c}"`)));
  const documented = new Set(
    [...(await read("docs/errors.md")).matchAll(/^\| `([a-z-]+)` +\|/gm)].map((m) => m[1]),
  );
  assert.deepEqual(
    [...raised].sort(),
    [...declared].sort(),
    "every declared code is raised somewhere",
  );
  assert.deepEqual(
    [...documented].sort(),
    [...declared].sort(),
    "the catalogue documents every code",
  );
});

Deno.test("README's command table names only real commands", async () => {
  const readme = await read("README.md");
  const help = new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(repoRoot(), "cli.ts"), "--help"],
      stdout: "piped",
    }).output()).stdout,
  );
  for (const [, command] of readme.matchAll(/^\| `hpm ([a-z]+)/gm)) {
    assert.match(help, new RegExp(`^  ${command} `, "m"), `hpm ${command} is in --help`);
  }
});

Deno.test("docs/design.md maps every module of lib/, and links only inside the repository", async () => {
  const design = await read("docs/design.md");
  const modules: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(join(repoRoot(), dir))) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`);
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        modules.push(`${dir}/${e.name}`);
      }
    }
  };
  await walk("lib");
  assert.deepEqual(
    modules.filter((m) => !design.includes(`(../${m})`)),
    [],
    "every module is in the map",
  );
  for (const [, target] of design.matchAll(/\]\(([^)]+)\)/g)) {
    assert.doesNotMatch(target, /^[a-z]+:/, `${target}: a link inside the repository`);
    const path = join(repoRoot(), "docs", target.replace(/#.*$/, ""));
    assert.ok(await Deno.stat(path).then(() => true, () => false), `${target} exists`);
  }
});
