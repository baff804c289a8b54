import assert from "node:assert/strict";
import { join } from "node:path";
import type { HpmInputError } from "../core/errors.ts";
import { ONE_PLUGIN, tempTree } from "../_testing.ts";
import { addDeveloped, develop, free, removeDeveloped } from "./develop.ts";

Deno.test("addDeveloped() and removeDeveloped() edit hpm.local.yaml byte for byte, both ways", () => {
  const mine = "# this machine only\r\noverrides:\r\n  plug-a: {path: ../other/x}   # here\r\n";
  const one = addDeveloped(mine, ["plug-a"], "prod");
  assert.equal(one, mine + "mode: prod\r\ndevelop: [plug-a]\r\n");
  const two = addDeveloped(one, ["Plug_A", "plug-c"]);
  assert.equal(two, mine + "mode: prod\r\ndevelop: [plug-a, plug-c]\r\n");
  assert.equal(removeDeveloped(two, ["plug-c"]), one);
  // The mode stays: the others keep coming from their releases.
  assert.equal(removeDeveloped(one, ["plug-a"]), mine + "mode: prod\r\n");
  assert.equal(removeDeveloped(two), mine + "mode: prod\r\n");
});

Deno.test("addDeveloped() starts hpm.local.yaml; removeDeveloped() says when nothing is left of it", () => {
  const made = addDeveloped("", ["plug-a"], "prod");
  assert.equal(made, "mode: prod\ndevelop: [plug-a]\n");
  assert.equal(removeDeveloped("develop: [plug-a]\n", ["plug-a"]), undefined);
  assert.equal(removeDeveloped("", ["plug-a"]), "");
  assert.equal(removeDeveloped("# mine\ndevelop:\n  - plug-a\n"), "# mine\n{}\n");
});

Deno.test("addDeveloped() refuses what hpm.local.yaml may not hold", () => {
  assert.throws(
    () => addDeveloped("develop: [plug-a]\n", ["-x"]),
    (e: HpmInputError) => e.code === "schema",
  );
  assert.throws(
    () => addDeveloped("mode: [prod]\n", ["plug-a"]),
    (e: HpmInputError) => e.code === "schema",
  );
});

Deno.test("develop() refuses what it cannot sync, writing nothing", async (t) => {
  const dir = await tempTree("hpm-develop-", {
    ...ONE_PLUGIN,
    "hpm.yaml": "registry: ./reg\ngroups:\n  db:\n    options: [plug, wip]\n",
    "reg/packages/wip.yaml": "name: wip\nsources:\n  dev: {type: local, path: ./packages/wip}\n",
    "reg/packages/idle.yaml": "name: idle\nsources:\n  dev: {type: local, path: ./packages/idle}\n",
    "packages/wip/pyproject.toml": '[project]\nname = "wip"\nversion = "0.1.0"\n',
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
  });
  const options = { root: dir, env: { HPM_OFFLINE: "1", HPM_STATE_DIR: join(dir, "state") } };
  const local = join(dir, "hpm.local.yaml");
  try {
    await t.step("no committed mode for the others to come from", async () => {
      await assert.rejects(
        () => develop(["plug"], options),
        (e: HpmInputError) =>
          e.code === "commit-mode" && /the other plugins would come from it/.test(e.message) &&
          /`mode: MODE` in hpm\.local\.yaml/.test(e.hint ?? ""),
      );
      await assert.rejects(() => Deno.stat(local), Deno.errors.NotFound);
    });
    await t.step("a plugin the groups do not install", async () => {
      await Deno.writeTextFile(local, "mode: dev   # mine\n");
      await assert.rejects(
        () => develop(["idle"], options),
        (e: HpmInputError) =>
          e.code === "usage" && /hpm group add GROUP --option idle/.test(e.hint!),
      );
      assert.equal(await Deno.readTextFile(local), "mode: dev   # mine\n");
    });
    await t.step(
      "this machine's own mode is kept, and said to install it from its clone",
      async () => {
        const result = await develop(["plug"], options);
        assert.equal(await Deno.readTextFile(local), "mode: dev   # mine\ndevelop: [plug]\n");
        assert.equal(result.modeSet, undefined);
        assert.deepEqual(result.localAnyway, ["plug"]);
        assert.deepEqual(result.develop, [{ name: "plug", path: "packages/plug", present: true }]);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("free() frees a developed plugin whose registry entry is gone; an unknown one is still refused", async () => {
  const dir = await tempTree("hpm-free-", {
    ...ONE_PLUGIN,
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
    "hpm.local.yaml": "mode: prod\ndevelop: [plug, Gone_Plug]\n",
  });
  const options = { root: dir, env: { HPM_OFFLINE: "1", HPM_STATE_DIR: join(dir, "state") } };
  const local = join(dir, "hpm.local.yaml");
  try {
    await assert.rejects(
      () => free(["nope"], options),
      (e: HpmInputError) => e.code === "unknown-package",
    );
    const result = await free(["gone-plug"], options);
    assert.equal(result.changed, true);
    assert.equal(await Deno.readTextFile(local), "mode: prod\ndevelop: [plug]\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
