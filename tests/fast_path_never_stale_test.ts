/**
 * The no-op fast path never answers from a stale fingerprint. Each case
 * records a fingerprint (two syncs), proves the fast path answers, changes
 * one input (or touches it without a change), then compares `check`, `diff`
 * and `sync --no-install` with the answer of the normal path, taken in a copy
 * of the project that has no fingerprint.
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  git,
  makeCoreProject,
  makeTempRoot,
  pythonImport,
  runOk,
  settle,
  writeFile,
  writePythonPackage,
} from "./_fixtures.ts";
import { expectOk, FAST, hpm, makeProject, snapshot } from "./_project.ts";

async function plugin(dir: string, name: string, dependencies: string[] = []) {
  await writePythonPackage(dir, {
    name,
    version: "1.0.0",
    module: name.replace(/-/g, "_"),
    body: 'VERSION = "1.0.0"\n',
    dependencies,
  });
}

const entry = (name: string, devPath = `./packages/${name}`) =>
  `name: ${name}\nsources:\n  dev: {type: local, path: ${devPath}}\n` +
  // A version range: prod reads no release (RELEASE_CASES read them from clones).
  `  prod: {type: pypi, version: ">=1.0"}\n`;

/**
 * Two registries (reg-local first, empty), plugins a and b in a group; c is
 * known but unused, d is a dependency of b's clone that no registry knows.
 */
async function plainProject(dir: string): Promise<void> {
  await makeCoreProject(dir);
  await plugin(join(dir, "packages", "plug-a"), "plug-a");
  await plugin(join(dir, "packages", "plug-b"), "plug-b", ["plug-d"]);
  await plugin(join(dir, "packages", "plug-c"), "plug-c");
  await plugin(join(dir, "packages", "plug-d"), "plug-d");
  await plugin(join(dir, "alt", "plug-a"), "plug-a");
  await Deno.mkdir(join(dir, "reg-local", "packages"), { recursive: true });
  for (const name of ["plug-a", "plug-b", "plug-c"]) {
    await writeFile(join(dir, "hpm-registry", "packages", `${name}.yaml`), entry(name));
  }
  await writeFile(
    join(dir, "hpm.yaml"),
    "registry: [./reg-local, ./hpm-registry]\ngroups:\n  plugins:\n    options: [plug-a, plug-b]\n",
  );
}

async function touch(path: string): Promise<void> {
  const now = new Date();
  await Deno.utime(path, now, now);
}

async function rewrite(path: string): Promise<void> {
  await Deno.writeTextFile(path, await Deno.readTextFile(path));
}

async function edit(path: string, from: string | RegExp, to: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `the edit of ${path} changes it`);
  await Deno.writeTextFile(path, changed);
}

interface Case {
  readonly name: string;
  /** Whether the change may alter the answer: then the fast path must not answer. */
  readonly changes: boolean;
  /**
   * The same for a switch to prod, when it differs (prod reads no clone's
   * working tree); "maybe": the answer is the same, but the fast path may not
   * know it.
   */
  readonly changesProd?: boolean | "maybe";
  readonly apply: (dir: string, home: string) => Promise<unknown>;
  /** Extra environment after the change. */
  readonly env?: (home: string) => Record<string, string>;
  /** Extra arguments after the change. */
  readonly args?: string[];
}

const CASES: Case[] = [
  {
    name: "hpm.yaml: a plugin leaves the group",
    changes: true,
    apply: (d) => edit(join(d, "hpm.yaml"), "[plug-a, plug-b]", "[plug-b]"),
  },
  {
    name: "hpm.yaml: a default mode",
    changes: true,
    apply: (d) => edit(join(d, "hpm.yaml"), "registry:", "mode: prod\nregistry:"),
  },
  {
    name: "hpm.local.yaml appears with a mode",
    changes: true,
    apply: (d) => writeFile(join(d, "hpm.local.yaml"), "mode: prod\n"),
  },
  {
    name: "hpm.local.yaml appears with a path override",
    changes: true,
    apply: (d) =>
      writeFile(join(d, "hpm.local.yaml"), "overrides:\n  plug-a: {path: ./alt/plug-a}\n"),
  },
  {
    name: "a used registry entry changes its dev path",
    changes: true,
    apply: (d) =>
      edit(join(d, "hpm-registry", "packages", "plug-a.yaml"), "./packages/plug-a", "./alt/plug-a"),
  },
  {
    name: "a used registry entry changes its prod source only",
    changes: true,
    apply: (d) => edit(join(d, "hpm-registry", "packages", "plug-b.yaml"), ">=1.0", ">=1.1"),
    args: ["--mode", "prod"],
  },
  {
    name: "a higher-priority registry gains the same package",
    changes: true,
    apply: (d) =>
      writeFile(join(d, "reg-local", "packages", "plug-a.yaml"), entry("plug-a", "./alt/plug-a")),
  },
  {
    name: "the same registry gains another spelling of the name",
    changes: true,
    // Prod looks up no name that misses (dev misses plug-d, and lists the
    // folder for another spelling): what it read is unchanged.
    changesProd: false,
    apply: (d) =>
      writeFile(
        join(d, "hpm-registry", "packages", "Plug_A.yaml"),
        entry("plug-a", "./alt/plug-a"),
      ),
  },
  {
    name: "a clone's dependency becomes known to the registry",
    changes: true,
    // Only dev reads the clone that needs plug-d.
    changesProd: false,
    apply: (d) => writeFile(join(d, "hpm-registry", "packages", "plug-d.yaml"), entry("plug-d")),
  },
  {
    name: "a clone's pyproject.toml gains a registry dependency",
    changes: true,
    changesProd: false,
    apply: (d) =>
      edit(
        join(d, "packages", "plug-a", "pyproject.toml"),
        "dependencies = []",
        'dependencies = ["plug-c"]',
      ),
  },
  {
    name: "a clone disappears",
    changes: true,
    changesProd: false,
    apply: (d) => Deno.remove(join(d, "packages", "plug-a", "pyproject.toml")),
  },
  {
    name: "pyproject.toml edited by hand",
    changes: true,
    apply: (d) => edit(join(d, "pyproject.toml"), /^plug-a = .*$/m, ""),
  },
  {
    // With --mode prod the flag wins over RUN_MODE: prod's record still answers.
    name: "RUN_MODE set",
    changes: true,
    changesProd: false,
    apply: async () => {},
    env: () => ({ RUN_MODE: "prod" }),
  },
  {
    name: "--mode given",
    changes: true,
    apply: async () => {},
    args: ["--mode", "prod"],
  },
  {
    name: "HOME changes under a `~` override",
    changes: true,
    apply: async (_d, home) => {
      await plugin(join(home, "other", "plug-a"), "plug-a");
    },
    env: (home) => ({ HOME: join(home, "other") }),
  },
  { name: "touch hpm.yaml", changes: false, apply: (d) => touch(join(d, "hpm.yaml")) },
  {
    name: "rewrite a registry entry unchanged",
    changes: false,
    apply: (d) => rewrite(join(d, "hpm-registry", "packages", "plug-a.yaml")),
  },
  {
    name: "a file comes and goes in a registry folder",
    changes: false,
    apply: async (d) => {
      const tmp = join(d, "hpm-registry", "packages", "scratch.txt");
      await Deno.writeTextFile(tmp, "x");
      await Deno.remove(tmp);
    },
  },
  {
    name: "touch a clone's pyproject.toml",
    changes: false,
    apply: (d) => touch(join(d, "packages", "plug-b", "pyproject.toml")),
  },
  {
    name: "an unused registry entry changes",
    changes: false,
    apply: (d) => edit(join(d, "hpm-registry", "packages", "plug-c.yaml"), ">=1.0", ">=2.0"),
  },
  { name: "touch pyproject.toml", changes: false, apply: (d) => touch(join(d, "pyproject.toml")) },
];

// One case: record, prove the fast path answers, change, compare with the
// normal path run on a copy without the fingerprint. Returns what went wrong.
async function runCase(
  root: string,
  i: number,
  c: Case,
  build: (dir: string) => Promise<unknown> = plainProject,
): Promise<void> {
  // All copies at the same depth, so relative paths outside them read the same.
  const dir = join(root, `case-${i}`, "core");
  const home = join(root, `case-${i}`, "home");
  await build(dir);
  await plugin(join(home, "plug-a"), "plug-a");
  if (c.name.startsWith("HOME")) {
    await writeFile(join(dir, "hpm.local.yaml"), "overrides:\n  plug-a: {path: ~/plug-a}\n");
  }
  // The state folder is the case's own, never under HOME: the HOME case moves
  // HOME, and its record must be refused for that, not because it went with it.
  const baseEnv = { HOME: home, HPM_STATE_DIR: join(root, `case-${i}`, "state") };
  await settle();
  // Record both modes: prod's record knows dev's pyproject.toml as its start.
  for (const mode of ["dev", "prod", "dev"]) {
    expectOk(await hpm(["sync", "--no-install", "--mode", mode], dir, baseEnv), `sync ${mode}`);
  }
  const warm = await hpm(["-v", "check", "--pyproject-only"], dir, baseEnv);
  assert.equal(warm.code, 0, warm.stderr);
  assert.match(warm.stderr, FAST, "the fast path answers before the change");

  await c.apply(dir, home);
  const env = { ...baseEnv, ...c.env?.(home) };
  // diff decides like check; its words matter where the fast path answers.
  // A switch to prod is answered from prod's record when nothing changed.
  const toProd = c.args?.includes("--mode") ? [] : [["sync", "--no-install", "--mode", "prod"]];
  const check = ["check", "--pyproject-only"];
  const commands = c.changes ? [check, ...toProd] : [check, ["diff"], ...toProd];
  for (const command of commands) {
    const truthDir = join(root, `truth-${i}`, "core");
    await Deno.remove(join(root, `truth-${i}`), { recursive: true }).catch(() => {});
    await Deno.mkdir(join(root, `truth-${i}`));
    // With the clones' git folders: prod reads releases there.
    await runOk("cp", ["-a", dir, truthDir], { cwd: root });
    const args = [...command, ...(c.args ?? [])];
    const fast = await hpm(["-v", ...args], dir, env);
    const truth = await hpm(args, truthDir, env);
    const what = `${c.name}: ${command.join(" ")}`;
    assert.equal(fast.code, truth.code, `${what}: exit code\n${fast.stderr}`);
    assert.equal(fast.stdout, truth.stdout, `${what}: output`);
    assert.equal(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      await Deno.readTextFile(join(truthDir, "pyproject.toml")),
      `${what}: pyproject.toml`,
    );
    const changes = command.includes("prod") ? c.changesProd ?? c.changes : c.changes;
    if (changes === true) {
      assert.doesNotMatch(fast.stderr, FAST, `${what}: answered after a change`);
    } else if (!changes) {
      assert.match(fast.stderr, FAST, `${what}: touching must not cost the fast path`);
    }
  }
}

async function runCases(cases: Case[], build?: (dir: string) => Promise<unknown>) {
  const root = await makeTempRoot();
  try {
    const failures: string[] = [];
    const queue = [...cases.entries()];
    // A few cases at once: each is mostly waiting for hpm processes.
    await Promise.all(Array.from({ length: 3 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        await runCase(root, ...next, build).catch((e) =>
          failures.push(`${next![1].name}: ${e.message}`)
        );
      }
    }));
    assert.deepEqual(failures, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("the fast path never answers from a stale fingerprint", () => runCases(CASES));

// Prod reads each release's pyproject.toml from the dev clone, at the tag
// (plug-a, a git source) or at `v1.0.0`/`1.0.0` (plug-b, an exact version):
// the clones' ref files are inputs, their working trees are not.
async function releaseProject(dir: string): Promise<void> {
  const { plugins } = await makeProject(dirname(dir), [
    { name: "plug-a" },
    { name: "plug-b", prod: () => "{type: pypi, version: 1.0.0}" },
    { name: "plug-c" },
  ], ["plug-a", "plug-b"]);
  // The clone of plug-b has its tag only packed, as after `git clone`.
  await git(["pack-refs", "--all"], { cwd: plugins["plug-b"].clone });
}

// A new commit in a clone of the released package that needs plug-c, and the
// working tree put back as it was (dev reads it: only prod's answer may change).
async function releaseNeedingC(clone: string, moveRef: (clone: string) => Promise<unknown>) {
  const pyproject = join(clone, "pyproject.toml");
  const before = await Deno.readTextFile(pyproject);
  await edit(pyproject, /dependencies = \[[^\]]*\]/, 'dependencies = ["plug-c"]');
  await git(["commit", "--quiet", "-am", "needs plug-c"], { cwd: clone });
  await moveRef(clone);
  await git(["checkout", "--quiet", "HEAD~1", "--", "pyproject.toml"], { cwd: clone });
  assert.equal(await Deno.readTextFile(pyproject), before);
}

const RELEASE_CASES: Case[] = [
  {
    name: "a commit on a clone's branch",
    changes: false,
    apply: async (d) => {
      const clone = join(d, "packages", "plug-a");
      await Deno.writeTextFile(join(clone, "notes.txt"), "work in progress\n");
      await git(["add", "notes.txt"], { cwd: clone });
      await git(["commit", "--quiet", "-m", "wip"], { cwd: clone });
    },
  },
  {
    name: "a loose release tag moves to a commit that needs plug-c",
    changes: false,
    changesProd: true,
    apply: (d) =>
      releaseNeedingC(
        join(d, "packages", "plug-a"),
        (clone) => git(["tag", "-f", "-a", "v1.0.0", "-m", "moved"], { cwd: clone }),
      ),
  },
  {
    name: "a packed release tag moves to a commit that needs plug-c",
    changes: false,
    changesProd: true,
    apply: (d) =>
      releaseNeedingC(join(d, "packages", "plug-b"), async (clone) => {
        await git(["tag", "-f", "-a", "v1.0.0", "-m", "moved"], { cwd: clone });
        await git(["pack-refs", "--all"], { cwd: clone });
      }),
  },
  {
    // `1.0.0` is tried after `v1.0.0`: its appearing changes nothing here,
    // but it could have.
    name: "a second candidate tag appears",
    changes: false,
    changesProd: "maybe",
    apply: (d) => git(["tag", "1.0.0", "HEAD"], { cwd: join(d, "packages", "plug-b") }),
  },
  {
    name: "the refs of a clone are packed",
    changes: false,
    changesProd: "maybe",
    apply: (d) => git(["pack-refs", "--all"], { cwd: join(d, "packages", "plug-a") }),
  },
  {
    // Prod then reads plug-a's release from its remote.
    name: "a clone's git folder disappears",
    changes: false,
    changesProd: true,
    apply: (d) => Deno.remove(join(d, "packages", "plug-a", ".git"), { recursive: true }),
  },
];

Deno.test("releases read from clones: the fast path answers until a ref that decides them changes", () =>
  runCases(RELEASE_CASES, releaseProject));

// Every file under `dir`, dated an hour ahead: the newest a file can look.
async function dateAhead(dir: string): Promise<void> {
  const future = new Date(Date.now() + 3_600_000);
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(join(d, e.name));
      else if (e.isFile) await Deno.utime(join(d, e.name), future, future);
    }
  };
  await walk(dir);
}

Deno.test("a sync that succeeds always leaves its record, however new its inputs look", async () => {
  const root = await makeTempRoot();
  try {
    for (const [name, build] of [["plain", plainProject], ["releases", releaseProject]] as const) {
      const dir = join(root, name, "core");
      const env = { HPM_STATE_DIR: join(root, name, "state") };
      await build(dir);
      // Written a moment ago, and dated in the future: no time can vouch for them.
      await dateAhead(dir);
      for (const mode of ["dev", "prod", "dev"]) {
        expectOk(
          await hpm(["sync", "--no-install", "--mode", mode], dir, env),
          `${name}: sync ${mode}`,
        );
        const check = await hpm(["-v", "check", "--pyproject-only", "--mode", mode], dir, env);
        assert.equal(check.code, 0, check.stderr);
        assert.match(check.stderr, FAST, `${name}: ${mode} answered from its record`);
      }
      // A switch back to prod, from prod's record.
      const back = await hpm(["-v", "sync", "--no-install", "--mode", "prod"], dir, env);
      expectOk(back, `${name}: switch back`);
      assert.match(back.stderr, FAST, `${name}: the switch back answered from prod's record`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a fast `hpm sync` still runs uv: venv restored; a uv failure leaves both files as they were", async () => {
  const root = await makeTempRoot();
  try {
    const { dir, plugins } = await makeProject(root, [{ name: "plug-a" }]);
    const env = { HPM_STATE_DIR: join(root, "state") };
    expectOk(await hpm(["sync"], dir, env), "recording sync");
    await Deno.remove(join(dir, ".venv"), { recursive: true });
    const fast = await hpm(["-v", "sync"], dir, env);
    expectOk(fast, "fast sync");
    assert.match(fast.stderr, FAST);
    assert.match(fast.stderr, /\$ uv sync/);
    assert.ok((await pythonImport(dir, "plug_a")).file.startsWith(plugins["plug-a"].clone));

    const before = await snapshot(dir, ["pyproject.toml", "uv.lock"]);
    const failed = await hpm(["-v", "sync", "--", "--no-such-flag"], dir, env);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, FAST);
    assert.match(failed.stderr, /`uv sync --no-such-flag` failed/);
    assert.deepEqual(await snapshot(dir, ["pyproject.toml", "uv.lock"]), before);

    // A uv that cannot be run is reported in the normal path's words.
    const missing = await hpm(["-v", "sync"], dir, {
      ...env,
      HPM_UV: join(root, "nonexistent", "uv"),
    });
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, FAST);
    assert.match(missing.stderr, /error: uv cannot be run \(uv: not found at HPM_UV=/);
    assert.match(missing.stderr, /hint: nothing was written; install uv/);
    assert.deepEqual(await snapshot(dir, ["pyproject.toml", "uv.lock"]), before);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
