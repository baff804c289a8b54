/**
 * What a package's pyproject.toml says of the packages it depends on: their
 * names (how HPM follows one plugin's need for another), and which of them it
 * gives a source of its own (which uv honours when it installs the package
 * from a source tree, so HPM makes the mode's source win).
 *
 * @module
 */

import { HpmInputError } from "./errors.ts";
import { normalizeName } from "./names.ts";
import { isTable, parseToml } from "../edit/toml/parse.ts";
import type { DeclaredDependencies } from "./resolve.ts";

/**
 * What pyproject.toml text declares of other packages.
 *
 * @param text pyproject.toml
 * @returns the names of `[project] dependencies` and of `[tool.uv.sources]`
 *   (empty when it declares none), or undefined when the text is not TOML 1.0
 *   that uv reads (a broken pyproject.toml is uv's to report)
 *
 * @example Usage
 * ```ts
 * import { declaredDependencies } from "./dependencies.ts";
 * import assert from "node:assert/strict";
 *
 * const text = '[project]\ndependencies = ["Plug_B>=1"]\n\n' +
 *   '[tool.uv.sources]\nplug-b = { git = "https://example.com/b.git", tag = "v1.0.0" }\n';
 * assert.deepEqual(declaredDependencies(text), { names: ["plug-b"], sourced: ["plug-b"] });
 * ```
 */
export function declaredDependencies(text: string): DeclaredDependencies | undefined {
  let data: { project?: { dependencies?: unknown }; tool?: { uv?: { sources?: unknown } } };
  try {
    data = parseToml(text, "pyproject.toml") as typeof data;
  } catch (e) {
    if (e instanceof HpmInputError) return undefined;
    throw e;
  }
  const deps = data.project?.dependencies;
  const sources = data.tool?.uv?.sources;
  return {
    names: (Array.isArray(deps) ? deps : []).flatMap((d) => {
      const m = typeof d === "string" ? /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(d) : null;
      return m ? [normalizeName(m[1])] : [];
    }),
    sourced: isTable(sources) ? Object.keys(sources).map(normalizeName) : [],
  };
}
