/**
 * Issue 9, "a real team's day": what adopting HPM on real plugins found, each
 * through the real CLI (uv, git and files are real).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildWheels,
  pythonImport,
  run,
  serveIndex,
  uv,
  withRoot,
  writeFile,
} from "./_fixtures.ts";
import { expectOk, hpm, makeProject, snapshot } from "./_project.ts";

const FILES = ["pyproject.toml", "uv.lock", "hpm.yaml"];

Deno.test("a typo under `overrides:` in hpm.local.yaml is refused with did-you-mean at its line", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "pytest-xdist" }]);
    await writeFile(
      join(dir, "hpm.local.yaml"),
      "# my machine\noverrides:\n  pytest-xdsit: {path: ../elsewhere}\n",
    );
    const before = await snapshot(dir, FILES);
    for (const command of [["sync"], ["status"]]) {
      const r = await hpm(command, dir);
      assert.equal(r.code, 2, `${command}: ${r.stderr}`);
      assert.match(r.stderr, /unknown package `pytest-xdsit`/);
      assert.match(r.stderr, /hpm\.local\.yaml:3:3/);
      assert.match(r.stderr, /did you mean `pytest-xdist`\?/);
    }
    assert.deepEqual(await snapshot(dir, FILES), before, "nothing written");
  });
});

Deno.test("hpm clone -q prints nothing on stdout", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }]);
    await Deno.remove(join(dir, "packages", "plug-a"), { recursive: true });
    const r = await hpm(["-q", "clone"], dir);
    expectOk(r, "clone -q");
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "");
    await Deno.stat(join(dir, "packages", "plug-a", "pyproject.toml"));
  });
});

Deno.test("hpm init ignores the clone folder packages/ too", async () => {
  await withRoot(async (root) => {
    const dir = join(root, "app");
    await uv(["init", "--lib", "--name", "app", "--no-workspace", "--vcs", "git", dir], {
      cwd: root,
    });
    expectOk(await hpm(["init"], dir), "init");
    const ignored = (await Deno.readTextFile(join(dir, ".gitignore"))).split("\n");
    assert.ok(ignored.includes("/packages/"), ignored.join("|"));
    // Its comment names what the lines are: no lock or journal lives in the project.
    const comment = ignored.find((l) => l.startsWith("# hpm"));
    assert.equal(comment, "# hpm: this machine's settings (hpm.local.yaml), the plugins' clones");
    // Anchored: the registry's own packages/ folder stays tracked.
    const check = await run("git", ["check-ignore", "-q", "hpm-registry/packages/x.yaml"], {
      cwd: dir,
    });
    assert.equal(check.code, 1, "hpm-registry/packages is not ignored");
  });
});

Deno.test("--mode with an empty value is refused (exit 2), not taken as the default", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }]);
    const before = await snapshot(dir, FILES);
    for (const args of [["sync", "--mode", ""], ["status", "-m", ""], ["check", "--mode="]]) {
      const r = await hpm(args, dir);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /invalid mode `` \(from --mode\)/);
    }
    assert.deepEqual(await snapshot(dir, FILES), before);
  });
});

Deno.test("every hint names the mode in force: status -m prod, group add/use/remove in prod", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }, { name: "plug-b" }], ["plug-a"]);
    expectOk(await hpm(["sync", "--no-install"], dir), "dev sync");
    const status = await hpm(["status", "-m", "prod"], dir);
    expectOk(status, "status");
    assert.match(status.stdout, /out of sync for prod: run `hpm sync --mode prod`/);

    expectOk(await hpm(["sync", "--no-install", "--mode", "prod"], dir), "prod sync");
    const hints = [];
    for (
      const args of [
        ["group", "add", "plugins", "-o", "plug-b"],
        ["group", "use", "plugins", "plug-b"],
        ["group", "remove", "plugins", "-o", "plug-a"],
        ["group", "remove", "plugins"],
      ]
    ) {
      const r = await hpm(args, dir);
      expectOk(r, args.join(" "));
      hints.push(r.stderr.trim());
    }
    for (const hint of hints) assert.match(hint, /run `hpm sync --mode prod`$/, hint);
  });
});

Deno.test("hpm status shows the table, then the collision that would make sync fail", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }]);
    const pyproject = join(dir, "pyproject.toml");
    await writeFile(
      pyproject,
      (await Deno.readTextFile(pyproject)) + '\n[tool.uv.sources]\nplug-a = { path = "../mine" }\n',
    );
    const sync = await hpm(["sync", "--no-install"], dir);
    assert.equal(sync.code, 2, sync.stderr);
    const lines = (await Deno.readTextFile(pyproject)).split("\n");
    const line = lines.indexOf('plug-a = { path = "../mine" }') + 1;

    const r = await hpm(["status"], dir);
    expectOk(r, "status");
    assert.match(r.stdout, /pyproject\.toml: cannot be synced for dev \(see below\)/);
    assert.match(r.stdout, /^plug-a +plugins +local packages\/plug-a \(editable\) +main, clean/m);
    assert.match(
      r.stdout,
      new RegExp(`\`hpm sync\` would fail: .*source "plug-a".*\\(.*pyproject\\.toml:${line}:1\\)`),
    );
    assert.match(r.stdout, /^ {2}hint: /m);
    const json = JSON.parse((await hpm(["status", "--json"], dir)).stdout);
    assert.equal(json.inSync, false);
    assert.equal(json.problem.code, "conflict");
    assert.equal(json.problem.line, line);

    // A damaged record is shown the same way, and hpm.yaml can still be edited.
    await writeFile(
      pyproject,
      lines.join("\n").replace("[tool.uv.sources]", "[tool.hpm]\nmode = 1\n"),
    );
    const damaged = await hpm(["status"], dir);
    expectOk(damaged, "status, damaged record");
    assert.match(damaged.stdout, /^plug-a +plugins/m);
    assert.match(damaged.stdout, /would fail: cannot read hpm's record/);
    const add = await hpm(["group", "add", "more", "-o", "plug-a"], dir);
    expectOk(add, "group add");
    assert.match(add.stderr, /run `hpm sync --mode dev`/);
  });
});

Deno.test("with uv missing, sync checks for it before writing: nothing written, a clear error", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }]);
    const before = await snapshot(dir, FILES);
    const r = await hpm(["sync"], dir, { HPM_UV: join(root, "nonexistent", "uv") });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error: uv cannot be run \(uv: not found/);
    assert.match(r.stderr, /hint: nothing was written; install uv/);
    assert.doesNotMatch(r.stderr, /restored/);
    assert.deepEqual(await snapshot(dir, FILES), before);
  });
});

Deno.test("hand-added items in hpm's group are kept in every mode and across group removal", async () => {
  await withRoot(async (root) => {
    const wheels = await buildWheels(root, {
      name: "pytest-mock",
      version: "3.14.0",
      module: "pytest_mock",
      body: 'VERSION = "3.14.0"\n',
    });
    const index = await serveIndex(wheels);
    try {
      const env = { UV_DEFAULT_INDEX: index.url };
      const { dir } = await makeProject(root, [{ name: "plug-a" }]);
      const pyproject = join(dir, "pyproject.toml");
      expectOk(await hpm(["sync"], dir, env), "dev sync");
      await uv(["add", "--group", "plugins", "pytest-mock"], { cwd: dir, env });
      const added = await Deno.readTextFile(pyproject);
      assert.match(added, /"pytest-mock>=3\.14\.0"/);

      const dev = await hpm(["sync"], dir, env);
      expectOk(dev, "sync after uv add");
      assert.match(
        dev.stderr,
        /kept what you added to hpm's groups: plugins: pytest-mock>=3\.14\.0/,
      );
      const devText = await Deno.readTextFile(pyproject);
      assert.equal(devText, added, "nothing to change: the item is the user's");
      assert.equal((await pythonImport(dir, "pytest_mock")).value, "3.14.0", "still installed");

      const prod = await hpm(["sync", "--mode", "prod"], dir, env);
      expectOk(prod, "prod sync");
      assert.match(prod.stderr, /pyproject\.toml updated \(dev → prod; 1 source changed\)/);
      assert.match(prod.stderr, /kept what you added/);
      assert.match(await Deno.readTextFile(pyproject), /"pytest-mock>=3\.14\.0"/);
      assert.equal((await pythonImport(dir, "pytest_mock")).value, "3.14.0");

      expectOk(await hpm(["sync"], dir, env), "back to dev");
      assert.equal(await Deno.readTextFile(pyproject), devText, "dev → prod → dev round trip");

      expectOk(await hpm(["group", "remove", "plugins"], dir), "group remove");
      const removed = await hpm(["sync"], dir, env);
      expectOk(removed, "sync after group remove");
      assert.match(
        removed.stderr,
        /kept group plugins: it holds what you added \(pytest-mock>=3\.14\.0\)/,
      );
      const text = await Deno.readTextFile(pyproject);
      assert.match(text, /^plugins = \["pytest-mock>=3\.14\.0"\]$/m);
      assert.doesNotMatch(text, /plug-a|tool\.hpm/);
      assert.equal((await pythonImport(dir, "pytest_mock")).value, "3.14.0");
    } finally {
      await index.close();
    }
  });
});

Deno.test("[tool.hpm] deleted by hand: the error names `hpm sync --adopt`, which recovers", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }]);
    const pyproject = join(dir, "pyproject.toml");
    expectOk(await hpm(["sync", "--no-install"], dir), "sync");
    const synced = await Deno.readTextFile(pyproject);
    const orphaned = synced.slice(0, synced.indexOf("\n[tool.hpm]"));
    await writeFile(pyproject, orphaned);

    const stuck = await hpm(["sync", "--no-install"], dir);
    assert.equal(stuck.code, 2, stuck.stderr);
    assert.match(stuck.stderr, /which hpm did not write/);
    assert.match(stuck.stderr, /hint: .*`hpm sync --mode dev --adopt`/);
    assert.equal(await Deno.readTextFile(pyproject), orphaned, "nothing written");

    const adopted = await hpm(["sync", "--no-install", "--adopt"], dir);
    expectOk(adopted, "sync --adopt");
    assert.equal(await Deno.readTextFile(pyproject), synced, "the record is back, as before");
    expectOk(await hpm(["check"], dir), "check");

    // A real collision stays an error, --adopt or not.
    await writeFile(pyproject, orphaned.replace("editable = true", "editable = false"));
    const collision = await hpm(["sync", "--no-install", "--adopt"], dir);
    assert.equal(collision.code, 2, collision.stderr);
    assert.match(collision.stderr, /cannot write source "plug-a"/);
    assert.match(collision.stderr, /hint: remove your source for `plug-a`/);
  });
});

Deno.test("a wrong source `type:` names the valid types (not zod's discriminator message)", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }]);
    const entry = join(dir, "hpm-registry", "packages", "plug-a.yaml");
    await writeFile(entry, (await Deno.readTextFile(entry)).replace("type: local", "type: locla"));
    const r = await hpm(["sync"], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: at `sources\.dev\.type`: `locla` is not a valid `type`/);
    assert.match(r.stderr, /plug-a\.yaml:5:11/);
    assert.match(r.stderr, /hint: did you mean `local`\? valid: local, git, pypi/);
    assert.doesNotMatch(r.stderr, /discriminator/i);
  });
});

Deno.test("an error about an inline `sources = {…}` points at its line, not the blank one after", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "plug-a" }]);
    const pyproject = join(dir, "pyproject.toml");
    const text = (await Deno.readTextFile(pyproject)) +
      '\n[dependency-groups]\ndev = ["pytest"]\n\n[tool.uv]\nsources = { other = { path = "x" } }\n\n[tool.other]\nk = 1\n';
    await writeFile(pyproject, text);
    const line = text.split("\n").indexOf('sources = { other = { path = "x" } }') + 1;
    const r = await hpm(["sync"], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--> pyproject\\.toml:${line}:1\\n`));
    assert.match(r.stderr, new RegExp(`\\n${line} \\| sources = \\{ other`));
    assert.equal(await Deno.readTextFile(pyproject), text);
  });
});
