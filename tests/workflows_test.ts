/**
 * The CI and release workflows, and the CI examples for teams, linted with
 * the real tools (zizmor offline, actionlint with shellcheck, all from PyPI
 * through tests/_tools.ts), plus the rules those tools do not state: every
 * action pinned by commit with its version beside it, no permission at the
 * top, `id-token: write` only where JSR needs it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot, run } from "./_fixtures.ts";
import { pythonTool } from "./_tools.ts";

const root = repoRoot();
const GITHUB_WORKFLOWS = [
  ".github/workflows/ci.yml",
  ".github/workflows/release.yml",
  "examples/ci/github-actions.yml",
];
const GITLAB_CI = "examples/ci/.gitlab-ci.yml";

type Workflow = {
  permissions?: unknown;
  jobs: Record<string, {
    needs?: string | string[];
    permissions?: Record<string, string>;
    steps?: { uses?: string; with?: Record<string, unknown>; run?: string }[];
  }>;
};

async function load<T>(file: string): Promise<{ text: string; data: T }> {
  const text = await Deno.readTextFile(join(root, file));
  return { text, data: parse(text, { uniqueKeys: true }) as T };
}

Deno.test("zizmor (offline, pedantic) finds nothing in the workflows and the CI example", async () => {
  const zizmor = await pythonTool("zizmor");
  const r = await run(zizmor, ["--offline", "--persona", "pedantic", ...GITHUB_WORKFLOWS], {
    cwd: root,
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /No findings to report/);

  // The same zizmor objects once the checkout floats on a tag and keeps its credentials.
  const { text } = await load<Workflow>(".github/workflows/ci.yml");
  const dir = await Deno.makeTempDir({ prefix: "hpm-test-" });
  try {
    await Deno.writeTextFile(
      join(dir, "ci.yml"),
      text.replace(/@[0-9a-f]{40} # (v\d+)\S*/, "@$1")
        .replace("        with:\n          persist-credentials: false\n", ""),
    );
    const bad = await run(zizmor, ["--offline", "ci.yml"], { cwd: dir, env: { NO_COLOR: "1" } });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, /unpinned-uses/);
    assert.match(bad.stdout, /artipacked/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("actionlint (with shellcheck on run: scripts) accepts the workflows and the CI example", async () => {
  const [actionlint, shellcheck] = await Promise.all([
    pythonTool("actionlint"),
    pythonTool("shellcheck"),
  ]);
  const r = await run(actionlint, ["-no-color", "-shellcheck", shellcheck, ...GITHUB_WORKFLOWS], {
    cwd: root,
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
});

Deno.test("actionlint does catch a broken workflow (the lint is not a no-op)", async () => {
  const [actionlint, shellcheck] = await Promise.all([
    pythonTool("actionlint"),
    pythonTool("shellcheck"),
  ]);
  const { text } = await load<Workflow>(".github/workflows/ci.yml");
  const dir = await Deno.makeTempDir({ prefix: "hpm-test-" });
  try {
    const broken = join(dir, "ci.yml");
    // An unknown expression context and an unquoted variable in a script.
    await Deno.writeTextFile(
      broken,
      text.replace("run: bash .ci/run", "run: echo ${{ matrix.nope }} && cd $HOME"),
    );
    const r = await run(actionlint, ["-no-color", "-shellcheck", shellcheck, broken], { cwd: dir });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /property "nope" is not defined/);
    assert.match(r.stdout, /SC2086/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every action is pinned by full commit SHA with its version in a comment", async () => {
  for (const file of GITHUB_WORKFLOWS) {
    const { text } = await load<Workflow>(file);
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(.*)$/gm)].map((m) => m[1].trim());
    assert.ok(uses.length > 0, file);
    for (const u of uses) {
      assert.match(u, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/, `${file}: ${u}`);
    }
  }
});

Deno.test("no permission at the top; checkouts keep no credentials; id-token only to publish to JSR and PyPI", async () => {
  for (const file of GITHUB_WORKFLOWS) {
    const { data } = await load<Workflow>(file);
    assert.deepEqual(data.permissions, {}, `${file}: top-level permissions`);
    for (const [name, job] of Object.entries(data.jobs)) {
      assert.ok(job.permissions, `${file}: job ${name} states its permissions`);
      const idToken = job.permissions["id-token"];
      const publishes = file.endsWith("release.yml") && (name === "jsr" || name === "pypi");
      assert.equal(idToken === "write", publishes, name);
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith("actions/checkout@")) {
          assert.equal(step.with?.["persist-credentials"], false, `${file}: ${name}`);
        }
      }
    }
  }
  const release = (await load<Workflow>(".github/workflows/release.yml")).data;
  assert.ok(release.jobs.jsr.steps?.some((s) => s.run === "deno publish"));
  // PyPI by trusted publishing (OIDC): no token, and only once the version check and every build passed.
  const pypi = release.jobs.pypi;
  assert.ok(pypi.steps?.some((s) => s.run === "uv publish --trusted-publishing always dist/*.whl"));
  assert.doesNotMatch(JSON.stringify(pypi), /secrets\.|password|token:/i);
  assert.deepEqual(pypi.permissions, { "id-token": "write" });
  assert.deepEqual(pypi.needs, ["compile", "wheel"]);
  assert.equal(release.jobs.wheel.needs, "version");
  assert.ok(release.jobs.wheel.steps?.some((s) => s.run === "deno task wheel"));
});

Deno.test("the CI examples run hpm check and a locked prod sync; GitLab's scripts pass shellcheck", async () => {
  const shellcheck = await pythonTool("shellcheck");
  const github = await load<Workflow>("examples/ci/github-actions.yml");
  const gitlab = await load<Record<string, { image?: string; script?: string[] }>>(GITLAB_CI);
  for (const text of [github.text, gitlab.text]) {
    assert.match(text, /hpm check --mode prod$/m);
    assert.match(text, /RUN_MODE=prod hpm sync --locked$/m);
  }
  const jobs = Object.entries(gitlab.data).filter(([, v]) => typeof v === "object" && v?.script);
  assert.ok(jobs.length > 0, "a GitLab job with a script");
  for (const [name, job] of jobs) {
    assert.ok(job.image, `${name} names its image`);
    const { before_script = [], script = [] } = job as Record<string, string[]>;
    // GitLab runs the lines of before_script then script in one POSIX shell.
    const body = `#!/bin/sh\nset -e\n${[...before_script, ...script].join("\n")}\n`;
    const r = await run(shellcheck, ["--shell=sh", "-"], { cwd: root, stdin: body });
    assert.equal(r.code, 0, `${name}:\n${r.stdout}`);
  }
});
