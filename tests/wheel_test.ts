/**
 * HPM's wheels (`deno task wheel`, packaging/), tested as users install
 * them: built once for this file, then `uv tool install`ed into a temporary
 * tool folder with an empty HOME and DENO_DIR and no network (the bundled
 * example's scenario runs with that `hpm`), run with `uvx --from`, and
 * `pip install`ed into a plain venv. PyPI's `deno` wheel comes from a
 * find-links folder (tests/_wheels.ts). No output may mention a download.
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  makeTempRoot,
  prepareExample,
  pythonImport,
  repoRoot,
  run,
  type RunResult,
} from "./_fixtures.ts";
import { journalOf, makeProject, snapshot } from "./_project.ts";
import { pythonTool } from "./_tools.ts";
import {
  DENO_PIN,
  type HpmWheels,
  hpmWheels,
  posixTest,
  pypiWheels,
  realPython,
  uvToolInstall,
  windowsLauncher,
} from "./_wheels.ts";
import { DENO_REQUIREMENT, DISTRIBUTION, REPOSITORY, REQUIRES_PYTHON } from "../packaging/wheel.ts";

const ROOT = await makeTempRoot();
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

let built: Promise<HpmWheels> | undefined;
/** The wheels of this checkout, built once for the whole file. */
const wheels = () => built ??= hpmWheels(join(ROOT, "dist"));

const config = JSON.parse(await Deno.readTextFile(join(repoRoot(), "deno.json")));

/** Nothing may reach a network: Deno's npm registry and every proxy are a closed port. */
const NO_NETWORK = {
  NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
  HTTP_PROXY: "http://127.0.0.1:9",
  HTTPS_PROXY: "http://127.0.0.1:9",
  ALL_PROXY: "http://127.0.0.1:9",
  NO_PROXY: "",
  UV_OFFLINE: "1",
  NO_COLOR: "1",
};

/** A fresh HOME, DENO_DIR and state folder under `root` (uv keeps the suite's cache). */
async function emptyHome(root: string): Promise<Record<string, string>> {
  const home = join(root, "home");
  await Deno.mkdir(home, { recursive: true });
  const uvCache = (await run("uv", ["cache", "dir"], { cwd: root })).stdout.trim();
  return {
    ...NO_NETWORK,
    HOME: home,
    DENO_DIR: join(root, "deno-dir"),
    HPM_STATE_DIR: join(root, "state"),
    // Only so uv need not fetch the example's build backend again; HPM and
    // Deno see nothing of the user's.
    UV_CACHE_DIR: uvCache,
  };
}

/** `text` as a regular expression that matches it literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function noDownloadLine(what: string, r: RunResult): void {
  for (const line of `${r.stdout}\n${r.stderr}`.split("\n")) {
    assert.doesNotMatch(line, /download/i, `${what} printed: ${line}`);
  }
}

/** The wheels, PyPI's deno wheel folder, the interpreter and an empty HOME under `root`. */
async function prepare(root: string) {
  const [built, links, python, env] = await Promise.all([
    wheels(),
    pypiWheels([DENO_PIN]),
    realPython(),
    emptyHome(root),
  ]);
  return { ...built, links, python, env };
}

/** `uv tool install` of the POSIX wheel into `root`, with an empty HOME; the `hpm` it links and its env. */
async function toolInstall(root: string) {
  const { posix, env } = await prepare(root);
  const installed = await uvToolInstall(root, posix, env);
  assert.equal(installed.code, 0, installed.stderr);
  noDownloadLine("uv tool install", installed);
  return { hpm: installed.hpm, env };
}

/** A Python script for the tools venv: the wheel's METADATA (validated) and RECORD (checked). */
const INSPECT = `import base64, csv, hashlib, io, json, sys, zipfile
from packaging.metadata import Metadata
from packaging.utils import parse_wheel_filename
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
info = [n for n in names if n.endswith(".dist-info/METADATA")][0].rsplit("/", 1)[0]
m = Metadata.from_email(z.read(info + "/METADATA"), validate=True)
rows = list(csv.reader(io.StringIO(z.read(info + "/RECORD").decode())))
listed = {r[0] for r in rows}
for path, digest, size in rows:
    if path == info + "/RECORD":
        continue
    data = z.read(path)
    assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), path
    assert int(size) == len(data), path
assert listed == set(names), sorted(set(names) ^ listed)
name, version, _, tags = parse_wheel_filename(sys.argv[1].rsplit("/", 1)[1])
print(json.dumps({
    "name": m.name, "version": str(m.version), "tags": sorted(str(t) for t in tags),
    "requires_python": str(m.requires_python), "requires_dist": [str(r) for r in m.requires_dist],
    "license": str(m.license_expression), "license_files": m.license_files,
    "urls": m.project_urls, "description": m.description, "content_type": m.description_content_type,
    "files": names, "modes": {i.filename: i.external_attr >> 16 for i in z.infolist()},
    "entry_points": z.read(info + "/entry_points.txt").decode() if info + "/entry_points.txt" in names else "",
}))
`;

Deno.test("deno task wheel: the same bytes twice, valid metadata from deno.json and README, a checked RECORD", async () => {
  const { posix, windows } = await wheels();
  // The second build through the task itself, as a user runs it.
  const again = join(ROOT, "again");
  const task = await run(Deno.execPath(), ["task", "wheel", "--out", again], { cwd: repoRoot() });
  assert.equal(task.code, 0, task.stderr);
  for (const wheel of [posix, windows]) {
    const name = wheel.split(/[\\/]/).at(-1)!;
    assert.ok(task.stdout.includes(join(again, name)), task.stdout);
    assert.deepEqual(await Deno.readFile(wheel), await Deno.readFile(join(again, name)), name);
  }

  const python = join(
    dirname(await pythonTool("pre-commit")),
    Deno.build.os === "windows" ? "python.exe" : "python",
  );
  const readme = await Deno.readTextFile(join(repoRoot(), "README.md"));
  const inspect = async (wheel: string) => {
    const r = await run(python, ["-c", INSPECT, wheel], { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const [p, w] = [await inspect(posix), await inspect(windows)];
  for (const m of [p, w]) {
    assert.equal(m.name, DISTRIBUTION);
    assert.equal(m.version, config.version);
    assert.equal(m.requires_python, REQUIRES_PYTHON);
    assert.equal(m.requires_dist.length, 1);
    assert.deepEqual(
      m.requires_dist[0].replace(/^deno/, "").split(",").sort(),
      DENO_REQUIREMENT.replace(/^deno/, "").split(",").sort(),
    );
    assert.match(m.license, /^MIT AND /, "HPM's licence, then the bundled packages'");
    for (const name of ["yaml", "zod", "commander", "smol-toml"]) {
      assert.ok(m.license_files.includes(`npm/${name}/LICENSE`), name);
    }
    assert.equal(m.urls.Homepage, REPOSITORY);
    assert.equal(m.description, readme);
    assert.equal(m.content_type, "text/markdown");
  }
  assert.deepEqual(p.tags, ["py3-none-any"]);
  assert.deepEqual(w.tags, ["py3-none-win_amd64"]);
  // Linux and macOS: a script in bin that execs Deno, the JavaScript in share/.
  const data = `hpm_cli-${config.version}.data`;
  assert.equal(p.modes[`${data}/scripts/hpm`] & 0o777, 0o755);
  assert.ok(p.files.includes(`${data}/data/share/hpm-cli/js/cli.js`));
  assert.equal(p.entry_points, "", "no entry point: its Python script would replace the shell one");
  // Windows: an entry point, and the JavaScript in the launcher's package.
  assert.match(w.entry_points, /^\[console_scripts\]\nhpm = hpm_cli:main\n$/);
  assert.ok(w.files.includes("hpm_cli/js/cli.js"));
  assert.deepEqual(
    p.files.filter((f: string) => f.endsWith(".js")).map((f: string) => f.split("/").at(-1)),
    w.files.filter((f: string) => f.endsWith(".js")).map((f: string) => f.split("/").at(-1)),
    "the same JavaScript in both",
  );
});

Deno.test("both launchers grant exactly the permissions of deno task install, and forbid downloads", async () => {
  // tests/install_test.ts holds deno task install to README's least permissions.
  const flags = (text: string) =>
    [...text.matchAll(/["\s](--allow-[a-z-]+(?:=[\w,]+)?|-A)\b/g)].map((m) => m[1]).sort();
  const install = flags(` ${config.tasks.install} `);
  assert.ok(install.length > 0 && !install.includes("-A"));
  for (const file of ["packaging/hpm", "packaging/hpm_cli/__init__.py"]) {
    const text = await Deno.readTextFile(join(repoRoot(), file));
    assert.deepEqual(flags(text), install, file);
    for (
      const flag of ["--no-remote", "--no-npm", "--no-config", "--unstable-lazy-dynamic-imports"]
    ) {
      assert.ok(text.includes(flag), `${file}: ${flag}`);
    }
  }
});

Deno.test("the Windows launcher's logic (packaging/launcher_test.py): deno.exe beside python.exe, else where the deno package says", async () => {
  const r = await run(
    await realPython(),
    ["-B", join(repoRoot(), "packaging", "launcher_test.py")],
    {
      cwd: ROOT,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^OK$/m);
});

posixTest(
  "uv tool install, empty HOME and DENO_DIR, no network: the bundled example's scenario runs with that hpm",
  async () => {
    const root = join(ROOT, "tool");
    const { hpm, env } = await toolInstall(root);
    assert.ok((await Deno.lstat(hpm)).isSymlink, "uv links the script from its tool environment");
    const { project, plugins } = await prepareExample(root);
    const outputs: RunResult[] = [];
    const step = async (args: string[], code = 0) => {
      const r = await run(hpm, args, { cwd: project, env });
      outputs.push(r);
      assert.equal(r.code, code, `hpm ${args.join(" ")}:\n${r.stderr}`);
      return r;
    };

    const version = await step(["--version", "-v"]);
    assert.equal(version.stdout.split("\n")[0], config.version);
    assert.match(version.stdout, /^installed: uv tool install \(.*tools[\\/]hpm-cli\)$/m);
    assert.match(version.stdout, /^upgrade: uv tool upgrade hpm-cli$/m);
    assert.match(version.stdout, /^deno: \d+\.\d+\.\d+ \(.*tools[\\/]hpm-cli[\\/]bin[\\/]deno\)$/m);

    await step(["group", "add", "vector-db", "--option", "rag4code-qdrant"]);
    await step(["group", "add", "vector-db", "--option", "rag4code-chroma"]);
    await step(["sync"]);
    const dev = await pythonImport(project, "rag4code_qdrant");
    assert.ok(dev.file.startsWith(plugins["rag4code-qdrant"].clone), dev.file);
    await step(["diff", "--mode", "prod"]);
    await step(["sync", "--mode", "prod"]);
    const prod = await pythonImport(project, "rag4code_qdrant");
    assert.match(prod.file, /site-packages/);
    assert.equal(prod.value, "1.0.0");
    await step(["check", "--mode", "prod"]);
    await step(["check", "--mode", "dev"], 1);
    for (const r of outputs) noDownloadLine("hpm", r);
    // Deno makes its npm folder at start-up; nothing may be in it.
    for (const folder of ["npm", "remote"]) {
      const inside = await Array.fromAsync(Deno.readDir(join(env.DENO_DIR, folder))).catch(
        () => [],
      );
      assert.deepEqual(inside, [], `Deno fetched nothing into ${folder}/`);
    }
  },
);

posixTest(
  "uvx --from the wheel runs hpm; pip install into a plain venv gives a working hpm",
  async () => {
    const root = join(ROOT, "uvx-pip");
    const { posix, links, python, env } = await prepare(root);
    // uvx keeps its environments in uv's cache: a fresh one, so it really installs.
    const uvx = await run("uvx", [
      "--python",
      python,
      "--cache-dir",
      join(root, "uv-cache"),
      "--no-index",
      "--find-links",
      links,
      "--from",
      posix,
      "hpm",
      "--version",
      "-v",
    ], { cwd: root, env });
    assert.equal(uvx.code, 0, uvx.stderr);
    assert.equal(uvx.stdout.split("\n")[0], config.version);
    assert.match(uvx.stdout, /^installed: uvx/m);
    noDownloadLine("uvx", uvx);

    const venv = join(root, "venv");
    assert.equal((await run(python, ["-m", "venv", venv], { cwd: root, env })).code, 0);
    const pip = await run(join(venv, "bin", "python"), [
      "-m",
      "pip",
      "install",
      "--no-index",
      "--find-links",
      links,
      posix,
    ], { cwd: root, env: { ...env, PIP_CONFIG_FILE: "/dev/null", PIP_FIND_LINKS: links } });
    assert.equal(pip.code, 0, pip.stderr);
    noDownloadLine("pip install", pip);
    const hpm = join(venv, "bin", "hpm");
    const v = await run(hpm, ["--version", "-v"], { cwd: root, env });
    assert.equal(v.code, 0, v.stderr);
    assert.match(
      v.stdout,
      new RegExp(
        `^installed: pip or uv pip, into a Python environment \\(${literal(venv)}\\)$`,
        "m",
      ),
    );
    assert.match(v.stdout, new RegExp(`^deno: .*\\(${literal(venv)}/bin/deno\\)$`, "m"));
    // Any DENO_DIR, even one that cannot be made: Deno caches nothing then, and needs nothing.
    const notAFolder = join(root, "a-file");
    await Deno.writeTextFile(notAFolder, "");
    const anyDenoDir = await run(hpm, ["--version"], {
      cwd: root,
      env: { ...env, DENO_DIR: notAFolder },
    });
    assert.equal(anyDenoDir.code, 0, anyDenoDir.stderr);
    const bad = await run(hpm, ["group", "add", "g", "--option", "nope"], { cwd: root, env });
    assert.equal(bad.code, 2, "exit codes pass through");
    assert.match(bad.stderr, /^error: /m);
    noDownloadLine("hpm", v);
  },
);

/** A `uv` first on PATH that sleeps before running the real one, so a signal lands while it runs. */
async function slowUvPath(dir: string, env: Record<string, string>): Promise<string> {
  const uv = (await run("sh", ["-c", "command -v uv"], { cwd: dir, env })).stdout.trim();
  const bin = join(dir, "slow-bin");
  await Deno.mkdir(bin, { recursive: true });
  await Deno.writeTextFile(join(bin, "uv"), `#!/bin/sh\nsleep 3\nexec "${uv}" "$@"\n`);
  await Deno.chmod(join(bin, "uv"), 0o755);
  return `${bin}:${Deno.env.get("PATH")}`;
}

posixTest("Ctrl-C during a sync through the wheel's hpm rolls back and exits 130", async () => {
  const root = join(ROOT, "sigint");
  const { hpm, env } = await toolInstall(root);
  const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
  const files = ["pyproject.toml", "uv.lock"];
  for (const mode of ["prod", "dev"]) {
    const r = await run(hpm, ["sync", "--mode", mode], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
  }
  const before = await snapshot(dir, files);
  const journal = await journalOf(dir, env);
  // A process group of its own: whatever fails below, hpm and the uv it
  // started are stopped at the end, not left sleeping and then syncing.
  const child = new Deno.Command(hpm, {
    args: ["sync", "--mode", "prod"],
    cwd: dir,
    env: { ...env, PATH: await slowUvPath(root, env) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let out: Deno.CommandOutput | undefined;
  try {
    // A minute: the wait ends when the journal comes, and a cold start on a
    // loaded machine running the suite in parallel may take many seconds.
    const started = Date.now();
    while (!(await Deno.stat(journal).then(() => true, () => false))) {
      assert.ok(Date.now() - started < 60_000, "the sync started");
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGINT");
    out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 130, stderr);
    assert.match(stderr, /interrupted by SIGINT/);
    assert.deepEqual(await snapshot(dir, files), before, "restored byte for byte");
  } finally {
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // the group has ended
    }
    // Read to its end, so that no pipe is left open.
    out ??= await child.output();
  }
});

/** Runs `argv` in a pseudo-terminal, answering `answer` when `prompt` shows; its output and exit code. */
const PTY = `import os, pty, select, sys
prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out, asked = b"", False
while select.select([fd], [], [], 60)[0]:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not asked and prompt in out:
        os.write(fd, answer)
        asked = True
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;

posixTest(
  "hpm clone through the wheel's hpm still asks in a terminal, and clones on yes",
  async () => {
    const root = join(ROOT, "clone");
    const { hpm, env } = await toolInstall(root);
    const { project } = await prepareExample(root, { clones: false });
    const entry = join(project, "hpm-registry", "packages", "rag4code-qdrant.yaml");
    await Deno.writeTextFile(
      entry,
      (await Deno.readTextFile(entry)).replace(
        "./packages/rag4code-qdrant",
        "../outside/rag4code-qdrant",
      ),
    );
    await Deno.writeTextFile(
      join(project, "hpm.yaml"),
      `${await Deno.readTextFile(
        join(project, "hpm.yaml"),
      )}groups:\n  vector-db:\n    options: [rag4code-qdrant]\n`,
    );
    const r = await run(await realPython(), ["-c", PTY, "clone there?", "y\n", hpm, "clone"], {
      cwd: project,
      env,
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /these clones would go outside the project/);
    assert.match(r.stdout, /clone there\?/);
    assert.ok(
      (await Deno.stat(join(root, "outside", "rag4code-qdrant", "pyproject.toml"))).isFile,
      "cloned where the user said yes",
    );
  },
);

/** Starts `argv` in a process group of its own and, once `file` exists, sends SIGINT to the whole group, as a terminal's Ctrl-C does. */
const CTRL_C = `import os, signal, subprocess, sys, time
file, argv = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL)
end = time.time() + 20
while not os.path.exists(file) and time.time() < end:
    time.sleep(0.005)
time.sleep(0.3)
os.killpg(p.pid, signal.SIGINT)
sys.exit(p.wait())
`;

posixTest(
  "the Windows wheel's launcher finds deno beside python, passes exit codes, and waits through Ctrl-C for the rollback's 130",
  async () => {
    const root = join(ROOT, "windows-launcher");
    const { windows, python, env } = await prepare(root);
    const { hpm: launcher, venv } = await windowsLauncher(root, windows);
    const hpm = (args: string[], cwd: string, extra: Record<string, string> = {}) =>
      run(launcher[0], [...launcher.slice(1), ...args], { cwd, env: { ...env, ...extra } });

    const v = await hpm(["--version", "-v"], root);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.split("\n")[0], config.version);
    assert.match(v.stdout, new RegExp(`^deno: .*\\(${literal(venv)}/bin/deno\\)$`, "m"));
    const bad = await hpm(["group", "add", "g", "--option", "nope"], root);
    assert.equal(bad.code, 2, bad.stderr);

    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const files = ["pyproject.toml", "uv.lock"];
    for (const mode of ["prod", "dev"]) {
      const r = await hpm(["sync", "--mode", mode], dir);
      assert.equal(r.code, 0, r.stderr);
    }
    const before = await snapshot(dir, files);
    const interrupted = await run(python, [
      "-c",
      CTRL_C,
      await journalOf(dir, env),
      ...launcher,
      "sync",
      "--mode",
      "prod",
    ], { cwd: dir, env: { ...env, PATH: await slowUvPath(root, env) } });
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assert.match(interrupted.stderr, /interrupted by SIGINT/);
    assert.doesNotMatch(interrupted.stderr, /Traceback|KeyboardInterrupt/);
    assert.deepEqual(await snapshot(dir, files), before, "restored byte for byte");
  },
);
