/**
 * `hpm modes`: the modes the project defines (hpm.yaml and its plugins'
 * registry entries); `--json` is an array for a CI matrix
 * (`strategy.matrix.mode: ${{ fromJSON(…) }}`).
 *
 * @module
 */

import { type ProjectMode, projectModes } from "../core/modes.ts";
import type { Io } from "../io/terminal.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { loadProjectAt } from "../project/load.ts";

/**
 * The modes of the project (see `projectModes`): hpm.yaml's `mode:` (else
 * `dev`) and `commit-mode:`, then every other mode its plugins' entries have.
 *
 * @param options the project
 * @returns the modes, each with the plugins that lack it
 * @throws {HpmInputError} when there is no project, or a file of it is malformed
 *
 * @example Usage
 * ```ts ignore
 * import { modes } from "./modes.ts";
 *
 * const full = (await modes({ root: "." })).filter((m) => !m.missing.length);
 * console.log(full.map((m) => m.name)); // ["dev", "prod"]
 * ```
 */
export async function modes(options: CommandContext = {}): Promise<ProjectMode[]> {
  const project = await loadProjectAt(options);
  return projectModes(project.manifest, project.registry);
}

/** `hpm modes`'s command line: `--json`. */
export type ModesFlags = GlobalFlags & { readonly json?: boolean };

/**
 * `hpm modes`: one line a mode, saying where it is named and which plugins
 * lack it; with `--json`, the names of the modes every plugin has, as a JSON
 * array (a mode some plugin lacks would fail a CI job, so it is left out).
 *
 * @param flags the command line
 * @param io where it prints
 */
export async function modesCommand(flags: ModesFlags, io: Io): Promise<void> {
  const found = await modes(commandContext(flags, io));
  if (flags.json) {
    io.out(JSON.stringify(found.filter((m) => !m.missing.length).map((m) => m.name)));
    return;
  }
  const width = Math.max(...found.map((m) => m.name.length));
  for (const m of found) {
    const named = m.namedBy.map((by) =>
      by === "mode" ? "default mode" : by === "commit-mode" ? "committed mode" : "in sources"
    );
    const lacking = m.missing.length
      ? `; not a full mode: ${m.missing.join(", ")} ${
        m.missing.length === 1 ? "has" : "have"
      } no ${m.name} source`
      : "";
    io.out(`${m.name.padEnd(width)}  ${named.join(", ")}${lacking}`);
  }
}
