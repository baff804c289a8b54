/**
 * Remote registries: a git repository (optionally at a pinned ref) and an HTTP
 * base URL on 127.0.0.1, fetched into a cache, used from the cache when the
 * remote is gone (and saying so), first registry winning.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { filesHost, git, staticHost, withRoot, writeFile } from "./_fixtures.ts";
import { coreOn, expectOk, expire, hpm, makeProject, teamRegistry } from "./_project.ts";

/**
 * The project's registry replaced by a repository of its own (working clone +
 * bare remote) holding `entries` (name → YAML).
 */
async function registryRepo(root: string, dir: string, entries: Record<string, string>) {
  await Deno.remove(join(dir, "hpm-registry"), { recursive: true });
  for (const [name, text] of Object.entries(entries)) {
    await writeFile(join(dir, "hpm-registry", "packages", `${name}.yaml`), text);
  }
  const { work, bare, location } = await teamRegistry(root, dir, { ref: "" });
  return { work, bare, url: location };
}

Deno.test("git registry: fetched into the cache, pinned refs honoured, used offline with a notice", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{
      name: "rag4code-qdrant",
      versions: ["1.0.0", "1.1.0"],
    }]);
    const entry = (ref: string) =>
      `name: rag4code-qdrant\nsources:\n  dev: {type: local, path: ./packages/rag4code-qdrant}\n` +
      `  prod: {type: git, url: "${plugins["rag4code-qdrant"].bareUrl}", ref: ${ref}}\n`;
    const reg = await registryRepo(root, dir, { "rag4code-qdrant": entry("v1.0.0") });
    await git(["tag", "r1"], { cwd: reg.work });
    await git(["push", "--quiet", "origin", "r1"], { cwd: reg.work });
    await writeFile(join(reg.work, "packages", "rag4code-qdrant.yaml"), entry("v1.1.0"));
    await git(["commit", "--quiet", "-am", "release 1.1.0"], { cwd: reg.work });
    await git(["push", "--quiet", "origin", "main"], { cwd: reg.work });
    const env = { HPM_CACHE_DIR: join(root, "cache") };
    const manifest = (registry: string) =>
      writeFile(
        join(dir, "hpm.yaml"),
        `registry: "${registry}"\ngroups:\n  plugins:\n    options: [rag4code-qdrant]\n`,
      );

    await manifest(reg.url);
    expectOk(
      await hpm(["sync", "--mode", "prod", "--no-install"], dir, env),
      "sync from git registry",
    );
    assert.match(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      /rev = "v1\.1\.0"/,
      "the default branch",
    );

    await manifest(`${reg.url}#r1`);
    expectOk(
      await hpm(["sync", "--mode", "prod", "--no-install"], dir, env),
      "sync at a pinned ref",
    );
    assert.match(
      await Deno.readTextFile(join(dir, "pyproject.toml")),
      /rev = "v1\.0\.0"/,
      "the registry at r1",
    );

    await Deno.rename(reg.bare, `${reg.bare}.gone`);
    await expire(env.HPM_CACHE_DIR);
    // The commit pyproject.toml records is in the cache: nothing to ask.
    const recorded = await hpm(["sync", "--mode", "prod", "--no-install"], dir, env);
    expectOk(recorded, "sync at the recorded commit");
    assert.doesNotMatch(recorded.stderr, /cannot reach/);
    const offline = await hpm(["--refresh", "sync", "--mode", "prod", "--no-install"], dir, env);
    expectOk(offline, "offline sync");
    assert.match(offline.stderr, /cannot reach it .*using the cached copy from \d{4}-\d\d-\d\d/);

    await manifest(`${reg.url}#main`);
    const never = await hpm(["sync", "--no-install"], dir, env);
    assert.equal(never.code, 1, never.stderr);
    assert.match(never.stderr, /cannot fetch registry .*#main/);
    const forced = await hpm(["sync", "--no-install"], dir, { ...env, HPM_OFFLINE: "1" });
    assert.equal(forced.code, 1);
    assert.match(forced.stderr, /no cached copy and HPM_OFFLINE=1/);
  });
});

Deno.test("http registry on 127.0.0.1: index.json + entries, first registry wins, offline from cache", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const files: Record<string, string> = {
      "/reg/index.json": JSON.stringify(["rag4code-qdrant", "rag4code-openai"]),
      "/reg/packages/rag4code-qdrant.yaml":
        "name: rag4code-qdrant\nsources:\n  dev: {type: local, path: ./elsewhere}\n",
      "/reg/packages/rag4code-openai.yaml":
        "name: rag4code-openai\nsources:\n  prod: {type: pypi, version: 1.2.0}\n",
      "/evil/index.json": JSON.stringify(["../../escape"]),
    };
    const server = filesHost(files);
    const base = server.url;
    const env = { HPM_CACHE_DIR: join(root, "cache") };
    try {
      // The local registry is listed first, so its rag4code-qdrant wins over the remote one.
      await writeFile(
        join(dir, "hpm.yaml"),
        `registry: [./hpm-registry, "${base}/reg"]\ngroups:\n  plugins:\n    options: [rag4code-qdrant]\n`,
      );
      const list = await hpm(["registry", "list", "--json"], dir, env);
      expectOk(list, "registry list");
      const rows = JSON.parse(list.stdout) as { name: string; file: string }[];
      assert.deepEqual(rows.map((r) => r.name), ["rag4code-openai", "rag4code-qdrant"]);
      assert.match(rows[1].file, /hpm-registry/, "first registry wins");
      assert.match(rows[0].file, /cache/, "remote entries come from the cache");
      expectOk(await hpm(["sync", "--no-install"], dir, env), "sync");

      await writeFile(join(dir, "hpm.local.yaml"), "mode: dev\n");
      await writeFile(join(dir, "hpm.yaml"), `registry: "${base}/evil"\n`);
      const evil = await hpm(["registry", "list"], dir, env);
      assert.equal(evil.code, 2, evil.stderr);
      assert.match(evil.stderr, /"\.\.\/\.\.\/escape", which is not a package name/);
      await assert.rejects(Deno.stat(join(root, "escape.yaml")));
      await writeFile(
        join(dir, "hpm.yaml"),
        `registry: [./hpm-registry, "${base}/reg"]\ngroups:\n  plugins:\n    options: [rag4code-qdrant]\n`,
      );
    } finally {
      await server.close();
    }
    await expire(env.HPM_CACHE_DIR);
    const offline = await hpm(["registry", "show", "rag4code-openai"], dir, env);
    expectOk(offline, "offline show");
    assert.match(offline.stdout, /prod: pypi ==1\.2\.0/);
    assert.match(offline.stderr, /cannot reach it .*using the cached copy/);
  });
});

const pypiEntry = (name: string, version: string, extra = "") =>
  `name: ${name}\n${extra}sources:\n  prod: {type: pypi, version: ${version}}\n`;

Deno.test("static https registry: a plain copy of the folder works without index.json; entries fetched by name with what they require", async () => {
  await withRoot(async (root) => {
    const site = join(root, "site");
    await writeFile(
      join(site, "packages", "plug-a.yaml"),
      pypiEntry("plug-a", "1.0.0", "requires: [plug-b]\n"),
    );
    await writeFile(join(site, "packages", "plug-b.yaml"), pypiEntry("plug-b", "2.0.0"));
    await writeFile(join(site, "packages", "unused.yaml"), pypiEntry("unused", "3.0.0"));
    const host = staticHost(site);
    try {
      const dir = await coreOn(root, host.url, ["plug-a"]);
      const env = { HPM_CACHE_DIR: join(root, "cache") };
      expectOk(await hpm(["sync", "--no-install", "--mode", "prod"], dir, env), "sync");
      const text = await Deno.readTextFile(join(dir, "pyproject.toml"));
      assert.match(text, /plugins = \["plug-a==1\.0\.0", "plug-b==2\.0\.0"\]/);
      assert.ok(host.asked.includes("/index.json"), "the optional index was asked for");
      assert.ok(!host.asked.includes("/packages/unused.yaml"), "only the entries needed");

      // `hpm registry index` writes the index a host may serve for listing.
      const local = join(root, "reg");
      await writeFile(join(local, "packages", "x.yaml"), pypiEntry("x", "1.0.0"));
      await writeFile(join(local, "packages", "y.yaml"), pypiEntry("y", "1.0.0"));
      const indexed = await hpm(["registry", "index", local], root);
      expectOk(indexed, "registry index");
      assert.deepEqual(JSON.parse(await Deno.readTextFile(join(local, "index.json"))), {
        packages: ["x", "y"],
      });
    } finally {
      await host.close();
    }
  });
});

Deno.test("--refresh and hpm registry update ask the remote again inside the freshness window", async () => {
  await withRoot(async (root) => {
    const site = join(root, "site");
    await writeFile(join(site, "packages", "plug.yaml"), pypiEntry("plug", "1.0.0"));
    const host = staticHost(site);
    try {
      const dir = await coreOn(root, host.url, ["plug"]);
      const env = { HPM_CACHE_DIR: join(root, "cache") };
      const shown = async (args: string[]) => {
        const r = await hpm([...args, "registry", "show", "plug"], dir, env);
        expectOk(r, args.join(" "));
        return r.stdout;
      };
      assert.match(await shown([]), /pypi ==1\.0\.0/);
      await writeFile(join(site, "packages", "plug.yaml"), pypiEntry("plug", "1.1.0"));
      assert.match(await shown([]), /pypi ==1\.0\.0/, "fresh cache: not asked again");
      assert.match(await shown(["--refresh"]), /pypi ==1\.1\.0/);
      await writeFile(join(site, "packages", "plug.yaml"), pypiEntry("plug", "1.2.0"));
      const update = await hpm(["registry", "update"], dir, env);
      expectOk(update, "registry update");
      assert.match(update.stderr, /updated/);
      assert.match(await shown([]), /pypi ==1\.2\.0/);
    } finally {
      await host.close();
    }
  });
});

Deno.test("a mistyped mode is unknown, with the modes the entries define; no hint points into the cache", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [{ name: "plug-a" }, { name: "plug-b" }]);
    const entry = (name: string, extra = "") =>
      `name: ${name}\nsources:\n  dev: {type: local, path: ./packages/${name}}\n` +
      `  prod: {type: git, url: "${plugins[name].bareUrl}", ref: v1.0.0}\n${extra}`;
    const reg = await registryRepo(root, dir, {
      "plug-a": entry("plug-a", `  staging: {type: git, url: "${plugins["plug-a"].bareUrl}"}\n`),
      "plug-b": entry("plug-b"),
    });
    const cache = join(root, "cache");
    const env = { HPM_CACHE_DIR: cache };
    const typo = await hpm(["sync", "--mode", "prdo"], dir, env);
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(
      typo.stderr,
      /^error: unknown mode `prdo`; did you mean `prod`\? \(the registry entries define dev, prod, staging\)$/m,
    );
    assert.doesNotMatch(typo.stderr, /plug-/, "no package is blamed");
    // A mode some entries lack is that package's, said without the cached file.
    const staging = await hpm(["sync", "--mode", "staging"], dir, env);
    assert.equal(staging.code, 2, staging.stderr);
    assert.match(staging.stderr, /package `plug-b` has no source for mode `staging`/);
    const hint = staging.stderr.split("\n").find((l) => l.includes("hint:")) ?? "";
    assert.match(hint, new RegExp(`plug-b's entry in the registry ${reg.url}`), hint);
    assert.ok(!hint.includes(cache), hint);
  });
});
