import assert from "node:assert/strict";
import type { HpmInputError } from "../core/errors.ts";
import { addDeveloped, removeDeveloped } from "./develop.ts";

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
