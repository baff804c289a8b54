/**
 * Remote registries under a hostile or slow network: one deadline for the
 * whole registry load (the remotes are asked in parallel, and each that has
 * not answered when it passes is used from its cached copy, saying so), a cap
 * on the number of registries in hpm.yaml, and caps on what a refresh may
 * write to the cache. Servers are loopback ones of this test, always shut down.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { withRoot, writeFile } from "./_fixtures.ts";
import { coreOn, expectOk, expire, hpm, pushedRegistry } from "./_project.ts";

const entry = (name: string, padding = 0) =>
  `name: ${name}\nsources:\n  prod: {type: pypi, version: 1.0.0}\n` +
  (padding ? `# ${"x".repeat(padding)}\n` : "");

/** A registry host: `/<registry>/index.json` and `/<registry>/packages/<name>.yaml`. */
interface Host {
  readonly url: string;
  /** Registry → entry name → its text. */
  readonly registries: Map<string, Map<string, string>>;
  /** While true, every answer waits until the host closes. */
  slow: boolean;
  close(): Promise<void>;
}

function host(): Host {
  const stop = new AbortController();
  const registries = new Map<string, Map<string, string>>();
  const held = new Promise<void>((resolve) =>
    stop.signal.addEventListener("abort", () => resolve())
  );
  const state = { slow: false };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      if (state.slow) await held;
      const [, registry, ...rest] = decodeURIComponent(new URL(req.url).pathname).split("/");
      const entries = registries.get(registry);
      const path = rest.join("/");
      const body = entries === undefined
        ? undefined
        : path === "index.json"
        ? JSON.stringify([...entries.keys()])
        : entries.get(path.replace(/^packages\/(.*)\.yaml$/, "$1"));
      return body === undefined ? new Response("not found", { status: 404 }) : new Response(body);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    registries,
    get slow() {
      return state.slow;
    },
    set slow(value: boolean) {
      state.slow = value;
    },
    async close() {
      stop.abort();
      await server.shutdown();
    },
  };
}

/** Runs `fn` with a fresh temp root and a host, always shut down. */
async function withHost(fn: (root: string, server: Host) => Promise<void>): Promise<void> {
  await withRoot(async (root) => {
    const server = host();
    try {
      await fn(root, server);
    } finally {
      await server.close();
    }
  });
}

/** Bytes and files under `dir`, links not followed. */
async function usage(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) {
      const inner = await usage(path);
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += (await Deno.lstat(path)).size;
      files++;
    }
  }
  return { bytes, files };
}

Deno.test("eight slow https registries: the load ends near one HPM_REGISTRY_TIMEOUT, each from its cached copy, saying so", async () => {
  await withHost(async (root, server) => {
    const names = Array.from({ length: 8 }, (_, i) => `r${i}`);
    for (const [i, name] of names.entries()) {
      server.registries.set(name, new Map([[`plug-${i}`, entry(`plug-${i}`)]]));
    }
    const dir = await coreOn(root, names.map((n) => `${server.url}/${n}`));
    const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_REGISTRY_TIMEOUT: "3" };
    expectOk(await hpm(["registry", "list"], dir, env), "first list fills the cache");

    await expire(env.HPM_CACHE_DIR);
    server.slow = true;
    const started = Date.now();
    const slow = await hpm(["registry", "list", "--json"], dir, env);
    const took = Date.now() - started;
    expectOk(slow, "list with every remote slow");
    assert.equal(JSON.parse(slow.stdout).length, 8, "every registry from its cached copy");
    const notices = slow.stderr.split("\n").filter((l) => /using the cached copy/.test(l));
    assert.equal(notices.length, 8, slow.stderr);
    // Said in the order hpm.yaml lists them, whichever gave up first.
    assert.deepEqual(
      notices.map((l) => l.match(/\/(r\d)\b/)?.[1]),
      names,
    );
    for (const notice of notices) assert.match(notice, /no answer within HPM_REGISTRY_TIMEOUT=3 s/);
    // Sequential fetches would take 8 × 3 s; one deadline, about 3 s and a Deno
    // start, which on a loaded machine running the suite in parallel may take
    // several seconds more: 20 s tells the two apart with room to spare.
    assert.ok(took < 20_000, `took ${took} ms`);
  });
});

Deno.test("a slow registry with nothing cached fails the load within the deadline, naming it", async () => {
  await withHost(async (root, server) => {
    server.registries.set("r0", new Map([["plug", entry("plug")]]));
    server.slow = true;
    const dir = await coreOn(root, [`${server.url}/r0`, `${server.url}/r1`]);
    const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_REGISTRY_TIMEOUT: "2" };
    // The host never answers r0: the run ends only through the deadline, which
    // hpm names only once it has passed (no wall clock here, which a loaded
    // machine would stretch).
    const r = await hpm(["registry", "list"], dir, env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /cannot fetch registry .*\/r0: no answer within HPM_REGISTRY_TIMEOUT=2 s/,
    );
  });
});

Deno.test("hpm.yaml may list at most 16 registries: the 17th is refused at its line:col, exit 2, nothing fetched", async () => {
  await withRoot(async (root) => {
    const locations = Array.from({ length: 17 }, (_, i) => `./reg${i}`);
    for (const l of locations) {
      await Deno.mkdir(join(root, "core", l, "packages"), { recursive: true });
    }
    const dir = await coreOn(root, locations);
    const r = await hpm(["registry", "list"], dir, { HPM_CACHE_DIR: join(root, "cache") });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: more than 16 registries/);
    assert.match(r.stderr, /--> hpm\.yaml:18:5\n/, "the first registry too many");
    assert.match(r.stderr, /hint: /);

    // Sixteen are fine.
    await coreOn(root, locations.slice(0, 16));
    expectOk(await hpm(["registry", "list"], dir, { HPM_CACHE_DIR: join(root, "cache") }), "16");
  });
});

Deno.test("one refresh writes at most 16 MiB to the cache: a bigger registry is refused, its partial copy removed, the old copy kept", async () => {
  await withHost(async (root, server) => {
    // 70 entries of 250 KB each (each under the entry size limit): 17 MB in all.
    const big = new Map<string, string>();
    for (let i = 0; i < 70; i++) big.set(`plug-${i}`, entry(`plug-${i}`, 250 * 1024));
    server.registries.set("big", new Map([["plug-0", entry("plug-0")]]));
    const dir = await coreOn(root, [`${server.url}/big`]);
    const env = { HPM_CACHE_DIR: join(root, "cache") };
    expectOk(await hpm(["registry", "list"], dir, env), "a small copy first");
    server.registries.set("big", big);

    const r = await hpm(["--refresh", "registry", "list"], dir, env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: registry .*\/big: a refresh may write at most 16777216 bytes/);
    const cached = await usage(join(env.HPM_CACHE_DIR, "registries"));
    assert.ok(cached.bytes < 1024 * 1024, `the cache holds ${cached.bytes} bytes`);
    const old = await hpm(["registry", "show", "plug-0"], dir, { ...env, HPM_OFFLINE: "1" });
    expectOk(old, "the old copy, offline");
    assert.match(old.stdout, /pypi ==1\.0\.0/);
  });
});

Deno.test("a whole load writes at most 64 MiB to the cache: five registries of 14 MB each are refused", async () => {
  await withHost(async (root, server) => {
    const names = Array.from({ length: 5 }, (_, i) => `r${i}`);
    for (const name of names) {
      const entries = new Map<string, string>();
      for (let i = 0; i < 56; i++) entries.set(`plug-${i}`, entry(`plug-${i}`, 250 * 1024));
      server.registries.set(name, entries);
    }
    const dir = await coreOn(root, names.map((n) => `${server.url}/${n}`));
    const env = { HPM_CACHE_DIR: join(root, "cache") };
    const r = await hpm(["registry", "list"], dir, env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /registries together may write at most 67108864 bytes to the cache/);
    const cached = await usage(join(env.HPM_CACHE_DIR, "registries"));
    assert.ok(cached.bytes <= 64 * 1024 * 1024, `the cache holds ${cached.bytes} bytes`);
  });
});

/** A bare git registry at `<root>/<name>.git` holding `files` (path → bytes) besides one entry. */
async function gitRegistry(root: string, name: string, files: Record<string, Uint8Array>) {
  const work = join(root, `${name}-work`);
  await writeFile(join(work, "packages", "plug.yaml"), entry("plug"));
  for (const [path, bytes] of Object.entries(files)) {
    await Deno.mkdir(join(work, path, ".."), { recursive: true });
    await Deno.writeFile(join(work, path), bytes);
  }
  return await pushedRegistry(work, join(root, `${name}.git`));
}

Deno.test("a git registry whose entries would write more than 16 MiB or 5,000 files is refused before they are written", async () => {
  await withRoot(async (root) => {
    const many: Record<string, Uint8Array> = {};
    // With plug.yaml, one entry more than a refresh writes.
    for (let i = 0; i < 5000; i++) many[`packages/p${i}.yaml`] = new TextEncoder().encode(`${i}\n`);
    const cases = [
      // 20 MB of zeros: a few KB in git, 20 MB once written out.
      ["big", { "packages/blob.yaml": new Uint8Array(20 * 1024 * 1024) }, "16777216 bytes"],
      ["many", many, "5000 files"],
    ] as const;
    for (const [name, files, limit] of cases) {
      const url = await gitRegistry(root, name, files);
      const dir = await coreOn(root, [url]);
      const env = { HPM_CACHE_DIR: join(root, `cache-${name}`) };
      const r = await hpm(["registry", "list"], dir, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`error: registry file:.*${name}\\.git: a refresh may write at most ${limit}`),
      );
      const cached = await usage(join(env.HPM_CACHE_DIR, "registries"));
      assert.ok(cached.bytes < 1024 * 1024, `the cache holds ${cached.bytes} bytes`);
      assert.ok(cached.files < 100, `the cache holds ${cached.files} files`);
    }
  });
});
