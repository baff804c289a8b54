import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gitAt, tempTree, writeTree } from "../_testing.ts";
import { planSync } from "./plan.ts";
import { releaseRefs } from "./releases.ts";

Deno.test("releaseRefs(): the git ref; an exact pypi version's usual tags; nothing else", () => {
  assert.deepEqual(releaseRefs({ type: "git", url: "https://e.com/q.git", tag: "v1" }), ["v1"]);
  assert.deepEqual(releaseRefs({ type: "git", url: "https://e.com/q.git", branch: "main" }), [
    "main",
  ]);
  assert.deepEqual(releaseRefs({ type: "git", url: "https://e.com/q.git" }), []);
  assert.deepEqual(releaseRefs({ type: "pypi", version: "==1.2.0" }), ["v1.2.0", "1.2.0"]);
  assert.deepEqual(releaseRefs({ type: "pypi", version: ">=1.2" }), []);
  assert.deepEqual(releaseRefs({ type: "local", path: "p", editable: true }), []);
  assert.deepEqual(releaseRefs(undefined), []);
});

Deno.test("a branch release is read from its remote, never from the dev clone's own branch", async () => {
  const plug = (deps: string) =>
    `[project]\nname = "plug"\nversion = "1.0.0"\ndependencies = [${deps}]\n`;
  const root = await tempTree("hpm-releases-unit-", {
    "core/pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
    "core/hpm.yaml": "registry: ./reg\ngroups:\n  db:\n    options: [plug]\n",
    "core/reg/packages/base.yaml": "name: base\nsources:\n  prod: {type: pypi, version: 1.0.0}\n",
    "core/packages/plug/pyproject.toml": plug('"base"'),
  });
  try {
    const core = join(root, "core");
    const clone = join(core, "packages", "plug");
    const bare = join(root, "plug.git");
    const git = gitAt(clone);
    await git("init", "--quiet", "-b", "main");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "needs base");
    await git("init", "--quiet", "--bare", bare);
    await git("push", "--quiet", bare, "main");
    await writeTree(core, {
      "reg/packages/plug.yaml":
        "name: plug\nsources:\n  dev: {type: local, path: ./packages/plug}\n" +
        `  prod: {type: git, url: '${pathToFileURL(bare).href}', branch: main}\n`,
    });
    // Work in the clone not pushed yet: its own main no longer needs base; the remote's does.
    await writeTree(clone, { "pyproject.toml": plug("") });
    await git("commit", "--quiet", "-am", "drop base (not pushed)");

    const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_OFFLINE: undefined };
    const plan = await planSync({ root: core, mode: "prod", env });
    assert.deepEqual(plan.resolution.packages.map((p) => p.entry.name).sort(), ["base", "plug"]);
    assert.equal(plan.releasesFromFiles, false, "a branch moves: its answer is never recorded");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
