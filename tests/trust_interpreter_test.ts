/**
 * HPM's checking commands (`check`, its fast path, `verify`, `stage`) run no
 * program the project ships: a committed `.venv/bin/python` or a
 * `.python-version` naming a script in the project is never started (uv gets
 * an interpreter from outside the project), and a committed `.venv` is
 * reported.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, run, settle, withRoot, writeFile } from "./_fixtures.ts";
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
      await settle();
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
