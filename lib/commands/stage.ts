/**
 * `hpm stage`: commit pyproject.toml and uv.lock in one mode (`prod`) while
 * working in another (`dev`). It writes that form into the git index only
 * (lib/project/stage_index.ts); `hpm check --staged` guards it in a
 * pre-commit hook (check.ts).
 *
 * @module
 */

import { commandContext, type GlobalFlags } from "../project/context.ts";
import type { Io } from "../io/terminal.ts";
import { stage, type StageOptions } from "../project/stage_index.ts";

export { stage, type StageOptions, type StageResult } from "../project/stage_index.ts";

/** `hpm stage`'s command line: `--mode` (the mode to stage), `--offline`. */
export type StageFlags = GlobalFlags & Pick<StageOptions, "mode" | "offline">;

/**
 * `hpm stage`, whether the argument parser read its command line or cli.ts
 * read it plainly: the same words either way.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function stageCommand(flags: StageFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { mode, modeOrigin, files } = await stage({
    ...context,
    offline: flags.offline,
    stream: flags.verbose,
  });
  const changed = files.filter((f) => f.changed).map((f) => f.path);
  context.log(
    `mode ${mode} (from ${modeOrigin}): ` +
      (changed.length ? `staged ${changed.join(", ")}` : "the index already had it") +
      "; the working tree and the environment are unchanged",
  );
}
