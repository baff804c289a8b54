/**
 * The most common day: of the plugins a core is built with, one is worked on
 * and every other comes from its release. `hpm develop plug-a` puts it under
 * hpm.local.yaml's `develop:` (this machine only; its clone is at
 * ../other/x) and sets the committed mode there, so one command gives plug-a
 * editable and plug-b, plug-c from their tags; the committed form, the
 * records and each state's uv.lock are unaffected; `hpm free` goes back.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, pythonImport, withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject, snapshot } from "./_project.ts";

Deno.test("hpm develop: one plugin from its clone, the rest from their releases, and back", async () => {
  await withRoot(async (root) => {
    const { dir, plugins } = await makeProject(root, [
      { name: "plug-a" },
      { name: "plug-b" },
      { name: "plug-c" },
    ]);
    const env = { HPM_STATE_DIR: join(root, "state") };
    const run = (...args: string[]) => hpm(args, dir, env);
    await Deno.writeTextFile(join(dir, ".gitignore"), "packages/\nhpm.local.yaml\n", {
      append: true,
    });
    await git(["init", "--quiet"], { cwd: dir });
    expectOk(await run("sync", "--mode", "prod"), "hpm sync --mode prod");
    await git(["add", "-A"], { cwd: dir });
    await git(["commit", "--quiet", "-m", "prod form"], { cwd: dir });
    const committed = await Deno.readTextFile(join(dir, "pyproject.toml"));
    // This machine keeps plug-a's clone elsewhere.
    await Deno.mkdir(join(root, "other"));
    await Deno.rename(plugins["plug-a"].clone, join(root, "other", "x"));
    const mine = "# this machine\noverrides:\n  plug-a: {path: ../other/x}\n";
    const local = join(dir, "hpm.local.yaml");
    await Deno.writeTextFile(local, mine);

    const developed = await run("develop", "plug-a");
    expectOk(developed, "hpm develop plug-a");
    assert.match(
      developed.stderr,
      /hpm\.local\.yaml: plug-a from \.\.\/other\/x; mode prod \(the committed mode\) for the other plugins/,
    );
    assert.match(developed.stderr, /mode prod \(from hpm\.local\.yaml; plug-a from its clone\)/);
    assert.equal(await Deno.readTextFile(local), mine + "mode: prod\ndevelop: [plug-a]\n");
    const x = await Deno.realPath(join(root, "other", "x"));
    assert.ok((await pythonImport(dir, "plug_a")).file.startsWith(x));
    for (const other of ["plug_b", "plug_c"]) {
      assert.match((await pythonImport(dir, other)).file, /site-packages/);
    }
    const pyproject = await Deno.readTextFile(join(dir, "pyproject.toml"));
    assert.match(pyproject, /^plug-a = \{ path = "\.\.\/other\/x", editable = true \}$/m);
    assert.match(pyproject, /^mode = "prod"\ndevelop = \["plug-a"\]$/m);

    const list = await run("develop");
    expectOk(list, "hpm develop (list)");
    assert.equal(list.stdout, "plug-a  ../other/x\n");
    const status = await run("status", "--json");
    expectOk(status, "hpm status --json");
    const report = JSON.parse(status.stdout);
    assert.equal(report.mode, "prod");
    assert.deepEqual(report.local.develop, ["plug-a"]);
    assert.deepEqual(
      report.packages.map((p: { name: string; developed: boolean }) => [p.name, p.developed]),
      [["plug-a", true], ["plug-b", false], ["plug-c", false]],
    );
    assert.match(
      (await run("status")).stdout,
      /plug-a +plugins +local \.\.\/other\/x \(editable\), developed \*/,
    );
    expectOk(await run("check"), "hpm check: pyproject.toml and uv.lock of the state in force");

    // The committed form never carries the developed path.
    expectOk(await run("stage"), "hpm stage");
    const staged = await git(["show", ":pyproject.toml"], { cwd: dir });
    assert.equal(staged.stdout, committed);
    expectOk(await run("check", "--staged"), "hpm check --staged");

    const again = await run("-v", "sync");
    expectOk(again, "hpm sync, nothing changed");
    assert.match(again.stderr, /answered from its fingerprint/);

    const freed = await run("free", "plug-a");
    expectOk(freed, "hpm free plug-a");
    assert.equal(await Deno.readTextFile(local), mine + "mode: prod\n");
    assert.match((await pythonImport(dir, "plug_a")).file, /site-packages/);
    assert.equal(await Deno.readTextFile(join(dir, "pyproject.toml")), committed);

    // Each state keeps its own record and uv.lock: toggling again is a switch
    // from the records, with the uv.lock uv left for each.
    expectOk(await run("develop", "plug-a", "--no-sync"), "hpm develop --no-sync");
    const toDeveloped = await run("-v", "sync");
    expectOk(toDeveloped, "hpm sync into prod + plug-a");
    assert.match(toDeveloped.stderr, /inputs unchanged since this mode was last synced/);
    assert.ok((await pythonImport(dir, "plug_a")).file.startsWith(x));
    expectOk(await run("free", "plug-a", "--no-sync"), "hpm free --no-sync");
    const toReleased = await run("-v", "sync");
    expectOk(toReleased, "hpm sync back into prod");
    assert.match(toReleased.stderr, /inputs unchanged since this mode was last synced/);
    assert.match((await pythonImport(dir, "plug_a")).file, /site-packages/);

    // A plugin without a clone is offered `hpm clone`, and nothing is written.
    await Deno.remove(plugins["plug-b"].clone, { recursive: true });
    const before = await snapshot(dir, ["hpm.local.yaml", "pyproject.toml", "uv.lock"]);
    const noClone = await run("develop", "plug-b");
    assert.equal(noClone.code, 2, noClone.stderr);
    assert.match(noClone.stderr, /cannot develop `plug-b`: its clone is missing/);
    assert.match(noClone.stderr, /hpm-registry\/packages\/plug-b\.yaml:6:11/);
    assert.match(noClone.stderr, /run `hpm clone plug-b`, then `hpm develop plug-b` again/);
    const typo = await run("develop", "plug-bb");
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /did you mean `plug-b`/);
    assert.deepEqual(await snapshot(dir, ["hpm.local.yaml", "pyproject.toml", "uv.lock"]), before);
  });
});
