/**
 * `hpm registry list` as a table, and `--outdated` against real remotes: git
 * tags on file:// remotes (a newer release, a pre-release passed over, one
 * up to date, one remote gone, a branch), and a package index on loopback
 * that answers the simple API's JSON; an entry naming no index is not sent
 * anywhere; HPM_OFFLINE=1 asks nothing.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { commitAndTag, fileUrl, makeTempRoot, writeFile } from "./_fixtures.ts";
import { hpm, makeProject } from "./_project.ts";

// A PEP 691 index on 127.0.0.1 for one package, its versions as files (one yanked).
function serveJsonIndex(files: { filename: string; yanked?: boolean }[]) {
  const requests: string[] = [];
  const ac = new AbortController();
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: ({ port }) => resolve(port) },
    (req) => {
      const path = new URL(req.url).pathname;
      requests.push(`${path} ${req.headers.get("accept")}`);
      if (path !== "/simple/plug-c/") return new Response("not found", { status: 404 });
      return Response.json(
        { meta: { "api-version": "1.0" }, name: "plug-c", files },
        { headers: { "content-type": "application/vnd.pypi.simple.v1+json" } },
      );
    },
  );
  return {
    requests,
    port: promise,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

Deno.test("hpm registry list: a table; --outdated: newer tags and index versions, bounded and offline-aware", async (t) => {
  const root = await makeTempRoot();
  const index = serveJsonIndex([
    { filename: "plug_c-1.0.0-py3-none-any.whl" },
    { filename: "plug_c-1.1.0.tar.gz" },
    { filename: "plug_c-1.1.0-py3-none-any.whl" },
    { filename: "plug_c-9.0.0-py3-none-any.whl", yanked: true },
    { filename: "plug_c-2.0.0b1-py3-none-any.whl" },
  ]);
  try {
    const indexUrl = `http://127.0.0.1:${await index.port}/simple`;
    const gone = fileUrl(join(root, "remotes", "gone.git"));
    const { dir, plugins } = await makeProject(root, [
      {
        name: "plug-a",
        versions: ["1.0.0", "1.2.0", "1.10.0"],
        prod: (r) => `{type: git, url: "${r.bareUrl}", tag: v1.0.0}`,
      },
      { name: "plug-b" },
      { name: "plug-c", prod: () => `{type: pypi, version: 1.0.0, index: "${indexUrl}"}` },
      { name: "plug-d", prod: () => "{type: pypi, version: 1.0.0}" },
      { name: "plug-e", prod: () => `{type: git, url: "${gone}", ref: v1.0.0}` },
      { name: "plug-f", prod: (r) => `{type: git, url: "${r.bareUrl}", branch: main}` },
    ]);
    // A release candidate after the newest release: not what a stable pin moves to.
    await commitAndTag(plugins["plug-a"].clone, "v2.0.0rc1");
    // A description is untrusted text: an escape sequence must not reach the terminal.
    const entry = join(dir, "hpm-registry", "packages", "plug-b.yaml");
    await writeFile(
      entry,
      (await Deno.readTextFile(entry)) + 'description: "the \\e[31mred\\e[0m one"\n',
    );

    await t.step("the table: description and each mode's source", async () => {
      const r = await hpm(["registry", "list"], dir);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split("\n");
      assert.match(lines[0], /^PACKAGE +DESCRIPTION +DEV +PROD$/);
      const a = lines.find((l) => l.startsWith("plug-a "))!;
      assert.match(
        a,
        /local \.\/packages\/plug-a \(editable\) +git file:\/\/\S+plug-a\.git @ v1\.0\.0$/,
      );
      const b = lines.find((l) => l.startsWith("plug-b "))!;
      assert.ok(!b.includes("\x1b"), "no escape character printed");
      assert.match(b, /the \\u001b\[31mred\\u001b\[0m one +local/);
      // Escaped before the columns were measured: the DEV column starts where the header's does.
      assert.equal(b.indexOf("local "), lines[0].indexOf("DEV"));
      assert.match(lines.find((l) => l.startsWith("plug-c "))!, /pypi ==1\.0\.0 from http/);
      const json = JSON.parse((await hpm(["registry", "list", "--json"], dir)).stdout);
      assert.deepEqual(json[0].sources.prod, {
        type: "git",
        url: plugins["plug-a"].bareUrl,
        tag: "v1.0.0",
      });
      assert.deepEqual(json[0].modes, ["dev", "prod"]);
    });

    await t.step("--outdated: `plug old → new` for each outdated plugin", async () => {
      const r = await hpm(["registry", "list", "--outdated"], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trimEnd().split("\n"), [
        "plug-a  v1.0.0  → v1.10.0",
        "plug-c  1.0.0   → 1.1.0",
      ]);
      assert.match(r.stderr, /warning: plug-e: could not ask file:\/\/\S+gone\.git: /);
      assert.match(r.stderr, /plug-d: not checked: the entry names no index/);
      assert.match(r.stderr, /plug-f: not checked: follows the branch main/);
      assert.match(r.stderr, /2 of 3 checked have a newer release/);
      // The index was asked once, for the simple API's JSON.
      assert.deepEqual(index.requests, [
        "/simple/plug-c/ application/vnd.pypi.simple.v1+json, text/html;q=0.1",
      ]);
    });

    await t.step("--outdated --json: one result per entry, for a bot", async () => {
      const r = await hpm(["registry", "list", "--outdated", "--json"], dir);
      assert.equal(r.code, 0, r.stderr);
      const by = Object.fromEntries(
        (JSON.parse(r.stdout) as { name: string; state: string }[]).map((e) => [e.name, e]),
      );
      assert.deepEqual(by["plug-a"], {
        name: "plug-a",
        mode: "prod",
        source: "git",
        current: "v1.0.0",
        latest: "v1.10.0",
        state: "outdated",
        reason: null,
        from: plugins["plug-a"].bareUrl,
      });
      assert.equal(by["plug-b"].state, "current");
      assert.equal(by["plug-e"].state, "unreachable");
      assert.equal(by["plug-d"].state, "not-checked");
    });

    await t.step("HPM_OFFLINE=1: no remote and no index is asked, and it says so", async () => {
      const before = index.requests.length;
      const r = await hpm(["registry", "list", "--outdated"], dir, { HPM_OFFLINE: "1" });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "");
      assert.match(
        r.stderr,
        /plug-a: not checked: offline \(HPM_OFFLINE=1\): the remote was not asked/,
      );
      assert.match(
        r.stderr,
        /plug-c: not checked: offline \(HPM_OFFLINE=1\): the index was not asked/,
      );
      assert.match(r.stderr, /nothing outdated \(0 checked\)/);
      assert.equal(index.requests.length, before);
    });
  } finally {
    await index.close();
    await Deno.remove(root, { recursive: true });
  }
});
