/**
 * HPM's version: a literal, so that reading it loads nothing (`--version`
 * answers before any other module loads, and `deno compile` embeds it). It
 * must equal deno.json's `version`, which is what JSR publishes: .ci/version.ts
 * holds them together (in tests/version_test.ts and before every release).
 *
 * @module
 */

/** The version of this HPM build. *
 * @example Usage
 * ```ts
 * import { VERSION } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION: string = "0.1.0";
