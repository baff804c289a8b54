/**
 * Progress on long work. `hpm clone` of several repositories says one line
 * per repository as it finishes, counted, and nothing git draws; one clone on
 * a terminal (a real pseudo-terminal, by `script`) shows git's own progress.
 * A sync whose uv runs long says what it waits for, once (uv here is a
 * wrapper that sleeps before it runs the real uv: no timing is asserted).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempRoot, run, withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const NAMES = ["plug-a", "plug-b", "plug-c", "plug-d"];

Deno.test("hpm clone: a counted line per repository as it finishes; git's progress on a terminal", async (t) => {
  const root = await makeTempRoot();
  try {
    const env = { HPM_STATE_DIR: join(root, "state") };
    const { dir } = await makeProject(root, NAMES.map((name) => ({ name })));
    const packages = join(dir, "packages");
    const forget = async () => {
      for (const name of NAMES) await Deno.remove(join(packages, name), { recursive: true });
    };

    await t.step(
      "several at once: one line each, counted; no start lines, no git progress",
      async () => {
        await forget();
        const r = await hpm(["clone", "--jobs", "4"], dir, env);
        expectOk(r, "hpm clone");
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 4, r.stderr);
        for (const name of NAMES) {
          assert.ok(
            lines.some((l) =>
              new RegExp(`^hpm: ${name}: cloned into packages/${name} \\([1-4]/4\\)$`).test(l)
            ),
            r.stderr,
          );
        }
        assert.deepEqual(lines.map((l) => /\((\d)\/4\)$/.exec(l)![1]), ["1", "2", "3", "4"]);
        assert.equal(r.stdout.trim(), "4 cloned");
      },
    );

    // util-linux's `script` gives the command a pseudo-terminal.
    await t.step({
      name: "one clone on a terminal: git's own progress shows",
      ignore: Deno.build.os !== "linux",
      fn: async () => {
        await Deno.remove(join(packages, "plug-a"), { recursive: true });
        const command = [Deno.execPath(), "run", "-A", "--quiet", CLI, "clone", "plug-a"]
          .map((a) => `'${a}'`).join(" ");
        const r = await run("script", ["-q", "-e", "-c", command, "/dev/null"], {
          cwd: dir,
          env: { ...env, NO_COLOR: "1" },
        });
        assert.equal(r.code, 0, r.stdout);
        assert.match(r.stdout, /hpm: plug-a: cloning \S+ into packages\/plug-a…/);
        assert.match(r.stdout, /Cloning into /, "git's progress, which --quiet hides");
        assert.match(r.stdout, /hpm: plug-a: cloned into packages\/plug-a\r?\n/);
        // Off a terminal, the same clone draws nothing of git's.
        await Deno.remove(join(packages, "plug-a"), { recursive: true });
        const piped = await hpm(["clone", "plug-a"], dir, env);
        expectOk(piped, "hpm clone plug-a");
        assert.doesNotMatch(piped.stderr, /Cloning into/);
      },
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// uv here is a shell script.
Deno.test({
  name: "a sync whose uv runs long says once what it waits for",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withRoot(async (root) => {
      const { dir } = await makeProject(root, [{ name: "plug-a" }]);
      const slowUv = join(root, "bin", "slow-uv");
      await writeFile(slowUv, '#!/bin/sh\nsleep 3\nexec uv "$@"\n');
      await Deno.chmod(slowUv, 0o755);
      const r = await hpm(["sync"], dir, { HPM_STATE_DIR: join(root, "state"), HPM_UV: slowUv });
      expectOk(r, "hpm sync with a slow uv");
      const waits = r.stderr.split("\n").filter((l) => l.startsWith("hpm: waiting for"));
      assert.deepEqual(waits, ["hpm: waiting for uv sync (resolving and installing)…"]);
      assert.match(r.stderr, /hpm: mode dev \(from default\): pyproject\.toml updated/);
    }),
});
