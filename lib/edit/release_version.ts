/**
 * A plugin's version for `hpm release`: PEP 440 versions, the next one by
 * `--bump`, the `v` tags they are released as, and the `[project] version`
 * of a pyproject.toml, read and rewritten in place (every other byte kept).
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";
import { parseToml, scanTomlFile, valueAt } from "./toml/parse.ts";
import { tomlString } from "./toml/render.ts";
import { findKey } from "./toml/splice.ts";

// A public PEP 440 version in its normal form: N(.N)*[{a|b|rc}N][.postN][.devN].
const VERSION = /^(\d+(?:\.\d+)*)((?:a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$/;

/**
 * Whether `text` is a PEP 440 version in its normal form (`1.2.0`, `2.0.0rc1`).
 *
 * @param text what the user typed
 * @returns whether it is one
 */
export function isReleaseVersion(text: string): boolean {
  return VERSION.test(text);
}

/** What `--bump` raises. */
export type Bump = "major" | "minor" | "patch";

/**
 * The next version: `major`, `minor` or `patch` raised in the release
 * `X.Y.Z` a version starts with (a missing part is 0; pre-, post- and
 * dev-release parts are dropped), as `uv version --bump` does.
 *
 * @param version the current version
 * @param bump which part
 * @returns the new version
 *
 * @example Usage
 * ```ts
 * import { bumpVersion } from "./release_version.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(bumpVersion("1.2.3", "patch"), "1.2.4");
 * assert.equal(bumpVersion("1.2.3", "minor"), "1.3.0");
 * assert.equal(bumpVersion("1.2", "major"), "2.0.0");
 * ```
 */
export function bumpVersion(version: string, bump: Bump): string {
  const [x = 0, y = 0, z = 0] = (VERSION.exec(version)?.[1] ?? "0").split(".").map(Number);
  return bump === "major"
    ? `${x + 1}.0.0`
    : bump === "minor"
    ? `${x}.${y + 1}.0`
    : `${x}.${y}.${z + 1}`;
}

/**
 * The version a `v` tag releases (`v1.2.0` → `1.2.0`), if it is one.
 *
 * @param tag a tag
 * @returns the version, or undefined
 */
export function versionOfTag(tag: string): string | undefined {
  const version = tag.replace(/^v/, "");
  return tag.startsWith("v") && isReleaseVersion(version) ? version : undefined;
}

/** A pyproject.toml's `[project] version`. */
export type ProjectVersion =
  | { readonly kind: "static"; readonly version: string }
  | { readonly kind: "dynamic" };

/**
 * The `[project] version` of a pyproject.toml: written there (`static`), or
 * listed in `[project] dynamic` (the build backend computes it: from the tag,
 * with hatch-vcs or setuptools-scm).
 *
 * @param text the pyproject.toml text
 * @param file its path, for errors
 * @returns the version
 * @throws {HpmInputError} `toml-syntax`; `usage` when it has neither
 */
export function projectVersion(text: string, file: string): ProjectVersion {
  const data = parseToml(text, file);
  const version = valueAt(data, ["project", "version"]);
  if (typeof version === "string") return { kind: "static", version };
  const dynamic = valueAt(data, ["project", "dynamic"]);
  if (Array.isArray(dynamic) && dynamic.includes("version")) return { kind: "dynamic" };
  throw new HpmInputError(
    "usage",
    `${file} has no \`[project] version\`, and does not declare it dynamic`,
    { file },
    'write `version = "X.Y.Z"` under [project] (or list "version" in `dynamic`)',
  );
}

/**
 * pyproject.toml with `[project] version` set to `version`: only the value
 * changes (its quotes become TOML's basic string), every other byte is kept.
 *
 * @param text the pyproject.toml text, with a static version
 * @param version the new version
 * @param file its path, for errors
 * @returns the new text
 * @throws {HpmInputError} `toml-syntax`; `toml-layout` when the version is
 *   not a plain `version = "…"` line of `[project]` (a dotted key, say)
 *
 * @example Usage
 * ```ts
 * import { setProjectVersion } from "./release_version.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "[project]\nname = 'q'\nversion = '1.0.0'  # bumped by hpm release\n";
 * assert.equal(
 *   setProjectVersion(text, "1.1.0", "pyproject.toml"),
 *   "[project]\nname = 'q'\nversion = \"1.1.0\"  # bumped by hpm release\n",
 * );
 * ```
 */
export function setProjectVersion(text: string, version: string, file: string): string {
  const kv = findKey(scanTomlFile(text, file), ["project", "version"]);
  if (!kv || kv.value.kind !== "string" || kv.table.join(".") !== "project") {
    throw new HpmInputError(
      "toml-layout",
      `cannot set the version in ${file}: it is not a \`version = "…"\` line under [project]`,
      { file },
      "write it so (or set it by hand and release with that VERSION)",
    );
  }
  return text.slice(0, kv.value.start) + tomlString(version) + text.slice(kv.value.end);
}
