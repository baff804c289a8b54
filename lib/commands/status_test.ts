import assert from "node:assert/strict";
import { GIT_HARDENING } from "../io/git.ts";
import { join } from "node:path";
import { recordingRunner, type RunRequest } from "../io/runner.ts";
import { formatStatus, status, type StatusReport } from "./status.ts";
import { describeSource } from "../core/registry_entry.ts";
import { tempTree } from "../_testing.ts";

const SAFE = GIT_HARDENING;

function project(): Promise<string> {
  return tempTree("hpm-status-unit-", {
    "hpm.yaml": "registry: ./reg\ngroups:\n  plugins:\n    options: [a, b, c]\n",
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
    "reg/packages/a.yaml": "name: a\nsources:\n  dev: {type: local, path: ./packages/a}\n" +
      "  prod: {type: git, url: 'https://example.com/a.git', ref: v1.0.0}\n",
    "reg/packages/b.yaml":
      "name: b\nsources:\n  dev: {type: local, path: ./packages/b}\n  prod: {type: pypi, version: 2.0.0}\n",
    "reg/packages/c.yaml": "name: c\nsources:\n  dev: {type: pypi, version: 1.2.0}\n",
    "packages/a/pyproject.toml": '[project]\nname = "a"\nversion = "1.0.0"\n',
    "packages/a/.git/HEAD": "ref: refs/heads/main\n",
  });
}

Deno.test("status() asks git about each local clone, refs after --end-of-options", async () => {
  const root = await project();
  try {
    const a = join(root, "packages", "a");
    const runner = recordingRunner((r: RunRequest) => {
      const args = r.args.slice(SAFE.length).join(" ");
      const ok = (stdout: string) => ({ code: 0, stdout, stderr: "" });
      if (args === "rev-parse --show-toplevel") {
        return r.cwd === a ? ok(`${a}\n`) : { code: 128, stdout: "", stderr: "fatal: not a repo" };
      }
      if (args === "rev-parse --show-toplevel --show-prefix") {
        return { code: 128, stdout: "", stderr: "fatal: not a repo" };
      }
      if (args === "status --porcelain=v2 --branch") {
        return ok(
          "# branch.oid abc\n# branch.head main\n# branch.upstream origin/main\n# branch.ab +4 -0\n" +
            "1 .M N... 100644 100644 100644 a b x.py\n? y.py\n",
        );
      }
      if (args.startsWith("rev-list --count")) return ok("3\n");
      throw new Error(`unexpected git ${args}`);
    });
    const report = await status({ root, runner, env: {} });
    for (const call of runner.calls) assert.deepEqual(call.args.slice(0, SAFE.length), SAFE);
    assert.deepEqual(runner.calls.map((c) => c.args.slice(SAFE.length)), [
      ["status", "--porcelain=v2", "--branch"],
      ["rev-list", "--count", "--end-of-options", "v1.0.0^{commit}..HEAD"],
      ["rev-parse", "--show-toplevel", "--show-prefix"],
    ]);
    assert.equal(report.git, null, "the core is not in a git work tree");
    assert.equal(report.mode, "dev");
    assert.equal(report.modeOrigin, "default");
    assert.equal(report.pyprojectMode, null);
    assert.equal(report.inSync, false);
    assert.equal(report.local, null);
    assert.deepEqual(report.missingClones, ["b"]);
    const [pa, pb, pc] = report.packages;
    assert.deepEqual(pa.clone, {
      path: a,
      displayPath: "packages/a",
      exists: true,
      present: true,
      git: true,
      branch: "main",
      detachedAt: null,
      dirty: true,
      changedPaths: 2,
      prodRef: "v1.0.0",
      prodRefExists: true,
      commitsSinceProdRef: 3,
      commitsNotPushed: 4,
      error: null,
      cloneUrl: "https://example.com/a.git",
    });
    assert.equal(pa.description, "local packages/a (editable)");
    // Missing: no git call at all; the pypi prod version gives the expected tag.
    assert.equal(pb.clone?.present, false);
    assert.equal(pb.clone?.prodRef, "v2.0.0");
    assert.equal(pb.clone?.git, false);
    assert.equal(pc.clone, null);
    assert.equal(pc.description, "pypi ==1.2.0");
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("describeSource() covers every source form", () => {
  assert.equal(
    describeSource({ type: "local", path: "../libs/x", editable: false }),
    "local ../libs/x",
  );
  assert.equal(
    describeSource({ type: "git", url: "https://e.com/x.git", branch: "main", subdirectory: "py" }),
    "git https://e.com/x.git @ branch main (subdirectory py)",
  );
  assert.equal(
    describeSource({ type: "git", url: "https://e.com/x.git" }),
    "git https://e.com/x.git",
  );
  assert.equal(
    describeSource({ type: "pypi", index: "https://pypi.e.com/simple" }),
    "pypi (any version) from https://pypi.e.com/simple",
  );
  assert.equal(
    describeSource({ type: "local", path: "x", editable: true }, "/p", "/elsewhere/far/away/x"),
    "local ../elsewhere/far/away/x (editable)",
  );
});

const clone = {
  path: "/p/packages/a",
  displayPath: "packages/a",
  exists: true,
  present: true,
  git: true,
  branch: "main",
  detachedAt: null,
  dirty: false,
  changedPaths: 0,
  prodRef: "v1.0.0",
  prodRefExists: true,
  commitsSinceProdRef: 0,
  commitsNotPushed: 0,
  error: null,
  cloneUrl: "https://example.com/a.git",
};

const report: StatusReport = {
  root: "/p",
  mode: "prod",
  modeOrigin: "RUN_MODE",
  pyprojectMode: "dev",
  inSync: false,
  local: { file: "/p/hpm.local.yaml", mode: null, overrides: ["b"], develop: [] },
  missingClones: ["c"],
  problem: null,
  git: null,
  environment: { state: "missing", path: "/p/.venv", reason: null },
  alternatives: [],
  registries: [],
  registry: { locations: ["./reg"], file: "/p/hpm.yaml" },
  packages: [
    {
      name: "a",
      key: "a",
      groups: ["db"],
      requiredBy: [],
      source: { type: "local", path: "./packages/a", editable: true },
      description: "local packages/a (editable)",
      overridden: false,
      developed: false,
      clone,
    },
    {
      name: "b",
      key: "b",
      groups: ["db"],
      requiredBy: ["a"],
      source: { type: "local", path: "../b", editable: true },
      description: "local ../b (editable)",
      overridden: true,
      developed: false,
      clone: {
        ...clone,
        path: "/b",
        displayPath: "../b",
        branch: null,
        detachedAt: "v0.9.0",
        dirty: true,
        changedPaths: 1,
        commitsSinceProdRef: 2,
      },
    },
    {
      name: "c",
      key: "c",
      groups: ["llm"],
      requiredBy: [],
      source: { type: "local", path: "./c", editable: true },
      description: "local c (editable)",
      overridden: false,
      developed: false,
      clone: {
        ...clone,
        exists: false,
        present: false,
        git: false,
        dirty: null,
        changedPaths: null,
      },
    },
    {
      name: "d",
      key: "d",
      groups: ["llm"],
      requiredBy: [],
      source: { type: "local", path: "./d", editable: true },
      description: "local d (editable)",
      overridden: false,
      developed: false,
      clone: { ...clone, prodRef: "v9", prodRefExists: false, commitsSinceProdRef: null },
    },
    {
      name: "e",
      key: "e",
      groups: ["llm"],
      requiredBy: [],
      source: { type: "local", path: "./e", editable: false },
      description: "local e",
      overridden: false,
      developed: false,
      clone: { ...clone, present: false },
    },
  ],
};

Deno.test("formatStatus() renders a plain table", () => {
  assert.equal(
    formatStatus(report, { color: false }),
    [
      "mode: prod (from RUN_MODE)",
      "pyproject.toml: in dev mode, out of sync for prod: run `hpm sync --mode prod`",
      "hpm.local.yaml: in effect (overrides b)",
      "environment: none yet: run `hpm sync --mode prod`",
      "",
      "PACKAGE  GROUP       SOURCE                       CHECKOUT",
      "a        db          local packages/a (editable)  main, clean, no commits since v1.0.0",
      "b        db (for a)  local ../b (editable) *      detached at v0.9.0, 1 uncommitted change, 2 commits since v1.0.0",
      "c        llm         local c (editable)           missing: run `hpm clone c`",
      "d        llm         local d (editable)           main, clean, prod ref v9 not found",
      "e        llm         local e                      not a Python project (no pyproject.toml)",
      "",
      "* path set by hpm.local.yaml",
      "",
      "missing clones: run `hpm clone c`",
    ].join("\n"),
  );
});

Deno.test("formatStatus() colours without breaking the columns", () => {
  const text = formatStatus(report, { color: true });
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  assert.equal(plain, formatStatus(report, { color: false }));
  assert.ok(text.includes("\x1b[31mmissing: run `hpm clone c`\x1b[0m"));
  assert.ok(text.includes("\x1b[33m1 uncommitted change\x1b[0m"));
});

Deno.test("formatStatus() with no plugins says how to add one", () => {
  const text = formatStatus(
    { ...report, packages: [], missingClones: [], local: null, pyprojectMode: null, inSync: true },
    { color: false },
  );
  assert.equal(
    text,
    "mode: prod (from RUN_MODE)\nenvironment: none yet: run `hpm sync --mode prod`\n\n" +
      "no plugins: add one with `hpm group add GROUP --option PACKAGE`",
  );
});

Deno.test("formatStatus() shows working tree, index and HEAD, and when to run hpm stage", () => {
  const line = (git: StatusReport["git"]) =>
    formatStatus({ ...report, git }, { color: false }).split("\n").find((l) =>
      l.startsWith("git: ")
    );
  const forms = { commitMode: "prod", worktree: "dev", staged: true, index: "prod", head: "prod" };
  assert.equal(
    line(forms),
    "git: working tree dev, index prod (staged), HEAD prod; commit mode prod: ready to commit",
  );
  assert.equal(
    line({ ...forms, index: "dev" }),
    "git: working tree dev, index dev (staged), HEAD prod; commit mode prod: run `hpm stage`",
  );
  assert.equal(
    line({ ...forms, staged: false, index: "dev", head: "dev" }),
    "git: working tree dev, index not staged, HEAD dev; commit mode prod: HEAD is in dev; " +
      "run `hpm stage`",
  );
  assert.equal(
    line({ ...forms, commitMode: null, staged: false, head: null }),
    "git: working tree dev, index not staged, HEAD unmanaged",
  );
  assert.equal(line(null), undefined, "outside git, no line");
});

Deno.test("formatStatus() says the forms in plain words", () => {
  const sentence = (git: StatusReport["git"]) => {
    const lines = formatStatus({ ...report, git }, { color: false }).split("\n");
    return lines[lines.findIndex((l) => l.startsWith("git: ")) + 1].trim();
  };
  const forms = { commitMode: "prod", worktree: "dev", staged: false, index: "prod", head: "prod" };
  assert.equal(sentence(forms), "you work in dev; the index and HEAD hold prod, as committed");
  assert.equal(
    sentence({ ...forms, staged: true, head: "dev" }),
    "you work in dev; the index holds prod, as committed, ready to commit; HEAD holds dev",
  );
  assert.equal(
    sentence({ ...forms, worktree: null, head: null, commitMode: null }),
    "hpm manages nothing in your pyproject.toml; the index and HEAD hold no mode of hpm's",
  );
});

Deno.test("formatStatus() tells the environment's state and the alternatives not selected", () => {
  const row = (r: Partial<StatusReport>, name: string) =>
    formatStatus({ ...report, ...r }, { color: false }).split("\n").find((l) =>
      l.startsWith(`${name}: `)
    );
  const environment = (state: StatusReport["environment"]["state"], reason: string | null) => ({
    environment: { state, path: "/p/.venv", reason },
  });
  assert.equal(
    row({ ...environment("in-sync", null), inSync: true }, "environment"),
    "environment: matches uv.lock",
  );
  assert.equal(
    row(environment("in-sync", null), "environment"),
    "environment: matches uv.lock, which is not yet for prod: run `hpm sync --mode prod`",
  );
  assert.equal(
    row(environment("outdated", "uv would install 1 package"), "environment"),
    "environment: does not match uv.lock (uv would install 1 package): run `hpm sync --mode prod`",
  );
  assert.equal(
    row(environment("unknown", "uv was not found"), "environment"),
    "environment: not known (uv was not found)",
  );
  assert.equal(row({}, "alternatives"), undefined, "no group of alternatives, no row");
  assert.equal(
    row({
      alternatives: [
        { group: "db", selected: "qdrant", others: ["chroma", "milvus"] },
        { group: "llm", selected: "openai", others: [] },
      ],
    }, "alternatives"),
    "alternatives: db uses qdrant (not chroma, milvus); llm uses openai",
  );
});
