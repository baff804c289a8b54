/**
 * The developer's-day commands through the real CLI: group add/remove/use/list,
 * init, registry list/show/add, schema, verify, hpm.local.yaml overrides.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse as parseYaml } from "yaml";
import { copyDir, pythonImport, repoRoot, uv, withRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject, snapshot } from "./_project.ts";

Deno.test("hpm group add/remove/list edit hpm.yaml keeping comments; unknown package writes nothing", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }, {
      name: "rag4code-chroma",
    }], []);
    const file = join(dir, "hpm.yaml");
    await writeFile(file, "# my manifest\nregistry: ./hpm-registry   # here\n");

    const bad = await hpm(["group", "add", "vector-db", "--option", "rag4code-qdrnt"], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /did you mean `rag4code-qdrant`/);
    assert.equal(
      await Deno.readTextFile(file),
      "# my manifest\nregistry: ./hpm-registry   # here\n",
    );

    expectOk(
      await hpm(
        ["group", "add", "vector-db", "-o", "rag4code-qdrant", "-o", "rag4code-chroma"],
        dir,
      ),
      "add",
    );
    assert.equal(
      await Deno.readTextFile(file),
      "# my manifest\nregistry: ./hpm-registry   # here\ngroups:\n  vector-db:\n    options: [rag4code-qdrant, rag4code-chroma]\n",
    );
    const list = await hpm(["group", "list", "--json"], dir);
    expectOk(list, "list");
    assert.deepEqual(JSON.parse(list.stdout), [{
      name: "vector-db",
      options: ["rag4code-qdrant", "rag4code-chroma"],
    }]);

    expectOk(
      await hpm(["group", "remove", "vector-db", "--option", "rag4code-qdrant"], dir),
      "remove option",
    );
    assert.match(await Deno.readTextFile(file), /options: \[rag4code-chroma\]\n$/);
    expectOk(await hpm(["group", "remove", "vector-db"], dir), "remove group");
    assert.deepEqual(parseYaml(await Deno.readTextFile(file)).groups, {});
    // Several plugins after one -o, as `--help` and README write it.
    expectOk(
      await hpm(["group", "add", "llm", "-o", "rag4code-qdrant", "rag4code-chroma"], dir),
      "add -o P P",
    );
    assert.deepEqual(parseYaml(await Deno.readTextFile(file)).groups, {
      llm: { options: ["rag4code-qdrant", "rag4code-chroma"] },
    });
    assert.equal((await hpm(["group", "remove", "nope"], dir)).code, 2);
  });
});

Deno.test("hpm group use switches the installed implementation with one sync; the other stays listed", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }, {
      name: "rag4code-chroma",
    }]);
    expectOk(await hpm(["group", "use", "plugins", "rag4code-qdrant"], dir), "use qdrant");
    expectOk(await hpm(["sync"], dir), "sync");
    await pythonImport(dir, "rag4code_qdrant");
    await assert.rejects(pythonImport(dir, "rag4code_chroma"), "chroma is not installed");

    expectOk(await hpm(["group", "use", "plugins", "rag4code-chroma"], dir), "use chroma");
    expectOk(await hpm(["sync"], dir), "sync");
    await pythonImport(dir, "rag4code_chroma");
    await assert.rejects(pythonImport(dir, "rag4code_qdrant"), "qdrant was uninstalled");
    const manifest = parseYaml(await Deno.readTextFile(join(dir, "hpm.yaml")));
    assert.deepEqual(manifest.groups.plugins, {
      options: ["rag4code-qdrant", "rag4code-chroma"],
      select: "rag4code-chroma",
    });
  });
});

Deno.test("hpm init on a fresh `uv init` project, then refuses a second time", async () => {
  await withRoot(async (root) => {
    const dir = join(root, "app");
    await uv(["init", "--lib", "--name", "app", "--no-workspace", "--vcs", "none", dir], {
      cwd: root,
    });
    const before = await Deno.readTextFile(join(dir, "pyproject.toml"));
    const r = await hpm(["init"], dir);
    expectOk(r, "init");
    const manifest = await Deno.readTextFile(join(dir, "hpm.yaml"));
    assert.match(manifest, /^# yaml-language-server: \$schema=\.\/hpm-registry\/hpm\.schema\.json/);
    assert.deepEqual(parseYaml(manifest), { registry: "./hpm-registry", mode: "dev" });
    assert.match(await Deno.readTextFile(join(dir, ".gitignore")), /^hpm\.local\.yaml$/m);
    await Deno.stat(join(dir, "hpm-registry", "packages"));
    assert.equal(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      before,
      "pyproject.toml untouched",
    );

    const again = await hpm(["init"], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    assert.equal(await Deno.readTextFile(join(dir, "hpm.yaml")), manifest);

    const none = await hpm(["init"], root);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /uv init/);
  });
});

Deno.test("hpm registry add/list/show; hpm.local.yaml override changes the path written", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    expectOk(
      await hpm([
        "registry",
        "add",
        "rag4code-openai",
        "--pypi",
        "1.2.0",
        "--description",
        "OpenAI",
      ], dir),
      "add",
    );
    const again = await hpm(["registry", "add", "rag4code-openai", "--pypi", "1.2.0"], dir);
    assert.equal(again.code, 2);
    const badRef = await hpm([
      "registry",
      "add",
      "x",
      "--git",
      "https://example.com/x.git",
      "--ref",
      "--evil",
    ], dir);
    assert.equal(badRef.code, 2);
    await assert.rejects(Deno.stat(join(dir, "hpm-registry", "packages", "x.yaml")));

    const list = await hpm(["registry", "list", "--json"], dir);
    expectOk(list, "list");
    assert.deepEqual(
      JSON.parse(list.stdout).map((e: { name: string; modes: string[] }) => [e.name, e.modes]),
      [["rag4code-openai", ["dev", "prod"]], ["rag4code-qdrant", ["dev", "prod"]]],
    );
    const show = await hpm(["registry", "show", "rag4code-openai"], dir);
    expectOk(show, "show");
    assert.match(show.stdout, /prod: pypi ==1\.2\.0/);

    const elsewhere = join(root, "my-libs", "qdrant");
    await copyDir(plugins["rag4code-qdrant"].clone, elsewhere);
    await writeFile(
      join(dir, "hpm.local.yaml"),
      `overrides:\n  rag4code-qdrant: {path: ${elsewhere}}\n`,
    );
    expectOk(await hpm(["sync"], dir), "sync with override");
    assert.match(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      new RegExp(`path = "${elsewhere}"`),
    );
    assert.ok((await pythonImport(dir, "rag4code_qdrant")).file.startsWith(elsewhere));
  });
});

Deno.test("hpm schema validates the example files and rejects a broken one", async () => {
  const ajv = new Ajv2020({ strict: false });
  const schema = async (...flags: string[]) => {
    const r = await hpm(["schema", ...flags], repoRoot());
    expectOk(r, "schema");
    return ajv.compile(JSON.parse(r.stdout));
  };
  const manifest = await schema();
  const entry = await schema("--registry");
  const local = await schema("--local");
  const example = join(repoRoot(), "examples", "rag4code-core");
  const read = async (path: string) => parseYaml(await Deno.readTextFile(join(example, path)));
  assert.ok(manifest(await read("hpm.yaml")), JSON.stringify(manifest.errors));
  assert.ok(local(await read("hpm.local.yaml.example")), JSON.stringify(local.errors));
  for (const name of ["rag4code-qdrant", "rag4code-chroma"]) {
    assert.ok(
      entry(await read(`hpm-registry/packages/${name}.yaml`)),
      JSON.stringify(entry.errors),
    );
  }
  assert.equal(manifest({ registry: "./r", groups: { db: { optons: [] } } }), false);
  assert.equal(entry({ name: "x", sources: { prod: { type: "git" } } }), false);
  assert.equal(entry({ name: "-x", sources: { dev: { type: "local", path: "p" } } }), false);
});

Deno.test("hpm verify --mode prod: fails on a missing tag, succeeds on a good one, touches nothing", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    expectOk(await hpm(["sync"], dir), "dev sync");
    const files = ["pyproject.toml", "uv.lock"];
    const before = await snapshot(dir, files);
    const site = join(dir, ".venv", "lib", "python3.11", "site-packages");
    const listing = async () => {
      const names = [];
      for await (const e of Deno.readDir(site)) names.push(e.name);
      return names.sort();
    };
    const installed = await listing();
    assert.ok(
      installed.some((n) => n.endsWith(".pth") && n.includes("rag4code_qdrant")),
      installed.join(" "),
    );

    const good = await hpm(["verify", "--mode", "prod"], dir);
    expectOk(good, "verify good");
    assert.match(good.stderr, /mode prod resolves/);
    assert.deepEqual(await snapshot(dir, files), before);

    const entry = join(dir, "hpm-registry", "packages", "rag4code-qdrant.yaml");
    await writeFile(entry, (await Deno.readTextFile(entry)).replace("ref: v1.0.0", "ref: v9.9.9"));
    const bad = await hpm(["verify", "--mode", "prod"], dir);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /v9\.9\.9/);
    assert.doesNotMatch(bad.stderr, /restored/, "verify restores nothing: it wrote nothing");
    assert.match(bad.stderr, /hint: nothing was changed/);
    assert.deepEqual(await snapshot(dir, files), before);
    assert.deepEqual(await listing(), installed, "the venv was not touched");
    assert.ok((await pythonImport(dir, "rag4code_qdrant")).file.startsWith(join(dir, "packages")));
  });
});
