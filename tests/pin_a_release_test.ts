/**
 * `pin()` with a real git clone: the newest tag by default, refusals for a
 * dirty clone or commits after the tag, `force`, an explicit ref, and the
 * registry file kept byte for byte apart from the value.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmOperationError } from "../lib/core/errors.ts";
import { pin } from "../lib/commands/pin.ts";
import { status } from "../lib/commands/status.ts";
import { git, makeCoreProject, makePluginRepo, makeTempRoot, writeFile } from "./_fixtures.ts";

Deno.env.set("UV_PYTHON_DOWNLOADS", "never");

const ENV = { HOME: "/nonexistent-home" };

const entry = (url: string, ref: string) =>
  `# Qdrant adapter: where its code comes from, per mode.
name: rag4code-qdrant
description: Qdrant adapter   # shown by \`hpm registry show\`
sources:
  # Dev: the local clone.
  dev:
    type: local
    path: ./packages/rag4code-qdrant # relative to the project root
    editable: true

  # Prod: a released tag.
  prod:
    type: git
    url: "${url}"
    ref: ${ref}   # bump with \`hpm pin\`
`;

Deno.test("pin(): default, refusals, force, explicit ref; comments kept", async (t) => {
  const root = await makeTempRoot();
  try {
    const core = join(root, "core");
    await makeCoreProject(core);
    const clone = join(core, "packages", "rag4code-qdrant");
    const repo = await makePluginRepo(root, {
      name: "rag4code-qdrant",
      module: "rag4code_qdrant",
      versions: [
        { version: "1.0.0", body: 'VERSION = "1.0.0"\n' },
        { version: "1.1.0", body: 'VERSION = "1.1.0"\n' },
      ],
      cloneDir: clone,
    });
    const file = join(core, "hpm-registry", "packages", "rag4code-qdrant.yaml");
    await writeFile(file, entry(repo.bareUrl, "v1.0.0"));
    await writeFile(
      join(core, "hpm.yaml"),
      "registry: ./hpm-registry\ngroups:\n  vector-db:\n    options: [rag4code-qdrant]\n",
    );
    const options = { root: core, package: "rag4code-qdrant", env: ENV };

    await t.step("default: the newest tag, only the value changes", async () => {
      const r = await pin(options);
      assert.deepEqual(r, {
        file,
        ref: "v1.1.0",
        key: "ref",
        value: "v1.1.0",
        previous: "v1.0.0",
        changed: true,
        exact: true,
      });
      assert.equal(await Deno.readTextFile(file), entry(repo.bareUrl, "v1.1.0"));
      // Pinning again changes nothing.
      assert.equal((await pin(options)).changed, false);
    });

    await t.step("refused when the clone has uncommitted changes", async () => {
      await Deno.writeTextFile(join(clone, "wip.py"), "x = 1\n");
      await assert.rejects(pin({ ...options, ref: "v1.0.0" }), (e: unknown) => {
        assert.ok(e instanceof HpmOperationError);
        assert.match(
          e.message,
          /refusing to pin: .* 1 uncommitted change, and it has 1 commit after v1\.0\.0/,
        );
        assert.match(e.hint!, /--force/);
        return true;
      });
      assert.equal(await Deno.readTextFile(file), entry(repo.bareUrl, "v1.1.0"));
    });

    await t.step("forced", async () => {
      const lines: string[] = [];
      const r = await pin({ ...options, ref: "v1.0.0", force: true, log: (l) => lines.push(l) });
      assert.equal(r.previous, "v1.1.0");
      assert.equal(await Deno.readTextFile(file), entry(repo.bareUrl, "v1.0.0"));
      assert.equal(lines.length, 1);
      await Deno.remove(join(clone, "wip.py"));
    });

    await t.step("refused when there are commits after the tag", async () => {
      await git(["commit", "--quiet", "--allow-empty", "-m", "unreleased"], { cwd: clone });
      await assert.rejects(
        pin(options),
        (e: unknown) =>
          e instanceof HpmOperationError && /has 1 commit after v1\.1\.0$/.test(e.message),
      );
      assert.equal(await Deno.readTextFile(file), entry(repo.bareUrl, "v1.0.0"));
      // status measures from the pinned v1.0.0: the v1.1.0 release and the new commit.
      const report = await status({ root: core, env: ENV });
      assert.equal(report.packages[0].clone?.commitsSinceProdRef, 2);
    });

    await t.step("explicit --ref", async () => {
      await git(["tag", "rc-2"], { cwd: clone });
      await git(["push", "--quiet", "origin", "rc-2"], { cwd: clone });
      const r = await pin({ ...options, ref: "rc-2" });
      assert.equal(r.ref, "rc-2");
      assert.equal(await Deno.readTextFile(file), entry(repo.bareUrl, "rc-2"));
      await assert.rejects(
        pin({ ...options, ref: "v9.9.9", force: true }),
        (e: unknown) =>
          e instanceof HpmOperationError && /`v9\.9\.9` does not exist/.test(e.message),
      );
      assert.equal(await Deno.readTextFile(file), entry(repo.bareUrl, "rc-2"));
    });

    await t.step("from inside the project's registry folder: still the core's clone", async () => {
      const inside = { ...options, root: join(core, "hpm-registry", "packages") };
      await assert.rejects(
        pin(inside),
        (e: unknown) =>
          e instanceof HpmOperationError && /has 1 commit after v1\.1\.0$/.test(e.message),
      );
      const r = await pin({ ...inside, force: true });
      assert.equal(r.file, file);
      assert.equal(await Deno.readTextFile(file), entry(repo.bareUrl, "v1.1.0"));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pin(): a missing clone says how to get it", async () => {
  const root = await makeTempRoot();
  try {
    const core = join(root, "core");
    await makeCoreProject(core);
    await writeFile(
      join(core, "hpm-registry", "packages", "rag4code-qdrant.yaml"),
      entry("https://example.com/q.git", "v1.0.0"),
    );
    await writeFile(join(core, "hpm.yaml"), "registry: ./hpm-registry\n");
    await assert.rejects(
      pin({ root: core, package: "rag4code-qdrant", env: ENV }),
      (e: unknown) =>
        e instanceof Error && "code" in e && e.code === "missing-clone" &&
        (e as { hint?: string }).hint === "run `hpm clone rag4code-qdrant`",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
