/**
 * The `[project] dependencies` a package's pyproject.toml declares, by name:
 * how HPM follows one plugin's need for another.
 *
 * @module
 */

import { parse as parseToml } from "smol-toml";
import { normalizeName } from "./names.ts";

/**
 * The normalised names of the `[project] dependencies` in pyproject.toml text.
 *
 * @param text pyproject.toml
 * @returns the names (empty when it declares none), or undefined when the
 *   text is not TOML (a broken pyproject.toml is uv's to report)
 */
export function declaredDependencies(text: string): string[] | undefined {
  let data: { project?: { dependencies?: unknown } };
  try {
    // As bigint, a 64-bit integer is not refused (only the names are read here).
    data = parseToml(text, { integersAsBigInt: true }) as typeof data;
  } catch {
    return undefined;
  }
  const deps = data.project?.dependencies;
  if (!Array.isArray(deps)) return [];
  return deps.flatMap((d) => {
    const m = typeof d === "string" ? /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(d) : null;
    return m ? [normalizeName(m[1])] : [];
  });
}
