import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { hookScript, installHook } from "./init.ts";
import { denoRunner } from "../io/runner.ts";

async function gitInit(dir: string, ...config: string[][]): Promise<void> {
  for (const args of [["init", "--quiet"], ...config.map((c) => ["config", ...c])]) {
    const r = await new Deno.Command("git", { args, cwd: dir, stdout: "null" }).output();
    assert.equal(r.code, 0);
  }
}

Deno.test("installHook() writes .git/hooks/pre-commit once, executable, and rewrites only its own", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  try {
    await gitInit(dir);
    const hook = join(dir, ".git", "hooks", "pre-commit");
    assert.deepEqual(await installHook({ root: dir }), { path: hook, changed: true });
    assert.equal(await Deno.readTextFile(hook), hookScript(""));
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(hook)).mode! & 0o111, 0o111);
    assert.deepEqual(await installHook({ root: dir }), { path: hook, changed: false });

    const older = hookScript("").replace("exec hpm", "hpm");
    await Deno.writeTextFile(hook, older);
    assert.equal((await installHook({ root: dir })).changed, true, "its own older hook is updated");

    await Deno.writeTextFile(hook, "#!/bin/sh\nmake lint\n");
    await assert.rejects(
      installHook({ root: dir, runner: denoRunner }),
      (e) => e instanceof HpmInputError && e.code === "hook-exists" && e.file === hook,
    );
    assert.equal(await Deno.readTextFile(hook), "#!/bin/sh\nmake lint\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("installHook() follows core.hooksPath and names a project in a subfolder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  try {
    await gitInit(dir, ["core.hooksPath", "team-hooks"]);
    const core = join(dir, "it's core");
    await Deno.mkdir(core);
    const { path } = await installHook({ root: core });
    assert.equal(path, join(await Deno.realPath(dir), "team-hooks", "pre-commit"));
    assert.match(await Deno.readTextFile(path), /^exec hpm -C 'it'\\''s core\/' check --staged$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("installHook() outside a git work tree is an input error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  try {
    await assert.rejects(
      installHook({
        root: dir,
        runner: () => Promise.resolve({ code: 128, stdout: "", stderr: "" }),
      }),
      (e) => e instanceof HpmInputError && e.code === "git-state",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
