/**
 * `hpm schema`: the JSON Schema of hpm.yaml, hpm.local.yaml or a registry
 * entry, for editors.
 *
 * @module
 */

import { jsonSchema } from "../core/json_schema.ts";
import type { Io } from "../io/terminal.ts";

/** `hpm schema`'s command line. */
export interface SchemaFlags {
  /** `--registry`: a registry entry's schema. */
  readonly registry?: boolean;
  /** `--local`: hpm.local.yaml's schema. */
  readonly local?: boolean;
}

/**
 * `hpm schema`: the schema, as JSON.
 *
 * @param flags the command line
 * @param io where it prints
 */
export function schemaCommand(flags: SchemaFlags, io: Io): void {
  io.out(
    JSON.stringify(
      jsonSchema(flags.registry ? "registry" : flags.local ? "local" : "manifest"),
      null,
      2,
    ),
  );
}
