/**
 * The project manifest `hpm.yaml` and its per-machine overlay `hpm.local.yaml`.
 *
 * @module
 */

import { localOverlaySchema, manifestSchema } from "./_schemas.ts";
import { loadYaml, validateYaml } from "../edit/yaml_load.ts";
import { HpmInputError, type SourcePosition } from "./errors.ts";
import { normalizeName } from "./names.ts";
import { parseRegistryLocation } from "./registry_location.ts";

/** Most registries hpm.yaml may list. */
const MAX_REGISTRIES = 16;

/** One group of hpm.yaml. */
export interface ManifestGroup {
  /** The group name. */
  readonly name: string;
  /** Its plugins, as written. */
  readonly options: readonly string[];
  /** The option in use, for a group of alternatives. */
  readonly select?: string;
}

/** A validated `hpm.yaml`. */
export interface Manifest {
  /** Registry locations, as written. */
  readonly registries: readonly string[];
  /** Default mode from the file. */
  readonly mode?: string;
  /** `commit-mode:`: the mode whose form is committed (`hpm stage`), when the file sets it. */
  readonly commitMode?: string;
  /** Groups in file order. */
  readonly groups: readonly ManifestGroup[];
  /** The file it came from. */
  readonly file: string;
  /** Position lookup for errors. */
  readonly positionOf: (path: readonly PropertyKey[], key?: boolean) => SourcePosition;
}

/** A validated `hpm.local.yaml`. */
export interface LocalOverlay {
  /** This machine's default mode. */
  readonly mode?: string;
  /** Local path overrides by normalised package name; `name` is the key as written. */
  readonly overrides: ReadonlyMap<string, { path: string; editable?: boolean; name: string }>;
  /**
   * `develop:`, the plugins this machine installs from their clones in every
   * mode, as written (normalised, they are unique).
   */
  readonly develop: readonly string[];
  /** The file it came from. */
  readonly file: string;
  /** Position lookup for errors. */
  readonly positionOf: (path: readonly PropertyKey[], key?: boolean) => SourcePosition;
}

/**
 * Parse and validate `hpm.yaml`.
 *
 * @param text the YAML text
 * @param file its path, for errors
 * @returns the manifest
 * @throws {HpmInputError} on bad YAML or schema errors (with line:column)
 *
 * @example Usage
 * ```ts
 * import { parseManifest } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const m = parseManifest(
 *   "registry: ./hpm-registry\ngroups:\n  vector-db:\n    options: [rag4code-qdrant]\n",
 *   "hpm.yaml",
 * );
 * assert.deepEqual(m.groups[0].options, ["rag4code-qdrant"]);
 * ```
 */
export function parseManifest(text: string, file: string): Manifest {
  const yaml = loadYaml(text, file);
  const data = validateYaml(yaml, manifestSchema);
  const seen = new Map<string, string>();
  const groups = Object.entries(data.groups).map(([name, group]) => {
    const key = normalizeName(name);
    const twin = seen.get(key);
    if (twin !== undefined) {
      throw new HpmInputError(
        "schema",
        `groups \`${twin}\` and \`${name}\` are the same group once normalised`,
        yaml.positionOf(["groups", name]),
        "merge them",
      );
    }
    seen.set(key, name);
    if (group.select !== undefined) {
      const wanted = normalizeName(group.select);
      if (!group.options.some((o) => normalizeName(o) === wanted)) {
        throw new HpmInputError(
          "schema",
          `group \`${name}\` selects \`${group.select}\`, which is not one of its options`,
          yaml.positionOf(["groups", name, "select"]),
          `add it with \`hpm group add ${name} --option ${group.select}\``,
        );
      }
    }
    return { name, options: group.options, select: group.select };
  });
  const registries = typeof data.registry === "string" ? [data.registry] : data.registry;
  if (registries.length > MAX_REGISTRIES) {
    throw new HpmInputError(
      "schema",
      `more than ${MAX_REGISTRIES} registries: each is read (a remote one fetched) by every command`,
      yaml.positionOf(["registry", MAX_REGISTRIES]),
      "merge registries into fewer folders or repositories",
    );
  }
  for (const [i, location] of registries.entries()) {
    try {
      parseRegistryLocation(location);
    } catch (e) {
      if (!(e instanceof HpmInputError)) throw e;
      const at = typeof data.registry === "string" ? ["registry"] : ["registry", i];
      throw new HpmInputError(e.code, e.message, yaml.positionOf(at), e.hint);
    }
  }
  return {
    registries,
    mode: data.mode,
    commitMode: data["commit-mode"],
    groups,
    file,
    positionOf: yaml.positionOf,
  };
}

/**
 * Parse and validate `hpm.local.yaml`.
 *
 * @param text the YAML text
 * @param file its path, for errors
 * @returns the overlay
 * @throws {HpmInputError} on bad YAML or schema errors
 *
 * @example Usage
 * ```ts
 * import { parseLocalOverlay } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const o = parseLocalOverlay("overrides:\n  Rag4Code_Qdrant: {path: ../q}\n", "hpm.local.yaml");
 * assert.equal(o.overrides.get("rag4code-qdrant")?.path, "../q");
 * ```
 */
export function parseLocalOverlay(text: string, file: string): LocalOverlay {
  const yaml = loadYaml(text, file);
  const data = validateYaml(yaml, localOverlaySchema);
  const develop = data.develop ?? [];
  const twin = develop.findIndex((name, i) =>
    develop.findIndex((other) => normalizeName(other) === normalizeName(name)) !== i
  );
  if (twin >= 0) {
    throw new HpmInputError(
      "schema",
      `\`${develop[twin]}\` is listed twice under \`develop:\``,
      yaml.positionOf(["develop", twin]),
      "list each plugin once",
    );
  }
  return {
    mode: data.mode,
    develop,
    overrides: new Map(
      Object.entries(data.overrides ?? {}).map((
        [name, o],
      ) => [normalizeName(name), { ...o, name }]),
    ),
    file,
    positionOf: yaml.positionOf,
  };
}
