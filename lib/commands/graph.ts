/**
 * `hpm graph`: the project as a picture (core → groups → plugins → the
 * plugins they need, each with its source in the mode), as a tree, Mermaid
 * or DOT. The graph is core/graph.ts's, the drawing edit/graph_formats.ts's;
 * this module reads the project and plans the mode.
 *
 * @module
 */

import { homeFolder } from "../io/files.ts";
import { basename } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { type ProjectGraph, projectGraph } from "../core/graph.ts";
import { GRAPH_FORMATS, type GraphFormat, renderGraph } from "../edit/graph_formats.ts";
import { foreignSourceEntries } from "../edit/pyproject_policy.ts";
import { parseToml, valueAt } from "../edit/toml/parse.ts";
import type { Io } from "../io/terminal.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { loadProject } from "../project/load.ts";
import { planProject } from "../project/plan.ts";
import { findProjectRoot } from "../project/root.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";

/**
 * The project's graph in the mode (`--mode`, else the mode in force): what a
 * sync would install, the alternatives it would not, checkouts missing, and
 * plugins pyproject.toml gives a source of its own (a collision `hpm sync`
 * refuses).
 *
 * @param options project, mode, runner (prod reads releases with git)
 * @returns the graph, and why a sync would fail, if it would
 * @throws {HpmInputError} on bad input
 *
 * @example Usage
 * ```ts ignore
 * import { graph } from "./graph.ts";
 *
 * const { graph: g } = await graph({ root: ".", mode: "prod" });
 * console.log(g.nodes.filter((n) => n.marks.length));
 * ```
 */
export async function graph(
  options: CommandContext = {},
): Promise<{ graph: ProjectGraph; problem?: HpmInputError }> {
  const root = findProjectRoot(options.root);
  const plan = await withProjectLock(
    root,
    async () =>
      await planProject(await loadProject(root, options), { ...options, reportProblems: true }),
    lockOptions(options),
  );
  const { project } = plan;
  let name: unknown;
  let collisions: string[] = [];
  try {
    name = valueAt(parseToml(plan.before, project.pyprojectFile), ["project", "name"]);
    collisions = foreignSourceEntries(plan.before, plan.resolution.plan, project.pyprojectFile)
      .map((e) => e.name);
  } catch (e) {
    // A pyproject.toml HPM cannot read is the plan's problem, reported with it:
    // the core is drawn under its folder's name.
    if (!(e instanceof HpmInputError) || !plan.problem) throw e;
  }
  const env = options.env ?? Deno.env.toObject();
  return {
    graph: projectGraph({
      name: typeof name === "string" ? name : basename(project.root),
      mode: plan.mode,
      project,
      resolution: plan.resolution,
      home: homeFolder(env),
      missingCheckouts: plan.missingClones,
      collisions,
    }),
    problem: plan.problem,
  };
}

/** `hpm graph`'s command line: `--format`, `--json`, `--mode`. */
export type GraphFlags = GlobalFlags & {
  readonly mode?: string;
  readonly format?: string;
  readonly json?: boolean;
};

/**
 * `hpm graph`: the drawing on stdout; why a sync would fail, if it would, on stderr.
 *
 * @param flags the command line
 * @param io where it prints
 */
export async function graphCommand(flags: GraphFlags, io: Io): Promise<void> {
  const format = flags.format ?? "tree";
  if (!(GRAPH_FORMATS as readonly string[]).includes(format)) {
    throw new HpmInputError(
      "usage",
      `unknown graph format \`${format}\``,
      undefined,
      `use one of: ${GRAPH_FORMATS.join(", ")} (or --json)`,
    );
  }
  const context = commandContext(flags, io);
  const { graph: drawn, problem } = await graph(context);
  io.out(flags.json ? JSON.stringify(drawn, null, 2) : renderGraph(drawn, format as GraphFormat));
  if (problem) {
    context.log(`\`hpm sync\` would fail: ${problem.message}`);
  }
}
