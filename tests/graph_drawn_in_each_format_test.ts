/**
 * `hpm graph` in each format for a project with a transitive plugin (plug-q
 * declares plug-base in its pyproject.toml), a group of alternatives (plug-c
 * not selected), a dev checkout missing and a source of the user's own that
 * collides with HPM's; and in prod, where plug-base comes from plug-q's
 * released pyproject.toml, read with git.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, writeFile } from "./_fixtures.ts";
import { expectOk, hpm, makeProject } from "./_project.ts";

Deno.test("hpm graph: tree, mermaid, dot and JSON, with every mark", async (t) => {
  const root = await makeTempRoot();
  try {
    const { dir } = await makeProject(root, [
      { name: "plug-base" },
      { name: "plug-q", dependencies: ["plug-base"] },
      { name: "plug-c" },
    ], ["plug-q", "plug-c"]);
    await writeFile(
      join(dir, "hpm.yaml"),
      "registry: ./hpm-registry\ngroups:\n  vector-db:\n    options: [plug-q, plug-c]\n" +
        "    select: plug-q\n",
    );
    const graph = async (...args: string[]) => {
      const r = await hpm(["graph", ...args], dir);
      expectOk(r, `hpm graph ${args.join(" ")}`);
      return r.stdout.trimEnd().replaceAll(`file://${root}`, "file://<root>");
    };

    await t.step("prod: the transitive plugin from the release, at its tag", async () => {
      assert.equal(
        await graph("--mode", "prod"),
        `rag4code-core · mode prod
└── group vector-db · alternatives: plug-q selected
    ├── plug-q · git file://<root>/remotes/plug-q.git @ v1.0.0
    │   └── plug-base · git file://<root>/remotes/plug-base.git @ v1.0.0
    └── plug-c · git file://<root>/remotes/plug-c.git @ v1.0.0 [not selected]`,
      );
    });

    // plug-base's checkout goes; pyproject.toml gets a source of its own for plug-q.
    await Deno.remove(join(dir, "packages", "plug-base"), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "pyproject.toml"),
      '\n[tool.uv.sources]\nplug-q = { path = "../elsewhere/plug-q" }\n',
      { append: true },
    );

    await t.step("tree (the default)", async () => {
      assert.equal(
        await graph(),
        `rag4code-core · mode dev
└── group vector-db · alternatives: plug-q selected
    ├── plug-q · local packages/plug-q (editable) [collision]
    │   └── plug-base · local packages/plug-base (editable) [missing checkout]
    └── plug-c · local packages/plug-c (editable) [not selected]`,
      );
    });

    await t.step("mermaid", async () => {
      assert.equal(
        await graph("--format", "mermaid"),
        `flowchart LR
  n0(["rag4code-core<br/>mode dev"])
  n1{{"group vector-db<br/>alternatives: plug-q selected"}}
  n2["plug-q<br/>local packages/plug-q (editable)<br/>#91;collision#93;"]
  n3["plug-base<br/>local packages/plug-base (editable)<br/>#91;missing checkout#93;"]
  n4["plug-c<br/>local packages/plug-c (editable)<br/>#91;not selected#93;"]
  n0 --> n1
  n1 --> n2
  n2 --> n3
  n1 -.-> n4
  class n2 collision
  class n3 missing
  class n4 notSelected
  classDef collision stroke:#e80,stroke-width:3px
  classDef missing stroke:#c00,stroke-width:2px,stroke-dasharray:4 3
  classDef notSelected stroke:#888,color:#888,stroke-dasharray:4 3`,
      );
    });

    await t.step("dot", async () => {
      assert.equal(
        await graph("-f", "dot"),
        `digraph hpm {
  rankdir=LR;
  node [shape=box, fontname="Helvetica"];
  n0 [label="rag4code-core\\nmode dev", shape=oval];
  n1 [label="group vector-db\\nalternatives: plug-q selected", shape=hexagon];
  n2 [label="plug-q\\nlocal packages/plug-q (editable)\\n[collision]", shape=box, color="#ee8800", penwidth=3];
  n3 [label="plug-base\\nlocal packages/plug-base (editable)\\n[missing checkout]", shape=box, color="#cc0000", style=dashed];
  n4 [label="plug-c\\nlocal packages/plug-c (editable)\\n[not selected]", shape=box, color="#888888", fontcolor="#888888", style=dashed];
  n0 -> n1;
  n1 -> n2;
  n2 -> n3;
  n1 -> n4 [style=dashed];
}`,
      );
    });

    await t.step("--json: the nodes and edges; a sync's failure on stderr", async () => {
      const r = await hpm(["graph", "--json"], dir);
      expectOk(r, "hpm graph --json");
      const data = JSON.parse(r.stdout);
      assert.deepEqual(
        data.nodes.map((n: { name: string; marks: string[] }) => [n.name, n.marks]),
        [
          ["rag4code-core", []],
          ["vector-db", []],
          ["plug-q", ["collision"]],
          ["plug-base", ["missing checkout"]],
          ["plug-c", ["not selected"]],
        ],
      );
      assert.equal(data.edges.length, 4);
      assert.match(r.stderr, /`hpm sync` would fail: .*plug-q/);
    });

    await t.step("an unknown format is a usage error", async () => {
      const r = await hpm(["graph", "--format", "svg"], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /svg/);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
