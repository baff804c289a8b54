/**
 * `hpm status` tells the whole state: whether .venv holds what uv.lock
 * installs (asked of real uv, without installing: in sync, outdated, none,
 * and not known when its interpreter is a file of the project's, which is
 * then never started), the alternatives not selected, and the working tree,
 * index and HEAD in plain words.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, run, writeFile } from "./_fixtures.ts";
import { devCheckoutOfProdCommit, expectOk, hpm } from "./_project.ts";

// A .venv's interpreter is a link out of it where uv makes links (not on Windows).
Deno.test({
  name: "hpm status: environment, alternatives, and the committed forms in plain words",
  ignore: Deno.build.os === "windows",
}, async (t) => {
  const root = await makeTempRoot();
  try {
    const env = { HPM_STATE_DIR: join(root, "state") };
    // HEAD holds prod, the working tree dev; then one option of the group is selected.
    const { dir } = await devCheckoutOfProdCommit(root, ["plug-a", "plug-b"], env);
    await writeFile(
      join(dir, "hpm.yaml"),
      "registry: ./hpm-registry\ngroups:\n  db:\n    options: [plug-a, plug-b]\n    select: plug-a\n",
    );
    expectOk(await hpm(["sync"], dir, env), "hpm sync (dev)");
    const status = async () => {
      const r = await hpm(["status"], dir, env);
      expectOk(r, "hpm status");
      return r.stdout.split("\n");
    };

    await t.step("in sync: the rows a person reads", async () => {
      const lines = await status();
      const at = lines.findIndex((l) => l.startsWith("git: "));
      assert.equal(
        lines[at],
        "git: working tree dev, index not staged, HEAD prod; commit mode prod",
      );
      assert.equal(
        lines[at + 1],
        "     you work in dev; the index and HEAD hold prod, as committed",
      );
      assert.ok(lines.includes("environment: matches uv.lock"), lines.join("\n"));
      assert.ok(lines.includes("alternatives: db uses plug-a (not plug-b)"), lines.join("\n"));
      const json = JSON.parse((await hpm(["status", "--json"], dir, env)).stdout);
      assert.deepEqual(json.environment, {
        state: "in-sync",
        path: join(dir, ".venv"),
        reason: null,
      });
      assert.deepEqual(json.alternatives, [{
        group: "db",
        selected: "plug-a",
        others: ["plug-b"],
      }]);
    });

    await t.step("a plugin gone from .venv: outdated, and what uv would do", async () => {
      await run("uv", ["pip", "uninstall", "--python", join(dir, ".venv"), "plug-a"], { cwd: dir });
      const lines = await status();
      assert.ok(
        lines.includes(
          "environment: does not match uv.lock (uv would install 1 package): run `hpm sync --mode dev`",
        ),
        lines.join("\n"),
      );
      // status changed nothing: the package is still not installed.
      assert.ok(
        (await status()).some((l) => l.startsWith("environment: does not match uv.lock")),
      );
    });

    await t.step("an interpreter that is a file of the project's is never started", async () => {
      const python = join(dir, ".venv", "bin", "python");
      const marker = join(root, "ran");
      await Deno.remove(python);
      await Deno.writeTextFile(python, `#!/bin/sh\necho ran > ${marker}\n`);
      await Deno.chmod(python, 0o755);
      const lines = await status();
      assert.ok(
        lines.includes(
          "environment: not known (its interpreter is a file inside the project (not a link out): not started)",
        ),
        lines.join("\n"),
      );
      await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
    });

    await t.step("no .venv: none yet", async () => {
      await Deno.remove(join(dir, ".venv"), { recursive: true });
      assert.ok((await status()).includes("environment: none yet: run `hpm sync --mode dev`"));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
