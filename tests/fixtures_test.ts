/**
 * End-to-end checks of tests/_fixtures.ts with real uv and git. They also
 * pin down the uv behaviour HPM relies on (git tag/rev sources, named explicit
 * indexes, editable path sources, default-groups, transitive sources), so an
 * uv upgrade that changes any of it fails here first, with a clear name.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  buildWheels,
  coreProjectPyproject,
  fileUrl,
  git,
  isInside,
  makeCoreProject,
  makePluginRepo,
  makePluginRepoFromDir,
  prepareExample,
  pythonImport,
  type PythonPackageSpec,
  repoRoot,
  run,
  runOk,
  serveIndex,
  uv,
  venvPython,
  withRoot,
} from "./_fixtures.ts";

const QDRANT = {
  name: "rag4code-qdrant",
  module: "rag4code_qdrant",
  versions: [
    { version: "1.0.0", body: 'VERSION = "1.0.0"\n' },
    { version: "1.1.0", body: 'VERSION = "1.1.0"\n' },
  ],
};

/** A core project whose `plugins` group holds `deps`, with the given `[tool.uv.sources]` lines. */
function coreWith(deps: string[], sources: string[], extra = ""): string {
  return `[dependency-groups]
plugins = [${deps.map((d) => JSON.stringify(d)).join(", ")}]

[tool.uv]
default-groups = ["plugins"]
${extra}
[tool.uv.sources]
${sources.join("\n")}
`;
}

function chroma(version: string): PythonPackageSpec {
  return {
    name: "rag4code-chroma",
    module: "rag4code_chroma",
    version,
    body: `VERSION = ${JSON.stringify(version)}\n`,
  };
}

Deno.test("run: no shell, fixture env, exit codes and output as data", async () => {
  await withRoot(async (root) => {
    const r = await run("sh", ["-c", 'echo "$UV_PYTHON_DOWNLOADS $GIT_CONFIG_NOSYSTEM"; exit 3'], {
      cwd: root,
    });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "never 1\n");
    // Arguments are passed verbatim, never interpreted by a shell.
    const echo = await runOk("echo", ["$HOME; rm -rf /"], { cwd: root });
    assert.equal(echo.stdout, "$HOME; rm -rf /\n");
    await assert.rejects(runOk("git", ["not-a-command"], { cwd: root }), /exit code 1/);
  });
});

Deno.test("makePluginRepo: a clean clone on main tracking a bare remote with every tag", async () => {
  await withRoot(async (root) => {
    const p = await makePluginRepo(root, QDRANT);
    assert.equal(p.clone, join(root, "rag4code-qdrant"));
    assert.equal(p.bareUrl, fileUrl(join(root, "remotes", "rag4code-qdrant.git")));
    assert.deepEqual(p.tags, ["v1.0.0", "v1.1.0"]);
    const remote = await git(["ls-remote", "--tags", "--heads", p.bareUrl], { cwd: root });
    for (const ref of ["refs/heads/main", "refs/tags/v1.0.0", "refs/tags/v1.1.0"]) {
      assert.match(remote.stdout, new RegExp(`\t${ref}$`, "m"));
    }
    const status = await git(["status", "--porcelain", "--branch"], { cwd: p.clone });
    assert.equal(status.stdout, "## main...origin/main\n");
    const head = await Deno.readTextFile(join(p.clone, "src/rag4code_qdrant/__init__.py"));
    assert.equal(head, 'VERSION = "1.1.0"\n');
    // Annotated tags, as releases usually are.
    const kind = await git(["cat-file", "-t", "v1.0.0"], { cwd: p.clone });
    assert.equal(kind.stdout.trim(), "tag");
  });
});

Deno.test("uv git source { git = file://, tag } installs the tagged code into site-packages", async () => {
  await withRoot(async (root) => {
    const p = await makePluginRepo(root, QDRANT);
    const core = await makeCoreProject(join(root, "core"), {
      extraToml: coreWith(["rag4code-qdrant"], [
        `rag4code-qdrant = { git = "${p.bareUrl}", tag = "v1.0.0" }`,
      ]),
    });
    await uv(["sync"], { cwd: core });
    const got = await pythonImport(core, "rag4code_qdrant");
    assert.equal(got.value, "1.0.0", "the tag's code, although the clone is at 1.1.0");
    assert.match(got.file, /site-packages/);
    assert.equal(await isInside(got.file, p.clone), false);
    const lock = await Deno.readTextFile(join(core, "uv.lock"));
    assert.match(lock, /source = \{ git = "file:\/\/[^"]*\?tag=v1\.0\.0#[0-9a-f]{40}" \}/);
  });
});

Deno.test("uv answer: a tag name given as `rev` works for a git source", async () => {
  await withRoot(async (root) => {
    const p = await makePluginRepo(root, QDRANT);
    const core = await makeCoreProject(join(root, "core"), {
      extraToml: coreWith(["rag4code-qdrant"], [
        `rag4code-qdrant = { git = "${p.bareUrl}", rev = "v1.0.0" }`,
      ]),
    });
    await uv(["sync"], { cwd: core });
    assert.equal((await pythonImport(core, "rag4code_qdrant")).value, "1.0.0");
    const lock = await Deno.readTextFile(join(core, "uv.lock"));
    assert.match(lock, /\?rev=v1\.0\.0#[0-9a-f]{40}/);
  });
});

Deno.test("serveIndex: a PEP 503 index on 127.0.0.1 that uv installs pinned versions from", async () => {
  await withRoot(async (root) => {
    const wheels = await buildWheels(root, chroma("1.0.0"), chroma("1.2.0"));
    const index = await serveIndex(wheels);
    try {
      assert.match(index.url, /^http:\/\/127\.0\.0\.1:\d+\/simple\/$/);
      const rootPage = await (await fetch(index.url)).text();
      assert.match(rootPage, /<a href="rag4code-chroma\/">rag4code-chroma<\/a>/);
      // Any spelling of the name finds the normalised project page.
      const projectPage = await (await fetch(`${index.url}Rag4Code_Chroma/`)).text();
      const links = [...projectPage.matchAll(/href="([^"]+)#sha256=([0-9a-f]{64})"/g)];
      assert.equal(links.length, 2);
      for (const [, href, sha] of links) {
        const bytes = new Uint8Array(await (await fetch(new URL(href, index.url))).arrayBuffer());
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
        assert.equal(Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""), sha);
      }
      const missing = await fetch(new URL("/files/../../etc/passwd", index.url));
      assert.equal(missing.status, 404);
      await missing.body?.cancel();

      // The form HPM writes for a pypi source with a private index.
      const core = await makeCoreProject(join(root, "core"), {
        extraToml: coreWith(
          ["rag4code-chroma==1.0.0"],
          [`rag4code-chroma = { index = "hpm-local" }`],
          `\n[[tool.uv.index]]\nname = "hpm-local"\nurl = "${index.url}"\nexplicit = true\n`,
        ),
      });
      await uv(["sync"], { cwd: core });
      const got = await pythonImport(core, "rag4code_chroma");
      assert.equal(got.value, "1.0.0");
      assert.match(got.file, /site-packages/);
      assert.ok(index.requests.includes("/simple/rag4code-chroma/"));

      // Unpinned, via --index-url: the newest of the two.
      const scratch = join(root, "scratch");
      await Deno.mkdir(scratch);
      await uv(["venv", "--quiet", ".venv"], { cwd: scratch });
      await uv([
        "pip",
        "install",
        "--quiet",
        "--python",
        venvPython(scratch),
        "--index-url",
        index.url,
        "rag4code-chroma",
      ], { cwd: scratch });
      const listed = await pythonImport(scratch, "rag4code_chroma");
      assert.equal(listed.value, "1.2.0");
    } finally {
      await index.close();
    }
    await assert.rejects(fetch(index.url));
  });
});

Deno.test("editable path source imports from the clone; an edit shows without re-sync", async () => {
  await withRoot(async (root) => {
    const p = await makePluginRepo(root, QDRANT);
    const core = await makeCoreProject(join(root, "core"), {
      extraToml: coreWith(["rag4code-qdrant"], [
        `rag4code-qdrant = { path = "../rag4code-qdrant", editable = true }`,
      ]),
    });
    await uv(["sync"], { cwd: core });
    const before = await pythonImport(core, "rag4code_qdrant");
    assert.equal(before.value, "1.1.0");
    assert.ok(await isInside(before.file, p.clone), `${before.file} is not in the clone`);
    await Deno.writeTextFile(
      join(p.clone, "src/rag4code_qdrant/__init__.py"),
      'VERSION = "live"\n',
    );
    assert.equal((await pythonImport(core, "rag4code_qdrant")).value, "live");
  });
});

Deno.test("uv answer: default-groups naming an undefined group is an error (exit 2)", async () => {
  await withRoot(async (root) => {
    const core = await makeCoreProject(join(root, "core"), {
      extraToml:
        `[dependency-groups]\nvector-db = []\n\n[tool.uv]\ndefault-groups = ["vector-db", "llm"]\n`,
    });
    for (const args of [["sync"], ["lock"]]) {
      const r = await run("uv", args, { cwd: core });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Default group `llm` .* is not defined/);
    }
    // An empty group listed in default-groups is fine.
    const ok = await makeCoreProject(join(root, "core2"), {
      extraToml:
        `[dependency-groups]\nvector-db = []\n\n[tool.uv]\ndefault-groups = ["vector-db"]\n`,
    });
    await uv(["sync"], { cwd: ok });
  });
});

Deno.test("uv answer: without default-groups only `dev` is installed; with it, `dev` is not", async () => {
  await withRoot(async (root) => {
    const wheels = await buildWheels(root, chroma("1.0.0"), {
      name: "hpm-fixture-devtool",
      module: "hpm_fixture_devtool",
      version: "0.1.0",
      body: 'VERSION = "0.1.0"\n',
    });
    const index = await serveIndex(wheels);
    try {
      const groups = `[dependency-groups]
dev = ["hpm-fixture-devtool"]
plugins = ["rag4code-chroma"]

[[tool.uv.index]]
name = "hpm-local"
url = "${index.url}"
explicit = true

[tool.uv.sources]
hpm-fixture-devtool = { index = "hpm-local" }
rag4code-chroma = { index = "hpm-local" }
`;
      const core = await makeCoreProject(join(root, "core"), { extraToml: groups });
      await uv(["sync"], { cwd: core });
      assert.equal((await pythonImport(core, "hpm_fixture_devtool")).value, "0.1.0");
      await assert.rejects(pythonImport(core, "rag4code_chroma"), /ModuleNotFoundError/);

      await Deno.writeTextFile(
        join(core, "pyproject.toml"),
        coreProjectPyproject({
          extraToml: `${groups}\n[tool.uv]\ndefault-groups = ["plugins"]\n`,
        }),
      );
      await uv(["sync"], { cwd: core });
      assert.equal((await pythonImport(core, "rag4code_chroma")).value, "1.0.0");
      await assert.rejects(pythonImport(core, "hpm_fixture_devtool"), /ModuleNotFoundError/);
    } finally {
      await index.close();
    }
  });
});

Deno.test("uv answer: [tool.uv.sources] of a path or git dependency apply transitively", async () => {
  await withRoot(async (root) => {
    // leaf exists nowhere but on disk: resolving it from PyPI would fail.
    const leaf = await makePluginRepo(root, {
      name: "hpm-fixture-leaf",
      module: "hpm_fixture_leaf",
      versions: [{ version: "9.9.9", body: 'VERSION = "leaf"\n' }],
    });
    const mid = await makePluginRepo(root, {
      name: "hpm-fixture-mid",
      module: "hpm_fixture_mid",
      versions: [{
        version: "1.0.0",
        body: 'VERSION = "mid"\n',
        dependencies: ["hpm-fixture-leaf"],
      }],
    });
    // mid's own sources: leaf from its clone (path) on main, from its tag (git) at v1.0.1.
    const pyproject = join(mid.clone, "pyproject.toml");
    const base = await Deno.readTextFile(pyproject);
    await Deno.writeTextFile(
      pyproject,
      `${base}\n[tool.uv.sources]\nhpm-fixture-leaf = { git = "${leaf.bareUrl}", tag = "v9.9.9" }\n`,
    );
    await git(["commit", "--quiet", "-am", "leaf from git"], { cwd: mid.clone });
    await git(["tag", "v1.0.1"], { cwd: mid.clone });
    await git(["push", "--quiet", "origin", "main", "v1.0.1"], { cwd: mid.clone });
    await Deno.writeTextFile(
      pyproject,
      `${base}\n[tool.uv.sources]\nhpm-fixture-leaf = { path = "../hpm-fixture-leaf", editable = true }\n`,
    );

    const cases: [string, string, (file: string) => Promise<boolean>][] = [
      [
        "editable path",
        `{ path = "../hpm-fixture-mid", editable = true }`,
        (f) => isInside(f, leaf.clone),
      ],
      ["non-editable path", `{ path = "../hpm-fixture-mid" }`, (f) => isInside(f, leaf.clone)],
      [
        "git",
        `{ git = "${mid.bareUrl}", tag = "v1.0.1" }`,
        (f) => Promise.resolve(/site-packages/.test(f)),
      ],
    ];
    for (const [label, source, where] of cases) {
      const core = await makeCoreProject(join(root, `core-${label.replace(/ /g, "-")}`), {
        extraToml: coreWith(["hpm-fixture-mid"], [`hpm-fixture-mid = ${source}`]),
      });
      await uv(["sync"], { cwd: core });
      const got = await pythonImport(core, "hpm_fixture_leaf");
      assert.equal(got.value, "leaf", label);
      assert.ok(await where(got.file), `${label}: leaf imported from ${got.file}`);
    }
  });
});

Deno.test("makePluginRepoFromDir: copies a folder, or initialises it in place", async () => {
  await withRoot(async (root) => {
    const src = join(repoRoot(), "examples", "plugins", "rag4code-qdrant");
    const copied = await makePluginRepoFromDir(src, root, { tag: "v1.0.0" });
    assert.equal(copied.clone, join(root, "rag4code-qdrant"));
    assert.deepEqual(copied.tags, ["v1.0.0"]);
    const files = await git(["ls-files"], { cwd: copied.clone });
    assert.deepEqual(files.stdout.trim().split("\n").sort(), [
      ".gitignore",
      "pyproject.toml",
      "src/rag4code_qdrant/__init__.py",
    ]);
    const tags = await git(["ls-remote", "--tags", copied.bareUrl], { cwd: root });
    assert.match(tags.stdout, /refs\/tags\/v1\.0\.0/);

    const inPlace = join(root, "elsewhere", "pkg");
    await makeCoreProject(inPlace, { name: "hpm-fixture-inplace" });
    const p = await makePluginRepoFromDir(inPlace, root, { tag: "v2.0.0", cloneDir: inPlace });
    assert.equal(p.name, "pkg");
    const status = await git(["status", "--porcelain", "--branch"], { cwd: inPlace });
    assert.equal(status.stdout, "## main...origin/main\n");
  });
});

Deno.test("prepareExample: the bundled example works in dev (clones) and prod (tags)", async () => {
  await withRoot(async (root) => {
    const ex = await prepareExample(root);
    assert.deepEqual(Object.keys(ex.plugins), ["rag4code-chroma", "rag4code-qdrant"]);
    // The registry now points prod at the local bare repos; dev paths are untouched.
    for (const [name, repo] of Object.entries(ex.plugins)) {
      const entry = parseYaml(
        await Deno.readTextFile(join(ex.project, "hpm-registry", "packages", `${name}.yaml`)),
      );
      assert.equal(entry.name, name);
      assert.deepEqual(entry.sources.dev, {
        type: "local",
        path: `./packages/${name}`,
        editable: true,
      });
      assert.deepEqual(entry.sources.prod, { type: "git", url: repo.bareUrl, ref: "v1.0.0" });
      assert.equal(repo.clone, join(ex.project, "packages", name));
    }
    const manifest = parseYaml(await Deno.readTextFile(join(ex.project, "hpm.yaml")));
    assert.deepEqual(manifest, { registry: "./hpm-registry", mode: "dev" });

    // What `hpm sync` would write, by hand: dev, then prod.
    const original = await Deno.readTextFile(join(ex.project, "pyproject.toml"));
    const write = (sources: string[]) =>
      Deno.writeTextFile(
        join(ex.project, "pyproject.toml"),
        `${original}\n${coreWith(["rag4code-qdrant", "rag4code-chroma"], sources)}`,
      );
    const describe = async () => {
      const r = await runOk(venvPython(ex.project), ["-I", "-m", "rag4code_core", "--json"], {
        cwd: ex.project,
      });
      return JSON.parse(r.stdout) as {
        plugins: { name: string; version: string; file: string; vector_store: boolean }[];
      };
    };

    await write([
      `rag4code-qdrant = { path = "packages/rag4code-qdrant", editable = true }`,
      `rag4code-chroma = { path = "packages/rag4code-chroma", editable = true }`,
    ]);
    await uv(["sync"], { cwd: ex.project });
    const dev = await describe();
    assert.deepEqual(dev.plugins.map((p) => p.name), ["chroma", "qdrant"]);
    for (const p of dev.plugins) {
      assert.equal(p.vector_store, true);
      assert.equal(p.version, "1.0.0");
      assert.ok(await isInside(p.file, join(ex.project, "packages")), p.file);
    }

    await write([
      `rag4code-qdrant = { git = "${ex.plugins["rag4code-qdrant"].bareUrl}", tag = "v1.0.0" }`,
      `rag4code-chroma = { git = "${ex.plugins["rag4code-chroma"].bareUrl}", tag = "v1.0.0" }`,
    ]);
    await uv(["sync"], { cwd: ex.project });
    const prod = await describe();
    assert.deepEqual(prod.plugins.map((p) => p.name), ["chroma", "qdrant"]);
    for (const p of prod.plugins) {
      assert.match(p.file, /site-packages/);
      assert.equal(await isInside(p.file, join(ex.project, "packages")), false);
    }

    // A plugin search really runs through the core's interface.
    const search = await runOk(venvPython(ex.project), [
      "-I",
      "-c",
      "from rag4code_core import load_plugins\n" +
      "s = load_plugins()['qdrant']()\n" +
      "s.add('a', [1.0, 0.0]); s.add('b', [0.0, 1.0])\n" +
      "print(s.search([0.9, 0.1], k=1))",
    ], { cwd: ex.project });
    assert.equal(search.stdout.trim(), "['a']");
  });
});

Deno.test("prepareExample: with clones=false, packages/ is left for `hpm clone`", async () => {
  await withRoot(async (root) => {
    const ex = await prepareExample(root, { clones: false });
    await assert.rejects(Deno.stat(join(ex.project, "packages")), Deno.errors.NotFound);
    assert.equal(ex.plugins["rag4code-qdrant"].clone, join(root, "upstream", "rag4code-qdrant"));
  });
});
