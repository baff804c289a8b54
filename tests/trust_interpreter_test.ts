/**
 * HPM's checking commands (`check`, its fast path, `verify`, `stage`) run no
 * program the project ships: a committed `.venv/bin/python` or a
 * `.python-version` naming a script in the project is never started (uv gets
 * an interpreter from outside the project), and a committed `.venv` is
 * reported. Nor does `check` let uv run the project's build backend to read
 * dynamic metadata: it says so, and fails, rather than pass a uv.lock it
 * could not check.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, run, withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

const POSIX = Deno.build.os !== "windows";

// A program that records that it ran, then fails as no Python would.
async function plantProgram(path: string, marker: string): Promise<void> {
  await writeFile(path, `#!/bin/sh\necho "$0 $*" >> '${marker}'\nexit 1\n`);
  await Deno.chmod(path, 0o755);
}

// uv and python may be pyenv shims here, which read .python-version too and
// fail on a path in it: they are pinned to the version pyenv uses outside.
async function pyenvPin(cwd: string): Promise<Record<string, string>> {
  const r = await run("pyenv", ["version-name"], { cwd }).catch(() => undefined);
  return r?.code === 0 ? { PYENV_VERSION: r.stdout.trim() } : {};
}

async function ran(marker: string): Promise<string | undefined> {
  return await Deno.readTextFile(marker).catch(() => undefined);
}

Deno.test({
  name:
    "check, its fast path, verify and stage never run a committed .venv/bin/python or .python-version's script",
  ignore: !POSIX,
  fn: async () => {
    await withRoot(async (root) => {
      const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
      const pin = await pyenvPin(root);
      const state = { ...pin, HPM_STATE_DIR: join(root, "state") };
      const fresh = async () => ({ ...pin, HPM_STATE_DIR: await Deno.makeTempDir({ dir: root }) });
      await Deno.writeTextFile(join(dir, ".gitignore"), "packages/\n", { append: true });
      await git(["init", "--quiet"], { cwd: dir });
      expectOk(await hpm(["sync", "--mode", "prod"], dir, state), "sync prod");

      // What a stranger's repository can ship: an environment and a pin.
      const marker = join(root, "ran");
      await Deno.remove(join(dir, ".venv"), { recursive: true });
      await plantProgram(join(dir, ".venv", "bin", "python"), marker);
      await writeFile(
        join(dir, ".venv", "pyvenv.cfg"),
        "home = /usr/bin\ninclude-system-site-packages = false\nversion_info = 3.12.0\n",
      );
      await plantProgram(join(dir, "tools", "python"), marker);
      await Deno.writeTextFile(join(dir, ".python-version"), `${join(dir, "tools", "python")}\n`);
      await git(["add", "-A"], { cwd: dir });
      await git(["add", "--force", ".venv"], { cwd: dir });
      await git(["commit", "--quiet", "-m", "prod form, with an environment"], { cwd: dir });

      const fast = await hpm(["-v", "check", "--mode", "prod"], dir, state);
      assert.equal(await ran(marker), undefined, `the fast path's check ran it:\n${fast.stderr}`);
      expectOk(fast, "fast check");
      assert.match(fast.stderr, /answered from its fingerprint/);

      const check = await hpm(["check", "--mode", "prod"], dir, await fresh());
      assert.equal(await ran(marker), undefined, `check ran it:\n${check.stderr}`);
      expectOk(check, "check");
      assert.match(check.stderr, /uv\.lock matches mode prod/);
      assert.match(check.stderr, /warning: \.venv is committed/);

      const verify = await hpm(["verify", "--mode", "prod"], dir, await fresh());
      assert.equal(await ran(marker), undefined, `verify ran it:\n${verify.stderr}`);
      expectOk(verify, "verify");
      assert.match(verify.stderr, /warning: \.venv is committed/);

      const stage = await hpm(["stage", "--offline"], dir, await fresh());
      assert.equal(await ran(marker), undefined, `stage ran it:\n${stage.stderr}`);
      expectOk(stage, "stage");
      assert.match(stage.stderr, /warning: \.venv is committed/);
    });
  },
});

// An in-tree build backend (PEP 517's backend-path) that records each import
// and builds the core with the version it declares dynamic.
const BACKEND = (marker: string) =>
  `import base64, hashlib, os, zipfile
open(${JSON.stringify(marker)}, "a").write("imported\\n")
NAME, VERSION = "rag4code_core", "0.1.0"
INFO = f"{NAME}-{VERSION}.dist-info"
METADATA = f"Metadata-Version: 2.1\\nName: rag4code-core\\nVersion: {VERSION}\\n"

def prepare_metadata_for_build_wheel(directory, config_settings=None):
    os.makedirs(os.path.join(directory, INFO))
    with open(os.path.join(directory, INFO, "METADATA"), "w") as f:
        f.write(METADATA)
    return INFO

def build_wheel(directory, config_settings=None, metadata_directory=None):
    wheel = f"{NAME}-{VERSION}-py3-none-any.whl"
    files = {f"{INFO}/METADATA": METADATA,
             f"{INFO}/WHEEL": "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    record = []
    with zipfile.ZipFile(os.path.join(directory, wheel), "w") as z:
        for path, text in files.items():
            data = text.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
        z.writestr(f"{INFO}/RECORD", "\\n".join(record + [f"{INFO}/RECORD,,"]) + "\\n")
    return wheel

prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel
build_editable = build_wheel
`;

Deno.test("check does not let uv run the project's build backend for its dynamic version: it fails, saying so", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const state = { HPM_STATE_DIR: join(root, "state") };
    const marker = join(root, "imported");
    const pyproject = join(dir, "pyproject.toml");
    await Deno.writeTextFile(
      pyproject,
      (await Deno.readTextFile(pyproject))
        .replace(/^version = .*$/m, 'dynamic = ["version"]')
        .replace(
          /\[build-system\][^[]*/,
          '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n\n',
        ),
    );
    await Deno.writeTextFile(join(dir, "backend.py"), BACKEND(marker));
    // Installing runs the backend: that is what sync is asked to do.
    expectOk(await hpm(["sync", "--mode", "prod"], dir, state), "sync prod");
    assert.ok(await ran(marker), "the backend is the one uv builds with");
    await Deno.remove(marker);

    const words =
      /uv\.lock was not checked by uv: rag4code-core \(\.\) declares its version dynamic/;
    // From the record too: the fast path leaves it to the normal path's words.
    const fast = await hpm(["-v", "check", "--mode", "prod"], dir, state);
    assert.equal(fast.code, 1, fast.stderr);
    assert.match(fast.stderr, words);
    assert.doesNotMatch(fast.stderr, /answered from its fingerprint|\$ uv/);

    // A dependency added without locking again: uv would build the core to
    // check it (and believe what the backend says).
    await Deno.writeTextFile(
      pyproject,
      (await Deno.readTextFile(pyproject)).replace("dependencies = []", 'dependencies = ["tomli"]'),
    );
    const check = await hpm(["check", "--mode", "prod"], dir, {
      HPM_STATE_DIR: join(root, "other"),
    });
    assert.equal(await ran(marker), undefined, `check ran the backend:\n${check.stderr}`);
    assert.equal(check.code, 1, check.stderr);
    assert.match(check.stderr, words);
    assert.match(check.stderr, /so uv would have to run its build backend to check it/);
    assert.match(check.stderr, /hpm check --allow-build/);

    // Asked for, uv is asked anyway, builds the core with its backend, and
    // believes what it says (this backend declares no dependencies).
    const allowed = await hpm(["check", "--mode", "prod", "--allow-build"], dir, {
      HPM_STATE_DIR: join(root, "other"),
    });
    assert.ok(await ran(marker), `--allow-build lets uv run the backend:\n${allowed.stderr}`);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /uv\.lock matches mode prod/);
    await Deno.remove(marker);

    // verify and stage lock as uv lock does; their help says so.
    for (const command of ["verify", "stage", "check"]) {
      const help = await hpm([command, "--help"], dir);
      assert.match(help.stdout, /build backend/, command);
    }
  });
});
