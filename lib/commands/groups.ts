/**
 * `hpm group …`: edits of hpm.yaml's `groups:` that keep the user's comments
 * and layout. Pure text functions, plus the I/O wrappers the CLI calls.
 *
 * @module
 */

import { join } from "node:path";
import { MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { homeFolder, readConfined, writeConfined } from "../io/files.ts";
import { HpmInputError } from "../core/errors.ts";
import { parseManifest } from "../core/manifest.ts";
import { projectMode } from "../core/mode.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import type { Io } from "../io/terminal.ts";
import { normalizeName } from "../core/names.ts";
import { findGroup, noSuchGroup, selectedIndex } from "../core/plugins.ts";
import { isPackageDir, loadProject, loadProjectAt } from "../project/load.ts";
import { devCheckout } from "../core/checkout.ts";
import { displayPath } from "../core/registry_entry.ts";
import { findProjectRoot } from "../project/root.ts";
import { MANIFEST_FILE, type Project } from "../core/project.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import { withProjectLock } from "../state/project_mutex.ts";
import { yamlAppendToSequence, yamlDelete, yamlSetScalar } from "../edit/yaml_edit.ts";

/**
 * Add options to a group of hpm.yaml (creating the group), skipping ones it
 * already has. Does not check the registry: see {@link groupAdd}.
 *
 * @param text hpm.yaml's text
 * @param group the group name
 * @param options package names to add
 * @param file the file name, for errors
 * @returns the new text (identical when nothing was added)
 * @throws {HpmInputError} when the text is not a valid manifest
 *
 * @example Usage
 * ```ts
 * import { addGroupOptions } from "./groups.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "registry: ./reg  # here\ngroups:\n  llm:\n    options: [a]\n";
 * assert.equal(
 *   addGroupOptions(text, "llm", ["b"]),
 *   "registry: ./reg  # here\ngroups:\n  llm:\n    options: [a, b]\n",
 * );
 * ```
 */
export function addGroupOptions(
  text: string,
  group: string,
  options: readonly string[],
  file = MANIFEST_FILE,
): string {
  const manifest = parseManifest(text, file);
  const existing = findGroup(manifest, group);
  const name = existing?.name ?? group;
  const have = new Set(existing?.options.map(normalizeName));
  let out = text;
  for (const option of options) {
    if (have.has(normalizeName(option))) continue;
    have.add(normalizeName(option));
    out = yamlAppendToSequence(out, ["groups", name, "options"], option).text;
  }
  parseManifest(out, file);
  return out;
}

/**
 * Remove a whole group, or one option of it (clearing `select:` if it named
 * that option).
 *
 * @param text hpm.yaml's text
 * @param group the group
 * @param option the option to remove; omit to remove the group
 * @param file the file name, for errors
 * @returns the new text
 * @throws {HpmInputError} when the group or option does not exist
 *
 * @example Usage
 * ```ts
 * import { removeGroupOption } from "./groups.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "registry: ./reg\ngroups:\n  llm:\n    options: [a, b]\n";
 * assert.equal(removeGroupOption(text, "llm", "a"), "registry: ./reg\ngroups:\n  llm:\n    options: [b]\n");
 * ```
 */
export function removeGroupOption(
  text: string,
  group: string,
  option?: string,
  file = MANIFEST_FILE,
): string {
  const manifest = parseManifest(text, file);
  const existing = findGroup(manifest, group);
  if (!existing) throw noSuchGroup(manifest, group);
  let out: string;
  if (option === undefined) {
    out = yamlDelete(text, ["groups", existing.name]).text;
  } else {
    const index = existing.options.findIndex((o) => normalizeName(o) === normalizeName(option));
    if (index < 0) {
      throw new HpmInputError(
        "usage",
        `group \`${existing.name}\` has no option \`${option}\``,
        manifest.positionOf(["groups", existing.name, "options"]),
        `its options: ${existing.options.join(", ") || "(none)"}`,
      );
    }
    out = text;
    if (existing.select !== undefined && normalizeName(existing.select) === normalizeName(option)) {
      out = yamlDelete(out, ["groups", existing.name, "select"]).text;
    }
    out = yamlDelete(out, ["groups", existing.name, "options", index]).text;
  }
  parseManifest(out, file);
  return out;
}

/**
 * Make `option` the one installed member of a group of alternatives
 * (`select:`), adding it to the options if needed.
 *
 * @param text hpm.yaml's text
 * @param group the group
 * @param option the option to use
 * @param file the file name, for errors
 * @returns the new text
 *
 * @example Usage
 * ```ts
 * import { selectGroupOption } from "./groups.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "registry: ./reg\ngroups:\n  db:\n    options: [qdrant, chroma]\n";
 * assert.match(selectGroupOption(text, "db", "chroma"), /select: chroma/);
 * ```
 */
export function selectGroupOption(
  text: string,
  group: string,
  option: string,
  file = MANIFEST_FILE,
): string {
  const manifest = parseManifest(text, file);
  const existing = findGroup(manifest, group);
  if (!existing) throw noSuchGroup(manifest, group);
  let out = addGroupOptions(text, existing.name, [option], file);
  const listed = parseManifest(out, file).groups.find((g) => g.name === existing.name)!
    .options.find((o) => normalizeName(o) === normalizeName(option))!;
  out = yamlSetScalar(out, ["groups", existing.name, "select"], listed).text;
  parseManifest(out, file);
  return out;
}

/** What a `group*` command did. */
export interface GroupEditResult {
  /** Whether hpm.yaml changed. */
  readonly changed: boolean;
  /** hpm.yaml's path. */
  readonly file: string;
  /**
   * The mode the project is in: the one pyproject.toml was last synced for,
   * else the one `hpm sync` would choose. The next sync should keep it.
   */
  readonly mode: string;
}

async function editManifest(
  options: CommandContext,
  check: (project: Project) => void,
  edit: (text: string, file: string) => string,
  named: readonly string[] = [],
): Promise<GroupEditResult> {
  const root = findProjectRoot(options.root);
  return await withProjectLock(root, async () => {
    // The packages named are looked for as those of hpm.yaml are: a static
    // registry is asked for them, a cached copy that lacks them asked again.
    const project = await loadProject(root, { ...options, wanted: named });
    check(project);
    const file = join(root, MANIFEST_FILE);
    const before = new TextDecoder().decode(readConfined(file, { root }, MAX_YAML_BYTES));
    const after = edit(before, file);
    if (after !== before) await writeConfined(file, after, { root });
    return { changed: after !== before, file, mode: modeInForce(project, options.env) };
  });
}

function modeInForce(
  project: Project,
  env: Readonly<Record<string, string | undefined>> = Deno.env.toObject(),
): string {
  let synced: string | undefined;
  try {
    synced = readManaged(project.pyproject, project.pyprojectFile)?.mode;
  } catch (e) {
    // A broken pyproject.toml is for `hpm sync` to report; hpm.yaml was still edited.
    if (!(e instanceof HpmInputError)) throw e;
  }
  return synced ?? projectMode(project, { env: env.RUN_MODE }).mode;
}

function requireKnown(project: Project, names: readonly string[]) {
  for (const name of names) {
    if (!project.registry.has(name)) throw project.registry.unknown(name);
    project.registry.get(name); // a broken entry is reported now, not at the next sync
  }
}

/**
 * `hpm group add G --option P…`: add known registry packages to a group.
 *
 * @param group the group
 * @param packages the packages
 * @param options where the project is
 * @returns whether hpm.yaml changed, the mode the project is in, and the
 *   packages added whose checkout that mode needs and lacks
 * @throws {HpmInputError} for an unknown package (with "did you mean"); nothing written
 *
 * @example Usage
 * ```ts
 * import { groupAdd, groupRemove, groupUse } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 * await Deno.writeTextFile(`${root}/reg/packages/r.yaml`, "name: r\nsources:\n  prod: {type: pypi, version: 2.0.0}\n");
 *
 * await groupAdd("db", ["r"], { root });
 * await groupUse("db", "r", { root });
 * assert.match(await Deno.readTextFile(`${root}/hpm.yaml`), /options: \[q, r\]\n    select: r/);
 * await groupRemove("db", "q", { root });
 * assert.match(await Deno.readTextFile(`${root}/hpm.yaml`), /options: \[r\]/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function groupAdd(
  group: string,
  packages: readonly string[],
  options: CommandContext = {},
): Promise<GroupAddResult> {
  if (!packages.length) {
    throw new HpmInputError(
      "usage",
      "name at least one package with --option",
      undefined,
      `hpm group add ${group} --option PACKAGE`,
    );
  }
  let missing: GroupAddResult["missingCheckouts"] = [];
  const result = await editManifest(
    options,
    (project) => {
      requireKnown(project, packages);
      missing = missingCheckouts(project, packages, modeInForce(project, options.env), options.env);
    },
    (text, file) => addGroupOptions(text, group, packages, file),
    packages,
  );
  return { ...result, missingCheckouts: missing };
}

/** What `hpm group add` did. */
export interface GroupAddResult extends GroupEditResult {
  /**
   * The packages added whose source in the mode is a local checkout that is
   * not there yet (`hpm clone` or `hpm sync --clone` fetches it), each with
   * the checkout's path as shown.
   */
  readonly missingCheckouts: readonly { readonly name: string; readonly path: string }[];
}

// The packages whose source in `mode` is a dev checkout that is missing.
function missingCheckouts(
  project: Project,
  names: readonly string[],
  mode: string,
  env: Readonly<Record<string, string | undefined>> = Deno.env.toObject(),
): { name: string; path: string }[] {
  return names.flatMap((name) => {
    const entry = project.registry.get(name);
    const checkout = devCheckout(project, entry, mode, homeFolder(env));
    if (checkout?.mode !== mode || isPackageDir(checkout.path)) return [];
    return [{ name: entry.name, path: displayPath(checkout.path, project.root) }];
  });
}

/**
 * `hpm group remove G [--option P]`.
 *
 * @param group the group
 * @param option one option to remove; omit to remove the group
 * @param options where the project is
 * @returns whether hpm.yaml changed, and the mode the project is in
 *
 * @example Usage
 * ```ts
 * import { groupRemove } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q, r]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * for (const name of ["q", "r"]) {
 *   await Deno.writeTextFile(`${root}/reg/packages/${name}.yaml`, `name: ${name}\nsources:\n  prod: {type: pypi}\n`);
 * }
 *
 * await groupRemove("db", "q", { root });
 * assert.match(await Deno.readTextFile(`${root}/hpm.yaml`), /options: \[r\]/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function groupRemove(
  group: string,
  option: string | undefined,
  options: CommandContext = {},
): Promise<GroupEditResult> {
  return editManifest(
    options,
    () => {},
    (text, file) => removeGroupOption(text, group, option, file),
  );
}

/**
 * `hpm group use G P`: install only P of the group's alternatives.
 *
 * @param group the group
 * @param option the option to use
 * @param options where the project is
 * @returns whether hpm.yaml changed, and the mode the project is in
 *
 * @example Usage
 * ```ts
 * import { groupUse } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q, r]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * for (const name of ["q", "r"]) {
 *   await Deno.writeTextFile(`${root}/reg/packages/${name}.yaml`, `name: ${name}\nsources:\n  prod: {type: pypi}\n`);
 * }
 *
 * await groupUse("db", "r", { root });
 * assert.match(await Deno.readTextFile(`${root}/hpm.yaml`), /select: r/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function groupUse(
  group: string,
  option: string,
  options: CommandContext = {},
): Promise<GroupEditResult> {
  return editManifest(
    options,
    (project) => requireKnown(project, [option]),
    (text, file) => selectGroupOption(text, group, option, file),
    [option],
  );
}

/** `hpm group add`'s command line. */
export interface GroupAddFlags extends GlobalFlags {
  /** The group. */
  readonly group: string;
  /** `--option`, every one given. */
  readonly option: readonly string[];
}

/**
 * `hpm group add`.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function groupAddCommand(flags: GroupAddFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { changed, mode, missingCheckouts } = await groupAdd(flags.group, flags.option, context);
  if (!changed) {
    context.log(`group ${flags.group} already has that`);
    return;
  }
  if (!missingCheckouts.length) {
    context.log(`group ${flags.group} updated in hpm.yaml; run \`hpm sync --mode ${mode}\``);
    return;
  }
  const names = missingCheckouts.map((m) => m.name);
  const which = missingCheckouts.map((m) => `${m.name} has no checkout at ${m.path}`).join(", ");
  context.log(
    `group ${flags.group} updated in hpm.yaml; ${which}: run \`hpm sync --mode ${mode} --clone\` ` +
      `(or \`hpm clone ${names.join(" ")}\`, then \`hpm sync --mode ${mode}\`)`,
  );
}

/** `hpm group remove`'s command line. */
export interface GroupRemoveFlags extends GlobalFlags {
  /** The group. */
  readonly group: string;
  /** `--option`: only this one. */
  readonly option?: string;
}

/**
 * `hpm group remove`.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function groupRemoveCommand(flags: GroupRemoveFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { mode } = await groupRemove(flags.group, flags.option, context);
  context.log(`hpm.yaml updated; run \`hpm sync --mode ${mode}\``);
}

/** `hpm group use`'s command line. */
export interface GroupUseFlags extends GlobalFlags {
  /** The group. */
  readonly group: string;
  /** The option to use. */
  readonly package: string;
}

/**
 * `hpm group use`.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function groupUseCommand(flags: GroupUseFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { mode } = await groupUse(flags.group, flags.package, context);
  context.log(`group ${flags.group} now uses ${flags.package}; run \`hpm sync --mode ${mode}\``);
}

/**
 * `hpm group list`: each group and its options, the selected one marked.
 *
 * @param flags the command line (`json`: print JSON)
 * @param io where it reports
 */
export async function groupListCommand(
  flags: GlobalFlags & { readonly json?: boolean },
  io: Io,
): Promise<void> {
  const groups = (await loadProjectAt(commandContext(flags, io))).manifest.groups;
  if (flags.json) {
    io.out(
      JSON.stringify(
        groups.map(({ name, options, select }) => ({ name, options, select })),
        null,
        2,
      ),
    );
    return;
  }
  if (!groups.length) io.out("no groups; add one with `hpm group add GROUP --option PACKAGE`");
  for (const g of groups) {
    const selected = selectedIndex(g);
    const opts = g.options.map((o, i) => (i === selected ? `${o} (selected)` : o));
    io.out(`${g.name}: ${opts.join(", ") || "(empty)"}`);
  }
}
