import assert from "node:assert/strict";
import { HpmInputError } from "./errors.ts";
import type { Confinement, FolderEntry, Reader } from "./reader.ts";
import { entryFiles, Registry, type RegistryFolder } from "./registry.ts";

const entry = (name: string, prod = "{type: pypi, version: '1.0'}") =>
  `name: ${name}\nsources:\n  prod: ${prod}\n`;

// A reader over a map of files (path → text): folders are what the paths
// imply. It records every call, so a test sees what a lookup costs, and no
// disk is touched (the paths exist nowhere).
class MapReader implements Reader {
  readonly reads: string[] = [];
  readonly lists: string[] = [];
  readonly confinements: Confinement[] = [];
  readonly #files: Map<string, string>;

  constructor(files: Record<string, string>) {
    this.#files = new Map(Object.entries(files));
  }

  read(path: string, where: Confinement, maxBytes: number): Uint8Array | undefined {
    this.reads.push(path);
    this.confinements.push(where);
    assert.ok(maxBytes > 0);
    const text = this.#files.get(path);
    return text === undefined ? undefined : new TextEncoder().encode(text);
  }

  list(dir: string, where: Confinement): FolderEntry[] | undefined {
    this.lists.push(dir);
    this.confinements.push(where);
    const names = new Map<string, boolean>();
    for (const path of this.#files.keys()) {
      if (!path.startsWith(`${dir}/`)) continue;
      const [name, ...deeper] = path.slice(dir.length + 1).split("/");
      names.set(name, deeper.length > 0);
    }
    if (names.size === 0) return undefined;
    return [...names].map(([name, isDirectory]) => ({
      name,
      isDirectory,
      isFile: !isDirectory,
      isSymlink: false,
    }));
  }
}

const FIRST: RegistryFolder = { dir: "/nowhere/first/packages", root: "/nowhere/first" };
const SECOND: RegistryFolder = {
  dir: "/nowhere/second/packages",
  root: "/nowhere/second",
  remote: "https://example.com/reg.git",
};

// Without permission to read or write files, so any file access fails the test.
const NO_DISK = { read: false, write: false, env: true } as const;

Deno.test({
  name: "Registry: an entry named in its normal form is opened directly; no folder is listed",
  permissions: NO_DISK,
}, () => {
  const reader = new MapReader({ "/nowhere/first/packages/plug.yaml": entry("plug") });
  const registry = new Registry([], [FIRST], reader);
  assert.equal(registry.get("plug").sources.prod.type, "pypi");
  assert.deepEqual(reader.reads, ["/nowhere/first/packages/plug.yaml"]);
  assert.deepEqual(reader.lists, []);
  assert.deepEqual(reader.confinements, [{ root: "/nowhere/first" }], "confined to its registry");
  assert.equal(registry.get("PLUG"), registry.get("plug"), "parsed once, whatever the spelling");
  assert.equal(reader.reads.length, 1, "read once");
});

Deno.test("Registry: `.yml` entries are found without a listing; a file in another form, by one listing, whatever the spelling asked", () => {
  const reader = new MapReader({
    "/nowhere/first/packages/short.yml": entry("short"),
    "/nowhere/first/packages/Rag_Plug.yaml": entry("Rag_Plug"),
  });
  const registry = new Registry([], [FIRST], reader);
  assert.equal(registry.fileOf("short")?.stem, "short");
  assert.deepEqual(reader.lists, []);
  assert.equal(registry.fileOf("Rag_Plug")?.file, "/nowhere/first/packages/Rag_Plug.yaml");
  assert.deepEqual(reader.reads, [
    "/nowhere/first/packages/short.yaml",
    "/nowhere/first/packages/short.yml",
    "/nowhere/first/packages/rag-plug.yaml",
    "/nowhere/first/packages/rag-plug.yml",
    "/nowhere/first/packages/Rag_Plug.yaml",
  ]);
  assert.deepEqual(reader.lists, ["/nowhere/first/packages"]);
});

Deno.test("Registry: a name in another PEP 503 form lists the folder once, and finds the file", () => {
  const reader = new MapReader({
    "/nowhere/first/packages/rag.plug.yaml": entry("rag.plug"),
    "/nowhere/first/packages/Rag_Plug.yaml": entry("Rag_Plug"),
  });
  const registry = new Registry([], [FIRST], reader);
  assert.equal(registry.get("rag.plug").name, "Rag_Plug");
  // Of two files of one name, the first in order is the entry.
  assert.equal(registry.fileOf("RAG-PLUG")?.file, "/nowhere/first/packages/Rag_Plug.yaml");
  assert.deepEqual(reader.lists, ["/nowhere/first/packages"]);
  assert.equal(registry.has("missing"), false);
  assert.equal(registry.has("Missing"), false);
  assert.deepEqual(reader.lists, ["/nowhere/first/packages"], "the listing is kept");
  const reads = reader.reads.length;
  assert.equal(registry.has("missing"), false);
  assert.equal(reader.reads.length, reads, "a miss is remembered");
});

Deno.test({
  name: "Registry: the first registry wins; a later one is not read for a name the first has",
  permissions: NO_DISK,
}, () => {
  const reader = new MapReader({
    "/nowhere/first/packages/plug.yaml": entry("plug", "{type: pypi, version: '1.0'}"),
    "/nowhere/second/packages/plug.yaml": entry("plug", "{type: pypi, version: '2.0'}"),
    "/nowhere/second/packages/extra.yaml": entry("extra"),
  });
  const registry = new Registry([], [FIRST, SECOND], reader);
  assert.deepEqual(registry.get("plug").sources.prod, { type: "pypi", version: "==1.0" });
  assert.ok(reader.reads.every((path) => path.startsWith("/nowhere/first/")));
  const extra = registry.fileOf("extra");
  assert.equal(extra?.remote, "https://example.com/reg.git", "a remote registry's entry says so");
  assert.equal(registry.get("extra").remote, "https://example.com/reg.git");
  assert.equal(registry.fileOf("plug")?.remote, undefined);
  assert.deepEqual(registry.names(), ["extra", "plug"]);
});

Deno.test("Registry: entries given first win over folders, and the first of two given wins", () => {
  const reader = new MapReader({ "/nowhere/first/packages/plug.yaml": entry("plug") });
  const registry = new Registry(
    [
      {
        file: "given.yaml",
        stem: "Plug",
        text: entry("Plug", "{type: git, url: 'https://example.com/p.git', tag: v1}"),
      },
      { file: "shadowed.yaml", stem: "plug", text: entry("plug") },
    ],
    [FIRST],
    reader,
  );
  assert.equal(registry.fileOf("plug")?.file, "given.yaml");
  assert.equal(registry.get("plug").sources.prod.type, "git");
  assert.deepEqual(reader.reads, [], "the folder is not asked");
});

Deno.test("Registry: an unknown name says `did you mean`, or how to find one", () => {
  const reader = new MapReader({
    "/nowhere/first/packages/rag4code-qdrant.yaml": entry("rag4code-qdrant"),
    "/nowhere/second/packages/rag4code-chroma.yaml": entry("rag4code-chroma"),
  });
  const registry = new Registry([], [FIRST, SECOND], reader);
  assert.throws(() => registry.get("rag4code-qdrnt"), (e) => {
    assert.ok(e instanceof HpmInputError);
    assert.equal(e.code, "unknown-package");
    assert.match(e.message, /unknown package `rag4code-qdrnt`: no registry has it/);
    assert.equal(e.hint, "did you mean `rag4code-qdrant`?");
    return true;
  });
  assert.deepEqual(reader.lists, ["/nowhere/first/packages", "/nowhere/second/packages"]);
  const far = registry.unknown("zzz", { file: "/p/hpm.yaml", line: 4, column: 7 });
  assert.match(far.hint!, /hpm registry list/);
  assert.deepEqual([far.file, far.line, far.column], ["/p/hpm.yaml", 4, 7]);
});

Deno.test("Registry: a broken entry stops only the commands that need it", () => {
  const reader = new MapReader({
    "/nowhere/first/packages/plug.yaml": entry("plug"),
    "/nowhere/first/packages/broken.yaml": "name: broken\nsources: [",
  });
  const registry = new Registry([], [FIRST], reader);
  assert.equal(registry.has("broken"), true, "known, though not parsed");
  assert.throws(() => registry.get("broken"), HpmInputError);
  assert.equal(registry.get("plug").name, "plug");
});

Deno.test("Registry: only `*.yaml` and `*.yml` files are entries, never hidden files, folders or paths", () => {
  const reader = new MapReader({
    "/nowhere/first/packages/b.yml": entry("b"),
    "/nowhere/first/packages/a.yaml": entry("a"),
    "/nowhere/first/packages/.hidden.yaml": entry("hidden"),
    "/nowhere/first/packages/notes.txt": "",
    "/nowhere/first/packages/dir.yaml/x": "",
    "/nowhere/first/x.yaml": entry("x"),
  });
  assert.deepEqual(entryFiles(FIRST, reader), ["a.yaml", "b.yml"]);
  const registry = new Registry([], [FIRST], reader);
  assert.deepEqual(registry.names(), ["a", "b"]);
  assert.equal(registry.has(".hidden"), false);
  assert.equal(registry.has("../x"), false, "a name never leaves the folder");
  assert.ok(reader.reads.every((path) => !path.includes("..") && !path.includes("/.")));
  assert.deepEqual(entryFiles({ dir: "/nowhere/none", root: "/nowhere" }, reader), []);
});
