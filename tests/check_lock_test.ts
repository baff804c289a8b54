/**
 * `hpm check` guards uv.lock too: after `sync --no-install --mode prod` the
 * lock still installs the dev clones, and `check --mode prod` says so, naming
 * uv.lock; `--pyproject-only` checks pyproject.toml alone. The fast path
 * answers plain `check` only for the uv.lock uv left at the mode's last
 * switch, with the normal path's words.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { withRoot } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

Deno.test("hpm check --mode prod fails on a uv.lock still locked for dev; passes once synced", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    expectOk(await hpm(["sync"], dir), "dev sync");
    expectOk(await hpm(["check"], dir), "check dev");
    expectOk(await hpm(["sync", "--no-install", "--mode", "prod"], dir), "prod, no install");

    const stale = await hpm(["check", "--mode", "prod"], dir);
    assert.equal(stale.code, 1, stale.stderr);
    assert.match(stale.stderr, /uv\.lock does not match mode prod/);
    assert.match(
      stale.stdout,
      /^uv\.lock:\d+: rag4code-qdrant is locked from the local path packages\/rag4code-qdrant \(editable\)/m,
    );
    // pyproject.toml is prod's already (the committed mode's): only locking again is left.
    assert.match(
      stale.stderr,
      /hint: run `hpm sync --mode prod` to lock it again \(after `hpm sync --no-install`, say\); `hpm check --pyproject-only` checks pyproject\.toml alone/,
    );
    assert.doesNotMatch(stale.stderr, /hpm stage/);

    const only = await hpm(["check", "--mode", "prod", "--pyproject-only"], dir);
    expectOk(only, "--pyproject-only");
    assert.match(only.stderr, /pyproject\.toml is in sync for mode prod/);

    expectOk(await hpm(["sync", "--mode", "prod"], dir), "prod sync");
    const good = await hpm(["check", "--mode", "prod"], dir);
    expectOk(good, "check prod after sync");
    assert.match(good.stderr, /uv\.lock matches/);

    // Without uv.lock there is nothing to compare; check says so and passes.
    await Deno.remove(join(dir, "uv.lock"));
    const none = await hpm(["check", "--mode", "prod"], dir);
    expectOk(none, "no uv.lock");
    assert.match(none.stderr, /no uv\.lock/);
  });
});

Deno.test("plain check answers from the fingerprint only for the uv.lock uv left, in the normal path's words", async () => {
  await withRoot(async (root) => {
    const { dir } = await makeProject(root, [{ name: "rag4code-qdrant" }]);
    const env = { HPM_STATE_DIR: join(root, "state") };
    // The normal path's answer: the same command with no record to answer from.
    const normal = async (args: string[]) =>
      hpm(args, dir, { HPM_STATE_DIR: await Deno.makeTempDir({ dir: root }) });
    const same = async (args: string[]) => {
      const [fast, truth] = [await hpm(args, dir, env), await normal(args)];
      assert.deepEqual(
        [fast.code, fast.stdout, fast.stderr],
        [truth.code, truth.stdout, truth.stderr],
        args.join(" "),
      );
      const traced = await hpm(["-v", ...args], dir, env);
      assert.equal(traced.code, fast.code, traced.stderr);
      return traced.stderr;
    };
    for (const mode of ["prod", "dev"]) {
      expectOk(await hpm(["sync", "--mode", mode], dir, env), `sync ${mode}`);
    }

    const fast = await same(["check"]);
    assert.match(fast, /answered from its fingerprint/);
    assert.match(fast, /\$ uv lock --check --offline --no-progress/, "uv is still asked");
    assert.match(fast, /uv\.lock matches mode dev/);

    // Back to prod without installing: uv.lock is still dev's.
    expectOk(await hpm(["sync", "--no-install", "--mode", "prod"], dir, env), "prod, no install");
    const stale = await same(["check", "--mode", "prod"]);
    assert.doesNotMatch(stale, /answered from its fingerprint/);
    assert.match(stale, /uv\.lock does not match mode prod/);

    // uv.lock edited by hand (a comment): the normal path compares it.
    expectOk(await hpm(["sync", "--mode", "dev"], dir, env), "dev");
    await Deno.writeTextFile(join(dir, "uv.lock"), "# edited\n", { append: true });
    assert.doesNotMatch(await same(["check"]), /answered from its fingerprint/);
    await Deno.remove(join(dir, "uv.lock"));
    assert.match(await same(["check"]), /no uv\.lock/);
  });
});
