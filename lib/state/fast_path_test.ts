import assert from "node:assert/strict";
import { join } from "node:path";
import { answerFast, plainlyStatic } from "./fast_path.ts";
import { whyUvWouldBuild } from "../project/lockfile_check.ts";
import { fastCommandOf, readPlainCommand } from "../cli/plain_command.ts";
import { recordingRunner } from "../io/runner.ts";
import { projectStateName } from "./folder.ts";
import { sync } from "../project/sync.ts";
import { planSync } from "../project/plan.ts";
import { HpmInputError } from "../core/errors.ts";
import { ONE_PLUGIN, tempTree } from "../_testing.ts";

const parseFastCommand = (args: string[]) => fastCommandOf(readPlainCommand(args));

Deno.test("fastCommandOf reads the command lines it can answer", () => {
  assert.deepEqual(parseFastCommand(["-q", "sync", "--no-install", "--mode=prod"]), {
    name: "sync",
    project: undefined,
    quiet: true,
    verbose: false,
    mode: "prod",
    pyprojectOnly: false,
    install: false,
    frozen: false,
    locked: false,
    uvArgs: [],
  });
  const sync = parseFastCommand(["sync", "-C", "core", "--locked", "-v", "--", "--no-dev"]);
  assert.equal(sync?.project, "core");
  assert.equal(sync?.locked, true);
  assert.equal(sync?.verbose, true);
  assert.deepEqual(sync?.uvArgs, ["--no-dev"]);
  assert.equal(parseFastCommand(["check", "--pyproject-only", "-m", "prod"])?.mode, "prod");
  assert.equal(parseFastCommand(["diff", "--project=x"])?.project, "x");
  assert.equal(parseFastCommand(["check"])?.pyprojectOnly, false);
  assert.equal(parseFastCommand(["check", "--pyproject-only"])?.pyprojectOnly, true);
});

Deno.test("fastCommandOf leaves everything else to the full parser", () => {
  for (
    const args of [
      [],
      ["status"],
      ["sync", "--json"],
      ["diff", "--json"],
      ["sync", "--dry-run"],
      ["sync", "extra"],
      ["check", "--no-install"],
      ["check", "--staged"],
      ["diff", "--pyproject-only"],
      ["check", "--", "x"],
      ["sync", "--mode"],
      ["sync", "--mode", "-q"],
      ["sync", "-m", "dev", "--mode", "prod"],
      ["sync", "--frozen", "--locked"],
      ["sync", "-qv"],
      ["sync", "--quiet=1"],
      ["sync", "check"],
      ["--help", "sync"],
      ["--mode", "prod", "sync"],
      ["sync", "--refresh"],
      ["stage"],
    ]
  ) {
    assert.equal(parseFastCommand(args), undefined, args.join(" "));
  }
});

const PYPROJECT = '[project]\nname = "core"\nversion = "0.1.0"\n';
const command = (name: "sync" | "check" | "diff", more = {}) => ({
  name,
  quiet: true,
  verbose: false,
  pyprojectOnly: name === "check",
  install: false,
  frozen: false,
  locked: false,
  uvArgs: [],
  ...more,
});

Deno.test("answerFast answers only after a recorded sync, and never for another mode", async () => {
  const dir = await tempTree("hpm-unit-", { ...ONE_PLUGIN, "pyproject.toml": PYPROJECT });
  // The per-user state (records, journals), kept out of the real home.
  const env = { HOME: "/home/u", HPM_STATE_DIR: join(dir, "user-state") };
  const quiet = { env, log: () => {}, runner: recordingRunner(), stream: false };
  try {
    const at = { project: dir };
    assert.equal(await answerFast(command("check", at), quiet), undefined, "nothing recorded yet");
    await sync({ root: dir, install: false, env });
    const answer = await answerFast(command("check", at), quiet);
    assert.deepEqual(answer, { root: dir, mode: "dev", origin: "default" });
    assert.equal(await answerFast(command("diff", { ...at, mode: "prod" }), quiet), undefined);
    assert.equal(
      await answerFast(command("check", at), { ...quiet, env: { ...env, RUN_MODE: "prod" } }),
      undefined,
    );
    assert.deepEqual(
      await answerFast(command("check", { ...at, mode: "dev" }), quiet),
      { root: dir, mode: "dev", origin: "flag" },
    );
    assert.equal(
      await answerFast(command("check", at), { ...quiet, env: { ...env, HOME: "/elsewhere" } }),
      undefined,
      "`~` would mean another folder",
    );

    const runner = recordingRunner();
    const synced = await answerFast(command("sync", { ...at, install: true, locked: true }), {
      ...quiet,
      runner,
    });
    assert.equal(synced?.mode, "dev");
    const uv = runner.calls.filter((c) => c.program === "uv");
    assert.deepEqual(uv.map((c) => c.args), [["sync", "--locked"]]);

    await Deno.mkdir(join(dir, ".hpm", "journal"), { recursive: true });
    await Deno.writeTextFile(join(dir, ".hpm", "journal", "journal.json"), "{}");
    assert.ok(await answerFast(command("check", at), quiet), "a committed .hpm/ means nothing");
    const journals = join(env.HPM_STATE_DIR, "journals");
    await Deno.mkdir(journals, { recursive: true });
    await Deno.writeTextFile(join(journals, await projectStateName(dir, "journal")), "{}");
    assert.equal(
      await answerFast(command("check", at), quiet),
      undefined,
      "an interrupted run is the normal path's to recover",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --mode and RUN_MODE as a run may give them: unset, empty, blank, padded,
// not a mode name, a mode only hpm.local.yaml or the registry knows.
const FLAGS = [undefined, "", " ", "prod", " prod", "qa", "no/such"];
const RUN_MODES = [undefined, "", " ", "prod", "qa", "bad mode"];

Deno.test("the fast path and the normal path choose the same mode from the same --mode, RUN_MODE and files", async () => {
  const requests = [
    ...FLAGS.map((flag) => ({ flag, env: undefined })),
    ...RUN_MODES.map((env) => ({ flag: undefined, env })),
    { flag: "prod", env: "qa" },
    { flag: "", env: "prod" },
    { flag: " ", env: "" },
  ];
  const files: Record<string, Record<string, string>> = {
    "no mode in the files": {},
    "hpm.yaml's mode": { "hpm.yaml": `${ONE_PLUGIN["hpm.yaml"]}mode: prod\n` },
    "a mode only hpm.local.yaml names": { "hpm.local.yaml": "mode: qa\n" },
  };
  for (const [name, extra] of Object.entries(files)) {
    const dir = await tempTree("hpm-unit-", {
      ...ONE_PLUGIN,
      // Released to an index: nothing read from a remote, so every mode is recorded.
      "reg/packages/plug.yaml":
        "name: plug\nsources:\n  dev: {type: local, path: ./packages/plug}\n" +
        "  prod: {type: pypi, version: 1.0.0}\n  qa: {type: pypi, version: 1.1.0}\n",
      "pyproject.toml": PYPROJECT,
      ...extra,
    });
    try {
      for (const { flag, env: runMode } of requests) {
        const env = {
          HOME: "/home/u",
          HPM_STATE_DIR: join(dir, "user-state"),
          ...(runMode === undefined ? {} : { RUN_MODE: runMode }),
        };
        const what = `${name}: --mode ${JSON.stringify(flag)}, RUN_MODE ${JSON.stringify(runMode)}`;
        const normal = await planSync({ root: dir, mode: flag, env }).then(
          (plan) => ({ mode: plan.mode, origin: plan.modeOrigin }),
          (e) => {
            assert.ok(e instanceof HpmInputError, `${what}: ${e}`);
            return undefined;
          },
        );
        // The mode's record, and pyproject.toml in it: the fast path can answer.
        if (normal) await sync({ root: dir, mode: flag, env, install: false });
        const fast = await answerFast(
          command("check", { project: dir, mode: flag }),
          { env, log: () => {}, runner: recordingRunner(), stream: false },
        );
        assert.deepEqual(fast, normal && { root: dir, ...normal }, what);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

// uv.lock as uv writes it for ONE_PLUGIN in dev: two source trees.
const LOCK = 'version = 1\n\n[[package]]\nname = "core"\nsource = { editable = "." }\n\n' +
  '[[package]]\nname = "plug"\nversion = "1.0.0"\nsource = { editable = "packages/plug" }\n';

Deno.test("plain check answers only for the uv.lock uv left at the mode's last switch, once uv agrees", async () => {
  const dir = await tempTree("hpm-unit-", {
    ...ONE_PLUGIN,
    "pyproject.toml": PYPROJECT,
    "uv.lock": LOCK,
  });
  const env = {
    HOME: "/home/u",
    HPM_STATE_DIR: join(dir, "user-state"),
    PATH: Deno.env.get("PATH")!,
    UV_PYTHON: "/usr/bin/python3",
  };
  const quiet = { env, log: () => {}, stream: false };
  const plain = command("check", { project: dir, pyprojectOnly: false });
  try {
    // uv (faked) leaves uv.lock as it was: the switch's record remembers it.
    await sync({ root: dir, env, runner: recordingRunner() });

    const agrees = recordingRunner();
    assert.equal((await answerFast(plain, { ...quiet, runner: agrees }))?.mode, "dev");
    assert.deepEqual(agrees.calls.map((c) => [c.program, ...c.args, c.cwd]), [
      ["uv", "lock", "--check", "--offline", "--no-progress", "--python", "/usr/bin/python3", dir],
    ]);
    const disagrees = recordingRunner(() => ({
      code: 1,
      stdout: "",
      stderr: "needs to be updated",
    }));
    assert.equal(await answerFast(plain, { ...quiet, runner: disagrees }), undefined);

    // Another uv.lock, or none: the normal path compares and words it; uv is not asked here.
    for (
      const change of [
        () => Deno.writeTextFile(join(dir, "uv.lock"), `${LOCK}# edited\n`),
        () => Deno.remove(join(dir, "uv.lock")),
      ]
    ) {
      await change();
      const runner = recordingRunner();
      assert.equal(await answerFast(plain, { ...quiet, runner }), undefined);
      assert.deepEqual(runner.calls, []);
      const only = await answerFast({ ...plain, pyprojectOnly: true }, { ...quiet, runner });
      assert.equal(only?.mode, "dev", "--pyproject-only does not look at uv.lock");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plain check does not hand uv a source tree it would build: the normal path words it", async () => {
  const dir = await tempTree("hpm-unit-", {
    ...ONE_PLUGIN,
    "pyproject.toml": '[project]\nname = "core"\ndynamic = ["version"]\n',
    "uv.lock": LOCK,
  });
  const env = { HOME: "/home/u", HPM_STATE_DIR: join(dir, "user-state"), UV_PYTHON: "python3" };
  try {
    await new Promise((r) => setTimeout(r, 100));
    await sync({ root: dir, env, runner: recordingRunner() });
    const runner = recordingRunner();
    const plain = command("check", { project: dir, pyprojectOnly: false });
    assert.equal(await answerFast(plain, { env, log: () => {}, stream: false, runner }), undefined);
    assert.deepEqual(runner.calls, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plainlyStatic(): only what the normal path also finds static, read as a text", () => {
  const samples: [string, boolean][] = [
    ['[project]\nname = "a"\nversion = "1.0"\ndependencies = []\n', true],
    ['[project] # the core\nname = "a"\nversion = "1.0" # bumped by hand\n\n[tool.x]\n', true],
    ['[project]\nname = "a"\ndynamic = ["version"]\n', false],
    // Static for uv too, but only a parser can tell: the normal path decides.
    ['[project]\nname = "a"\nversion = "1.0"\ndynamic = ["readme"]\n', false],
    ['[project]\nname = "a"\nversion = "1.0"\n"dyn\\u0061mic" = ["version"]\n', false],
    ['[project]\nname = "a"\ndescription = """\n[project]\nversion = "1"\n"""\n', false],
    ['[tool.poetry]\nversion = "1.0"\n', false],
    ['[project]\nname = "a"\n\n[tool.x]\nversion = "1.0"\n', false],
    ['project.version = "1.0"\n', false],
    ['[project]\nname = "a"\nversion = 1\n', false],
  ];
  for (const [text, plain] of samples) {
    assert.equal(plainlyStatic(text), plain, text);
    if (plain) assert.equal(whyUvWouldBuild(text), undefined, text);
  }
});
