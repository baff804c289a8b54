/**
 * Bad input through the real CLI: exit 2, a message with file:line:col (or the
 * package named) and a hint, no stack trace, and nothing written.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, writeFile } from "./_fixtures.ts";
import { hpm, makeProject, snapshot } from "./_project.ts";

const FILES = [
  "pyproject.toml",
  "uv.lock",
  "hpm.yaml",
  "hpm-registry/packages/rag4code-qdrant.yaml",
];

interface Case {
  name: string;
  /** Breaks the project. */
  arrange: (dir: string) => Promise<void>;
  args?: string[];
  /** What stderr must say. */
  expect: RegExp[];
}

const REG = "hpm-registry/packages/rag4code-qdrant.yaml";

// Where a command named by a case would leave its mark.
const pwnedIn = (dir: string) => join(dir, "pwned");

/** Rewrites the project's file `path` with `change`. */
async function edit(dir: string, path: string, change: (text: string) => string): Promise<void> {
  const file = join(dir, path);
  await writeFile(file, change(await Deno.readTextFile(file)));
}

/**
 * Nesting deeper than uv reads, in each form, far past the limit (the 81st
 * level is at line 11 or 12, at the column given): refused before anything
 * is written, and so on every later run too.
 */
function deepCases(): Case[] {
  const parts = (n: number) => Array(n).fill("a").join(".");
  const forms: [string, string, string][] = [
    ["a header of 3,801 parts", `[${parts(3801)}]`, "11:162"],
    ["a header of 5,001 parts", `[${parts(5001)}]`, "11:162"],
    ["an array-of-tables header of 5,001 parts", `[[${parts(5001)}]]`, "11:163"],
    ["a dotted key of 5,001 parts", `[tool]\n${parts(5001)} = 1`, "12:159"],
    ["5,001 nested arrays", `[tool]\na = ${"[".repeat(5001)}${"]".repeat(5001)}`, "12:83"],
    [
      "5,001 nested inline tables",
      `[tool]\na = ${"{b = ".repeat(5001)}1${"}".repeat(5001)}`,
      "12:396",
    ],
  ];
  return forms.map(([form, toml, at]) => ({
    name: `pyproject.toml nested too deep: ${form}`,
    arrange: (dir) => edit(dir, "pyproject.toml", (text) => `${text}${toml}\n`),
    args: ["sync", "--no-install"],
    expect: [
      new RegExp(`pyproject\\.toml:${at}\\b`),
      /it nests more than 80 levels of tables, keys and arrays/,
      /hint: hpm reads at most 80 levels/,
    ],
  }));
}

const cases: Case[] = [
  {
    name: "malformed YAML in hpm.yaml",
    arrange: (dir) =>
      writeFile(
        join(dir, "hpm.yaml"),
        "registry: ./hpm-registry\ngroups:\n  plugins:\n    options: [a\n",
      ),
    expect: [/hpm\.yaml:5:1/, /hint:/],
  },
  {
    name: "schema error in hpm.yaml (unknown key, did you mean)",
    arrange: (dir) =>
      writeFile(
        join(dir, "hpm.yaml"),
        "registry: ./hpm-registry\ngroups:\n  plugins:\n    optoins: []\n",
      ),
    expect: [/unknown key `optoins`/, /hpm\.yaml:4:5/, /did you mean `options`/],
  },
  {
    name: "unknown package",
    arrange: (dir) =>
      writeFile(
        join(dir, "hpm.yaml"),
        "registry: ./hpm-registry\ngroups:\n  plugins:\n    options: [rag4code-qdrnt]\n",
      ),
    expect: [
      /unknown package `rag4code-qdrnt`/,
      /hpm\.yaml:4:15/,
      /did you mean `rag4code-qdrant`/,
    ],
  },
  {
    name: "a mode no entry defines",
    arrange: async () => {},
    args: ["sync", "--mode", "staging"],
    expect: [
      /unknown mode `staging` \(the registry entries define dev, prod\)/,
      /give the plugins a `staging:` source/,
    ],
  },
  {
    name: "name/file mismatch",
    arrange: (dir) =>
      edit(dir, REG, (text) => text.replace("name: rag4code-qdrant", "name: rag4code-chroma")),
    expect: [/does not match the file name/, /rag4code-qdrant\.yaml:2:7/],
  },
  {
    name: "schema error in a registry entry (git URL with ext::)",
    arrange: (dir) =>
      edit(
        dir,
        REG,
        (text) => text.replace(/url: "[^"]+"/, `url: 'ext::sh -c touch% ${pwnedIn(dir)}'`),
      ),
    args: ["sync", "--mode", "prod"],
    expect: [/git URLs must use/, /rag4code-qdrant\.yaml:\d+:\d+/],
  },
  {
    name: "missing local clone",
    arrange: (dir) => Deno.remove(join(dir, "packages", "rag4code-qdrant"), { recursive: true }),
    expect: [
      /local clone of `rag4code-qdrant` is missing/,
      /rag4code-qdrant\.yaml:\d+:\d+/,
      /hpm clone rag4code-qdrant/,
    ],
  },
  {
    name: "invalid pyproject.toml",
    arrange: (dir) =>
      writeFile(join(dir, "pyproject.toml"), '[project]\nname = "core"\n{{x}} = 1\n'),
    expect: [/pyproject\.toml:3:\d+/],
  },
  {
    name: "pyproject.toml that is not UTF-8",
    arrange: (dir) =>
      Deno.writeFile(
        join(dir, "pyproject.toml"),
        new Uint8Array([...new TextEncoder().encode('[project]\nname = "c'), 0xe9, 0x22, 0x0a]),
      ),
    expect: [/pyproject\.toml:2:10/, /not valid UTF-8: byte 0xE9/, /hint: save the file as UTF-8/],
  },
  {
    name: "pyproject.toml with TOML 1.1 syntax",
    arrange: (dir) =>
      writeFile(join(dir, "pyproject.toml"), '[project]\nname = "core"\nurls = { a = "b", }\n'),
    expect: [/pyproject\.toml:3:17/, /TOML 1\.1, not 1\.0/, /hint: .*TOML 1\.0/],
  },
  ...deepCases(),
  {
    name: "tool.uv made by a dotted key after a header that only implies it (valid TOML)",
    arrange: (dir) =>
      edit(
        dir,
        "pyproject.toml",
        (text) => text + "\n[tool.uv.workspace]\nmembers = []\n\n[tool]\nuv.package = false\n",
      ),
    expect: [
      /cannot add entries to \[tool\.uv\].*made by the dotted key `uv\.package`/,
      /pyproject\.toml:16:1/,
      /hint: write it as a table with its own \[header\] line/,
    ],
  },
  {
    name: "default-groups inside [[tool.uv]], with only default-groups to write",
    arrange: async (dir) => {
      await edit(
        dir,
        REG,
        (text) => text.replace(/ {2}prod: .*/, '  prod: {type: pypi, version: "==1.0.0"}'),
      );
      await edit(
        dir,
        "pyproject.toml",
        (text) => text + '\n[[tool.uv]]\ndefault-groups = ["dev"]\n',
      );
    },
    args: ["sync", "--mode", "prod"],
    expect: [
      /cannot add entries to \[tool\.uv\].*inside the array of tables \[\[tool\.uv\]\]/,
      /pyproject\.toml:12:1/,
      /hint: write it as a table with its own \[header\] line/,
    ],
  },
  {
    name: "clone inside the project's uv workspace members",
    arrange: (dir) =>
      edit(
        dir,
        "pyproject.toml",
        (text) => text + '\n[tool.uv.workspace]\nmembers = ["packages/*"]\n',
      ),
    expect: [
      /is a member of this uv workspace/,
      /pyproject\.toml:\d+:1/,
      /to `exclude` in \[tool\.uv\.workspace\]/,
    ],
  },
  {
    name: "unknown flag",
    arrange: async () => {},
    args: ["sync", "--mdoe", "prod"],
    expect: [/unknown option/],
  },
  {
    name: "--frozen with --locked",
    arrange: async () => {},
    args: ["sync", "--frozen", "--locked"],
    expect: [/cannot be used with/],
  },
];

Deno.test("bad input: exit 2, position and hint, no stack trace, nothing written", async (t) => {
  const root = await makeTempRoot();
  try {
    const { dir: template } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    for (const [i, c] of cases.entries()) {
      await t.step(c.name, async () => {
        const dir = join(root, `case-${i}`);
        await Deno.mkdir(dir);
        await new Deno.Command("cp", { args: ["-a", `${template}/.`, dir] }).output();
        await c.arrange(dir);
        const before = await snapshot(dir, FILES);
        const r = await hpm(c.args ?? ["sync"], dir);
        assert.equal(r.code, 2, `exit code\n${r.stderr}`);
        for (const re of c.expect) assert.match(r.stderr, re);
        assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
        assert.doesNotMatch(r.stderr, /internal error/);
        assert.deepEqual(await snapshot(dir, FILES), before, "nothing written");
        await assert.rejects(Deno.stat(join(dir, ".venv")), "uv never ran");
        await assert.rejects(Deno.stat(pwnedIn(dir)), "no command of the input's ran");
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
