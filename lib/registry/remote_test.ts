import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmInputError, HpmOperationError } from "../core/errors.ts";
import { gitAt } from "../_testing.ts";
import { denoRunner, type Runner } from "../io/runner.ts";
import {
  cacheDir,
  cacheFolder,
  fetchRegistry,
  fetchRegistryCopy,
  indexProblem,
  RegistryLoad,
} from "./remote.ts";

const MIB = 1024 * 1024;

// Git with some variables of its own: test modules run in parallel in one
// process, so Deno.env would give them to every other module's programs too.
const withEnv = (vars: Record<string, string>): Runner => (request) =>
  denoRunner({ ...request, env: { ...request.env, ...vars } });
// The variables cacheDir() looks at, all unset: a case sets the ones it needs.
const NO_CACHE_VARS = {
  HPM_CACHE_DIR: undefined,
  XDG_CACHE_HOME: undefined,
  LOCALAPPDATA: undefined,
  HOME: undefined,
  USERPROFILE: undefined,
  TMPDIR: undefined,
  TEMP: undefined,
};

Deno.test("cacheDir(): HPM_CACHE_DIR, else XDG, else LOCALAPPDATA, else the home's .cache, never the working folder", () => {
  const all = {
    ...NO_CACHE_VARS,
    HPM_CACHE_DIR: "/c/hpm",
    XDG_CACHE_HOME: "/x",
    LOCALAPPDATA: "C:/Users/me/AppData/Local",
    HOME: "/home/me",
    USERPROFILE: "C:/Users/me",
    TMPDIR: "/t",
  };
  assert.equal(cacheDir(all), "/c/hpm");
  assert.equal(cacheDir({ ...all, HPM_CACHE_DIR: "" }), "/x/hpm", "an empty value is unset");
  assert.equal(
    cacheDir({ ...all, HPM_CACHE_DIR: undefined, XDG_CACHE_HOME: undefined }),
    "C:/Users/me/AppData/Local/hpm/cache",
  );
  const homes = { ...NO_CACHE_VARS, TMPDIR: "/t" };
  assert.equal(cacheDir({ ...homes, HOME: "/home/me/" }), "/home/me/.cache/hpm");
  assert.equal(cacheDir({ ...homes, USERPROFILE: "C:\\Users\\me" }), "C:\\Users\\me/.cache/hpm");
  const user = Deno.uid() ?? "user";
  assert.equal(cacheDir(homes), `/t/hpm-cache-${user}`, "no home: the temporary folder");
  assert.equal(cacheDir({ ...NO_CACHE_VARS, TEMP: "C:/Temp" }), `C:/Temp/hpm-cache-${user}`);
  assert.equal(cacheDir(NO_CACHE_VARS), `/tmp/hpm-cache-${user}`);
});

Deno.test("cacheDir(): a relative XDG_CACHE_HOME, LOCALAPPDATA or home is passed over; a relative HPM_CACHE_DIR is refused", () => {
  const relative = {
    ...NO_CACHE_VARS,
    XDG_CACHE_HOME: "cache",
    LOCALAPPDATA: "AppData",
    HOME: "home/me",
    TMPDIR: "/t",
  };
  assert.equal(cacheDir(relative), `/t/hpm-cache-${Deno.uid() ?? "user"}`);
  assert.equal(cacheDir({ ...relative, HOME: "/home/me" }), "/home/me/.cache/hpm");
  assert.throws(
    () => cacheDir({ ...relative, HPM_CACHE_DIR: "my-cache" }),
    (e: unknown) =>
      e instanceof HpmInputError && e.code === "usage" &&
      e.message === "HPM_CACHE_DIR=my-cache is a relative path",
  );
});

Deno.test("cacheFolder(): made private under the cache; a cache or a folder that is a link is refused", async () => {
  const base = Deno.realPathSync(await Deno.makeTempDir({ prefix: "hpm-unit-cache-" }));
  try {
    const env = { HPM_CACHE_DIR: join(base, "deep", "cache") };
    const registries = cacheFolder(env, "registries");
    assert.equal(registries, join(base, "deep", "cache", "registries"));
    assert.equal(Deno.lstatSync(registries).isDirectory, true);
    if (Deno.build.os !== "windows") {
      assert.equal(Deno.statSync(registries).mode! & 0o777, 0o700);
      assert.equal(Deno.statSync(env.HPM_CACHE_DIR).mode! & 0o777, 0o700);
    }
    assert.equal(cacheFolder(env, "registries"), registries, "there already: reused");

    Deno.mkdirSync(join(base, "elsewhere"));
    Deno.symlinkSync(join(base, "elsewhere"), join(base, "deep", "cache", "releases"));
    assert.throws(() => cacheFolder(env, "releases"), /releases is a symbolic link/);
    Deno.symlinkSync(join(base, "deep", "cache"), join(base, "linked"));
    assert.throws(() => cacheFolder({ HPM_CACHE_DIR: join(base, "linked") }, "registries"), {
      name: "HpmInputError",
      message: /linked is a symbolic link/,
    });
    assert.deepEqual([...Deno.readDirSync(join(base, "elsewhere"))], [], "nothing made there");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("RegistryLoad: HPM_REGISTRY_TIMEOUT in seconds (default 60), read when first asked, a bad value refused", () => {
  const before = Date.now();
  const load = new RegistryLoad({});
  assert.equal(load.seconds, 60);
  assert.ok(load.deadline >= before + 60_000 && load.deadline <= Date.now() + 60_000);
  assert.equal(new RegistryLoad({ HPM_REGISTRY_TIMEOUT: "0.5" }).seconds, 0.5);
  for (const bad of ["0", "-1", "", "abc", "Infinity", "NaN", "1s"]) {
    const load = new RegistryLoad({ HPM_REGISTRY_TIMEOUT: bad });
    assert.throws(() => load.deadline, (e) => {
      assert.ok(e instanceof HpmInputError);
      assert.equal(e.code, "usage");
      assert.equal(e.message, `HPM_REGISTRY_TIMEOUT=${bad} is not a number of seconds`);
      assert.equal(e.hint, "for example HPM_REGISTRY_TIMEOUT=120");
      return true;
    }, bad);
  }
});

Deno.test("RegistryLoad.spend(): one cap for the whole load, in bytes and in files, counted across refreshes", () => {
  const bytes = new RegistryLoad({});
  bytes.spend("a", 40 * MIB, 1);
  bytes.spend("b", 24 * MIB, 1);
  assert.throws(() => bytes.spend("c", 1, 0), (e) => {
    assert.ok(e instanceof HpmInputError);
    assert.equal(e.code, "too-large");
    assert.equal(
      e.message,
      "registry c: the project's registries together may write at most 67108864 bytes to the cache",
    );
    return true;
  });
  const files = new RegistryLoad({});
  files.spend("a", 0, 19_999);
  files.spend("a", 0, 1);
  assert.throws(() => files.spend("a", 0, 1), /together may write at most 20000 files/);
});

Deno.test("indexProblem(): at most 5,000 names, each a package name, no package twice", () => {
  const many = Array.from({ length: 5000 }, (_, i) => `p${i}`);
  assert.equal(indexProblem([]), undefined);
  assert.equal(indexProblem(many), undefined);
  assert.equal(indexProblem([...many, "one-more"]), "lists 5001 names; HPM reads at most 5000");
  assert.equal(indexProblem(["a", "A.b", "c"]), undefined);
  assert.equal(
    indexProblem(["Rag.Plug", "x", "rag__plug"]),
    "lists `Rag.Plug` and `rag__plug`, one package once normalised",
  );
  const notAName = (value: unknown) => indexProblem(["ok", value]);
  assert.equal(notAName("../x"), 'lists "../x", which is not a package name');
  assert.equal(notAName("plug.yaml/.."), 'lists "plug.yaml/..", which is not a package name');
  assert.equal(notAName(""), 'lists "", which is not a package name');
  assert.equal(notAName("-plug"), 'lists "-plug", which is not a package name');
  assert.equal(notAName(7), "lists 7, which is not a package name");
  assert.equal(notAName(null), "lists null, which is not a package name");
  assert.equal(notAName({ name: "x" }), 'lists {"name":"x"}, which is not a package name');
  assert.equal(notAName(undefined), "lists undefined, which is not a package name");
  assert.match(notAName("x".repeat(201))!, /^lists "x{60}… \(201 characters\)", which/);
});

// A registry served on 127.0.0.1: `files` (path → text) may change between
// fetches; `asked` records every request.
function serve(files: Map<string, string>) {
  const asked: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    asked.push(path);
    const text = files.get(path);
    return text === undefined ? new Response("", { status: 404 }) : new Response(text);
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, asked, stop: () => server.shutdown() };
}

const entry = (name: string, version: string, requires = "") =>
  `name: ${name}\n${requires}sources:\n  prod: {type: pypi, version: ${version}}\n`;

async function withCache(fn: (env: { HPM_CACHE_DIR: string }, base: string) => Promise<void>) {
  const base = Deno.realPathSync(await Deno.makeTempDir({ prefix: "hpm-unit-remote-" }));
  try {
    await fn({ HPM_CACHE_DIR: join(base, "cache") }, base);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

function stampOf(env: { HPM_CACHE_DIR: string }): string {
  const registries = join(env.HPM_CACHE_DIR, "registries");
  const stamp = [...Deno.readDirSync(registries)].find((e) => e.name.endsWith(".fetched"));
  return join(registries, stamp!.name);
}

Deno.test("fetchRegistry(): the stamp decides: fresh is not asked again; old, future, linked or --refresh are", async () => {
  await withCache(async (env, base) => {
    const files = new Map([
      ["/index.json", '["plug"]'],
      ["/packages/plug.yaml", entry("plug", "1.0.0")],
    ]);
    const host = serve(files);
    const location = { kind: "http", url: host.url } as const;
    const asks = async (options: Parameters<typeof fetchRegistry>[1] = {}) => {
      const before = host.asked.length;
      const dir = await fetchRegistry(location, { env, ...options });
      return { dir, asked: host.asked.slice(before) };
    };
    try {
      const first = await asks();
      assert.deepEqual(first.asked, ["/index.json", "/packages/plug.yaml"]);
      assert.equal(
        Deno.readTextFileSync(join(first.dir, "packages", "plug.yaml")),
        entry("plug", "1.0.0"),
      );
      assert.deepEqual((await asks()).asked, [], "fresh: the cache answers");
      assert.equal((await asks({ refresh: true })).asked.length, 2, "--refresh asks");

      const stamp = stampOf(env);
      const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
      Deno.utimeSync(stamp, minutesAgo(9), minutesAgo(9));
      assert.deepEqual((await asks()).asked, [], "nine minutes old: still fresh");
      Deno.utimeSync(stamp, minutesAgo(11), minutesAgo(11));
      assert.equal((await asks()).asked.length, 2, "eleven minutes old: asked");
      Deno.utimeSync(stamp, minutesAgo(-60), minutesAgo(-60));
      assert.equal(
        (await asks()).asked.length,
        2,
        "a stamp from the future does not freeze the copy",
      );

      const planted = join(base, "planted");
      Deno.writeTextFileSync(planted, "mine");
      Deno.removeSync(stamp);
      Deno.symlinkSync(planted, stamp);
      assert.equal((await asks()).asked.length, 2, "a linked stamp counts as never fetched");
      assert.equal(Deno.readTextFileSync(planted), "mine", "and is not written through");
      assert.equal(Deno.lstatSync(stamp).isFile, true, "it is replaced by a stamp of HPM's own");

      const notices: string[] = [];
      const offline = await asks({
        env: { ...env, HPM_OFFLINE: "1" },
        refresh: true,
        log: (m) => notices.push(m),
      });
      assert.deepEqual(offline.asked, [], "HPM_OFFLINE=1 asks nothing, even with --refresh");
      assert.deepEqual(notices, [
        `registry ${host.url}: offline (HPM_OFFLINE=1), using the cached copy`,
      ]);
    } finally {
      await host.stop();
    }
    await assert.rejects(
      () =>
        fetchRegistry({ kind: "http", url: `${host.url}/other` }, {
          env: { ...env, HPM_OFFLINE: "1" },
        }),
      (e) =>
        e instanceof HpmOperationError &&
        /has no cached copy and HPM_OFFLINE=1 is set/.test(e.message),
    );
  });
});

Deno.test("fetchRegistry(): a refresh that fails part way leaves the cached copy whole, and says how old it is", async () => {
  await withCache(async (env) => {
    const files = new Map([
      ["/index.json", '["plug"]'],
      ["/packages/plug.yaml", entry("plug", "1.0.0")],
    ]);
    const host = serve(files);
    try {
      const dir = await fetchRegistry({ kind: "http", url: host.url }, { env });
      files.set("/index.json", '["plug", "gone"]');
      files.set("/packages/plug.yaml", entry("plug", "2.0.0"));
      const notices: string[] = [];
      const again = await fetchRegistry({ kind: "http", url: host.url }, {
        env,
        refresh: true,
        log: (m) => notices.push(m),
      });
      assert.equal(again, dir);
      assert.equal(notices.length, 1);
      assert.match(
        notices[0],
        /: cannot reach it \(.*\/packages\/gone\.yaml: HTTP 404\); using the cached copy from \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
      );
      assert.equal(
        Deno.readTextFileSync(join(dir, "packages", "plug.yaml")),
        entry("plug", "1.0.0"),
        "not half of the new copy",
      );
      assert.deepEqual([...Deno.readDirSync(join(dir, "packages"))].map((e) => e.name), [
        "plug.yaml",
      ]);
      const registries = join(env.HPM_CACHE_DIR, "registries");
      assert.deepEqual(
        [...Deno.readDirSync(registries)].filter((e) => e.name.includes(".new-")),
        [],
        "the unfinished copy is gone",
      );
    } finally {
      await host.stop();
    }
  });
});

Deno.test("fetchRegistry(): a static copy is asked again for a name it was never asked for, even when fresh", async () => {
  await withCache(async (env) => {
    const files = new Map([
      ["/packages/plug.yaml", entry("plug", "1.0.0", "requires: [Base_Lib]\n")],
      ["/packages/base-lib.yaml", entry("base-lib", "1.0.0")],
      ["/packages/other.yaml", entry("other", "1.0.0")],
    ]);
    const host = serve(files);
    const location = { kind: "http", url: host.url } as const;
    try {
      const dir = await fetchRegistry(location, { env, wanted: ["Plug"] });
      assert.deepEqual(host.asked, [
        "/index.json",
        "/packages/plug.yaml",
        "/packages/base-lib.yaml",
      ]);
      assert.deepEqual(
        [...Deno.readDirSync(join(dir, "packages"))].map((e) => e.name).sort(),
        ["base-lib.yaml", "plug.yaml"],
      );
      host.asked.length = 0;
      await fetchRegistry(location, { env, wanted: ["plug", "base.lib"] });
      assert.equal(host.asked.length, 0, "every name was asked before");
      await fetchRegistry(location, { env, wanted: ["plug", "other", "../etc/passwd"] });
      assert.ok(host.asked.includes("/packages/other.yaml"), "a new name asks the remote");
      assert.ok(
        !host.asked.some((p) => p.includes("passwd")),
        "a name that is no name is never asked",
      );
    } finally {
      await host.stop();
    }
  });
});

// A git registry in `base`: one entry per commit, each committed on main.
async function gitRegistry(base: string) {
  const work = join(base, "registry");
  const git = gitAt(work);
  Deno.mkdirSync(join(work, "packages"), { recursive: true });
  await git("init", "--quiet", "-b", "main");
  const commit = async (version: string) => {
    Deno.writeTextFileSync(join(work, "packages", "plug.yaml"), entry("plug", version));
    await git("add", "-A");
    await git("commit", "--quiet", "-m", version);
    return await git("rev-parse", "HEAD");
  };
  return { location: { kind: "git", url: `file://${work}`, ref: "main" } as const, commit };
}

Deno.test("fetchRegistryCopy(): a git registry's copy per commit; the commit asked for comes from the cache, else is fetched", async () => {
  await withCache(async (env, base) => {
    const registry = await gitRegistry(base);
    const first = await registry.commit("1.0.0");
    const newest = await fetchRegistryCopy(registry.location, { env });
    assert.equal(newest.copy.commit, first);
    assert.deepEqual(
      { pinned: newest.copy.pinned, asked: newest.copy.asked, newest: newest.copy.newest },
      { pinned: false, asked: true, newest: first },
    );
    assert.ok(newest.copy.freshUntil! > Date.now());
    assert.match(newest.dir, new RegExp(`/at/${first}$`));

    const second = await registry.commit("1.1.0");
    const pinned = await fetchRegistryCopy(registry.location, { env, commit: first });
    assert.equal(pinned.dir, newest.dir, "from the cache, whatever the remote has now");
    assert.deepEqual(
      { pinned: pinned.copy.pinned, asked: pinned.copy.asked, until: pinned.copy.freshUntil },
      { pinned: true, asked: false, until: undefined },
    );
    const moved = await fetchRegistryCopy(registry.location, { env, refresh: true });
    assert.equal(moved.copy.commit, second);
    assert.equal(
      Deno.readTextFileSync(join(newest.dir, "packages", "plug.yaml")),
      entry("plug", "1.0.0"),
      "a copy is never changed",
    );

    const ci = { HPM_CACHE_DIR: join(base, "ci-cache") };
    const fetched = await fetchRegistryCopy(registry.location, { env: ci, commit: first });
    assert.equal(
      Deno.readTextFileSync(join(fetched.dir, "packages", "plug.yaml")),
      entry("plug", "1.0.0"),
      "an older commit is fetched by its id",
    );
    // A server that gives no commit by its id (git's protocol v0): found in the branch's history.
    const v0 = {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "protocol.version",
      GIT_CONFIG_VALUE_0: "0",
    };
    const old = await fetchRegistryCopy(registry.location, {
      env: { HPM_CACHE_DIR: join(base, "v0-cache") },
      commit: first,
      runner: withEnv(v0),
    });
    assert.equal(old.copy.commit, first);
    await assert.rejects(
      () =>
        fetchRegistryCopy(registry.location, {
          env: { HPM_CACHE_DIR: join(base, "offline"), HPM_OFFLINE: "1" },
          commit: first,
        }),
      /its commit [0-9a-f]{7}, which pyproject\.toml records, is not in the cache and HPM_OFFLINE=1/,
    );
    await assert.rejects(
      () => fetchRegistryCopy(registry.location, { env, commit: "../../x" }),
      (e) => e instanceof HpmInputError && /is not a commit id/.test(e.message),
    );
  });
});

Deno.test("fetchRegistryCopy(): a git registry's entries are its blobs, byte for byte: no filter, line-ending rule or link of its .gitattributes applies", async () => {
  await withCache(async (env, base) => {
    const registry = await gitRegistry(base);
    const work = join(base, "registry");
    // A filter the user configured (as git-lfs is), which the registry names for its entries.
    const marker = join(base, "filter-ran");
    const config = join(base, "gitconfig");
    Deno.writeTextFileSync(config, `[filter "x"]\n\tsmudge = touch '${marker}'; cat\n`);
    Deno.writeTextFileSync(join(work, ".gitattributes"), "*.yaml filter=x text eol=crlf\n");
    Deno.writeFileSync(join(work, "packages", "odd.yaml"), new Uint8Array([0x6e, 0xff, 0x0a]));
    Deno.mkdirSync(join(work, "packages", "deep"));
    Deno.writeTextFileSync(join(work, "packages", "deep", "x.yaml"), entry("x", "1.0.0"));
    Deno.writeTextFileSync(join(work, "packages", ".hidden.yaml"), entry("hidden", "1.0.0"));
    Deno.symlinkSync("../.gitattributes", join(work, "packages", "link.yaml"));
    const commit = await registry.commit("1.0.0");
    const fetched = await fetchRegistryCopy(registry.location, {
      env,
      runner: withEnv({ GIT_CONFIG_GLOBAL: config }),
    });
    assert.equal(fetched.copy.commit, commit);
    assert.throws(() => Deno.lstatSync(marker), Deno.errors.NotFound, "the filter never ran");
    const packages = join(fetched.dir, "packages");
    assert.equal(Deno.readTextFileSync(join(packages, "plug.yaml")), entry("plug", "1.0.0"));
    assert.deepEqual(
      Deno.readFileSync(join(packages, "odd.yaml")),
      new Uint8Array([0x6e, 0xff, 0x0a]),
    );
    assert.deepEqual(
      [...Deno.readDirSync(packages)].map((e) => e.name).sort(),
      ["odd.yaml", "plug.yaml"],
      "only the entries a registry reads: no folder, hidden file or link",
    );
  });
});

Deno.test("fetchRegistryCopy(): a link planted at a registry's lock file is refused, never followed", async () => {
  await withCache(async (env, base) => {
    const registry = await gitRegistry(base);
    await registry.commit("1.0.0");
    await fetchRegistryCopy(registry.location, { env });
    const registries = join(env.HPM_CACHE_DIR, "registries");
    const lock = [...Deno.readDirSync(registries)].find((e) => e.name.endsWith(".lock"))!.name;
    Deno.removeSync(join(registries, lock));
    const target = join(base, "planted");
    Deno.symlinkSync(target, join(registries, lock));
    await assert.rejects(
      () => fetchRegistryCopy(registry.location, { env, refresh: true }),
      (e) =>
        e instanceof HpmInputError && e.code === "unsafe-path" &&
        /is a symbolic link/.test(e.message),
    );
    assert.throws(
      () => Deno.lstatSync(target),
      Deno.errors.NotFound,
      "nothing made through the link",
    );
  });
});

Deno.test("fetchRegistry(): offline, a static copy lacking a name is used, and says so (the lookup then refuses the name)", async () => {
  await withCache(async (env) => {
    const host = serve(new Map([["/packages/plug.yaml", entry("plug", "1.0.0")]]));
    const location = { kind: "http", url: host.url } as const;
    try {
      const dir = await fetchRegistry(location, { env, wanted: ["plug"] });
      host.asked.length = 0;
      const notices: string[] = [];
      const offline = await fetchRegistryCopy(location, {
        env: { ...env, HPM_OFFLINE: "1" },
        wanted: ["plug", "other"],
        log: (m) => notices.push(m),
      });
      assert.equal(offline.dir, dir);
      assert.equal(offline.copy.asked, false);
      assert.deepEqual(host.asked, [], "nothing asked");
      assert.deepEqual(notices, [
        `registry ${host.url}: offline (HPM_OFFLINE=1), using the cached copy`,
      ]);
    } finally {
      await host.stop();
    }
  });
});
