/**
 * `clone()` with real git: several plugins at once from file:// remotes, one
 * unreachable, one already on disk; unknown names get "did you mean".
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { clone, summarizeClone } from "../lib/project/clones.ts";
import { HpmInputError } from "../lib/core/errors.ts";
import { status } from "../lib/commands/status.ts";
import {
  fileUrl,
  git,
  makeCoreProject,
  makePluginRepo,
  makeTempRoot,
  writeFile,
} from "./_fixtures.ts";

Deno.env.set("UV_PYTHON_DOWNLOADS", "never");

const ENV = { HOME: "/nonexistent-home" };

/** A core whose registry knows `names`; remotes at <root>/remotes, working copies at <root>/upstream. */
async function setup(root: string, names: string[], unreachable: string) {
  const core = join(root, "core");
  await makeCoreProject(core);
  const urls: Record<string, string> = {};
  for (const name of names) {
    const repo = name === unreachable ? undefined : await makePluginRepo(root, {
      name,
      module: name.replace(/-/g, "_"),
      versions: [{ version: "1.0.0", body: 'VERSION = "1.0.0"\n' }],
      cloneDir: join(root, "upstream", name),
    });
    urls[name] = repo?.bareUrl ?? fileUrl(join(root, "remotes", "gone.git"));
    await writeFile(
      join(core, "hpm-registry", "packages", `${name}.yaml`),
      `name: ${name}\nsources:\n  dev: {type: local, path: ./packages/${name}}\n` +
        `  prod: {type: git, url: "${urls[name]}", ref: v1.0.0}\n`,
    );
  }
  await writeFile(
    join(core, "hpm.yaml"),
    `registry: ./hpm-registry\ngroups:\n  vector-db:\n    options: [${names.join(", ")}]\n`,
  );
  return { core, urls };
}

Deno.test("clone(): several at once, one unreachable, an existing clone left alone", async () => {
  const root = await makeTempRoot();
  try {
    const names = ["rag4code-qdrant", "rag4code-chroma", "rag4code-broken", "rag4code-kept"];
    const { core, urls } = await setup(root, names, "rag4code-broken");
    // An existing checkout (with local work) must not be touched.
    const kept = join(core, "packages", "rag4code-kept");
    await git(["clone", "--quiet", urls["rag4code-kept"], kept], { cwd: root });
    await Deno.writeTextFile(join(kept, "work.py"), "wip = True\n");

    const lines: string[] = [];
    const report = await clone({ root: core, env: ENV, jobs: 4, log: (l) => lines.push(l) });
    const by = Object.fromEntries(report.results.map((r) => [r.name, r]));
    assert.equal(report.ok, false);
    assert.equal(by["rag4code-qdrant"].status, "cloned");
    assert.equal(by["rag4code-chroma"].status, "cloned");
    assert.equal(by["rag4code-kept"].status, "present");
    assert.equal(by["rag4code-broken"].status, "failed");
    assert.match(by["rag4code-broken"].reason!, /^git clone failed: .*gone\.git/);
    assert.equal(
      summarizeClone(report),
      "2 cloned, 1 already there, 1 failed (rag4code-broken)",
    );
    // Several at once: one line as each ends, counted, and none as they start.
    assert.equal(lines.filter((l) => l.includes(": cloning ")).length, 0);
    assert.equal(lines.length, 4);
    assert.ok(
      lines.some((l) =>
        /^rag4code-kept: already there \(packages\/rag4code-kept\) \([1-4]\/4\)$/.test(l)
      ),
    );
    assert.ok(lines.some((l) => l.startsWith("rag4code-broken: failed: git clone failed")));

    const described = await git(["describe", "--tags"], {
      cwd: join(core, "packages", "rag4code-qdrant"),
    });
    assert.equal(described.stdout.trim(), "v1.0.0");
    assert.equal(await Deno.readTextFile(join(kept, "work.py")), "wip = True\n");
    await assert.rejects(
      Deno.stat(join(core, "packages", "rag4code-broken")),
      Deno.errors.NotFound,
    );

    // The new clones are what status and sync need.
    const after = await status({ root: core, env: ENV });
    assert.deepEqual(after.missingClones, ["rag4code-broken"]);

    // Run again: everything there is left alone, the broken one still fails.
    const again = await clone({ root: core, env: ENV, packages: ["rag4code-qdrant"] });
    assert.deepEqual(again.results.map((r) => r.status), ["present"]);
    assert.ok(again.ok);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("clone(): an unknown name gets did-you-mean and nothing is cloned", async () => {
  const root = await makeTempRoot();
  try {
    const { core } = await setup(root, ["rag4code-qdrant"], "");
    await assert.rejects(
      clone({ root: core, env: ENV, packages: ["rag4code-qdrant", "rag4code-qdrnt"] }),
      (e: unknown) => {
        assert.ok(e instanceof HpmInputError);
        assert.equal(e.code, "unknown-package");
        assert.match(e.message, /unknown package `rag4code-qdrnt`/);
        assert.equal(e.hint, "did you mean `rag4code-qdrant`?");
        return true;
      },
    );
    await assert.rejects(Deno.stat(join(core, "packages")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
