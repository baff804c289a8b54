/**
 * The project as a graph, for `hpm graph`: the core, its groups, their
 * plugins and the plugins those need, each plugin with its source in the
 * mode and marks for what is wrong or left out. Built from a resolution;
 * lib/edit/graph_formats.ts draws it.
 *
 * @module
 */

import type { Project } from "./project.ts";
import { normalizeName } from "./names.ts";
import { describeSource } from "./registry_entry.ts";
import { type Resolution, sourceInForce } from "./resolve.ts";

/** What is wrong with a plugin, or why it is drawn but not installed. */
export type GraphMark = "missing checkout" | "not selected" | "collision";

/** One node: the core, a group or a plugin. */
export interface GraphNode {
  /** `core`, `group:NAME` or `plugin:KEY`: unique, never shown. */
  readonly id: string;
  /** What it is. */
  readonly kind: "core" | "group" | "plugin";
  /** The project's, group's or plugin's name. */
  readonly name: string;
  /**
   * A plugin's source in the mode (`local packages/q (editable)`, `git URL @ v1.0.0`,
   * `pypi ==1.2.0`); for the core, the mode; for a group of alternatives, which one is used.
   */
  readonly detail?: string;
  /** What is wrong with it, or why it is not installed. */
  readonly marks: readonly GraphMark[];
}

/** An edge: core → group, group → option, plugin → a plugin it needs. */
export interface GraphEdge {
  /** The node it leaves. */
  readonly from: string;
  /** The node it reaches. */
  readonly to: string;
  /** `option`: a plugin of a group; `needs`: one plugin needs another. */
  readonly kind: "group" | "option" | "needs";
}

/** The whole picture. */
export interface ProjectGraph {
  /** The mode the sources are in. */
  readonly mode: string;
  /** The core first, then groups and plugins in hpm.yaml's order. */
  readonly nodes: readonly GraphNode[];
  /** In drawing order. */
  readonly edges: readonly GraphEdge[];
}

/** What {@link projectGraph} draws from. */
export interface GraphInput {
  /** The core's distribution name (`[project] name`), or its folder's. */
  readonly name: string;
  /** The mode. */
  readonly mode: string;
  /** The project (hpm.yaml, the registries, where paths are relative to). */
  readonly project: Pick<Project, "root" | "manifest" | "registry" | "overlay" | "cache">;
  /** The mode's resolution. */
  readonly resolution: Resolution;
  /** The home folder, for `~` in paths of plugins not selected. */
  readonly home?: string;
  /** Plugins whose dev checkout the mode needs and is not on disk. */
  readonly missingCheckouts?: readonly string[];
  /** Plugins pyproject.toml gives a source of its own to (normalised names). */
  readonly collisions?: readonly string[];
}

/**
 * The graph of a project in a mode: core → each group → each of its options
 * (an alternative not selected is marked, with the source it would have) →
 * the plugins each needs (what put it in the plan: `requires:` or its
 * pyproject.toml). Pure.
 *
 * @param input the resolution and what marks it
 * @returns nodes and edges
 *
 * @example Usage
 * ```ts
 * import { parseManifest, Registry, resolvePlan } from "@hpm/cli";
 * import { projectGraph } from "./graph.ts";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest("registry: ./r\ngroups:\n  db:\n    options: [q]\n", "hpm.yaml");
 * const registry = new Registry([{
 *   file: "r/packages/q.yaml",
 *   stem: "q",
 *   text: "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n",
 * }]);
 * const resolution = resolvePlan({ manifest, registry, mode: "prod", root: "/p" });
 * const graph = projectGraph({
 *   name: "core",
 *   mode: "prod",
 *   project: { root: "/p", manifest, registry },
 *   resolution,
 * });
 * assert.deepEqual(graph.edges.map((e) => `${e.from} -> ${e.to}`), [
 *   "core -> group:db",
 *   "group:db -> plugin:q",
 * ]);
 * assert.equal(graph.nodes.at(-1)?.detail, "pypi ==1.0.0");
 * ```
 */
export function projectGraph(input: GraphInput): ProjectGraph {
  const { project, resolution, mode } = input;
  const missing = new Set((input.missingCheckouts ?? []).map(normalizeName));
  const collisions = new Set(input.collisions ?? []);
  const resolved = new Map(resolution.packages.map((p) => [p.key, p]));
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const edge = (from: string, to: string, kind: GraphEdge["kind"]) => {
    if (!edges.some((e) => e.from === from && e.to === to)) edges.push({ from, to, kind });
  };
  nodes.set("core", {
    id: "core",
    kind: "core",
    name: input.name,
    detail: `mode ${mode}`,
    marks: [],
  });

  // The edge first, then the plugin's own: edges come in drawing order.
  const link = (from: string, key: string, selected: boolean, kind: GraphEdge["kind"]) => {
    edge(from, `plugin:${key}`, kind);
    plugin(key, selected);
  };
  const plugin = (key: string, selected: boolean) => {
    const id = `plugin:${key}`;
    if (nodes.has(id)) return;
    const pkg = resolved.get(key);
    const entry = pkg?.entry ?? project.registry.get(key);
    const found = pkg ?? sourceInForce(entry, mode, { ...project, home: input.home });
    const marks: GraphMark[] = [];
    if (missing.has(key)) marks.push("missing checkout");
    // An alternative left out that another plugin needs is installed all the same.
    if (!selected && !pkg) marks.push("not selected");
    if (collisions.has(key)) marks.push("collision");
    nodes.set(id, {
      id,
      kind: "plugin",
      name: entry.name,
      detail: found
        ? describeSource(found.source, project.root, found.localPath)
        : `no ${mode} source`,
      marks,
    });
    if (pkg) {
      // What it needs: the packages of the plan that name it as the reason,
      // and its `requires:` (which may also be options of a group).
      const needs = new Set(entry.requires.map(normalizeName));
      for (const other of resolution.packages) {
        if (other.requiredBy?.some((by) => normalizeName(by) === key)) needs.add(other.key);
      }
      for (const dep of [...needs].sort()) {
        if (resolved.has(dep)) link(id, dep, true, "needs");
      }
    }
  };

  for (const group of project.manifest.groups) {
    const id = `group:${group.name}`;
    nodes.set(id, {
      id,
      kind: "group",
      name: group.name,
      detail: group.select === undefined ? undefined : `alternatives: ${group.select} selected`,
      marks: [],
    });
    edge("core", id, "group");
    for (const option of group.options) {
      const selected = group.select === undefined ||
        normalizeName(group.select) === normalizeName(option);
      link(id, normalizeName(option), selected, "option");
    }
  }
  return { mode, nodes: [...nodes.values()], edges };
}
