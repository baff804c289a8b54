/**
 * HPM's version: a literal, so that reading it loads nothing (`--version`
 * answers before any other module loads, and `deno compile` embeds it). It
 * must equal deno.json's `version`, which is what JSR publishes: .ci/version.ts
 * holds them together (in tests/version_test.ts and before every release).
 *
 * @module
 */

/** The version of this HPM build. */
export const VERSION: string = "0.1.0";
