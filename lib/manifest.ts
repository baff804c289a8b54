/**
 * The project manifest `hpm.yaml` and its per-machine overlay `hpm.local.yaml`.
 *
 * @module
 */

import { z } from "zod";
import { type LoadedYaml, loadYaml, validateYaml } from "./_yaml.ts";
import { HpmInputError, type SourcePosition } from "./errors.ts";
import { normalizeName } from "./names.ts";
import { localPath, modeName, packageName } from "./value_checks.ts";

const groupName = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, {
  message: "a group name is letters, digits, `-`, `_`, `.` (PEP 735)",
});

const registryRef = z.string().min(1).max(4096);

/** The zod schema of `hpm.yaml`. */
export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  registry: z.union([registryRef, z.array(registryRef).min(1)], {
    error: "expected a registry folder (a string) or a list of them",
  })
    .describe(
      "a registry folder (relative to hpm.yaml), or a list; the first that has a package wins",
    ),
  mode: modeName.optional().describe("the default mode; `--mode` and RUN_MODE override it"),
  groups: z.record(
    groupName,
    z.strictObject({
      options: z.array(packageName).default([]),
      select: packageName.optional()
        .describe("for a group of alternatives: the one option to install"),
    }).nullable().transform((g) => g ?? { options: [] }),
  ).nullable().default({}).transform((g) => g ?? {}),
});

/** The zod schema of `hpm.local.yaml`. */
export const localOverlaySchema = z.strictObject({
  $schema: z.string().optional(),
  mode: modeName.optional().describe("this machine's default mode"),
  overrides: z.record(
    packageName,
    z.strictObject({ path: localPath, editable: z.boolean().optional() }),
  ).optional().describe("per-package local clone paths on this machine"),
});

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
  /** Groups in file order. */
  readonly groups: readonly ManifestGroup[];
  /** The file it came from. */
  readonly file: string;
  /** Position lookup for errors. */
  readonly positionOf: (path: readonly PropertyKey[], key?: boolean) => SourcePosition;
  /** The parsed YAML, for comment-keeping edits. */
  readonly yaml: LoadedYaml;
}

/** A validated `hpm.local.yaml`. */
export interface LocalOverlay {
  /** This machine's default mode. */
  readonly mode?: string;
  /** Local path overrides by normalised package name. */
  readonly overrides: ReadonlyMap<string, { path: string; editable?: boolean }>;
  /** The file it came from. */
  readonly file: string;
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
  return {
    registries: typeof data.registry === "string" ? [data.registry] : data.registry,
    mode: data.mode,
    groups,
    file,
    positionOf: yaml.positionOf,
    yaml,
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
  const data = validateYaml(loadYaml(text, file), localOverlaySchema);
  return {
    mode: data.mode,
    overrides: new Map(
      Object.entries(data.overrides ?? {}).map(([name, o]) => [normalizeName(name), o]),
    ),
    file,
  };
}

/** Where the mode in force came from. */
export type ModeOrigin = "flag" | "RUN_MODE" | "hpm.local.yaml" | "hpm.yaml" | "default";

/**
 * Choose the mode: `--mode`, else `RUN_MODE`, else `hpm.local.yaml`'s `mode:`,
 * else `hpm.yaml`'s `mode:`, else `dev`.
 *
 * @param sources the candidates, highest priority first
 * @returns the mode and where it came from
 * @throws {HpmInputError} when the flag or RUN_MODE is not a valid mode name
 *
 * @example Usage
 * ```ts
 * import { chooseMode } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(chooseMode({ env: "prod", manifest: "dev" }), { mode: "prod", origin: "RUN_MODE" });
 * assert.deepEqual(chooseMode({}), { mode: "dev", origin: "default" });
 * ```
 */
export function chooseMode(sources: {
  flag?: string;
  env?: string;
  local?: string;
  manifest?: string;
}): { mode: string; origin: ModeOrigin } {
  const pick = (
    [
      [sources.flag, "flag"],
      [sources.env, "RUN_MODE"],
      [sources.local, "hpm.local.yaml"],
      [sources.manifest, "hpm.yaml"],
    ] as const
  ).find(([value]) => value !== undefined && value !== "");
  if (!pick) return { mode: "dev", origin: "default" };
  const [mode, origin] = pick;
  if (!modeName.safeParse(mode).success) {
    throw new HpmInputError(
      "usage",
      `invalid mode \`${mode}\` (from ${origin === "flag" ? "--mode" : origin})`,
      undefined,
      "a mode name is letters, digits, `-`, `_`, `.`",
    );
  }
  return { mode: mode!, origin };
}
