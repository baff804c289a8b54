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
import { withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm } from "./_project.ts";

const PROJECT = '[project]\nname = "core"\nversion = "0.1.0"\n';

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

interface InitCase {
  /** What it tries. */
  name: string;
  /** pyproject.toml's text after `[project]`. */
  pyproject: string;
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
    pyproject: group('"plug"') + sources('plug = { git = "ext::sh -c touch% /tmp/pwned" }'),
    says: /not adopted: source `plug`: the git URL "ext::sh -c touch% \/tmp\/pwned" is not allowed/,
  },
  {
    name: "a git URL that is an option",
    pyproject: group('"plug"') + sources('plug = { git = "-uhttps://example.com/x.git" }'),
    says: /the git URL .* is not allowed/,
  },
  {
    name: "a tag that is an option",
    pyproject: group('"plug"') +
      sources('plug = { git = "https://example.com/x.git", tag = "--upload-pack=touch /tmp/x" }'),
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
    says: /next: /,
  },
  {
    name: "arrays nested 5,000 deep",
    pyproject: `x = ${"[".repeat(5000)}${"]".repeat(5000)}\n`,
    code: 2,
    says: /error: cannot parse .*pyproject\.toml: .*nested/,
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
  await withRoot(async (root) => {
    for (const [i, c] of initCases.entries()) {
      await t.step(c.name, async () => {
        const dir = join(root, `p${i}`, "core");
        const outside = join(root, `p${i}`, "outside");
        await writeFile(join(outside, "keep.txt"), "mine\n");
        await writeFile(join(dir, "pyproject.toml"), PROJECT + c.pyproject);
        await c.arrange?.(dir, outside);
        const before = await tree(join(root, `p${i}`));
        const r = await hpm(["init"], dir);
        assert.equal(r.code, c.code ?? 0, r.stderr);
        assert.match(r.stderr, c.says);
        assert.deepEqual(longLines(r.stderr + r.stdout), [], "no line quotes a value whole");
        assert.doesNotMatch(r.stderr, /internal error|Invalid input/);
        assert.deepEqual(await tree(outside), ["keep.txt"], "nothing written outside");
        if ((c.code ?? 0) !== 0) {
          assert.deepEqual(await tree(join(root, `p${i}`)), before, "nothing written");
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
    }
    await assert.rejects(Deno.stat("/tmp/pwned"));
  });
});
