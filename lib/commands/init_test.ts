import assert from "node:assert/strict";
import { join } from "node:path";
import { tempTree } from "../_testing.ts";
import { init } from "./init.ts";

// A uv project set up by hand: plug-a from its clone, in a group of its own.
const PYPROJECT = '[project]\nname = "core"\nversion = "0.1.0"\n\n' +
  '[dependency-groups]\nplugins = ["plug-a"]\n\n' +
  '[tool.uv.sources]\nplug-a = { path = "../plug-a", editable = true }\n';

Deno.test("init() records pyproject.toml's entries as HPM's last, after hpm.yaml lists them", async () => {
  const root = await tempTree("hpm-init-unit-", { "pyproject.toml": PYPROJECT });
  try {
    const written = (await init({ root })).map((f) => f.slice(root.length + 1));
    assert.deepEqual(written.slice(-2), ["hpm.yaml", "pyproject.toml"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("init() interrupted before hpm.yaml can be run again: its own entries are no obstacle", async () => {
  const root = await tempTree("hpm-init-unit-", { "pyproject.toml": PYPROJECT });
  try {
    await init({ root });
    const done = await Deno.readTextFile(join(root, "hpm.yaml"));
    // What an init stopped after the registry entries leaves.
    await Deno.remove(join(root, "hpm.yaml"));
    await Deno.writeTextFile(join(root, "pyproject.toml"), PYPROJECT);
    await init({ root });
    assert.equal(await Deno.readTextFile(join(root, "hpm.yaml")), done);
    assert.match(await Deno.readTextFile(join(root, "pyproject.toml")), /\[tool\.hpm\]/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("init() still refuses to adopt into an entry file that says something else", async () => {
  const root = await tempTree("hpm-init-unit-", {
    "pyproject.toml": PYPROJECT,
    "hpm-registry/packages/plug-a.yaml": "name: plug-a\nsources: {prod: {type: pypi}}\n",
  });
  try {
    await assert.rejects(init({ root }), /plug-a\.yaml already exists: hpm init would adopt/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
