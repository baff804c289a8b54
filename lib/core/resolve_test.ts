import assert from "node:assert/strict";
import type { HpmInputError } from "./errors.ts";
import { parseLocalOverlay, parseManifest } from "./manifest.ts";
import { Registry } from "./registry.ts";
import { posix, win32 } from "node:path";
import { pyprojectPath, type ResolveInput, resolvePlan } from "./resolve.ts";

const entry = (name: string, body: string) => ({
  file: `/p/reg/packages/${name}.yaml`,
  stem: name,
  text: `name: ${name}\n${body}`,
});

const registry = new Registry([
  entry(
    "rag4code-qdrant",
    "sources:\n  dev: {type: local, path: ./packages/rag4code-qdrant}\n" +
      "  prod: {type: git, url: 'https://example.com/q.git', ref: v1.0.0}\n" +
      "  tagged: {type: git, url: 'https://example.com/q.git', tag: v1.0.0, subdirectory: py}\n",
  ),
  entry(
    "rag4code-chroma",
    "requires: [rag4code-base]\nsources:\n  dev: {type: local, path: ../libs/chroma, editable: false}\n" +
      "  prod: {type: pypi, version: 1.2.0, index: 'https://pypi.example.com/simple'}\n",
  ),
  entry(
    "rag4code-base",
    "sources:\n  dev: {type: local, path: /abs/base}\n  prod: {type: pypi, version: '>=2,<3'}\n",
  ),
]);

// What a package's pyproject.toml declares: these dependencies, and sources for `sourced`.
const declared = (names: string[], sourced: string[] = []) => ({ names, sourced });

const manifest = parseManifest(
  "registry: ./reg\ngroups:\n  vector-db:\n    options: [rag4code-qdrant, Rag4Code_Chroma]\n",
  "/p/hpm.yaml",
);

Deno.test("resolvePlan() dev: local paths relative to the project, editable flag kept", () => {
  const { plan, packages } = resolvePlan({ manifest, registry, mode: "dev", root: "/p" });
  assert.deepEqual(plan.groups, [{
    name: "vector-db",
    requirements: ["rag4code-qdrant", "rag4code-chroma", "rag4code-base"],
  }]);
  assert.deepEqual(plan.sources, [
    { name: "rag4code-base", table: [["path", "/abs/base"], ["editable", true]] },
    { name: "rag4code-chroma", table: [["path", "../libs/chroma"], ["editable", false]] },
    { name: "rag4code-qdrant", table: [["path", "packages/rag4code-qdrant"], ["editable", true]] },
  ]);
  assert.deepEqual(plan.indexes, []);
  assert.equal(
    packages.find((p) => p.key === "rag4code-qdrant")?.localPath,
    "/p/packages/rag4code-qdrant",
  );
  assert.deepEqual(packages.find((p) => p.key === "rag4code-base")?.requiredBy, [
    "rag4code-chroma",
  ]);
});

Deno.test("resolvePlan() prod: git ref becomes uv's rev, pypi versions pinned, private index named", () => {
  const { plan } = resolvePlan({ manifest, registry, mode: "prod", root: "/p" });
  assert.deepEqual(plan.groups[0].requirements, [
    "rag4code-qdrant",
    "rag4code-chroma==1.2.0",
    "rag4code-base>=2,<3",
  ]);
  assert.deepEqual(plan.sources, [
    { name: "rag4code-chroma", table: [["index", "hpm-pypi-example-com"]] },
    { name: "rag4code-qdrant", table: [["git", "https://example.com/q.git"], ["rev", "v1.0.0"]] },
  ]);
  assert.deepEqual(plan.indexes, [{
    name: "hpm-pypi-example-com",
    url: "https://pypi.example.com/simple",
  }]);
});

Deno.test("resolvePlan() git tag and subdirectory", () => {
  const m = parseManifest(
    "registry: ./reg\ngroups:\n  g:\n    options: [rag4code-qdrant]\n",
    "hpm.yaml",
  );
  const { plan } = resolvePlan({ manifest: m, registry, mode: "tagged", root: "/p" });
  assert.deepEqual(plan.sources[0].table, [
    ["git", "https://example.com/q.git"],
    ["tag", "v1.0.0"],
    ["subdirectory", "py"],
  ]);
});

Deno.test("resolvePlan() follows a local clone's own dependencies on registry packages", () => {
  const m = parseManifest(
    "registry: ./reg\ngroups:\n  g:\n    options: [rag4code-qdrant]\n",
    "hpm.yaml",
  );
  const { plan } = resolvePlan({
    manifest: m,
    registry,
    mode: "dev",
    root: "/p",
    localDependencies: (path) =>
      declared(path === "/p/packages/rag4code-qdrant" ? ["numpy", "rag4code-base"] : []),
  });
  assert.deepEqual(plan.groups[0].requirements, ["rag4code-qdrant", "rag4code-base"]);
  assert.deepEqual(plan.sources.map((s) => s.name), ["rag4code-base", "rag4code-qdrant"]);
});

Deno.test("resolvePlan() follows a release's own dependencies in a mode without clones", () => {
  const m = parseManifest(
    "registry: ./reg\ngroups:\n  g:\n    options: [rag4code-qdrant]\n",
    "hpm.yaml",
  );
  const asked: string[] = [];
  const { plan, packages } = resolvePlan({
    manifest: m,
    registry,
    mode: "prod",
    root: "/p",
    localDependencies: () => declared(["rag4code-chroma"]),
    releaseDependencies: (key) => {
      asked.push(key);
      return key === "rag4code-qdrant" ? declared(["rag4code-base"]) : undefined;
    },
  });
  assert.deepEqual(plan.groups[0].requirements, ["rag4code-qdrant", "rag4code-base>=2,<3"]);
  assert.deepEqual(packages.find((p) => p.key === "rag4code-base")?.requiredBy, [
    "rag4code-qdrant",
  ]);
  assert.deepEqual(asked, ["rag4code-qdrant", "rag4code-base"]);
});

Deno.test("resolvePlan() select installs only the chosen alternative", () => {
  const m = parseManifest(
    "registry: ./reg\ngroups:\n  db:\n    options: [rag4code-qdrant, rag4code-chroma]\n    select: rag4code-qdrant\n",
    "hpm.yaml",
  );
  const { plan } = resolvePlan({ manifest: m, registry, mode: "dev", root: "/p" });
  assert.deepEqual(plan.groups, [{ name: "db", requirements: ["rag4code-qdrant"] }]);
  assert.deepEqual(plan.sources.map((s) => s.name), ["rag4code-qdrant"]);
});

Deno.test("resolvePlan() applies hpm.local.yaml path overrides and ~", () => {
  const overlay = parseLocalOverlay(
    "overrides:\n  rag4code-qdrant: {path: ~/src/q}\n",
    "hpm.local.yaml",
  );
  const m = parseManifest(
    "registry: ./reg\ngroups:\n  g:\n    options: [rag4code-qdrant]\n",
    "hpm.yaml",
  );
  const { plan, packages } = resolvePlan({
    manifest: m,
    registry,
    mode: "dev",
    root: "/p",
    overlay,
    home: "/home/me",
  });
  assert.deepEqual(plan.sources[0].table, [["path", "~/src/q"], ["editable", true]]);
  assert.equal(packages[0].localPath, "/home/me/src/q");
  assert.equal(packages[0].overridden, true);
});

Deno.test("resolvePlan() errors name the package, the file and the position", async (t) => {
  await t.step("unknown package, with did-you-mean and hpm.yaml position", () => {
    const m = parseManifest(
      "registry: ./reg\ngroups:\n  g:\n    options: [rag4code-qdrnt]\n",
      "/p/hpm.yaml",
    );
    try {
      resolvePlan({ manifest: m, registry, mode: "dev", root: "/p" });
      assert.fail("expected an error");
    } catch (err) {
      const error = err as HpmInputError;
      assert.equal(error.code, "unknown-package");
      assert.deepEqual([error.file, error.line, error.column], ["/p/hpm.yaml", 4, 15]);
      assert.match(error.hint!, /did you mean `rag4code-qdrant`/);
    }
  });
  await t.step("an unknown selected option, however select: spells it, at its option", () => {
    const m = parseManifest(
      "registry: ./reg\ngroups:\n  g:\n    options: [rag4code-qdrant, Rag4Code_Qdrnt]\n" +
        "    select: rag4code-qdrnt\n",
      "/p/hpm.yaml",
    );
    assert.throws(
      () => resolvePlan({ manifest: m, registry, mode: "dev", root: "/p" }),
      (e: HpmInputError) =>
        e.code === "unknown-package" && e.file === "/p/hpm.yaml" && e.line === 4 &&
        e.column === 32,
    );
  });
  await t.step("a mode no entry defines is unknown, with the modes they define", () => {
    try {
      resolvePlan({ manifest, registry, mode: "tagegd", root: "/p" });
      assert.fail("expected an error");
    } catch (err) {
      const error = err as HpmInputError;
      assert.equal(error.code, "unknown-mode");
      assert.equal(error.file, undefined);
      assert.equal(
        error.message,
        "unknown mode `tagegd`; did you mean `tagged`? (the registry entries define dev, prod, tagged)",
      );
    }
  });
});

Deno.test("resolvePlan() names the plugin that needs a package lacking the mode", () => {
  const reg = new Registry([
    entry("a", "requires: [b]\nsources:\n  prod: {type: pypi, version: '1.0'}\n"),
    entry("b", "sources:\n  dev: {type: local, path: ./b}\n"),
  ]);
  const m = parseManifest("registry: ./reg\ngroups:\n  g:\n    options: [a]\n", "hpm.yaml");
  try {
    resolvePlan({ manifest: m, registry: reg, mode: "prod", root: "/p" });
    assert.fail("expected an error");
  } catch (err) {
    const error = err as HpmInputError;
    assert.equal(error.code, "missing-mode");
    assert.match(error.message, /package `b` has no source for mode `prod`/);
    assert.match(error.hint!, /`a` depends on it/);
  }
});

Deno.test("pyprojectPath() on Windows: `/` in pyproject.toml, relative where it can be", async (t) => {
  const root = "C:\\work\\core";
  const cases: [string, string][] = [
    ["./packages/q", "packages/q"],
    [".\\packages\\q", "packages/q"],
    ["packages\\q\\", "packages/q"],
    ["..\\libs\\chroma", "../libs/chroma"],
    ["..\\core\\.\\packages\\q", "packages/q"],
    [".", "."],
    ["C:\\libs\\q", "C:/libs/q"], // given absolute: kept absolute
    ["D:\\libs\\q", "D:/libs/q"],
    ["~\\libs\\q", "~/libs/q"],
  ];
  for (const [path, want] of cases) {
    await t.step(path, () => assert.equal(pyprojectPath(path, root, win32), want));
  }
  await t.step("going up past the drive root stops there, as Windows does", () => {
    assert.equal(pyprojectPath("..\\..\\..", "C:\\a", win32), "..");
  });
});

Deno.test("pyprojectPath() on POSIX reads `\\` as a separator too (registries are shared)", () => {
  assert.equal(pyprojectPath("..\\libs\\chroma", "/p", posix), "../libs/chroma");
  assert.equal(pyprojectPath(".\\packages\\q", "/p", posix), "packages/q");
  assert.equal(pyprojectPath("/abs/q", "/p", posix), "/abs/q");
  assert.equal(pyprojectPath("./packages/../packages/q", "/p", posix), "packages/q");
});

Deno.test("a registry path written with `\\` resolves to the same clone as with `/`", () => {
  const dev = (path: string) =>
    resolvePlan({
      manifest: parseManifest("registry: ./reg\ngroups:\n  g:\n    options: [q]\n", "/p/hpm.yaml"),
      registry: new Registry([entry("q", `sources:\n  dev: {type: local, path: '${path}'}\n`)]),
      mode: "dev",
      root: "/p",
    });
  const slash = dev("../libs/q");
  const backslash = dev("..\\libs\\q");
  assert.deepEqual(backslash.plan, slash.plan);
  assert.equal(backslash.packages[0].localPath, slash.packages[0].localPath);
  assert.equal(slash.packages[0].localPath, "/libs/q");
});

// plug-c needs plug-b and pins it itself (a plugin that must build on its own).
const pinning = new Registry([
  entry(
    "plug-a",
    "sources:\n  dev: {type: local, path: ../other/x}\n" +
      "  prod: {type: git, url: 'https://example.com/a.git', tag: v1.0.0}\n" +
      "  index: {type: pypi, version: 1.0.0}\n",
  ),
  entry(
    "plug-b",
    "sources:\n  dev: {type: local, path: ../libs-b}\n" +
      "  prod: {type: git, url: 'https://example.com/b.git', tag: v1.1.0}\n" +
      "  index: {type: pypi, version: 1.1.0}\n",
  ),
  entry(
    "plug-c",
    "sources:\n  dev: {type: local, path: ./packages/plug-c}\n" +
      "  prod: {type: git, url: 'https://example.com/c.git', tag: v1.0.0}\n" +
      "  index: {type: pypi, version: 1.0.0}\n",
  ),
  entry("plug-d", "sources:\n  prod: {type: pypi, version: 2.0.0}\n"),
]);
const ac = parseManifest(
  "registry: ./reg\ngroups:\n  g:\n    options: [plug-a, plug-c]\n",
  "/p/hpm.yaml",
);

// plug-a and plug-c of `pinning` resolved for a mode, with what else is given.
const resolvePinned = (mode: string, more: Partial<ResolveInput> = {}) =>
  resolvePlan({ manifest: ac, registry: pinning, mode, root: "/p", ...more });
const pinsB = (key: string) =>
  key === "plug-c" ? declared(["plug-b"], ["plug-b", "numpy"]) : declared([]);

Deno.test("resolvePlan() overrides a plugin another plugin of the plan gives a source of its own", async (t) => {
  await t.step("dev: plug-c's clone pins plug-b", () => {
    const { plan } = resolvePinned("dev", {
      localDependencies: (path) => pinsB(path === "/p/packages/plug-c" ? "plug-c" : path),
    });
    assert.deepEqual(plan.groups[0].requirements, ["plug-a", "plug-c", "plug-b"]);
    assert.deepEqual(plan.overrides, ["plug-b"]);
  });
  await t.step("prod: plug-c's release pins plug-b", () => {
    const { plan } = resolvePinned("prod", { releaseDependencies: pinsB });
    assert.deepEqual(plan.overrides, ["plug-b"]);
  });
  await t.step("a wheel from an index carries no sources: no override", () => {
    const { plan } = resolvePinned("index", { releaseDependencies: pinsB });
    assert.deepEqual(plan.groups[0].requirements, [
      "plug-a==1.0.0",
      "plug-c==1.0.0",
      "plug-b==1.1.0",
    ]);
    assert.equal(plan.overrides, undefined);
  });
  await t.step("sources of packages the plan does not manage are plug-c's own business", () => {
    const { plan } = resolvePinned("prod", {
      releaseDependencies: (key) => key === "plug-c" ? declared(["plug-b"], ["numpy"]) : undefined,
    });
    assert.equal(plan.overrides, undefined);
  });
});

Deno.test("resolvePlan() develop: those plugins from their clones, the others from the mode", async (t) => {
  const overlay = parseLocalOverlay("develop: [Plug_A, plug-d]\n", "/p/hpm.local.yaml");
  await t.step("prod, plug-a developed", () => {
    const { plan, packages } = resolvePinned("prod", {
      overlay,
      localDependencies: () => declared(["plug-b"]),
    });
    assert.deepEqual(plan.sources.map((s) => [s.name, s.table[0]]), [
      ["plug-a", ["path", "../other/x"]],
      ["plug-b", ["git", "https://example.com/b.git"]],
      ["plug-c", ["git", "https://example.com/c.git"]],
    ]);
    // What the developed clone needs comes from the mode, as the rest.
    assert.deepEqual(plan.groups[0].requirements, ["plug-a", "plug-c", "plug-b"]);
    assert.equal(packages.find((p) => p.key === "plug-b")?.source.type, "git");
    assert.deepEqual(plan.develop, ["plug-a"]);
    assert.equal(packages.find((p) => p.key === "plug-a")?.developed, true);
    assert.equal(packages.find((p) => p.key === "plug-a")?.localPath, "/other/x");
  });
  await t.step("its path from hpm.local.yaml's overrides", () => {
    const moved = parseLocalOverlay(
      "overrides: {plug-a: {path: ../mine/a}}\ndevelop: [plug-a]\n",
      "/p/hpm.local.yaml",
    );
    const { plan } = resolvePinned("prod", { overlay: moved });
    assert.deepEqual(plan.sources[0], {
      name: "plug-a",
      table: [["path", "../mine/a"], ["editable", true]],
    });
  });
  await t.step("dev installs every plugin from its clone: nothing is developed", () => {
    const { plan } = resolvePinned("dev", { overlay });
    assert.equal(plan.develop, undefined);
  });
  await t.step("the committed form never has it", () => {
    const { plan } = resolvePinned("prod", { overlay, committed: true });
    assert.equal(plan.develop, undefined);
    assert.deepEqual(plan.sources[0].table[0], ["git", "https://example.com/a.git"]);
  });
  await t.step("an unknown plugin, at its line in hpm.local.yaml", () => {
    const typo = parseLocalOverlay("develop:\n  - plug-a\n  - plug-x\n", "/p/hpm.local.yaml");
    assert.throws(
      () => resolvePinned("prod", { overlay: typo }),
      (e: HpmInputError) =>
        e.code === "unknown-package" && e.line === 3 && e.column === 5 &&
        e.hint!.includes("or stop developing it: `hpm free plug-x`"),
    );
  });
  await t.step("one with no local source in any mode", () => {
    const d = parseManifest(
      "registry: ./reg\ngroups:\n  g:\n    options: [plug-d]\n",
      "/p/hpm.yaml",
    );
    assert.throws(
      () => resolvePlan({ manifest: d, registry: pinning, mode: "prod", root: "/p", overlay }),
      (e: HpmInputError) =>
        e.code === "no-checkout" && e.line === 1 && /hpm free plug-d/.test(e.hint ?? ""),
    );
  });
  await t.step("from a remote registry, the hint names the entry there, not HPM's copy", () => {
    const d = parseManifest(
      "registry: https://example.com/reg.git\ngroups:\n  g:\n    options: [plug-d]\n",
      "/p/hpm.yaml",
    );
    const remote = new Registry([{
      ...entry("plug-d", "sources:\n  prod: {type: pypi, version: 2.0.0}\n"),
      file: "/cache/registries/abc/packages/plug-d.yaml",
      remote: "https://example.com/reg.git",
    }]);
    assert.throws(
      () =>
        resolvePlan({
          manifest: d,
          registry: remote,
          mode: "prod",
          root: "/p",
          overlay: parseLocalOverlay("develop: [plug-d]\n", "/p/hpm.local.yaml"),
        }),
      (e: HpmInputError) =>
        e.code === "no-checkout" &&
        e.hint?.includes("source to plug-d's entry in the registry https://example.com/reg.git,") &&
        !e.hint.includes("/cache/"),
    );
  });
});
