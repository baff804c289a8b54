/**
 * The project manifest `hpm.yaml` and its per-machine overlay `hpm.local.yaml`.
 *
 * @module
 */

import { localOverlaySchema, manifestSchema } from "./_schemas.ts";
import { loadYaml, validateYaml } from "../edit/yaml_load.ts";
import { HpmInputError, type SourcePosition } from "./errors.ts";
import { normalizeName } from "./names.ts";
import { selectedIndex } from "./plugins.ts";
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
  /** This machine's registry locations, replacing hpm.yaml's, as written. */
  readonly registries?: readonly string[];
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
    if (group.select !== undefined && selectedIndex({ name, ...group }) === undefined) {
      throw new HpmInputError(
        "schema",
        `group \`${name}\` selects \`${group.select}\`, which is not one of its options`,
        yaml.positionOf(["groups", name, "select"]),
        `add it with \`hpm group add ${name} --option ${group.select}\``,
      );
    }
    return { name, options: group.options, select: group.select };
  });
  return {
    registries: registryLocations(data.registry, yaml.positionOf),
    mode: data.mode,
    commitMode: data["commit-mode"],
    groups,
    file,
    positionOf: yaml.positionOf,
  };
}

// `registry:` as a list, each location checked where it is written.
function registryLocations(
  value: string | readonly string[],
  positionOf: (path: readonly PropertyKey[]) => SourcePosition,
): string[] {
  const registries = typeof value === "string" ? [value] : [...value];
  if (registries.length > MAX_REGISTRIES) {
    throw new HpmInputError(
      "schema",
      `more than ${MAX_REGISTRIES} registries: each is read (a remote one fetched) by every command`,
      positionOf(["registry", MAX_REGISTRIES]),
      "merge registries into fewer folders or repositories",
    );
  }
  for (const [i, location] of registries.entries()) {
    try {
      parseRegistryLocation(location);
    } catch (e) {
      if (!(e instanceof HpmInputError)) throw e;
      const at = typeof value === "string" ? ["registry"] : ["registry", i];
      throw new HpmInputError(e.code, e.message, positionOf(at), e.hint);
    }
  }
  return registries;
}

/** The registries a project uses on this machine, and the file that lists them. */
export interface RegistriesInForce {
  /** The locations, in priority order, as written. */
  readonly locations: readonly string[];
  /** hpm.yaml, or hpm.local.yaml when it names its own. */
  readonly file: string;
  /** hpm.yaml's list, when hpm.local.yaml's replaces it. */
  readonly overriding?: readonly string[];
}

/**
 * The registries in force: hpm.local.yaml's `registry:` when it has one
 * (this machine only: it replaces hpm.yaml's list, as go.work's `replace`
 * does), else hpm.yaml's; with `committed`, always hpm.yaml's (what every
 * teammate and CI plans the committed form from).
 *
 * @param manifest hpm.yaml
 * @param overlay hpm.local.yaml, if any
 * @param committed plan the committed form: hpm.yaml's list whatever hpm.local.yaml says
 * @returns the locations and where they are written
 *
 * @example Usage
 * ```ts
 * import { parseLocalOverlay, parseManifest, registriesInForce } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest("registry: https://example.com/reg.git\n", "hpm.yaml");
 * const overlay = parseLocalOverlay("registry: ../team-registry\n", "hpm.local.yaml");
 * assert.deepEqual(registriesInForce(manifest, overlay), {
 *   locations: ["../team-registry"],
 *   file: "hpm.local.yaml",
 *   overriding: ["https://example.com/reg.git"],
 * });
 * assert.equal(registriesInForce(manifest, overlay, true).file, "hpm.yaml");
 * ```
 */
export function registriesInForce(
  manifest: Manifest,
  overlay?: LocalOverlay,
  committed = false,
): RegistriesInForce {
  if (committed || overlay?.registries === undefined) {
    return { locations: manifest.registries, file: manifest.file };
  }
  return { locations: overlay.registries, file: overlay.file, overriding: manifest.registries };
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
    ...(data.registry === undefined
      ? {}
      : { registries: registryLocations(data.registry, yaml.positionOf) }),
    overrides: new Map(
      Object.entries(data.overrides ?? {}).map((
        [name, o],
      ) => [normalizeName(name), { ...o, name }]),
    ),
    file,
    positionOf: yaml.positionOf,
  };
}
