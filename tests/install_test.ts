/**
 * Getting `hpm`: `deno task install` from this checkout really installs a
 * working command, and every way of getting it (the install and compile
 * tasks, the release workflow's `deno compile`, README's lines, the CI
 * examples) grants the same least permissions. `deno compile` itself cannot
 * run here (its runtime is downloaded); tests/bundle_test.ts covers the
 * self-contained layout instead.
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { makeTempRoot, pythonImport, repoRoot, run } from "./_fixtures.ts";
import { makeProject } from "./_project.ts";

const ROOT = repoRoot();

/** What README documents and every install grants. */
const PERMISSIONS = [
  "--allow-env",
  "--allow-net",
  "--allow-read",
  "--allow-run=uv,git",
  "--allow-sys=uid",
  "--allow-write",
];

const flagsOf = (command: string) =>
  command.split(/\s+/).filter((w) => w === "-A" || w.startsWith("--allow-")).sort();

Deno.test("deno task install puts a working hpm into DENO_INSTALL_ROOT; it syncs a project", async () => {
  const root = await makeTempRoot();
  try {
    const installRoot = join(root, "deno-root");
    const env = {
      DENO_INSTALL_ROOT: installRoot,
      NO_COLOR: "1",
      // The installed shim runs `deno` from PATH: this very deno.
      PATH: `${dirname(Deno.execPath())}${Deno.build.os === "windows" ? ";" : ":"}${
        Deno.env.get("PATH") ?? ""
      }`,
    };
    const installed = await run(Deno.execPath(), ["task", "install"], { cwd: ROOT, env });
    assert.equal(installed.code, 0, installed.stderr);
    const bin = join(installRoot, "bin", Deno.build.os === "windows" ? "hpm.cmd" : "hpm");

    const { version } = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
    const v = await run(bin, ["--version"], { cwd: root, env });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), version);

    const { dir, plugins } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const synced = await run(bin, ["sync"], { cwd: dir, env });
    assert.equal(synced.code, 0, synced.stderr);
    const imported = await pythonImport(dir, "rag4code_qdrant");
    assert.ok(imported.file.startsWith(plugins["rag4code-qdrant"].clone), imported.file);
    const checked = await run(bin, ["check"], { cwd: dir, env });
    assert.equal(checked.code, 0, checked.stderr);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("every install and compile command grants the same least permissions", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const commands: [string, string][] = [
    ["deno task compile", config.tasks.compile],
    ["deno task install", config.tasks.install],
  ];
  const release = await Deno.readTextFile(join(ROOT, ".github/workflows/release.yml"));
  const compile = /deno compile [^\n]*\n[^\n]*cli\.ts/.exec(release);
  assert.ok(compile, "release.yml runs deno compile");
  commands.push(["release.yml", compile[0]]);
  // The CI examples install the wheel (tests/action_test.ts), whose
  // launchers tests/wheel_test.ts holds to these permissions.
  for (const file of ["README.md"]) {
    const text = (await Deno.readTextFile(join(ROOT, file))).replace(/\\\n\s*/g, "");
    const lines = text.split("\n").filter((l) =>
      /\bdeno (install|run|compile)\b.*jsr:@hpm/.test(l)
    );
    assert.ok(lines.length > 0, `${file} shows how to get hpm`);
    for (const line of lines) commands.push([file, line]);
  }
  for (const [where, command] of commands) {
    assert.deepEqual(flagsOf(command), PERMISSIONS, `${where}: ${command}`);
  }
  assert.match(config.tasks.install, /--config deno\.json/, "a checkout needs its import map");
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  assert.ok(readme.includes(`\`${config.tasks.install}\``), "README spells out deno task install");
});

Deno.test("modules are imported with literal specifiers, so deno compile embeds them", async () => {
  // deno compile follows `import("./lib/x.ts")`; a computed specifier would
  // need `--include` in the compile task and the release workflow.
  const files = ["cli.ts", "mod.ts"];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(join(ROOT, dir))) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`);
      else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        files.push(`${dir}/${e.name}`);
      }
    }
  };
  await walk("lib");
  assert.ok(files.includes("lib/cli/commands.ts"), "every folder of lib/ is read");
  for (const file of files) {
    const text = await Deno.readTextFile(join(ROOT, file));
    for (const m of text.matchAll(/\bimport\(\s*([^)]*)\)/g)) {
      assert.match(m[1], /^(["'])[^"'`$]+\1$/, `${file}: import(${m[1]})`);
    }
  }
});
