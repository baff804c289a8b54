import assert from "node:assert/strict";
import { GIT_HARDENING } from "../io/git.ts";
import { basename, dirname, join } from "node:path";
import { clone, summarizeClone } from "./clones.ts";
import { cloneSource, devCheckout } from "../core/checkout.ts";
import { HpmInputError } from "../core/errors.ts";
import { loadProject } from "../project/load.ts";
import { parseRegistryEntry } from "../core/registry_entry.ts";
import { recordingRunner, type RunRequest, type RunResult } from "../io/runner.ts";

const SAFE = GIT_HARDENING;

/** A project on disk (no git anywhere): hpm.yaml, registry entries, pyproject.toml. */
async function project(
  entries: Record<string, string>,
  options: string[],
  local?: string,
): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "hpm-clone-unit-" });
  await Deno.mkdir(join(root, "reg", "packages"), { recursive: true });
  await Deno.writeTextFile(
    join(root, "hpm.yaml"),
    `registry: ./reg\ngroups:\n  plugins:\n    options: [${options.join(", ")}]\n`,
  );
  await Deno.writeTextFile(join(root, "pyproject.toml"), '[project]\nname = "core"\n');
  for (const [name, sources] of Object.entries(entries)) {
    await Deno.writeTextFile(
      join(root, "reg", "packages", `${name}.yaml`),
      `name: ${name}\n${sources}`,
    );
  }
  if (local) await Deno.writeTextFile(join(root, "hpm.local.yaml"), local);
  return root;
}

const gitEntry = (name: string, extra = "") =>
  `sources:\n  dev: {type: local, path: ./packages/${name}}\n` +
  `  prod: {type: git, url: 'https://example.com/${name}.git', ref: v1.0.0}\n${extra}`;

const ENV = { HOME: "/home/u" };

/** Where clone() asks git to clone `name`'s checkout at `path` (it renames it into place after). */
const partial = (path: string) => join(dirname(path), `.${basename(path)}.hpm-clone-${Deno.pid}`);

/** A git that "clones" by creating the destination folder, as the real one would. */
function fakeGit(respond: (r: RunRequest) => RunResult | undefined = () => undefined) {
  return recordingRunner(async (r) => {
    const answer = respond(r);
    if (answer) return answer;
    await Deno.mkdir(r.args.at(-1)!, { recursive: true });
    await Deno.writeTextFile(join(r.args.at(-1)!, "pyproject.toml"), "");
    return { code: 0, stdout: "", stderr: "" };
  });
}

Deno.test("clone() runs `git clone` with unsafe transports off and `--` before the URL", async () => {
  const root = await project({ a: gitEntry("a") }, ["a"]);
  try {
    const runner = fakeGit();
    const lines: string[] = [];
    const report = await clone({ root, runner, env: ENV, log: (l) => lines.push(l) });
    assert.deepEqual(runner.calls.map((c) => [c.program, c.args, c.cwd]), [[
      "git",
      [
        ...SAFE,
        "clone",
        "--quiet",
        "--",
        "https://example.com/a.git",
        partial(join(root, "packages", "a")),
      ],
      root,
    ]]);
    await Deno.stat(join(root, "packages", "a", "pyproject.toml"));
    // A single clone may prompt for credentials.
    assert.equal(runner.calls[0].env, undefined);
    assert.deepEqual(report, {
      ok: true,
      results: [{
        name: "a",
        status: "cloned",
        path: join(root, "packages", "a"),
        url: "https://example.com/a.git",
      }],
    });
    assert.deepEqual(lines, [
      "a: cloning https://example.com/a.git into packages/a…",
      "a: cloned into packages/a",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("clone() keeps going after a failure and reports each package", async () => {
  const root = await project(
    {
      a: gitEntry("a"),
      b: gitEntry("b"),
      c: gitEntry("c"),
      "no-git": "sources:\n  dev: {type: local, path: ./packages/no-git}\n",
      "pypi-only": "sources:\n  prod: {type: pypi, version: 1.0.0}\n",
      mono: "sources:\n  dev: {type: local, path: ./packages/mono}\n" +
        "  prod: {type: git, url: 'https://example.com/m.git', tag: v1, subdirectory: py}\n",
    },
    ["a", "b", "c", "no-git", "pypi-only", "mono"],
  );
  try {
    await Deno.mkdir(join(root, "packages", "c"), { recursive: true });
    await Deno.writeTextFile(join(root, "packages", "c", "x"), "");
    const runner = fakeGit((r: RunRequest) =>
      r.args.includes("https://example.com/b.git")
        ? {
          code: 128,
          stdout: "",
          stderr: "Cloning…\nfatal: repository 'https://example.com/b.git/' not found\n",
        }
        : undefined
    );
    const report = await clone({ root, runner, env: ENV, jobs: 3 });
    assert.equal(report.ok, false);
    const by = Object.fromEntries(report.results.map((r) => [r.name, r]));
    assert.equal(by.a.status, "cloned");
    assert.equal(by.b.status, "failed");
    assert.equal(
      by.b.reason,
      "git clone failed: repository 'https://example.com/b.git/' not found",
    );
    assert.equal(by.c.status, "present");
    assert.equal(by["no-git"].status, "failed");
    assert.match(by["no-git"].reason!, /no mode of .* has a git source/);
    assert.equal(by["pypi-only"].status, "skipped");
    assert.equal(by.mono.status, "failed");
    assert.match(by.mono.reason!, /subdirectory `py`/);
    assert.deepEqual(report.results.map((r) => r.name), [
      "a",
      "b",
      "c",
      "mono",
      "no-git",
      "pypi-only",
    ]);
    // Only a and b reach git; parallel clones must not prompt.
    assert.equal(runner.calls.length, 2);
    for (const call of runner.calls) assert.deepEqual(call.env, { GIT_TERMINAL_PROMPT: "0" });
    assert.equal(
      summarizeClone(report),
      "1 cloned, 1 already there, 1 skipped (no local source), 3 failed (b, mono, no-git)",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("clone() follows registry `requires` and uses hpm.local.yaml paths", async () => {
  const root = await project(
    { a: gitEntry("a").replace("sources:", "requires: [base]\nsources:"), base: gitEntry("base") },
    ["a"],
    "overrides:\n  base: {path: ~/libs/base}\n",
  );
  try {
    const runner = fakeGit();
    const home = join(root, "home");
    const report = await clone({ root, runner, env: { HOME: home } });
    assert.deepEqual(
      runner.calls.map((c) => c.args.at(-1)).sort(),
      [partial(join(root, "packages", "a")), partial(join(home, "libs", "base"))].sort(),
    );
    assert.ok(report.ok);
    await Deno.stat(join(home, "libs", "base", "pyproject.toml"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("clone(packages) clones only those; an unknown name fails before any clone", async () => {
  const root = await project({ "rag4code-qdrant": gitEntry("rag4code-qdrant"), b: gitEntry("b") }, [
    "rag4code-qdrant",
    "b",
  ]);
  try {
    const runner = recordingRunner();
    await clone({ root, runner, env: ENV, packages: ["b"] });
    assert.deepEqual(runner.calls.map((c) => c.args.at(-2)), ["https://example.com/b.git"]);

    const idle = recordingRunner();
    await assert.rejects(
      clone({ root, runner: idle, env: ENV, packages: ["b", "rag4code-qdrnt"] }),
      (e: unknown) =>
        e instanceof HpmInputError && e.code === "unknown-package" &&
        e.hint === "did you mean `rag4code-qdrant`?",
    );
    assert.equal(idle.calls.length, 0);
    await assert.rejects(clone({ root, runner: idle, env: ENV, jobs: 0 }), HpmInputError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("devCheckout() prefers the mode asked for, then dev, then any local source", async () => {
  const root = await project({
    a: "sources:\n  dev: {type: local, path: ./d}\n  ci: {type: local, path: ./c}\n",
    b: "sources:\n  work: {type: local, path: ../w}\n  prod: {type: pypi}\n",
    c: "sources:\n  prod: {type: pypi}\n",
  }, ["a", "b", "c"]);
  try {
    const p = await loadProject(root);
    const r = p.registry;
    assert.deepEqual(devCheckout(p, r.get("a"), "ci"), {
      mode: "ci",
      path: join(root, "c"),
      overridden: false,
    });
    assert.equal(devCheckout(p, r.get("a"), "prod")?.path, join(root, "d"));
    assert.equal(devCheckout(p, r.get("b"), "dev")?.path, join(root, "..", "w"));
    assert.equal(devCheckout(p, r.get("c"), "dev"), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("cloneSource() prefers prod's git source", () => {
  const entry = parseRegistryEntry(
    "name: q\nsources:\n  staging: {type: git, url: 'https://example.com/s.git', branch: main}\n" +
      "  prod: {type: git, url: 'https://example.com/p.git', tag: v1}\n",
    "q.yaml",
  );
  assert.equal(cloneSource(entry)?.mode, "prod");
  const other = parseRegistryEntry(
    "name: q\nsources:\n  staging: {type: git, url: 'https://example.com/s.git', branch: main}\n" +
      "  prod: {type: pypi}\n",
    "q.yaml",
  );
  assert.equal(cloneSource(other)?.source.url, "https://example.com/s.git");
});
