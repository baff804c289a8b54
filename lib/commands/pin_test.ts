import assert from "node:assert/strict";
import { GIT_HARDENING } from "../io/git.ts";
import { join } from "node:path";
import { HpmInputError, HpmOperationError } from "../core/errors.ts";
import { pin } from "./pin.ts";
import { recordingRunner, type RunRequest, type RunResult } from "../io/runner.ts";

const SAFE = GIT_HARDENING;

/** A project on disk whose registry has `q` with this prod source; `packages/q` has a `.git` (git itself is recorded). */
async function project(prod: string): Promise<{ root: string; file: string; clone: string }> {
  const root = await Deno.makeTempDir({ prefix: "hpm-pin-unit-" });
  await Deno.mkdir(join(root, "reg", "packages"), { recursive: true });
  await Deno.mkdir(join(root, "packages", "q", ".git"), { recursive: true });
  await Deno.writeTextFile(join(root, "hpm.yaml"), "registry: ./reg\n");
  await Deno.writeTextFile(join(root, "pyproject.toml"), '[project]\nname = "core"\n');
  const file = join(root, "reg", "packages", "q.yaml");
  await Deno.writeTextFile(
    file,
    `# q\nname: q\nsources:\n  dev: {type: local, path: ./packages/q}\n  prod:   # release\n${prod}`,
  );
  return { root, file, clone: await Deno.realPath(join(root, "packages", "q")) };
}

/** Answers git like a clean clone on `main` whose newest tag is v1.10.0. */
function fakeGit(
  clone: string,
  overrides: Record<string, Partial<RunResult>> = {},
): ReturnType<typeof recordingRunner> {
  return recordingRunner((r: RunRequest) => {
    const args = r.args.slice(SAFE.length).join(" ");
    const answers: Record<string, string> = {
      "rev-parse --show-toplevel": `${clone}\n`,
      "tag --list --sort=-v:refname": "v1.10.0\nv1.9.0\n",
      "status --porcelain=v2 --branch": "# branch.oid abc\n# branch.head main\n",
      // Before ls-remote: the clone's own config names no command.
      "config --list --show-scope --show-origin -z": "",
    };
    const over = overrides[args];
    if (over) return { code: 0, stdout: "", stderr: "", ...over };
    if (args in answers) return { code: 0, stdout: answers[args], stderr: "" };
    if (args.startsWith("rev-list --count")) return { code: 0, stdout: "0\n", stderr: "" };
    if (args.startsWith("ls-remote")) {
      return { code: 0, stdout: `abc\trefs/tags/${r.args.at(-1)}\n`, stderr: "" };
    }
    throw new Error(`unexpected git ${args}`);
  });
}

const ENV = { HOME: "/home/u" };

Deno.test("pin() takes the newest tag by version order; exact git argv", async () => {
  const { root, file, clone } = await project(
    "    type: git\n    url: https://example.com/q.git\n    ref: v1.9.0 # current\n",
  );
  try {
    const runner = fakeGit(clone);
    const result = await pin({ root, package: "q", runner, env: ENV });
    assert.deepEqual(runner.calls.map((c) => [c.args, c.cwd]), [
      [[...SAFE, "tag", "--list", "--sort=-v:refname"], clone],
      [[...SAFE, "rev-list", "--count", "--end-of-options", "v1.10.0^{commit}..HEAD"], clone],
      [[...SAFE, "status", "--porcelain=v2", "--branch"], clone],
      [[...SAFE, "config", "--list", "--show-scope", "--show-origin", "-z"], clone],
      [[...SAFE, "ls-remote", "--end-of-options", "https://example.com/q.git", "v1.10.0"], clone],
    ]);
    assert.deepEqual(result, {
      file,
      ref: "v1.10.0",
      key: "ref",
      value: "v1.10.0",
      previous: "v1.9.0",
      changed: true,
      exact: true,
    });
    assert.equal(
      await Deno.readTextFile(file),
      "# q\nname: q\nsources:\n  dev: {type: local, path: ./packages/q}\n  prod:   # release\n" +
        "    type: git\n    url: https://example.com/q.git\n    ref: v1.10.0 # current\n",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pin(ref) checks it exists after --end-of-options; refuses an unknown or unsafe ref", async () => {
  const { root, file, clone } = await project(
    "    {type: git, url: 'https://example.com/q.git', tag: v1.9.0}\n",
  );
  try {
    const runner = fakeGit(clone);
    const r = await pin({ root, package: "q", ref: "v1.9.0", runner, env: ENV });
    assert.equal(r.changed, false);
    assert.ok(
      runner.calls.some((c) =>
        c.args.join(" ") ===
          [...SAFE, "rev-list", "--count", "--end-of-options", "v1.9.0^{commit}..HEAD"].join(" ")
      ),
    );

    const missing = fakeGit(clone, {
      "rev-list --count --end-of-options v7^{commit}..HEAD": { code: 128 },
    });
    await assert.rejects(
      pin({ root, package: "q", ref: "v7", force: true, runner: missing, env: ENV }),
      (e: unknown) => e instanceof HpmOperationError && /`v7` does not exist/.test(e.message),
    );

    const idle = recordingRunner();
    await assert.rejects(
      pin({ root, package: "q", ref: "--upload-pack=x", runner: idle, env: ENV }),
      HpmInputError,
    );
    assert.equal(idle.calls.length, 0);
    assert.match(await Deno.readTextFile(file), /tag: v1\.9\.0\}/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pin() refuses a dirty or ahead clone unless forced", async () => {
  const { root, file, clone } = await project(
    "    {type: git, url: 'https://example.com/q.git', rev: v1.9.0}\n",
  );
  try {
    const before = await Deno.readTextFile(file);
    const dirty = fakeGit(clone, {
      "status --porcelain=v2 --branch": {
        stdout: "# branch.oid abc\n# branch.head main\n1 .M N... 100644 100644 100644 a b a.py\n",
      },
      "rev-list --count --end-of-options v1.10.0^{commit}..HEAD": { stdout: "2\n" },
    });
    await assert.rejects(
      pin({ root, package: "q", runner: dirty, env: ENV }),
      (e: unknown) =>
        e instanceof HpmOperationError &&
        e.message.includes("1 uncommitted change, and it has 2 commits after v1.10.0"),
    );
    assert.equal(await Deno.readTextFile(file), before);
    const lines: string[] = [];
    const r = await pin({
      root,
      package: "q",
      runner: dirty,
      env: ENV,
      force: true,
      log: (l) => lines.push(l),
    });
    assert.equal(r.key, "rev");
    assert.match(lines[0], /^pinning anyway \(--force\)/);
    assert.equal(await Deno.readTextFile(file), before.replace("rev: v1.9.0", "rev: v1.10.0"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pin() replaces a branch by ref, and sets a pypi version without the v", async () => {
  const branch = await project("    {type: git, url: 'https://example.com/q.git', branch: main}\n");
  try {
    const r = await pin({
      root: branch.root,
      package: "q",
      runner: fakeGit(branch.clone),
      env: ENV,
    });
    assert.equal(r.previous, "main");
    assert.equal(
      await Deno.readTextFile(branch.file),
      "# q\nname: q\nsources:\n  dev: {type: local, path: ./packages/q}\n  prod:   # release\n" +
        "    {type: git, url: 'https://example.com/q.git', ref: v1.10.0}\n",
    );
  } finally {
    await Deno.remove(branch.root, { recursive: true });
  }
  const pypi = await project("    type: pypi\n    version: '1.9.0'  # on the index\n");
  try {
    const r = await pin({ root: pypi.root, package: "q", runner: fakeGit(pypi.clone), env: ENV });
    assert.deepEqual([r.key, r.value, r.previous, r.ref], [
      "version",
      "1.10.0",
      "1.9.0",
      "v1.10.0",
    ]);
    assert.match(
      await Deno.readTextFile(pypi.file),
      /\n {4}version: '1\.10\.0' {2}# on the index\n$/,
    );
    const odd = fakeGit(pypi.clone, { "tag --list --sort=-v:refname": { stdout: "nightly\n" } });
    await assert.rejects(
      pin({ root: pypi.root, package: "q", runner: odd, env: ENV }),
      (e: unknown) => e instanceof HpmOperationError && /not a version/.test(e.message),
    );
  } finally {
    await Deno.remove(pypi.root, { recursive: true });
  }
});

Deno.test("pin() input errors: unknown package, local prod source, no such mode", async () => {
  const { root, clone } = await project("    {type: local, path: ../q}\n");
  try {
    const runner = fakeGit(clone);
    await assert.rejects(
      pin({ root, package: "qq", runner, env: ENV }),
      (e: unknown) => e instanceof HpmInputError && e.hint === "did you mean `q`?",
    );
    await assert.rejects(
      pin({ root, package: "q", runner, env: ENV }),
      (e: unknown) => e instanceof HpmInputError && /is a local path/.test(e.message),
    );
    await assert.rejects(
      pin({ root, package: "q", mode: "staging", runner, env: ENV }),
      (e: unknown) => e instanceof HpmInputError && e.code === "missing-mode",
    );
    assert.equal(runner.calls.length, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
