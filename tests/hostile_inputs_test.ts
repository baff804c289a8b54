/**
 * Inputs from a stranger that the trust model's first attacks did not reach:
 * `hpm init` adopting a hostile pyproject.toml, `hpm registry index` over a
 * hostile registry folder, an https registry's hostile `index.json`, and
 * paths as long as the system allows. Each must end in a clear answer (exit
 * 0, or exit 2 with a short message), write nothing outside the project, and
 * run nothing named by the input.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parseManifest } from "../mod.ts";
import { filesHost, withRoot, writeFile } from "./_fixtures.ts";
import { coreOn, expectOk, hpm, makeProject } from "./_project.ts";

const PROJECT = '[project]\nname = "core"\nversion = "0.1.0"\n';
// Links to devices and FIFOs, as POSIX systems have them.
const POSIX = Deno.build.os !== "windows";

/** Every file under `dir` (links not followed), relative, sorted. */
async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = prefix + e.name;
    out.push(path);
    if (e.isDirectory) out.push(...await tree(join(dir, e.name), `${path}/`));
  }
  return out.sort();
}

/** Lines of output longer than `max`: a message quoting a hostile value whole. */
const longLines = (text: string, max = 400) => text.split("\n").filter((l) => l.length > max);

/**
 * Runs each case as a step of `t` (not where it is `ignore`d), in a folder of
 * its own (`home`) under one temporary root.
 */
function eachCase<C extends { name: string; ignore?: boolean }>(
  t: Deno.TestContext,
  cases: readonly C[],
  fn: (c: C, home: string) => Promise<void>,
): Promise<void> {
  return withRoot(async (root) => {
    for (const [i, c] of cases.entries()) {
      await t.step({ name: c.name, ignore: c.ignore, fn: () => fn(c, join(root, String(i))) });
    }
  });
}

interface InitCase {
  /** What it tries. */
  name: string;
  /**
   * pyproject.toml's text after `[project]`; a function is given the file a
   * command the text names would create.
   */
  pyproject: string | ((pwned: string) => string);
  /** Expected exit code. @default 0 */
  code?: number;
  /** What the output must say. */
  says: RegExp;
  /** The packages adopted into the registry. @default none */
  adopted?: string[];
  /** Prepare the project folder further. */
  arrange?: (dir: string, outside: string) => Promise<void>;
}

const group = (items: string) => `[dependency-groups]\nplugins = [${items}]\n`;
const sources = (lines: string) => `[tool.uv.sources]\n${lines}\n`;
const LONG = "a".repeat(300);

const initCases: InitCase[] = [
  {
    name: "a group name that is not a PEP 735 name (spaces, slashes)",
    pyproject: `[dependency-groups]\n"a b/../../x" = ["plug"]\n${
      sources('plug = { path = "../p" }')
    }`,
    says: /not adopted: group `a b\/\.\.\/\.\.\/x`: not a valid group name/,
  },
  {
    name: "a package name of 300 characters",
    pyproject: group(`"${LONG}"`) + sources(`${LONG} = { path = "../p" }`),
    says: /not adopted: source `a{20,}… \(300 characters\)`: not a valid package name/,
  },
  {
    name: "two sources for one package once normalised",
    pyproject: group('"plug"') + sources('plug = { path = "../a" }\nPlug = { path = "../b" }'),
    says: /not adopted: sources `plug` and `Plug` are one package once normalised/,
  },
  {
    name: "a path escaping the project is kept as the dev path, nothing written there",
    pyproject: group('"plug"') + sources('plug = { path = "../../etc" }'),
    says: /adopted plug/,
    adopted: ["plug.yaml"],
  },
  {
    name: "a path that is a link is recorded, not followed",
    pyproject: group('"plug"') + sources('plug = { path = "linked" }'),
    arrange: (dir, outside) => Deno.symlink(outside, join(dir, "linked")),
    says: /adopted plug/,
    adopted: ["plug.yaml"],
  },
  {
    name: "a git URL with ext::",
    pyproject: (pwned) =>
      group('"plug"') + sources(`plug = { git = 'ext::sh -c touch% ${pwned}' }`),
    says: /not adopted: source `plug`: the git URL "ext::sh -c touch% \S+pwned" is not allowed/,
  },
  {
    name: "a git URL that is an option",
    pyproject: group('"plug"') + sources('plug = { git = "-uhttps://example.com/x.git" }'),
    says: /the git URL .* is not allowed/,
  },
  {
    name: "a tag that is an option",
    pyproject: (pwned) =>
      group('"plug"') +
      sources(`plug = { git = "https://example.com/x.git", tag = '--upload-pack=touch ${pwned}' }`),
    says: /its git ref is not one valid tag, branch or rev/,
  },
  {
    name: "a name that is not PEP 508 (an option)",
    pyproject: group('"-rf"') + sources('"-rf" = { path = "../p" }'),
    says: /not adopted: source `-rf`/,
  },
  {
    name: "a path of a megabyte is named, not quoted whole",
    pyproject: group('"plug"') + sources(`plug = { path = "-${"x".repeat(1024 * 1024)}" }`),
    says: /not adopted: source `plug`: the path "-x{20,}… \(1048577 characters\)" is not usable/,
  },
  {
    name: "a group of 300,000 items beside a plugin is named, not quoted whole",
    pyproject: group(`"plug", ${'"numpy", '.repeat(300_000)}"x"`) +
      sources('plug = { path = "../p" }'),
    says: /group `plugins` also holds `numpy`, `numpy`, `numpy` and 299998 more/,
  },
  {
    name: "a group that names one plugin 300,000 times",
    pyproject: group('"plug", '.repeat(300_000) + '"plug"') + sources('plug = { path = "../p" }'),
    says: /not adopted: group `plugins`: names a plugin more than once/,
  },
  {
    name: "more path and git sources than hpm adopts",
    pyproject: group(Array.from({ length: 501 }, (_, i) => `"p${i}"`).join(", ")) +
      sources(Array.from({ length: 501 }, (_, i) => `p${i} = { path = "../p${i}" }`).join("\n")),
    code: 2,
    says:
      /error: pyproject\.toml has 501 path and git sources for plugins; hpm init adopts at most 500\n {2}--> pyproject\.toml:\d+:1\n/,
  },
  {
    name: "a header of 4,000 parts",
    pyproject: `[${Array(4000).fill("a").join(".")}]\nx = 1\n`,
    code: 2,
    says: /pyproject\.toml:\d+:162\n(.|\n)*hpm reads at most 80 levels/,
  },
  {
    name: "arrays nested 5,000 deep",
    pyproject: `x = ${"[".repeat(5000)}${"]".repeat(5000)}\n`,
    code: 2,
    says: /it nests more than 80 levels/,
  },
  {
    name: "a registry folder that is a link out of the project",
    pyproject: group('"plug"') + sources('plug = { path = "../p" }'),
    arrange: (dir, outside) => Deno.symlink(outside, join(dir, "hpm-registry")),
    code: 2,
    says: /error: .*hpm-registry.* outside/,
  },
];

Deno.test(`hpm init on a hostile pyproject.toml: ${initCases.length} cases end clearly, nothing written outside the project`, async (t) => {
  await eachCase(t, initCases, async (c, home) => {
    const dir = join(home, "core");
    const outside = join(home, "outside");
    const pwned = join(home, "pwned");
    await writeFile(join(outside, "keep.txt"), "mine\n");
    const pyproject = typeof c.pyproject === "string" ? c.pyproject : c.pyproject(pwned);
    await writeFile(join(dir, "pyproject.toml"), PROJECT + pyproject);
    await c.arrange?.(dir, outside);
    const before = await tree(home);
    const r = await hpm(["init"], dir);
    assert.equal(r.code, c.code ?? 0, r.stderr);
    assert.match(r.stderr, c.says);
    assert.deepEqual(longLines(r.stderr + r.stdout), [], "no line quotes a value whole");
    assert.doesNotMatch(r.stderr, /internal error|Invalid input/);
    assert.deepEqual(await tree(outside), ["keep.txt"], "nothing written outside");
    await assert.rejects(Deno.stat(pwned), "no command of the input's ran");
    if ((c.code ?? 0) !== 0) {
      assert.deepEqual(await tree(home), before, "nothing written");
      return;
    }
    // What init wrote is what every later command reads.
    const manifest = await Deno.readTextFile(join(dir, "hpm.yaml"));
    parseManifest(manifest, "hpm.yaml");
    const entries = (await tree(join(dir, "hpm-registry", "packages")))
      .filter((f) => f.endsWith(".yaml"));
    assert.deepEqual(entries, c.adopted ?? []);
    expectOk(await hpm(["registry", "list"], dir), "the registry init wrote is readable");
  });
});

const entry = (name: string, padding = 0) =>
  `name: ${name}\nsources:\n  prod: {type: pypi, version: 1.0.0}\n` +
  (padding ? `# ${"x".repeat(padding)}\n` : "");

interface IndexCase {
  /** What it tries. */
  name: string;
  /** Lay out the registry folder beside its good entry `packages/plug.yaml`. */
  arrange: (reg: string, outside: string) => Promise<void>;
  /** Expected exit code. @default 2 */
  code?: number;
  /** What the output must say. */
  says: RegExp;
  /** The names index.json lists, when it is written. */
  lists?: string[];
  /** Not run here (a device or a FIFO this system lacks). */
  ignore?: boolean;
}

const fifo = (path: string) => new Deno.Command("mkfifo", { args: [path] }).output();

const indexCases: IndexCase[] = [
  {
    name: "an entry named in another PEP 503 form is listed as its file is named",
    arrange: (reg) => writeFile(join(reg, "packages", "Rag_Plug.yaml"), entry("Rag_Plug")),
    code: 0,
    says: /wrote .*index\.json \(2 packages\)/,
    lists: ["Rag_Plug", "plug"],
  },
  {
    name: "two entries of one package once normalised (a.b, a-b)",
    arrange: async (reg) => {
      await writeFile(join(reg, "packages", "a.b.yaml"), entry("a.b"));
      await writeFile(join(reg, "packages", "a-b.yaml"), entry("a-b"));
    },
    says: /packages\/a-b\.yaml and packages\/a\.b\.yaml are one package once normalised/,
  },
  {
    name: "two entries of one package that differ by case",
    arrange: (reg) => writeFile(join(reg, "packages", "Plug.yaml"), entry("Plug")),
    says: /packages\/Plug\.yaml and packages\/plug\.yaml are one package once normalised/,
  },
  {
    name: "an entry ending .yml, which a host serving the folder would not be asked for",
    arrange: (reg) => writeFile(join(reg, "packages", "other.yml"), entry("other")),
    says:
      /packages\/other\.yml: a host serving the registry is asked for packages\/<name>\.yaml[^]*rename it to other\.yaml/,
  },
  {
    name: "more entries than an https registry may list",
    arrange: async (reg) => {
      for (let i = 0; i < 5000; i++) {
        await Deno.writeTextFile(join(reg, "packages", `p${i}.yaml`), entry(`p${i}`));
      }
    },
    says: /index\.json would be refused by HPM: it lists 5001 names; HPM reads at most 5000/,
  },
  {
    name: "an entry that is a link to a secret outside",
    arrange: (reg, outside) =>
      Deno.symlink(join(outside, "keep.txt"), join(reg, "packages", "secret.yaml")),
    says: /secret\.yaml is a link to .*keep\.txt, outside/,
  },
  {
    name: "an entry that is a link to /dev/zero",
    ignore: !POSIX,
    arrange: (reg) => Deno.symlink("/dev/zero", join(reg, "packages", "zero.yaml")),
    says: /zero\.yaml is a link to \/dev\/zero, outside/,
  },
  {
    name: "an entry that is a FIFO",
    ignore: !POSIX,
    arrange: async (reg) => void await fifo(join(reg, "packages", "pipe.yaml")),
    says: /pipe\.yaml is not a regular file/,
  },
  {
    name: "an entry that is a link to a folder",
    arrange: async (reg) => {
      await Deno.mkdir(join(reg, "elsewhere"));
      await Deno.symlink(join(reg, "elsewhere"), join(reg, "packages", "dir.yaml"));
    },
    says: /dir\.yaml is not a regular file/,
  },
  {
    name: "a broken link",
    arrange: (reg) => Deno.symlink(join(reg, "nothing"), join(reg, "packages", "gone.yaml")),
    says: /gone\.yaml is a broken symbolic link/,
  },
  {
    name: "a folder named like an entry is not one",
    arrange: (reg) => Deno.mkdir(join(reg, "packages", "folder.yaml")),
    code: 0,
    says: /\(1 package\)/,
    lists: ["plug"],
  },
  {
    name: "a file name of 250 characters",
    arrange: (reg) =>
      writeFile(join(reg, "packages", `${"b".repeat(245)}.yaml`), entry("b".repeat(245))),
    says: /a package name has at most 200 characters/,
  },
  {
    name: "packages/ that is a link out of the registry",
    arrange: async (reg, outside) => {
      await Deno.remove(join(reg, "packages"), { recursive: true });
      await writeFile(join(outside, "packages", "x.yaml"), entry("x"));
      await Deno.symlink(join(outside, "packages"), join(reg, "packages"));
    },
    says: /packages is a link to .*, outside/,
  },
  {
    name: "index.json that is a link to a file outside",
    arrange: (reg, outside) => Deno.symlink(join(outside, "keep.txt"), join(reg, "index.json")),
    says: /index\.json is a link to .*keep\.txt, outside/,
  },
];

Deno.test(`hpm registry index on a hostile registry folder: ${indexCases.length} cases end clearly, nothing read or written outside`, async (t) => {
  await eachCase(t, indexCases, async (c, home) => {
    const reg = join(home, "reg");
    const outside = join(home, "outside");
    await writeFile(join(outside, "keep.txt"), "TOPSECRET\n");
    await writeFile(join(reg, "packages", "plug.yaml"), entry("plug"));
    await c.arrange(reg, outside);
    const r = await hpm(["registry", "index", reg], home);
    assert.equal(r.code, c.code ?? 2, r.stderr);
    assert.match(r.stderr, c.says);
    assert.doesNotMatch(r.stderr + r.stdout, /TOPSECRET|internal error/);
    assert.deepEqual(longLines(r.stderr + r.stdout), [], "no line quotes a value whole");
    assert.equal(await Deno.readTextFile(join(outside, "keep.txt")), "TOPSECRET\n");
    if (c.lists) {
      const written = JSON.parse(await Deno.readTextFile(join(reg, "index.json")));
      assert.deepEqual(written, { packages: c.lists });
    } else {
      const index = await Deno.lstat(join(reg, "index.json")).catch(() => undefined);
      assert.ok(index === undefined || index.isSymlink, "no index.json written");
    }
  });
});

Deno.test("an index written by hpm registry index, served as it is, gives every entry, named in any form", async () => {
  await withRoot(async (root) => {
    const reg = join(root, "reg");
    await writeFile(join(reg, "packages", "Rag_Plug.yaml"), entry("Rag_Plug"));
    expectOk(await hpm(["registry", "index", reg], root), "index");
    const host = filesHost({
      "/index.json": await Deno.readTextFile(join(reg, "index.json")),
      "/packages/Rag_Plug.yaml": entry("Rag_Plug"),
    });
    try {
      const dir = await coreOn(root, host.url);
      const env = { HPM_CACHE_DIR: join(root, "cache") };
      const shown = await hpm(["registry", "show", "rag-plug"], dir, env);
      expectOk(shown, "show");
      assert.match(shown.stdout, /pypi ==1\.0\.0/);
    } finally {
      await host.close();
    }
  });
});

interface ServedIndexCase {
  /** What it tries. */
  name: string;
  /** index.json's text. */
  index: string;
  /** Entries served, by name. @default each listed name, a small entry */
  entries?: (name: string) => string;
  /** What the output must say. */
  says: RegExp;
}

const servedCases: ServedIndexCase[] = [
  {
    name: "a name of 500 KB",
    index: JSON.stringify(["n".repeat(500 * 1024)]),
    says: /lists "n{20,}… \(512000 characters\)", which is not a package name/,
  },
  {
    name: "an item nested 100,000 lists deep",
    index: `[${"[".repeat(100_000)}${"]".repeat(100_000)}]`,
    says: /lists \[\[\[+… \(200000 characters\), which is not a package name/,
  },
  {
    name: "items that are not names",
    index: JSON.stringify({ packages: [1, null] }),
    says: /lists 1, which is not a package name/,
  },
  {
    name: "packages that is not a list",
    index: JSON.stringify({ packages: "plug" }),
    says: /must be a list of at most 5000 package names/,
  },
  {
    name: "one package listed in two forms",
    index: JSON.stringify(["Plug", "plug"]),
    says: /lists `Plug` and `plug`, one package once normalised/,
  },
  {
    name: "5,000 names of entries of 250 KB each",
    index: JSON.stringify(Array.from({ length: 5000 }, (_, i) => `p${i}`)),
    entries: (name) => entry(name, 250 * 1024),
    says: /a refresh may write at most 16777216 bytes to the cache/,
  },
];

Deno.test(`a hostile index.json: ${servedCases.length} cases refused with exit 2 and a short message`, async (t) => {
  await eachCase(t, servedCases, async (c, home) => {
    const listed = (() => {
      try {
        const parsed = JSON.parse(c.index);
        return (Array.isArray(parsed) ? parsed : []).filter((n) => typeof n === "string");
      } catch {
        return [];
      }
    })();
    const files: Record<string, string> = { "/index.json": c.index };
    for (const n of listed) files[`/packages/${n}.yaml`] = (c.entries ?? entry)(n);
    const host = filesHost(files);
    try {
      const dir = await coreOn(home, host.url);
      const env = { HPM_CACHE_DIR: join(home, "cache") };
      const r = await hpm(["registry", "list"], dir, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, c.says);
      assert.deepEqual(longLines(r.stderr + r.stdout), [], "no line quotes a value whole");
    } finally {
      await host.close();
    }
  });
});

Deno.test("a project whose encoded path nearly fills a state file name syncs and checks a mode with a 60-character name", async () => {
  await withRoot(async (base) => {
    // The project's real path, encoded for its state files' names, is 190 characters.
    const real = Deno.realPathSync(base);
    const root = join(real, "p".repeat(190 - 3 - encodeURIComponent(join(real, "core")).length));
    const { dir } = await makeProject(root, [{ name: "plug" }]);
    assert.equal(encodeURIComponent(dir).length, 190);
    const mode = "m".repeat(60);
    const file = join(dir, "hpm-registry", "packages", "plug.yaml");
    await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace("  dev:", `  ${mode}:`));
    expectOk(await hpm(["sync", "--mode", mode], dir), "sync");
    expectOk(await hpm(["check", "--mode", mode], dir), "check");
  });
});

// Linux's PATH_MAX (4096) and its "File name too long".
Deno.test({
  name: "a project root near PATH_MAX: init and sync work while the paths fit, then a clear error",
  ignore: Deno.build.os !== "linux",
}, async () => {
  await withRoot(async (base) => {
    let root = Deno.realPathSync(base);
    while (root.length < 3700) root = join(root, "d".repeat(250));
    const fits = join(root, "core");
    await writeFile(join(fits, "pyproject.toml"), PROJECT);
    expectOk(await hpm(["init"], fits), "init");
    expectOk(await hpm(["sync", "--no-install"], fits), "sync");
    expectOk(await hpm(["status"], fits), "status");
    // A registry whose path is longer than the system takes.
    await writeFile(join(fits, "hpm.yaml"), `registry: ./${"r/".repeat(200)}reg\n`);
    const far = await hpm(["registry", "list"], fits);
    assert.equal(far.code, 1, far.stderr);
    assert.match(far.stderr, /hint: a path is too long for the file system/);
    // hpm-registry/registry-entry.schema.json (and its temporary file) no longer fit.
    let over = root;
    while (over.length < 4060) over = join(over, "e".repeat(Math.min(250, 4060 - over.length)));
    await writeFile(join(over, "pyproject.toml"), PROJECT);
    const r = await hpm(["init"], over);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error: File name too long/);
    assert.match(r.stderr, /hint: a path is too long for the file system/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });
});
