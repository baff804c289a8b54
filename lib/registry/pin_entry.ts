/**
 * Setting a plugin's released ref in its registry entry (`hpm pin`, and the
 * pin step of `hpm release`): which entry and clone, the checks that the
 * clone is that release and that the remote has it, and the edit of that one
 * value, the file's comments and layout kept.
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import { MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { door, homeFolder, readConfined, writeConfined } from "../io/files.ts";
import { HpmInputError, HpmOperationError } from "../core/errors.ts";
import { cloneState, commitsAfter, hasOwnGit, newestRemoteTag, newestTag } from "../io/git.ts";
import { normalizeName } from "../core/names.ts";
import { Registry } from "../core/registry.ts";
import { parseRegistryLocation } from "../core/registry_location.ts";
import { devCheckout } from "../core/checkout.ts";
import type { Project } from "../core/project.ts";
import {
  entryPlace,
  missingModeError,
  parseRegistryEntry,
  type RegistryEntry,
} from "../core/registry_entry.ts";
import { checkReleaseOnRemote, REMOTE_CHECK_TIMEOUT_MS } from "./release_check.ts";
import type { Runner } from "../io/runner.ts";
import { normalizeSpecifier } from "../core/value_checks.ts";
import { yamlDelete, yamlGet, yamlSetScalar } from "../edit/yaml_edit.ts";

/** What {@link pin} did. */
export interface PinResult {
  /** The registry entry file. */
  readonly file: string;
  /** The ref pinned (the tag, even when a pypi version was written). */
  readonly ref: string;
  /** The key set: `ref`, `tag` or `rev` for a git source, `version` for pypi. */
  readonly key: string;
  /** The value written: the ref, or for pypi the version (the tag without a leading `v`). */
  readonly value: string;
  /** The value it replaced (a `branch:` value when that key was replaced), if there was one. */
  readonly previous?: string;
  /** Whether the file changed. */
  readonly changed: boolean;
  /** False when the edit could not be spliced in and the YAML was re-rendered whole. */
  readonly exact: boolean;
}

/** A plugin whose ref can be pinned: its entry, the edit, and its clone when it has one. */
export interface PinTarget {
  /** The registry the entry is in. */
  readonly registry: Registry;
  /** The registry entry. */
  readonly entry: RegistryEntry;
  /** The key to set, and how a ref becomes its value. */
  readonly edit: Edit;
  /**
   * The dev clone (absolute) the release is taken from, and how it is shown;
   * none in a registry folder of its own, where the release is the newest
   * tag of the plugin's remote.
   */
  readonly clone?: { readonly dir: string; readonly where: string };
  /** Where git runs for the remote's answers: the clone, else the registry folder. */
  readonly cwd: string;
}

/** A target with the clone its release is taken from (what {@link pinTarget} finds). */
export interface CloneTarget extends PinTarget {
  /** The dev clone (absolute), and how it is shown, relative to the project. */
  readonly clone: { readonly dir: string; readonly where: string };
}

/**
 * The entry and clone of a plugin to pin in `mode`, checked before anything
 * is done: a local registry's entry, a git or pypi source in the mode, a
 * git clone on disk.
 *
 * @param project the loaded project
 * @param name the plugin
 * @param mode the registry mode to edit
 * @param env the environment (HOME)
 * @param registry where the entry is edited (a registry folder or clone: `--registry DIR`)
 * @returns the target
 * @throws {HpmInputError} an unknown package, a remote registry's, a mode it
 *   has no source for or a local one, no clone
 */
export function pinTarget(
  project: Project,
  name: string,
  mode: string,
  env: Readonly<Record<string, string | undefined>>,
  registry: Registry = project.registry,
): CloneTarget {
  const { root } = project;
  if (!registry.has(name)) throw registry.unknown(name);
  const entry = registry.get(name);
  const remote = registry.fileOf(entry.key)?.remote;
  if (remote) throw remoteRegistryError(entry, remote);
  const edit = editFor(entry, mode, registry.fileOf(entry.key)!.text);

  const checkout = devCheckout(project, entry, "dev", homeFolder(env));
  const where = checkout ? relative(root, checkout.path) || "." : undefined;
  if (!checkout || !hasOwnGit(checkout.path)) {
    throw new HpmInputError(
      "missing-clone",
      checkout
        ? `no git clone of \`${entry.name}\` at ${where}: pin takes the release from it`
        : `\`${entry.name}\` has no local source in any mode, so there is no clone to pin from`,
      checkout ? undefined : entry.positionOf(["sources"], true),
      checkout
        ? `run \`hpm clone ${entry.name}\``
        : `add a \`dev: {type: local, path: …}\` source to ${entryPlace(entry)}`,
    );
  }
  const clone = { dir: checkout.path, where: where! };
  return { registry, entry, edit, clone, cwd: clone.dir };
}

/**
 * The entry of a plugin to pin in a registry folder or clone of its own (no
 * project around it): its release is the newest tag of its remote.
 *
 * @param dir the registry folder
 * @param name the plugin
 * @param mode the registry mode to edit
 * @returns the target
 * @throws {HpmInputError} when the folder has no entry for it, or the mode no source
 */
export function folderPinTarget(dir: string, name: string, mode: string): PinTarget {
  const registry = folderRegistry(dir, name);
  const entry = registry.get(name);
  return {
    registry,
    entry,
    edit: editFor(entry, mode, registry.fileOf(entry.key)!.text),
    cwd: dir,
  };
}

/**
 * A registry folder or clone of the user's, on its own.
 *
 * @param dir the folder
 * @param name a package it must have an entry for, if any
 * @returns the registry
 * @throws {HpmInputError} `not-found` when it has no entry for `name`
 */
export function folderRegistry(dir: string, name?: string): Registry {
  const registry = new Registry([], [{ dir: join(dir, "packages"), root: dir }], door);
  if (name !== undefined && !registry.has(name)) {
    throw new HpmInputError(
      "not-found",
      `${dir} has no packages/${normalizeName(name)}.yaml`,
      undefined,
      "--registry names a registry folder or a clone of a registry's repository",
    );
  }
  return registry;
}

/**
 * The refusal to edit a remote registry's entry, whose hint gives the steps to
 * change it in a clone of the registry, trying it before anyone else gets it.
 *
 * @param entry the entry
 * @param remote the registry it comes from, as hpm.yaml names it
 * @returns the error
 */
export function remoteRegistryError(entry: RegistryEntry, remote: string): HpmInputError {
  const where = parseRegistryLocation(remote);
  const name = entry.name;
  let hint: string;
  if (where.kind === "git") {
    const folder = `../${
      where.url.replace(/\/+$/, "").split("/").at(-1)!.replace(/\.git$/, "") || "registry"
    }`;
    hint = `pin it in a clone of the registry and try it here before pushing it: ` +
      `\`git clone ${where.url} ${folder} && hpm pin ${name} --registry ${folder}\`; put ` +
      `\`registry: ${folder}\` in hpm.local.yaml and run \`hpm sync\`; when it works, commit ` +
      `and push it from ${folder}, remove that line from hpm.local.yaml, and run ` +
      "`hpm registry update`" +
      (where.ref === undefined
        ? ""
        : ` (hpm.yaml pins the registry at ${where.ref}: tag the new state, and point its ` +
          "`#ref` there)");
  } else {
    hint = `change packages/${entry.key}.yaml where ${remote} is published, then run ` +
      "`hpm registry update`; to try it first, name a copy of the registry folder in " +
      "`registry:` of hpm.local.yaml";
  }
  return new HpmInputError(
    "usage",
    `\`${name}\` comes from the remote registry ${remote}; hpm only edits registry folders`,
    undefined,
    hint,
  );
}

// The remote a release is installed from: the mode's git source, else `repository:`.
function releaseRemote(entry: RegistryEntry, mode: string): string | undefined {
  const source = entry.sources[mode];
  return source?.type === "git" ? source.url : entry.repository;
}

// Without a clone (in a registry folder of its own), the newest tag of the
// remote the release comes from.
async function newestReleaseOnRemote(
  entry: RegistryEntry,
  mode: string,
  cwd: string,
  runner: Runner,
): Promise<string> {
  const url = releaseRemote(entry, mode);
  if (url === undefined) {
    throw new HpmInputError(
      "usage",
      `\`${entry.name}\` has no git source in mode ${mode} and no \`repository:\`, so there is ` +
        "no remote to take its newest tag from",
      entry.positionOf(["sources", mode], true),
      "pass the release with --ref",
    );
  }
  const found = await newestRemoteTag(runner, cwd, url, REMOTE_CHECK_TIMEOUT_MS);
  if ("reason" in found) {
    throw new HpmOperationError(
      `cannot list the tags of ${url}: ${found.reason}`,
      "check the URL and your network, or pass the release with --ref",
    );
  }
  if (found.tag === undefined) {
    throw new HpmOperationError(
      `${url} has no tags`,
      "tag and push the release first, or pass --ref",
    );
  }
  return found.tag;
}

/** What {@link pinEntry} needs beside the target. */
export interface PinEntryOptions {
  /** The ref to pin; default: the newest tag (by version order) of the clone. */
  readonly ref?: string;
  /** Pin even when the clone has uncommitted changes or commits after the ref. */
  readonly force?: boolean;
  /** Check that the ref exists on the remote. @default true */
  readonly verify?: boolean;
  /** The registry mode whose source is set. */
  readonly mode: string;
  /** Runs git. */
  readonly runner: Runner;
  /** Progress and notices. */
  readonly log: (message: string) => void;
  /** The environment (HPM_OFFLINE). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Pin a target: refuse (unless `force`) a clone that is not the release,
 * refuse a ref the remote lacks, then set the one value and write the file
 * atomically. Without a clone, the release is the newest tag of the remote
 * (which then needs no second asking). The caller holds the project lock.
 *
 * @param target from {@link pinTarget} or {@link folderPinTarget}
 * @param options ref, force, verify, mode, runner, log, env
 * @returns the file, the ref, the previous value, whether the file changed
 * @throws {HpmOperationError} see `pin`
 */
export async function pinEntry(target: PinTarget, options: PinEntryOptions): Promise<PinResult> {
  const { registry, entry, edit, clone } = target;
  const { runner, log, env, mode } = options;
  const ref = clone
    ? await releaseOfClone(entry, clone, options)
    : options.ref ?? await newestReleaseOnRemote(entry, mode, target.cwd, runner);
  // A tag just read from the remote is there.
  const asked = !clone && options.ref === undefined;

  const value = edit.valueOf(ref);
  const url = releaseRemote(entry, mode);
  if (url !== undefined && !asked && options.verify !== false) {
    await checkReleaseOnRemote({
      runner,
      cwd: target.cwd,
      url,
      ref,
      name: entry.name,
      command: `hpm pin ${entry.name}`,
      log,
      offline: env.HPM_OFFLINE === "1",
    });
  }
  const file = entry.file;
  // Read again as bytes, not the parsed text: that text lost a BOM.
  const packages = dirname(file);
  const before = new TextDecoder("utf-8", { ignoreBOM: true }).decode(
    readConfined(file, { root: packages }, MAX_YAML_BYTES)!,
  );
  const set = yamlSetScalar(before, ["sources", mode, edit.key], value);
  const removed = edit.replaces
    ? yamlDelete(set.text, ["sources", mode, edit.replaces])
    : { text: set.text, exact: true };
  const after = removed.text;
  const exact = set.exact && removed.exact;
  if (!exact) {
    log(`${file} could not be edited in place and was rewritten whole: check its comments`);
  }
  // The edit must leave a valid entry that says exactly what we meant.
  const check = parseRegistryEntry(after, file, registry.fileOf(entry.key)?.stem);
  const written = check.sources[mode] as unknown as Record<string, unknown> | undefined;
  const expected = edit.key === "version" ? normalizeSpecifier(value) : value;
  if (written?.[edit.key] !== expected || (edit.replaces && written?.[edit.replaces])) {
    throw new Error(`internal: editing ${file} did not set sources.${mode}.${edit.key}`);
  }
  const changed = after !== before;
  if (changed) await writeConfined(file, after, { root: packages });
  return { file, ref, key: edit.key, value, previous: edit.previous, changed, exact };
}

// The release to pin from a clone: `--ref`, else its newest tag; refused
// (unless forced) when the clone is not that release.
async function releaseOfClone(
  entry: RegistryEntry,
  { dir, where }: { readonly dir: string; readonly where: string },
  options: PinEntryOptions,
): Promise<string> {
  const { runner, log } = options;
  let ref = options.ref;
  if (ref === undefined) {
    ref = await newestTag(runner, dir);
    if (ref === undefined) {
      throw new HpmOperationError(
        `the clone of \`${entry.name}\` at ${where} has no tags`,
        `tag the release (\`git -C ${where} tag -a v1.0.0 -m v1.0.0\`) or pass --ref`,
      );
    }
  }
  const ahead = await commitsAfter(runner, dir, ref);
  if (ahead === undefined) {
    throw new HpmOperationError(
      `\`${ref}\` does not exist in the clone of \`${entry.name}\` at ${where}`,
      `check the name, or fetch it first (\`git -C ${where} fetch --tags\`)`,
    );
  }

  const problems: string[] = [];
  const state = await cloneState(runner, dir);
  if (state.dirty) {
    problems.push(
      `it has ${state.changedPaths} uncommitted change${state.changedPaths === 1 ? "" : "s"}`,
    );
  }
  if (ahead > 0) problems.push(`it has ${ahead} commit${ahead === 1 ? "" : "s"} after ${ref}`);
  if (problems.length) {
    const what = `the clone of \`${entry.name}\` at ${where} is not the release ${ref}: ` +
      problems.join(", and ");
    if (!options.force) {
      throw new HpmOperationError(
        `refusing to pin: ${what}`,
        `commit and tag a new release, then run \`hpm pin ${entry.name}\`; or pass --force`,
      );
    }
    log(`pinning anyway (--force): ${what}`);
  }

  return ref;
}

/** How a pin edits an entry: see {@link pinTarget}. */
export interface Edit {
  /** The key to set under `sources.<mode>`. */
  readonly key: string;
  /** A key to remove (a `branch:` that the pinned ref replaces). */
  readonly replaces?: string;
  /** The current value, as written. */
  readonly previous?: string;
  /** The value to write for a ref. */
  readonly valueOf: (ref: string) => string;
}

function editFor(entry: RegistryEntry, mode: string, text: string): Edit {
  const source = entry.sources[mode];
  if (!source) {
    throw missingModeError(
      entry,
      mode,
      `add a \`${mode}:\` git or pypi source to ${entryPlace(entry)}`,
    );
  }
  const raw = rawSource(text, mode);
  switch (source.type) {
    case "local":
      throw new HpmInputError(
        "usage",
        `the \`${mode}\` source of \`${entry.name}\` is a local path: there is no ref to pin`,
        entry.positionOf(["sources", mode, "type"]),
        `make it a git or pypi source, or pin another mode with --mode`,
      );
    case "git": {
      const key = (["ref", "tag", "rev"] as const).find((k) => source[k] !== undefined);
      if (key) return { key, previous: raw[key], valueOf: (ref) => ref };
      // A branch moves; a release is a fixed ref.
      return source.branch !== undefined
        ? { key: "ref", replaces: "branch", previous: raw.branch, valueOf: (ref) => ref }
        : { key: "ref", valueOf: (ref) => ref };
    }
    case "pypi":
      return {
        key: "version",
        previous: raw.version,
        valueOf: (ref) => {
          const version = ref.replace(/^v(?=\d)/, "");
          if (!/^\d/.test(version) || normalizeSpecifier(version) !== `==${version}`) {
            throw new HpmOperationError(
              `tag \`${ref}\` is not a version, so it cannot be the \`version\` of a pypi source`,
              "pass --ref with a version tag such as v1.2.0",
            );
          }
          return version;
        },
      };
  }
}

// The values as written in the file (the parsed source normalises pypi versions).
function rawSource(text: string, mode: string): Record<string, string | undefined> {
  const raw = (yamlGet(text, ["sources", mode]) ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, v === undefined || v === null ? undefined : String(v)]),
  );
}
