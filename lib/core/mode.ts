/**
 * Which mode a run is in, decided in one place for the fast path and the
 * normal one: `--mode`, else `RUN_MODE`, else hpm.local.yaml's `mode:`, else
 * hpm.yaml's `mode:`, else `dev`. The fast path loads it before anything else,
 * so it imports no package (no schema library) and no `node:` module.
 *
 * @module
 */

import { HpmInputError } from "./errors.ts";

/** A mode name: letters, digits, `-`, `_`, `.`, starting with a letter or digit. */
export const MODE_NAME: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Whether `mode` is a valid mode name.
 *
 * @param mode the name
 * @returns whether it is one
 */
export function isModeName(mode: string): boolean {
  return MODE_NAME.test(mode);
}

/** Where the mode in force came from. */
export type ModeOrigin = "flag" | "RUN_MODE" | "hpm.local.yaml" | "hpm.yaml" | "default";

/** A mode, and where it came from. */
export interface ModeChoice {
  /** The mode. */
  readonly mode: string;
  /** Where it came from. */
  readonly origin: ModeOrigin;
}

/** How a run asks for its mode before any file is read. */
export interface ModeRequest {
  /** `--mode`. */
  readonly flag?: string;
  /** `$RUN_MODE`. */
  readonly env?: string;
}

/** The modes a project's files name. */
export interface FileModes {
  /** hpm.local.yaml's `mode:`. */
  readonly local?: string;
  /** hpm.yaml's `mode:`. */
  readonly manifest?: string;
}

function checked(mode: string, origin: ModeOrigin): ModeChoice {
  if (!isModeName(mode)) {
    throw new HpmInputError(
      "usage",
      `invalid mode \`${mode}\` (from ${origin === "flag" ? "--mode" : origin})`,
      undefined,
      "a mode name is letters, digits, `-`, `_`, `.`",
    );
  }
  return { mode, origin };
}

/**
 * The part of a request that decides the mode, checked: `--mode` when given,
 * else `RUN_MODE` when set and not empty; `{}` when the project's files
 * decide. An empty `--mode` is a mistake (a variable that expanded to
 * nothing), not a choice; an empty RUN_MODE counts as unset.
 *
 * @param request `--mode` and RUN_MODE
 * @returns `{ flag }`, `{ env }` or `{}`
 * @throws {HpmInputError} `usage` when the deciding value is not a valid mode name
 *
 * @example Usage
 * ```ts
 * import { decidingRequest } from "./mode.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(decidingRequest({ flag: "prod", env: "qa" }), { flag: "prod" });
 * assert.deepEqual(decidingRequest({ env: "" }), {});
 * assert.throws(() => decidingRequest({ flag: "" }), /invalid mode/);
 * ```
 */
export function decidingRequest(request: ModeRequest): ModeRequest {
  if (request.flag !== undefined) return { flag: checked(request.flag, "flag").mode };
  if (request.env) return { env: checked(request.env, "RUN_MODE").mode };
  return {};
}

/**
 * Choose the mode: `--mode`, else `RUN_MODE`, else `hpm.local.yaml`'s `mode:`,
 * else `hpm.yaml`'s `mode:`, else `dev`. An empty RUN_MODE or file mode counts
 * as unset; an empty `--mode` is refused (see {@link decidingRequest}).
 *
 * @param sources the candidates, highest priority first
 * @returns the mode and where it came from
 * @throws {HpmInputError} when the value that decides is not a valid mode name (an empty flag too)
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
export function chooseMode(sources: ModeRequest & FileModes): ModeChoice {
  const { flag, env } = decidingRequest(sources);
  if (flag !== undefined) return { mode: flag, origin: "flag" };
  if (env !== undefined) return { mode: env, origin: "RUN_MODE" };
  if (sources.local) return checked(sources.local, "hpm.local.yaml");
  if (sources.manifest) return checked(sources.manifest, "hpm.yaml");
  return { mode: "dev", origin: "default" };
}

/**
 * The mode a loaded project is in for a request: {@link chooseMode} with the
 * modes its hpm.local.yaml and hpm.yaml name.
 *
 * @param project the manifest and the overlay, if any
 * @param request `--mode` and RUN_MODE (none: the mode the files choose)
 * @returns the mode and where it came from
 * @throws {HpmInputError} when the value that decides is not a valid mode name
 */
export function projectMode(
  project: {
    readonly manifest: { readonly mode?: string };
    readonly overlay?: { readonly mode?: string };
  },
  request: ModeRequest = {},
): ModeChoice {
  return chooseMode({
    ...request,
    local: project.overlay?.mode,
    manifest: project.manifest.mode,
  });
}
