/**
 * Loading a project from disk (its root found by root.ts): read hpm.yaml, hpm.local.yaml,
 * the registries and pyproject.toml. This is the read side of the I/O edge.
 *
 * @module
 */

import { join } from "node:path";
import { decodeYaml, MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { declaredDependencies } from "../core/dependencies.ts";
import type { DeclaredDependencies } from "../core/resolve.ts";
import { LOCAL_FILE, MANIFEST_FILE, type Project, PYPROJECT_FILE } from "../core/project.ts";
import type { Reader } from "../core/reader.ts";
import { door, MAX_PYPROJECT_BYTES, readConfined } from "../io/files.ts";
import { HpmInputError, HpmOperationError } from "../core/errors.ts";
import { parseLocalOverlay, parseManifest, registriesInForce } from "../core/manifest.ts";
import { loadRegistry, type LoadRegistryOptions } from "../registry/load.ts";
import {
  cacheDir,
  fetchRegistryCopy,
  type FetchRegistryOptions,
  RegistryLoad,
} from "../registry/remote.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import { Registry } from "../core/registry.ts";
import { parseRegistryLocation } from "../core/registry_location.ts";
import { normalizeName } from "../core/names.ts";
import { decodeUtf8 } from "../edit/utf8.ts";
import { findProjectRoot } from "./root.ts";
import type { CommandContext } from "./context.ts";

/** Options of {@link loadProject}. */
export interface LoadOptions extends Omit<FetchRegistryOptions, "commit"> {
  /**
   * Reads hpm.yaml, hpm.local.yaml and the registry entries (pyproject.toml,
   * which a record keeps whole, is read through the door itself).
   * @default door
   */
  readonly reader?: Reader;
  /**
   * The pyproject.toml whose `[tool.hpm]` record names the states the git
   * registries are read at (`hpm check --staged`: the staged one).
   * @default the project's own
   */
  readonly recordedIn?: string;
  /**
   * Load hpm.yaml's registries even when hpm.local.yaml names its own: for
   * the committed form, which every teammate and CI plans from them.
   */
  readonly committed?: boolean;
}

function readText(path: string, root: string, what: string, hint: string): string {
  const bytes = readConfined(path, { root }, MAX_PYPROJECT_BYTES);
  if (bytes === undefined) {
    throw new HpmInputError("not-found", `${what} not found: ${path}`, undefined, hint);
  }
  return decodeUtf8(bytes, path);
}

/**
 * Read a project's files. Parsing and validation errors carry positions.
 * Every file is read through lib/io/files.ts: it must be a regular file inside
 * the project (a link out of it is refused) and small enough.
 *
 * @param root the project root
 * @param options the reader; runner, logger and environment for remote registries
 * @returns the project
 *
 * @example Usage
 * ```ts
 * import { loadProject } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 *
 * const project = await loadProject(root);
 * assert.deepEqual(project.manifest.groups.map((g) => g.name), ["db"]);
 * assert.equal(project.registry.get("q").sources.prod.type, "pypi");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function loadProject(
  root: string,
  options: LoadOptions = {},
): Promise<Project> {
  const reader = options.reader ?? door;
  const manifestFile = join(root, MANIFEST_FILE);
  const manifestBytes = reader.read(manifestFile, { root }, MAX_YAML_BYTES + 1);
  if (manifestBytes === undefined) {
    throw new HpmInputError("not-found", `${manifestFile} not found`, undefined, "run `hpm init`");
  }
  const manifest = parseManifest(decodeYaml(manifestBytes, manifestFile), manifestFile);
  const localFile = join(root, LOCAL_FILE);
  const localBytes = reader.read(localFile, { root }, MAX_YAML_BYTES + 1);
  const overlay = localBytes === undefined
    ? undefined
    : parseLocalOverlay(decodeYaml(localBytes, localFile), localFile);
  const wanted = [
    ...manifest.groups.flatMap((g) => g.options),
    ...(overlay ? [...overlay.overrides.keys()] : []),
    ...options.wanted ?? [],
  ];
  const registries = registriesInForce(manifest, overlay, options.committed);
  const pyprojectFile = join(root, PYPROJECT_FILE);
  const pyproject = readText(
    pyprojectFile,
    root,
    PYPROJECT_FILE,
    "HPM manages a uv project: run `uv init` first",
  );
  // pyproject.toml is parsed for its record only when a git registry is read at one.
  const recorded = registries.locations.some((l) => parseRegistryLocation(l).kind === "git")
    ? recordedCommits(options.recordedIn ?? pyproject)
    : undefined;
  const load = {
    ...options,
    // One deadline and one cap for every fetch below: the first load, the
    // reload for a missing name, and the look at pinned registries' newest states.
    load: options.load ?? new RegistryLoad(env(options)),
    wanted,
    reader,
    // `--refresh` moves to each registry's newest state; the record is what it moved from.
    commits: options.refresh ? undefined : recorded,
    recorded,
  };
  let registry = await loadRegistry(registries.locations, root, registries.file, load);
  // A name a remote copy lacks may be one the remote has gained since: its
  // newest state is asked for once before the name is refused.
  const online = env(options).HPM_OFFLINE !== "1";
  const missing = () => wanted.filter((name) => !registry.has(name));
  const remote = registry.folders.filter((f) => f.copy);
  if (online && remote.some((f) => !f.copy!.pinned && !f.copy!.asked) && missing().length) {
    registry = await loadRegistry(registries.locations, root, registries.file, {
      ...load,
      refresh: true,
    });
  }
  if (online && remote.some((f) => f.copy!.pinned) && missing().length) {
    registry = await withNewestNames(registry, missing(), load);
  }
  const cache = cacheDir(env(options));
  return {
    root,
    manifest,
    overlay,
    registry,
    registries,
    pyprojectFile,
    pyproject,
    cache,
    reader,
  };
}

const env = (options: LoadOptions) => options.env ?? Deno.env.toObject();

// The commits the git registries are read at, by location, as pyproject.toml
// records them; none when it records none, or cannot be read (planning then
// reports why, in its words).
function recordedCommits(pyproject: string): Map<string, string> | undefined {
  let record;
  try {
    record = readManaged(pyproject);
  } catch {
    return undefined;
  }
  return record?.registries && new Map(record.registries.map((r) => [r.location, r.commit]));
}

// The registries read at a pinned commit that lacks some names: which of
// those names each one's newest state has, so that refusing them can say so.
async function withNewestNames(
  registry: Registry,
  names: readonly string[],
  options: LoadRegistryOptions,
): Promise<Registry> {
  const folders = await Promise.all(registry.folders.map(async (folder) => {
    if (!folder.remote || !folder.copy?.pinned) return folder;
    const where = parseRegistryLocation(folder.remote);
    if (where.kind !== "git") return folder;
    try {
      const newest = await fetchRegistryCopy(where, {
        ...options,
        refresh: true,
        reader: door,
        commit: undefined,
      });
      if (newest.copy.commit === folder.copy.commit) return folder;
      const there = new Registry(
        [],
        [{ dir: join(newest.dir, "packages"), root: newest.dir }],
        door,
      );
      const has = names.filter((name) => there.has(name)).map(normalizeName);
      return has.length ? { ...folder, copy: { ...folder.copy, newestHas: has } } : folder;
    } catch (e) {
      if (e instanceof HpmOperationError) return folder; // not reachable: refused as it is
      throw e;
    }
  }));
  return registry.withFolders(folders);
}

/**
 * What a local package's pyproject.toml declares of other packages, or
 * undefined if it has none that can be read.
 *
 * @param dir the package folder
 * @param reader what reads it
 * @returns normalised names of `[project] dependencies`, and of the packages
 *   its `[tool.uv.sources]` gives a source
 */
export function readLocalDependencies(
  dir: string,
  reader: Reader = door,
): DeclaredDependencies | undefined {
  let text: string;
  try {
    // The clone's own folder bounds what its pyproject.toml may link to.
    const bytes = reader.read(join(dir, PYPROJECT_FILE), { root: dir }, MAX_PYPROJECT_BYTES);
    if (bytes === undefined) return undefined;
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return declaredDependencies(text);
}

/**
 * Whether `dir` looks like a Python project (so uv can install it): it has a
 * pyproject.toml, setup.py or setup.cfg. They are read, not only looked for,
 * so that a reader keeping what planning saw keeps them.
 *
 * @param dir the folder
 * @param reader what reads them
 * @returns whether one of them is there
 */
export function isPackageDir(dir: string, reader: Reader = door): boolean {
  for (const name of [PYPROJECT_FILE, "setup.py", "setup.cfg"]) {
    try {
      if (reader.read(join(dir, name), { root: dir }, MAX_PYPROJECT_BYTES) !== undefined) {
        return true;
      }
    } catch (e) {
      // There, but not readable as it is (a link out of the clone, too large): uv decides.
      if (e instanceof HpmInputError) return true;
      throw e;
    }
  }
  return false;
}

/**
 * The project a command names (`root`, else the working folder's), found
 * and loaded without locking it: what the read-only listings read.
 *
 * @param context where the project is; runner, logger and refresh for remote registries; the
 *   packages a command names, besides hpm.yaml's
 * @returns the project
 * @throws {HpmInputError} when there is no project, or a file of it is malformed
 */
export async function loadProjectAt(
  context: CommandContext & Pick<LoadOptions, "wanted">,
): Promise<Project> {
  return await loadProject(findProjectRoot(context.root), context);
}
