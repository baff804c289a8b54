/**
 * The dev ⇄ prod workflow end to end: the real `hpm` CLI, real uv, real git
 * repositories and a real (loopback) package index.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { buildWheels, pythonImport, serveIndex, uv, withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject, moduleOf, snapshot } from "./_project.ts";

Deno.test("hpm sync (dev): plugin editable from its clone, live edits visible, kept by plain uv sync", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    expectOk(await hpm(["sync"], dir), "hpm sync");
    const clone = plugins["rag4code-qdrant"].clone;
    let imported = await pythonImport(dir, "rag4code_qdrant");
    assert.ok(imported.file.startsWith(clone), `imported from ${imported.file}, not the clone`);
    assert.equal(imported.value, "1.0.0");

    await writeFile(join(clone, "src", "rag4code_qdrant", "__init__.py"), 'VERSION = "edited"\n');
    imported = await pythonImport(dir, "rag4code_qdrant");
    assert.equal(imported.value, "edited", "an edit in the clone shows without re-sync");

    const pyproject = await Deno.readTextFile(join(dir, "pyproject.toml"));
    assert.match(
      pyproject,
      /rag4code-qdrant = \{ path = "packages\/rag4code-qdrant", editable = true \}/,
    );
    await uv(["sync"], { cwd: dir });
    imported = await pythonImport(dir, "rag4code_qdrant");
    assert.ok(imported.file.startsWith(clone), "a plain `uv sync` keeps the plugin installed");
  });
});

Deno.test("hpm sync --mode prod: the tagged release from git, in site-packages, pinned in uv.lock", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{
      name: "rag4code-qdrant",
      versions: ["1.0.0", "1.1.0"],
      prod: (repo) => `{type: git, url: "${repo.bareUrl}", ref: v1.0.0}`,
    }]);
    expectOk(await hpm(["sync", "--mode", "prod"], dir), "hpm sync --mode prod");
    const imported = await pythonImport(dir, "rag4code_qdrant");
    assert.match(imported.file, /site-packages/);
    assert.equal(imported.value, "1.0.0", "the tag's code, not the clone's 1.1.0");
    const pyproject = await Deno.readTextFile(join(dir, "pyproject.toml"));
    assert.doesNotMatch(pyproject, /packages\/rag4code-qdrant/);
    assert.match(pyproject, /mode = "prod"/);
    const lock = await Deno.readTextFile(join(dir, "uv.lock"));
    assert.match(lock, /rag4code-qdrant\.git\?rev=v1\.0\.0#[0-9a-f]{40}/);
  });
});

Deno.test("hpm sync --mode prod: a pypi source from a private index installs the pinned version", async () => {
  await withRoot(async (root) => {
    const spec = (version: string) => ({
      name: "rag4code-openai",
      version,
      module: "rag4code_openai",
      body: `VERSION = "${version}"\n`,
    });
    const wheels = await buildWheels(root, spec("1.0.0"), spec("2.0.0"));
    const index = await serveIndex(wheels);
    try {
      const { dir } = await makeProject(root, [{
        name: "rag4code-openai",
        prod: () => `{type: pypi, version: 1.0.0, index: "${index.url}"}`,
      }]);
      expectOk(await hpm(["sync", "--mode", "prod"], dir), "hpm sync --mode prod");
      const imported = await pythonImport(dir, "rag4code_openai");
      assert.match(imported.file, /site-packages/);
      assert.equal(imported.value, "1.0.0", "the pinned version, not the newest");
      const pyproject = await Deno.readTextFile(join(dir, "pyproject.toml"));
      assert.match(pyproject, /"rag4code-openai==1\.0\.0"/);
      assert.match(
        pyproject,
        /\[\[tool\.uv\.index\]\]\nname = "hpm-127-0-0-1"\nurl = "[^"]+"\nexplicit = true/,
      );
      assert.match(pyproject, /rag4code-openai = \{ index = "hpm-127-0-0-1" \}/);
    } finally {
      await index.close();
    }
  });
});

Deno.test("dev → prod → dev round trip; repeat sync byte-identical; --dry-run writes nothing; check", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }, {
      name: "rag4code-chroma",
    }]);
    const original = await Deno.readTextFile(join(dir, "pyproject.toml"));

    const dry = await hpm(["sync", "--dry-run"], dir);
    expectOk(dry, "dry run");
    assert.match(dry.stdout, /^\+rag4code-qdrant = \{ path/m);
    assert.deepEqual(await snapshot(dir, ["pyproject.toml", "uv.lock"]), {
      "pyproject.toml": original,
      "uv.lock": undefined,
    });
    assert.equal((await hpm(["check"], dir)).code, 1, "check reports drift before the first sync");

    expectOk(await hpm(["sync"], dir), "dev sync");
    const dev = await snapshot(dir, ["pyproject.toml", "uv.lock"]);
    const mtime = (await Deno.stat(join(dir, "pyproject.toml"))).mtime;
    expectOk(await hpm(["sync"], dir), "second dev sync");
    assert.deepEqual(
      await snapshot(dir, ["pyproject.toml", "uv.lock"]),
      dev,
      "second sync is byte-identical",
    );
    assert.deepEqual(
      (await Deno.stat(join(dir, "pyproject.toml"))).mtime,
      mtime,
      "and does not rewrite the file",
    );
    expectOk(await hpm(["check"], dir), "check in sync");

    expectOk(await hpm(["sync", "--mode", "prod"], dir), "prod sync");
    assert.equal(
      (await hpm(["check"], dir)).code,
      1,
      "check (dev) sees drift in a prod-synced project",
    );
    expectOk(await hpm(["check"], dir, { RUN_MODE: "prod" }), "RUN_MODE=prod check");
    for (const name of ["rag4code-qdrant", "rag4code-chroma"]) {
      assert.match((await pythonImport(dir, moduleOf(name))).file, /site-packages/);
    }

    expectOk(await hpm(["sync"], dir), "back to dev");
    assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), dev["pyproject.toml"]);
    assert.ok((await pythonImport(dir, "rag4code_chroma")).file.startsWith(join(dir, "packages")));
  });
});

Deno.test("uv failure (a tag that does not exist): exit 1, pyproject.toml and uv.lock restored", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{
      name: "rag4code-qdrant",
      prod: (repo) => `{type: git, url: "${repo.bareUrl}", tag: v9.9.9}`,
    }]);
    expectOk(await hpm(["sync"], dir), "dev sync");
    const before = await snapshot(dir, ["pyproject.toml", "uv.lock"]);
    const r = await hpm(["sync", "--mode", "prod"], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /uv sync.*failed/);
    assert.match(r.stderr, /restored/);
    assert.deepEqual(await snapshot(dir, ["pyproject.toml", "uv.lock"]), before);
    assert.ok((await pythonImport(dir, "rag4code_qdrant")).file.startsWith(join(dir, "packages")));
  });
});

Deno.test("a plugin that depends on another registry plugin: in dev both come from their clones", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(
      root,
      [{ name: "rag4code-base" }, { name: "rag4code-qdrant", dependencies: ["rag4code-base"] }],
      ["rag4code-qdrant"],
    );
    expectOk(await hpm(["sync"], dir), "hpm sync");
    for (const name of ["rag4code-qdrant", "rag4code-base"]) {
      const imported = await pythonImport(dir, moduleOf(name));
      assert.ok(imported.file.startsWith(plugins[name].clone), `${name} from ${imported.file}`);
    }
    const pyproject = await Deno.readTextFile(join(dir, "pyproject.toml"));
    assert.match(pyproject, /plugins = \["rag4code-qdrant", "rag4code-base"\]/);
  });
});
