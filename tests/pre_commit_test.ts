/**
 * The `hpm-check-pypi` hook (.pre-commit-hooks.yaml, `language: python`):
 * the real pre-commit framework installs HPM into the hook's environment by
 * itself, from a local clone of this repository and, offline, from a
 * find-links folder holding the wheel built from this checkout, PyPI's
 * `deno` and the build backend of pyproject.toml. With no `hpm` on PATH, the
 * hook then refuses a dev-form commit and passes one staged by `hpm stage`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { git, makeTempRoot, repoRoot, run } from "./_fixtures.ts";
import { devCheckoutOfProdCommit, expectOk, hpm, setCoreVersion } from "./_project.ts";
import { pythonTool } from "./_tools.ts";
import { DENO_PIN, hpmWheels, posixTest, pypiWheels, SETUPTOOLS_PIN } from "./_wheels.ts";

const ROOT = repoRoot();

Deno.test("pyproject.toml (the hook's package) pins the hpm-cli of deno.json's version", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const text = await Deno.readTextFile(join(ROOT, "pyproject.toml"));
  assert.match(text, new RegExp(`^version = "${version}"$`, "m"));
  assert.match(text, new RegExp(`^dependencies = \\["hpm-cli==${version}"\\]$`, "m"));
  const hooks = parse(await Deno.readTextFile(join(ROOT, ".pre-commit-hooks.yaml"))) as {
    id: string;
    language: string;
    entry: string;
  }[];
  assert.deepEqual(
    hooks.map((h) => [h.id, h.language, h.entry]),
    [
      ["hpm-check-pypi", "python", "hpm check --staged"],
      ["hpm-check", "system", "hpm check --staged"],
    ],
  );
});

posixTest(
  "pre-commit installs the hpm-check-pypi hook offline, which refuses a dev-form commit and passes a staged one",
  async () => {
    const root = await makeTempRoot();
    try {
      const [{ posix }, pypi, preCommit] = await Promise.all([
        hpmWheels(join(root, "dist")),
        pypiWheels([DENO_PIN, SETUPTOOLS_PIN]),
        pythonTool("pre-commit"),
      ]);

      // A clone of this repository with the hook files of this checkout committed.
      const hooks = join(root, "hpm-repo");
      await git(["clone", "--quiet", "--depth", "1", `file://${ROOT}`, hooks], { cwd: root });
      for (const file of [".pre-commit-hooks.yaml", "pyproject.toml"]) {
        await Deno.copyFile(join(ROOT, file), join(hooks, file));
      }
      await git(["add", "-A"], { cwd: hooks });
      await git(["commit", "--quiet", "--allow-empty", "-m", "this checkout's hooks"], {
        cwd: hooks,
      });
      const rev = (await git(["rev-parse", "HEAD"], { cwd: hooks })).stdout.trim();

      const { dir } = await devCheckoutOfProdCommit(root, ["rag4code-qdrant"]);
      await Deno.writeTextFile(
        join(dir, ".pre-commit-config.yaml"),
        `repos:\n  - repo: ${hooks}\n    rev: ${rev}\n    hooks: [{ id: hpm-check-pypi }]\n`,
      );
      await git(["add", ".pre-commit-config.yaml"], { cwd: dir });
      await git(["commit", "--quiet", "-m", "pre-commit"], { cwd: dir });

      const env = {
        PRE_COMMIT_HOME: join(root, "pre-commit-home"),
        DENO_DIR: join(root, "deno-dir"),
        // pip sees only the find-links folders; virtualenv seeds from its own wheels.
        PIP_CONFIG_FILE: "/dev/null",
        PIP_NO_INDEX: "1",
        PIP_FIND_LINKS: `${join(root, "dist")} ${pypi}`,
        VIRTUALENV_NO_PERIODIC_UPDATE: "1",
        HTTP_PROXY: "http://127.0.0.1:9",
        HTTPS_PROXY: "http://127.0.0.1:9",
        NO_COLOR: "1",
        // No hpm on PATH: the hook must bring its own.
        PATH: (Deno.env.get("PATH") ?? "").split(":").filter((d) => {
          try {
            return !Deno.statSync(join(d, "hpm")).isFile;
          } catch {
            return true;
          }
        }).join(":"),
      };
      assert.ok(posix.endsWith("-py3-none-any.whl"));
      expectOk(await run(preCommit, ["install"], { cwd: dir, env }), "pre-commit install");
      const commit = () => run("git", ["commit", "-m", "a change"], { cwd: dir, env });

      // A change made in dev, committed as it is: the working tree's dev form.
      await setCoreVersion(dir, "0.2.0");
      await git(["add", "pyproject.toml", "uv.lock"], { cwd: dir });
      const refused = await commit();
      const said = `${refused.stdout}\n${refused.stderr}`;
      assert.notEqual(refused.code, 0, said);
      assert.match(said, /\[INFO\] Installing environment for .*hpm-repo/);
      assert.match(said, /hpm check --staged\.+Failed/);
      assert.match(said, /run `hpm stage`/);
      for (const line of said.split("\n")) assert.doesNotMatch(line, /download/i);

      // The same change staged in prod form.
      await git(["reset", "--quiet"], { cwd: dir });
      expectOk(await hpm(["stage"], dir), "hpm stage");
      const passed = await commit();
      assert.equal(passed.code, 0, `${passed.stdout}\n${passed.stderr}`);
      // git shows a hook's output on stderr.
      assert.match(passed.stderr, /hpm check --staged\.+Passed/);
      assert.doesNotMatch(passed.stderr, /Installing environment/, "installed once");

      // The hook's own hpm knows where it came from.
      const home = env.PRE_COMMIT_HOME;
      const repo = [...Deno.readDirSync(home)].find((e) =>
        e.isDirectory && e.name.startsWith("repo")
      );
      const clone = join(home, repo!.name);
      const hookEnv = [...Deno.readDirSync(clone)].find((e) => e.name.startsWith("py_env-"));
      const hookHpm = join(clone, hookEnv!.name, "bin", "hpm");
      const v = await run(hookHpm, ["--version", "-v"], { cwd: dir, env });
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /^installed: the pre-commit framework/m);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
