/**
 * The `[project] dependencies` a package's pyproject.toml declares, by name:
 * how HPM follows one plugin's need for another.
 *
 * @module
 */

import { HpmInputError } from "./errors.ts";
import { normalizeName } from "./names.ts";
import { parseToml } from "../edit/toml/parse.ts";

/**
 * The normalised names of the `[project] dependencies` in pyproject.toml text.
 *
 * @param text pyproject.toml
 * @returns the names (empty when it declares none), or undefined when the
 *   text is not TOML 1.0 that uv reads (a broken pyproject.toml is uv's to report)
 */
export function declaredDependencies(text: string): string[] | undefined {
  let data: { project?: { dependencies?: unknown } };
  try {
    data = parseToml(text, "pyproject.toml") as typeof data;
  } catch (e) {
    if (e instanceof HpmInputError) return undefined;
    throw e;
  }
  const deps = data.project?.dependencies;
  if (!Array.isArray(deps)) return [];
  return deps.flatMap((d) => {
    const m = typeof d === "string" ? /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(d) : null;
    return m ? [normalizeName(m[1])] : [];
  });
}
