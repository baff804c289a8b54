/**
 * The folders of lib/ are layers, and the import graph keeps them: cli →
 * commands → (project, registry) → state → (io, core, edit). HPM's own state
 * (the fast path among it) reaches project only for two of its modules that
 * stand on io and core alone, where the project is (root.ts) and what git
 * says of a checkout (checkout_state.ts), and never reaches registry, nor
 * anything that reads or plans a project. The pure core
 * (parsing manifests and entries, resolving a plan) and the editing of
 * formats (applying a plan to pyproject text, diffing) reach no module that
 * touches the disk, git, a process or the network, and do no I/O themselves;
 * each command is a module of its own that reaches no other command; nothing
 * below the commands reaches one, and nothing but the command line reaches
 * the command line's modules. The graph is Deno's own (`deno info --json`),
 * so an import that a type alone needs counts too, and so does one loaded
 * lazily (`await import`). Tests follow the same shape: a module's unit test
 * sits beside it, and an end-to-end test in tests/ is named by the scenario it
 * plays, never by a module, so no two test files share a name.
 */

import assert from "node:assert/strict";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./_fixtures.ts";

const LIB = join(repoRoot(), "lib");
// lib/'s URL as Deno's graph spells its modules (`file:///C:/…` on Windows).
const LIB_URL = `${pathToFileURL(LIB).href}/`;

// A path from lib/ with `/` between folders on every system, as the rules match it.
const fromLib = (path: string) => relative(LIB, path).split(sep).join("/");

// Every module of lib/ (tests and test helpers aside), as a path from lib/.
async function modules(dir = LIB): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) found.push(...await modules(path));
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") && e.name !== "_testing.ts") {
      found.push(fromLib(path));
    }
  }
  return found.sort();
}

// What each module imports (code and types), by path from lib/; packages and
// built-ins by their specifier.
async function importGraph(roots: readonly string[]): Promise<Map<string, string[]>> {
  const dir = await Deno.makeTempDir({ prefix: "hpm-layers-" });
  try {
    const all = join(dir, "all.ts");
    await Deno.writeTextFile(
      all,
      roots.map((m) => `import ${JSON.stringify(new URL(m, LIB_URL).href)};\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", join(repoRoot(), "deno.json"), all],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(out.code, 0, "deno info ran");
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: { specifier: string; dependencies?: { code?: Dep; type?: Dep }[] }[];
    };
    type Dep = { specifier: string };
    const name = (specifier: string) =>
      specifier.startsWith(LIB_URL) ? specifier.slice(LIB_URL.length) : specifier;
    const graph = new Map<string, string[]>();
    for (const m of info.modules) {
      if (!m.specifier.startsWith(LIB_URL)) continue;
      const deps = (m.dependencies ?? []).flatMap((d) =>
        [d.code?.specifier, d.type?.specifier].filter((s): s is string => !!s)
      );
      graph.set(name(m.specifier), [...new Set(deps.map(name))]);
    }
    return graph;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// The first chain of imports from `start` to a module `bad` says no to.
function forbiddenPath(
  graph: Map<string, string[]>,
  start: string,
  bad: (module: string) => boolean,
): string[] | undefined {
  const seen = new Set([start]);
  const queue: string[][] = [[start]];
  while (queue.length) {
    const path = queue.shift()!;
    for (const next of graph.get(path.at(-1)!) ?? []) {
      if (bad(next)) return [...path, next];
      if (!seen.has(next)) {
        seen.add(next);
        queue.push([...path, next]);
      }
    }
  }
  return undefined;
}

const PURE = /^(core|edit)\//;
// The packages the pure layers may use: parsers, validators, a text diff,
// path arithmetic and deep equality.
const PURE_PACKAGES = /^(npm:\/?(yaml|zod|smol-toml|diff|ajv)@|node:(path|util)$)/;

Deno.test("the pure core and the format editors reach no I/O module, and call no Deno API", async () => {
  const all = await modules();
  const pure = all.filter((m) => PURE.test(m));
  assert.ok(pure.includes("core/resolve.ts") && pure.includes("edit/pyproject.ts"));
  const graph = await importGraph(pure);
  const problems: string[] = [];
  for (const m of pure) {
    const path = forbiddenPath(graph, m, (dep) => !PURE.test(dep) && !PURE_PACKAGES.test(dep));
    if (path) problems.push(path.join(" -> "));
    const code = (await Deno.readTextFile(join(LIB, m)))
      .split("\n").filter((l) => !/^\s*(\*|\/\/|\/\*\*)/.test(l)).join("\n");
    for (const call of code.matchAll(/\bDeno\.[A-Za-z]+|\bfetch\(/g)) {
      problems.push(`${m} uses ${call[0]}`);
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("the layers' test sees a forbidden import when there is one", async () => {
  const graph = await importGraph(["core/checkout.ts", "project/load.ts"]);
  assert.deepEqual(forbiddenPath(graph, "project/load.ts", (d) => d === "io/files.ts"), [
    "project/load.ts",
    "io/files.ts",
  ]);
  assert.equal(forbiddenPath(graph, "core/checkout.ts", (d) => d.startsWith("io/")), undefined);
});

// The base names of the `*_test.ts` files under `dir`, each with where it is.
async function testFiles(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) {
      for (const [name, where] of await testFiles(path)) found.set(name, where);
    } else if (e.name.endsWith("_test.ts")) found.set(e.name, relative(repoRoot(), path));
  }
  return found;
}

Deno.test("no end-to-end test in tests/ shares its name with a unit test in lib/", async () => {
  const unit = await testFiles(LIB);
  const scenarios = [...Deno.readDirSync(join(repoRoot(), "tests"))]
    .filter((e) => e.isFile && e.name.endsWith("_test.ts")).map((e) => e.name);
  assert.ok(unit.has("resolve_test.ts") && scenarios.includes("journey_test.ts"));
  assert.deepEqual(
    scenarios.filter((name) => unit.has(name)).map((name) => `tests/${name} and ${unit.get(name)}`),
    [],
    "name the test in tests/ by the scenario it plays",
  );
});

const COMMANDS = /^commands\//;
const CLI = /^cli\//;
// What the commands stand on.
const BELOW_COMMANDS = /^(core|edit|io|state|project|registry)\//;

// Every chain of imports from a module in `from` to a module `bad` says no to.
async function forbiddenPaths(
  from: (module: string) => boolean,
  bad: (start: string, module: string) => boolean,
): Promise<string[]> {
  const starts = (await modules()).filter(from);
  const graph = await importGraph(starts);
  return starts.flatMap((m) => {
    const path = forbiddenPath(graph, m, (dep) => bad(m, dep));
    return path ? [path.join(" -> ")] : [];
  });
}

Deno.test("a command reaches no other command: what commands share lives below them", async () => {
  const all = await modules();
  assert.ok(all.includes("commands/sync.ts") && all.includes("commands/status.ts"));
  assert.deepEqual(
    await forbiddenPaths((m) => COMMANDS.test(m), (m, dep) => COMMANDS.test(dep) && dep !== m),
    [],
  );
});

Deno.test("nothing below the commands reaches a command or the command line", async () => {
  assert.deepEqual(
    await forbiddenPaths(
      (m) => BELOW_COMMANDS.test(m),
      (_, dep) => COMMANDS.test(dep) || CLI.test(dep),
    ),
    [],
  );
});

Deno.test("only the command line reaches the command line's modules", async () => {
  assert.deepEqual(await forbiddenPaths((m) => !CLI.test(m), (_, dep) => CLI.test(dep)), []);
});

Deno.test("the doors, the core and the formats reach nothing above them", async () => {
  assert.deepEqual(
    await forbiddenPaths(
      (m) => /^(core|edit|io)\//.test(m),
      (_, dep) => /^(project|registry|state|commands|cli)\//.test(dep),
    ),
    [],
  );
});

// The two modules of project that state may use: they stand on io and core alone.
const PROJECT_LEAVES = new Set(["project/root.ts", "project/checkout_state.ts"]);

Deno.test("state reaches no registry module and of project only its two leaves, which reach nothing above io", async () => {
  assert.deepEqual(
    await forbiddenPaths(
      (m) => m.startsWith("state/"),
      (_, dep) => /^(project|registry)\//.test(dep) && !PROJECT_LEAVES.has(dep),
    ),
    [],
  );
  assert.deepEqual(
    await forbiddenPaths(
      (m) => PROJECT_LEAVES.has(m),
      (_, dep) => /^(project|registry|state|commands|cli)\//.test(dep),
    ),
    [],
  );
});
