/**
 * `hpm init`: add HPM to an existing uv project.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { readConfined, writeConfined } from "./files.ts";
import { HpmInputError } from "./errors.ts";
import { LOCAL_FILE, MANIFEST_FILE, PYPROJECT_FILE } from "./project.ts";
import { jsonSchema } from "./schema.ts";

/** Options of {@link init}. */
export interface InitOptions {
  /** The uv project folder. @default Deno.cwd() */
  readonly root?: string;
  /** The registry folder to create, relative to the root. @default "hpm-registry" */
  readonly registry?: string;
}

/**
 * The hpm.yaml that `hpm init` writes.
 *
 * @param registry the registry folder
 * @returns the text
 *
 * @example Usage
 * ```ts
 * import { initialManifest, parseManifest } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseManifest(initialManifest("hpm-registry"), "hpm.yaml").registries, ["./hpm-registry"]);
 * ```
 */
export function initialManifest(registry: string): string {
  return [
    `# yaml-language-server: $schema=./${registry}/hpm.schema.json`,
    "# HPM manifest: the plugins this project is built and tested with.",
    "# Add one:  hpm group add GROUP --option PACKAGE   then:  hpm sync",
    `registry: ./${registry}`,
    "mode: dev",
    "",
  ].join("\n");
}

// The clone folder too (`git add -A` would record clones as gitlinks, and test
// runners would collect the plugins' suites), anchored: the registry has a
// packages/ folder of its own.
const IGNORED = [LOCAL_FILE, ".hpm/", "/packages/"];

/**
 * Create hpm.yaml, a registry folder (with JSON Schemas for editors) and
 * .gitignore entries for hpm.local.yaml, .hpm/ and the clone folder /packages/.
 * Refuses to overwrite.
 *
 * @param options where
 * @returns the paths created or changed
 * @throws {HpmInputError} when there is no pyproject.toml or hpm.yaml exists
 */
export async function init(options: InitOptions = {}): Promise<string[]> {
  const root = resolve(options.root ?? Deno.cwd());
  const registry = (options.registry ?? "hpm-registry").replace(/^\.\/|\/$/g, "");
  try {
    await Deno.stat(join(root, PYPROJECT_FILE));
  } catch {
    throw new HpmInputError(
      "not-found",
      `no ${PYPROJECT_FILE} in ${root}`,
      undefined,
      "HPM manages a uv project: run `uv init` first",
    );
  }
  const manifest = join(root, MANIFEST_FILE);
  try {
    await Deno.stat(manifest);
    throw new HpmInputError(
      "usage",
      `${manifest} already exists`,
      { file: manifest },
      "HPM is already set up here; edit hpm.yaml or use `hpm group add`",
    );
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const changed: string[] = [];
  const packages = join(root, registry, "packages");
  await Deno.mkdir(packages, { recursive: true });
  const keep = join(packages, ".gitkeep");
  if (readConfined(keep, { root }, 1024) === undefined) await writeConfined(keep, "", { root });
  changed.push(keep);
  for (
    const [kind, name] of [["manifest", "hpm.schema.json"], ["local", "hpm.local.schema.json"], [
      "registry",
      "registry-entry.schema.json",
    ]] as const
  ) {
    const file = join(root, registry, name);
    await writeConfined(file, JSON.stringify(jsonSchema(kind), null, 2) + "\n", { root });
    changed.push(file);
  }
  const gitignore = join(root, ".gitignore");
  const text = new TextDecoder().decode(readConfined(gitignore, { root }, 1024 * 1024));
  const lines = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = IGNORED.filter((l) => !lines.has(l) && !lines.has(`/${l}`));
  if (missing.length) {
    const eol = text.includes("\r\n") ? "\r\n" : "\n";
    const sep = text === "" || text.endsWith("\n") ? "" : eol;
    await writeConfined(
      gitignore,
      text + sep +
        ["# hpm: per-machine overrides, its lock/journal, the plugins' clones", ...missing].join(
          eol,
        ) +
        eol,
      { root },
    );
    changed.push(gitignore);
  }
  // Last, so an interrupted init can simply be run again.
  await writeConfined(manifest, initialManifest(registry), { root });
  changed.push(manifest);
  return changed;
}
