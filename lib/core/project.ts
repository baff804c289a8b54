/**
 * A project as HPM reads it: the names of its files, and what loading them
 * gives (lib/project/load.ts reads them).
 *
 * @module
 */

import type { LocalOverlay, Manifest, RegistriesInForce } from "./manifest.ts";
import type { Reader } from "./reader.ts";
import type { Registry } from "./registry.ts";

/** The manifest file name. */
export const MANIFEST_FILE = "hpm.yaml";
/** The per-machine overlay file name. */
export const LOCAL_FILE = "hpm.local.yaml";
/** The file HPM edits. */
export const PYPROJECT_FILE = "pyproject.toml";
/** The lock file uv writes beside it. */
export const LOCK_FILE = "uv.lock";

/** Everything HPM reads from a project. */
export interface Project {
  /** Absolute project root. */
  readonly root: string;
  /** hpm.yaml. */
  readonly manifest: Manifest;
  /** hpm.local.yaml, when present. */
  readonly overlay?: LocalOverlay;
  /** The registries. */
  readonly registry: Registry;
  /** Their locations, and which file lists them (hpm.local.yaml may replace hpm.yaml's). */
  readonly registries: RegistriesInForce;
  /** Absolute path of pyproject.toml. */
  readonly pyprojectFile: string;
  /** Its text. */
  readonly pyproject: string;
  /** The remote registries' cache folder (no dev path may lie in it). */
  readonly cache?: string;
  /** What read the project's files; planning reads the plan's other inputs through it too. */
  readonly reader: Reader;
}
