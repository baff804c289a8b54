/**
 * HPM's version, taken from deno.json at build time (a static import, so
 * `deno compile` and `deno bundle` embed it; nothing is read at run time).
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };

/** The version of this HPM build. */
export const VERSION: string = config.version;
