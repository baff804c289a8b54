/**
 * JSON Schemas of hpm.yaml, hpm.local.yaml and registry entries, generated
 * from the zod schemas HPM validates with, so editors and HPM agree.
 *
 * @module
 */

import * as z from "zod/mini";
import { localOverlaySchema, manifestSchema, registryEntrySchema } from "./_schemas.ts";

/** Which file a schema describes. */
export type SchemaKind = "manifest" | "local" | "registry";

const TITLES: Record<SchemaKind, [string, z.ZodMiniType]> = {
  manifest: ["hpm.yaml: the plugins a project is built with", manifestSchema],
  local: ["hpm.local.yaml: per-machine overrides (not committed)", localOverlaySchema],
  registry: [
    "HPM registry entry: where a package's code comes from, per mode",
    registryEntrySchema,
  ],
};

/**
 * The JSON Schema (draft 2020-12) of one HPM file kind, as it is written (the
 * input side: defaults are optional).
 *
 * @param kind which file
 * @returns the schema as a plain object
 *
 * @example Usage
 * ```ts
 * import { jsonSchema } from "./json_schema.ts";
 * import assert from "node:assert/strict";
 *
 * const schema = jsonSchema("manifest");
 * assert.deepEqual(schema.required, ["registry"]);
 * ```
 */
export function jsonSchema(kind: SchemaKind): Record<string, unknown> {
  const [title, schema] = TITLES[kind];
  return { title, ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) };
}
