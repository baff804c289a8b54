/**
 * Registry entries: `packages/<name>.yaml`, where a plugin's code comes from
 * in each mode.
 *
 * @module
 */

import { z } from "zod";
import { type LoadedYaml, loadYaml, validateYaml } from "./_yaml.ts";
import { HpmInputError, type SourcePosition } from "./errors.ts";
import { normalizeName } from "./names.ts";
import {
  gitRef,
  gitUrl,
  indexUrl,
  localPath,
  modeName,
  packageName,
  versionSpecifier,
} from "./value_checks.ts";

const localSource = z.strictObject({
  type: z.literal("local"),
  path: localPath,
  editable: z.boolean().default(true),
});

const gitSource = z.strictObject({
  type: z.literal("git"),
  url: gitUrl,
  ref: gitRef.optional(),
  tag: gitRef.optional(),
  branch: gitRef.optional(),
  rev: gitRef.optional(),
  subdirectory: localPath.optional(),
}).refine(
  (s) => [s.ref, s.tag, s.branch, s.rev].filter((v) => v !== undefined).length <= 1,
  { message: "give at most one of `ref`, `tag`, `branch`, `rev`" },
);

const pypiSource = z.strictObject({
  type: z.literal("pypi"),
  version: versionSpecifier.optional(),
  index: indexUrl.optional(),
});

/** The zod schema of one source (`local`, `git` or `pypi`). */
export const sourceSchema: z.ZodType<Source, unknown> = z.discriminatedUnion("type", [
  localSource,
  gitSource,
  pypiSource,
]);

/** The zod schema of a registry entry file. */
export const registryEntrySchema = z.strictObject({
  name: packageName,
  description: z.string().max(1000).optional(),
  requires: z.array(packageName).max(200).optional()
    .describe("other registry packages this one depends on; they get sources in every mode"),
  sources: z.record(modeName, sourceSchema)
    .refine((s) => Object.keys(s).length > 0, { message: "give at least one mode" }),
});

/** A `local` source: a clone on disk. */
export type LocalSource = z.output<typeof localSource>;
/** A `git` source: a repository URL at a ref. */
export type GitSource = z.output<typeof gitSource>;
/** A `pypi` source: a version on a package index. */
export type PypiSource = z.output<typeof pypiSource>;
/** Where a package's code comes from in one mode. */
export type Source = LocalSource | GitSource | PypiSource;

/** A validated registry entry, with where it was read from. */
export interface RegistryEntry {
  /** The name as written. */
  readonly name: string;
  /** PEP 503 normal form of the name. */
  readonly key: string;
  /** Optional description. */
  readonly description?: string;
  /** Other registry packages this one needs (normalised names). */
  readonly requires: readonly string[];
  /** Source per mode. */
  readonly sources: Readonly<Record<string, Source>>;
  /** The file it came from. */
  readonly file: string;
  /** Position of `sources:` (or of a mode under it) in that file, for errors. */
  readonly positionOf: (path: readonly PropertyKey[], key?: boolean) => SourcePosition;
  /** The parsed YAML, for comment-keeping edits (`hpm pin`). */
  readonly yaml: LoadedYaml;
}

/**
 * Parse and validate one registry entry. When `expectedName` is given (the
 * file name without `.yaml`), `name:` must agree with it after normalisation.
 *
 * @param text the YAML text
 * @param file its path, for errors
 * @param expectedName the name implied by the file name
 * @returns the entry
 * @throws {HpmInputError} on bad YAML, schema errors or a name mismatch
 *
 * @example Usage
 * ```ts
 * import { parseRegistryEntry } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const entry = parseRegistryEntry(
 *   "name: Rag4Code_Qdrant\nsources:\n  prod: {type: pypi, version: 1.2.0}\n",
 *   "packages/rag4code-qdrant.yaml",
 *   "rag4code-qdrant",
 * );
 * assert.equal(entry.key, "rag4code-qdrant");
 * assert.deepEqual(entry.sources.prod, { type: "pypi", version: "==1.2.0" });
 * ```
 */
export function parseRegistryEntry(
  text: string,
  file: string,
  expectedName?: string,
): RegistryEntry {
  const yaml = loadYaml(text, file);
  const data = validateYaml(yaml, registryEntrySchema);
  const key = normalizeName(data.name);
  if (expectedName !== undefined && normalizeName(expectedName) !== key) {
    throw new HpmInputError(
      "name-mismatch",
      `name \`${data.name}\` does not match the file name \`${expectedName}.yaml\``,
      yaml.positionOf(["name"]),
      `rename the file to \`${key}.yaml\` or fix \`name:\``,
    );
  }
  return {
    name: data.name,
    key,
    description: data.description,
    requires: (data.requires ?? []).map(normalizeName),
    sources: data.sources,
    file,
    positionOf: yaml.positionOf,
    yaml,
  };
}
