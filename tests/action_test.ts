/**
 * HPM's GitHub Action (action.yml, composite): linted like the workflows
 * (zizmor offline and pedantic; actionlint with shellcheck, on a workflow
 * made of the action's steps, since actionlint reads workflows only), its
 * steps' scripts run here as a runner would run them (installing the wheel
 * built from this checkout, offline, then `hpm check --mode prod`), and the
 * CI example uses it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { makeTempRoot, repoRoot, run } from "./_fixtures.ts";
import { makeProject } from "./_project.ts";
import { pythonTool } from "./_tools.ts";
import { DENO_PIN, hpmWheels, posixTest, pypiWheels } from "./_wheels.ts";

const ROOT = repoRoot();

type Step = {
  name?: string;
  if?: string;
  uses?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
};
type Action = {
  name: string;
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
};

async function action(): Promise<{ text: string; data: Action }> {
  const text = await Deno.readTextFile(join(ROOT, "action.yml"));
  return { text, data: parse(text, { uniqueKeys: true }) as Action };
}

/** The action's steps as a reusable workflow's job, with its inputs: what actionlint can read. */
function asWorkflow(data: Action): string {
  return stringify({
    name: "action.yml",
    on: {
      workflow_call: {
        inputs: Object.fromEntries(
          Object.entries(data.inputs).map(([k, v]) => [k, { type: "string", default: v.default }]),
        ),
      },
    },
    permissions: {},
    jobs: { action: { "runs-on": "ubuntu-latest", permissions: {}, steps: data.runs.steps } },
  });
}

Deno.test("action.yml is a composite action with inputs version and command (default check --mode prod)", async () => {
  const { data, text } = await action();
  assert.equal(data.runs.using, "composite");
  assert.deepEqual(Object.keys(data.inputs).sort(), ["command", "version"]);
  assert.equal(data.inputs.command.default, "check --mode prod");
  assert.equal(data.inputs.version.default, "");
  // Every action it uses (none today) pinned by commit, as in the workflows.
  for (const m of text.matchAll(/^\s*(?:-\s+)?uses:\s*(.*)$/gm)) {
    assert.match(m[1], /^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  }
  // Inputs reach the scripts through the environment, never spliced into them.
  for (const step of data.runs.steps) assert.doesNotMatch(step.run ?? "", /\$\{\{/);
});

Deno.test("zizmor (offline, pedantic) finds nothing in action.yml", async () => {
  const zizmor = await pythonTool("zizmor");
  const r = await run(zizmor, ["--offline", "--persona", "pedantic", "action.yml"], {
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /No findings to report/);
});

Deno.test("actionlint (with shellcheck) accepts the action's steps, and catches a broken one", async () => {
  const [actionlint, shellcheck] = await Promise.all([
    pythonTool("actionlint"),
    pythonTool("shellcheck"),
  ]);
  const { data } = await action();
  const broken = structuredClone(data);
  broken.runs.steps[1].run = "hpm $COMMAND ${{ inputs.nope }}\n";
  const dir = await makeTempRoot();
  try {
    // Both in one run: the findings name their file.
    const workflows = join(dir, ".github", "workflows");
    await Deno.mkdir(workflows, { recursive: true });
    await Deno.writeTextFile(join(workflows, "action.yml"), asWorkflow(data));
    await Deno.writeTextFile(join(workflows, "broken.yml"), asWorkflow(broken));
    const r = await run(actionlint, [
      "-no-color",
      "-shellcheck",
      shellcheck,
      join(workflows, "action.yml"),
      join(workflows, "broken.yml"),
    ], { cwd: dir });
    assert.equal(r.code, 1, r.stdout);
    const findings = r.stdout.split("\n").filter((l) => /^\S+\.yml:\d+:\d+:/.test(l));
    assert.deepEqual(findings.filter((l) => !l.includes("broken.yml")), [], r.stdout);
    assert.match(r.stdout, /broken\.yml:.*property "nope" is not defined/);
    assert.match(r.stdout, /broken\.yml:.*SC2086/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CI example uses the action, pinned by commit, at this version", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const text = await Deno.readTextFile(join(ROOT, "examples", "ci", "github-actions.yml"));
  assert.match(text, new RegExp(`uses: hpm-cli/hpm@[0-9a-f]{40} # v${version}$`, "m"));
  assert.doesNotMatch(text, /deno install|setup-deno/, "no Deno to install by hand");
});

posixTest(
  "the action's steps, run as a runner would: hpm-cli installed (offline here), only hpm put on PATH, the command run",
  async () => {
    const root = await makeTempRoot();
    try {
      const [{ data }, , links] = await Promise.all([
        action(),
        hpmWheels(join(root, "dist")),
        pypiWheels([DENO_PIN]),
      ]);
      const temp = join(root, "runner-temp");
      await Deno.mkdir(temp);
      const githubPath = join(root, "github-path");
      await Deno.writeTextFile(githubPath, "");
      const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
      const runner = {
        RUNNER_TEMP: temp,
        GITHUB_PATH: githubPath,
        PIP_CONFIG_FILE: "/dev/null",
        PIP_NO_INDEX: "1",
        PIP_FIND_LINKS: `${join(root, "dist")} ${links}`,
        NO_COLOR: "1",
      };
      const step = (i: number, env: Record<string, string>) =>
        run("bash", ["-e", "-c", data.runs.steps[i].run!], {
          cwd: dir,
          env: { ...runner, ...env },
        });

      const install = await step(0, { VERSION: "", ACTION_PATH: ROOT });
      assert.equal(install.code, 0, install.stderr);
      const { version } = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
      assert.equal(install.stdout.split("\n")[0], version, "this commit's version by default");
      assert.deepEqual(await Deno.readTextFile(githubPath), `${join(temp, "hpm-bin")}\n`);
      assert.deepEqual([...Deno.readDirSync(join(temp, "hpm-bin"))].map((e) => e.name), ["hpm"]);

      const hpm = join(temp, "hpm-bin", "hpm");
      const synced = await run(hpm, ["sync", "--mode", "prod"], { cwd: dir });
      assert.equal(synced.code, 0, synced.stderr);
      const check = await step(1, { COMMAND: data.inputs.command.default! });
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stderr, /pyproject\.toml is in sync for mode prod/);
      const dev = await step(1, { COMMAND: "check --mode dev" });
      assert.equal(dev.code, 1, "a failing command fails the step");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
