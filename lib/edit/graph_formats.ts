/**
 * A project's graph (lib/core/graph.ts) drawn as text: a tree for the
 * terminal, Mermaid for a README or a pull request, DOT for Graphviz. Names
 * are PEP 508, but sources come from registries (URLs, paths) and are
 * someone else's text: each format escapes everything outside a plain set of
 * characters, so no value can end a label and add nodes, links or markup.
 * Registry descriptions (free text) are not drawn at all.
 *
 * @module
 */

import type { GraphEdge, GraphMark, GraphNode, ProjectGraph } from "../core/graph.ts";

/**
 * The formats {@link renderGraph} draws.
 *
 * @example Usage
 * ```ts
 * import { GRAPH_FORMATS } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...GRAPH_FORMATS], ["tree", "mermaid", "dot"]);
 * ```
 */
export const GRAPH_FORMATS = ["tree", "mermaid", "dot"] as const;

/** One of {@link GRAPH_FORMATS}. */
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/**
 * Draw a project graph.
 *
 * @param graph the graph
 * @param format `tree`, `mermaid` or `dot`
 * @returns the text, without a final newline
 *
 * @example Usage
 * ```ts
 * import { renderGraph } from "./graph_formats.ts";
 * import assert from "node:assert/strict";
 *
 * const graph = {
 *   mode: "dev",
 *   nodes: [
 *     { id: "core", kind: "core" as const, name: "app", detail: "mode dev", marks: [] },
 *     { id: "group:db", kind: "group" as const, name: "db", marks: [] },
 *     { id: "plugin:q", kind: "plugin" as const, name: "q", detail: "pypi ==1.0", marks: [] },
 *   ],
 *   edges: [
 *     { from: "core", to: "group:db", kind: "group" as const },
 *     { from: "group:db", to: "plugin:q", kind: "option" as const },
 *   ],
 * };
 * assert.equal(
 *   renderGraph(graph, "tree"),
 *   "app · mode dev\n└── group db\n    └── q · pypi ==1.0",
 * );
 * ```
 */
export function renderGraph(graph: ProjectGraph, format: GraphFormat): string {
  switch (format) {
    case "tree":
      return tree(graph);
    case "mermaid":
      return mermaid(graph);
    case "dot":
      return dot(graph);
  }
}

const children = (graph: ProjectGraph, id: string): GraphEdge[] =>
  graph.edges.filter((e) => e.from === id);

const title = (node: GraphNode): string => node.kind === "group" ? `group ${node.name}` : node.name;

// The lines of a node's label in Mermaid and DOT.
const label = (node: GraphNode): string[] => [
  title(node),
  ...(node.detail === undefined ? [] : [node.detail]),
  ...node.marks.map((m) => `[${m}]`),
];

function tree(graph: ProjectGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  const shown = new Set<string>();
  const visit = (id: string, lead: string, branch: string) => {
    const node = byId.get(id)!;
    const next = children(graph, id);
    // A plugin two others need is drawn under both; what it needs, once.
    const again = shown.has(id) && next.length > 0;
    lines.push(
      lead + branch + [title(node), node.detail].filter((t) => t !== undefined).join(" · ") +
        node.marks.map((m) => ` [${m}]`).join("") + (again ? " (its needs are shown above)" : ""),
    );
    if (again) return;
    shown.add(id);
    const inner = lead + (branch === "" ? "" : branch === "└── " ? "    " : "│   ");
    next.forEach((e, i) => visit(e.to, inner, i === next.length - 1 ? "└── " : "├── "));
  };
  visit("core", "", "");
  return lines.join("\n");
}

// Mermaid decodes `#N;` (a decimal code point) in a label: everything but a
// plain set of characters is written so, and cannot close the label.
const mermaidText = (text: string): string =>
  text.replace(/[^A-Za-z0-9 _.,:/@=+~()-]/gu, (c) => `#${c.codePointAt(0)};`);

const MERMAID_CLASSES: Readonly<Record<GraphMark, [string, string]>> = {
  "missing checkout": ["missing", "stroke:#c00,stroke-width:2px,stroke-dasharray:4 3"],
  "not selected": ["notSelected", "stroke:#888,color:#888,stroke-dasharray:4 3"],
  "collision": ["collision", "stroke:#e80,stroke-width:3px"],
};

function mermaid(graph: ProjectGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ["flowchart LR"];
  for (const node of graph.nodes) {
    const text = label(node).map(mermaidText).join("<br/>");
    const [open, close] = node.kind === "core"
      ? ["([", "])"]
      : node.kind === "group"
      ? ["{{", "}}"]
      : ["[", "]"];
    lines.push(`  ${ids.get(node.id)}${open}"${text}"${close}`);
  }
  const unselected = new Set(
    graph.nodes.filter((n) => n.marks.includes("not selected")).map((n) => n.id),
  );
  for (const e of graph.edges) {
    lines.push(`  ${ids.get(e.from)} ${unselected.has(e.to) ? "-.->" : "-->"} ${ids.get(e.to)}`);
  }
  const used = new Set(graph.nodes.flatMap((n) => n.marks));
  for (const node of graph.nodes) {
    for (const mark of node.marks) {
      lines.push(`  class ${ids.get(node.id)} ${MERMAID_CLASSES[mark][0]}`);
    }
  }
  for (const mark of used) lines.push(`  classDef ${MERMAID_CLASSES[mark].join(" ")}`);
  return lines.join("\n");
}

// A DOT string: a backslash or quote escaped (so no `\N`-style escape or end
// of string comes from a value), control characters as spaces.
const dotText = (text: string): string =>
  // deno-lint-ignore no-control-regex
  text.replace(/[\\"]/g, "\\$&").replace(/[\u0000-\u001f\u007f]/g, " ");

const DOT_MARKS: Readonly<Record<GraphMark, string>> = {
  "missing checkout": 'color="#cc0000", style=dashed',
  "not selected": 'color="#888888", fontcolor="#888888", style=dashed',
  "collision": 'color="#ee8800", penwidth=3',
};

function dot(graph: ProjectGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = [
    "digraph hpm {",
    "  rankdir=LR;",
    '  node [shape=box, fontname="Helvetica"];',
  ];
  for (const node of graph.nodes) {
    const shape = node.kind === "core" ? "oval" : node.kind === "group" ? "hexagon" : "box";
    const attrs = [
      `label="${label(node).map(dotText).join("\\n")}"`,
      `shape=${shape}`,
      ...node.marks.map((m) => DOT_MARKS[m]),
    ];
    lines.push(`  ${ids.get(node.id)} [${attrs.join(", ")}];`);
  }
  const unselected = new Set(
    graph.nodes.filter((n) => n.marks.includes("not selected")).map((n) => n.id),
  );
  for (const e of graph.edges) {
    lines.push(
      `  ${ids.get(e.from)} -> ${ids.get(e.to)}${unselected.has(e.to) ? " [style=dashed]" : ""};`,
    );
  }
  lines.push("}");
  return lines.join("\n");
}
