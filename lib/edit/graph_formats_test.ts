import assert from "node:assert/strict";
import type { ProjectGraph } from "../core/graph.ts";
import { renderGraph } from "./graph_formats.ts";

// A registry's source text that tries to close the label and add its own nodes.
const HOSTILE = 'git https://x.example/a"]; evil --> n0\\N <b>x</b> #quot;\n}\ndigraph{';

const graph: ProjectGraph = {
  mode: "dev",
  nodes: [
    { id: "core", kind: "core", name: "app", detail: "mode dev", marks: [] },
    { id: "group:db", kind: "group", name: "db", marks: [] },
    { id: "plugin:q", kind: "plugin", name: "q", detail: HOSTILE, marks: ["collision"] },
  ],
  edges: [
    { from: "core", to: "group:db", kind: "group" },
    { from: "group:db", to: "plugin:q", kind: "option" },
  ],
};

Deno.test("mermaid: a source cannot end its label or add nodes, links or HTML", () => {
  const text = renderGraph(graph, "mermaid");
  const q = text.split("\n").find((l) => l.startsWith("  n2["))!;
  // One label, from `["` to `"]`, with nothing of the value's markup left.
  assert.match(q, /^ {2}n2\["q<br\/>[^"<>[\]{}\n]*<br\/>#91;collision#93;"\]$/);
  assert.ok(
    q.includes("#34;#93;#59; evil --#62; n0#92;N #60;b#62;x#60;/b#62; #35;quot#59;#10;#125;"),
  );
  assert.equal(text.split("\n").length, 8);
});

Deno.test("dot: a source stays one quoted string, with no escape of its own", () => {
  const text = renderGraph(graph, "dot");
  const q = text.split("\n").find((l) => l.startsWith("  n2 "))!;
  assert.equal(
    q,
    '  n2 [label="q\\ngit https://x.example/a\\"]; evil --> n0\\\\N <b>x</b> #quot; } digraph{' +
      '\\n[collision]", shape=box, color="#ee8800", penwidth=3];',
  );
  assert.equal(text.split("\n").length, 9);
});

Deno.test("tree: a plugin needed twice shows its own needs once", () => {
  const shared: ProjectGraph = {
    mode: "dev",
    nodes: [
      { id: "core", kind: "core", name: "app", marks: [] },
      { id: "group:g", kind: "group", name: "g", marks: [] },
      { id: "plugin:a", kind: "plugin", name: "a", marks: [] },
      { id: "plugin:b", kind: "plugin", name: "b", marks: [] },
      { id: "plugin:base", kind: "plugin", name: "base", marks: [] },
      { id: "plugin:util", kind: "plugin", name: "util", marks: [] },
    ],
    edges: [
      { from: "core", to: "group:g", kind: "group" },
      { from: "group:g", to: "plugin:a", kind: "option" },
      { from: "group:g", to: "plugin:b", kind: "option" },
      { from: "plugin:a", to: "plugin:base", kind: "needs" },
      { from: "plugin:b", to: "plugin:base", kind: "needs" },
      { from: "plugin:base", to: "plugin:util", kind: "needs" },
    ],
  };
  assert.equal(
    renderGraph(shared, "tree"),
    `app
└── group g
    ├── a
    │   └── base
    │       └── util
    └── b
        └── base (its needs are shown above)`,
  );
});
