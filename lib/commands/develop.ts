/**
 * `hpm develop P…` and `hpm free P…`: the plugins this machine works on, from
 * their clones, while every other plugin comes from its release. Both edit
 * hpm.local.yaml's `develop:` (comments and layout kept); the command line
 * then syncs (lib/cli/commands.ts). The committed form never carries them:
 * `hpm stage` and `hpm check --staged` plan without `develop:`.
 *
 * @module
 */

import { join } from "node:path";
import { MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { homeFolder, readConfined, removeConfined, writeConfined } from "../io/files.ts";
import { HpmInputError } from "../core/errors.ts";
import { type LocalOverlay, parseLocalOverlay } from "../core/manifest.ts";
import { projectMode } from "../core/mode.ts";
import { commitModeOf } from "../core/commit_mode.ts";
import { normalizeName } from "../core/names.ts";
import { addCheckoutHint, checkoutMode, displayPath } from "../core/registry_entry.ts";
import { devCheckout } from "../core/checkout.ts";
import { LOCAL_FILE, type Project } from "../core/project.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { isPackageDir, loadProject, loadProjectAt } from "../project/load.ts";
import { planProject } from "../project/plan.ts";
import { findProjectRoot } from "../project/root.ts";
import { withProjectLock } from "../state/project_mutex.ts";
import { decodeUtf8 } from "../edit/utf8.ts";
import { yamlAppendToSequence, yamlDelete, yamlSetScalar } from "../edit/yaml_edit.ts";
import type { Io } from "../io/terminal.ts";

// The plugins a hpm.local.yaml develops; none when there is no file ("").
function developList(text: string, file: string): readonly string[] {
  return text === "" ? [] : parseLocalOverlay(text, file).develop;
}

/**
 * Add plugins to hpm.local.yaml's `develop:` (creating it), skipping those it
 * has, and set `mode:` when given. Pure.
 *
 * @param text hpm.local.yaml's text ("" when there is none)
 * @param names the plugins
 * @param mode the mode to set, if any
 * @param file the file name, for errors
 * @returns the new text (identical when nothing was added)
 * @throws {HpmInputError} when the text is not a valid hpm.local.yaml
 *
 * @example Usage
 * ```ts
 * import { addDeveloped } from "./develop.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "# this machine\noverrides:\n  plug-a: {path: ../other/x}\n";
 * assert.equal(
 *   addDeveloped(text, ["plug-a"], "prod"),
 *   text + "mode: prod\ndevelop: [plug-a]\n",
 * );
 * ```
 */
export function addDeveloped(
  text: string,
  names: readonly string[],
  mode?: string,
  file = LOCAL_FILE,
): string {
  const have = new Set(developList(text, file).map(normalizeName));
  let out = mode === undefined ? text : yamlSetScalar(text, ["mode"], mode).text;
  for (const name of names) {
    if (have.has(normalizeName(name))) continue;
    have.add(normalizeName(name));
    out = yamlAppendToSequence(out, ["develop"], name).text;
  }
  parseLocalOverlay(out, file);
  return out;
}

/**
 * Take plugins off hpm.local.yaml's `develop:`, all of them when `names` is
 * undefined; the key goes once it lists none. Pure.
 *
 * @param text hpm.local.yaml's text
 * @param names the plugins; undefined: every one
 * @param file the file name, for errors
 * @returns the new text, or undefined when nothing else is left in the file
 * @throws {HpmInputError} when the text is not a valid hpm.local.yaml
 *
 * @example Usage
 * ```ts
 * import { removeDeveloped } from "./develop.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "mode: prod\ndevelop: [plug-a, plug-c]   # mine\n";
 * assert.equal(removeDeveloped(text, ["Plug_A"]), "mode: prod\ndevelop: [plug-c]   # mine\n");
 * assert.equal(removeDeveloped(text), "mode: prod\n");
 * assert.equal(removeDeveloped("develop: [plug-a]\n"), undefined);
 * ```
 */
export function removeDeveloped(
  text: string,
  names?: readonly string[],
  file = LOCAL_FILE,
): string | undefined {
  const listed = developList(text, file);
  if (!listed.length) return text;
  const going = new Set((names ?? listed).map(normalizeName));
  const staying = listed.filter((name) => !going.has(normalizeName(name)));
  let out = text;
  if (!staying.length) out = yamlDelete(out, ["develop"]).text;
  else {
    // From the last, so the indexes of the others stay right.
    for (let i = listed.length - 1; i >= 0; i--) {
      if (going.has(normalizeName(listed[i]))) out = yamlDelete(out, ["develop", i]).text;
    }
  }
  // An empty mapping and nothing else (yamlDelete leaves `{}`): the file goes.
  if (out.replace(/^\uFEFF/, "").trim() === "{}") return undefined;
  parseLocalOverlay(out, file);
  return out;
}

/** A plugin hpm.local.yaml develops. */
export interface DevelopedPlugin {
  /** The name as hpm.local.yaml writes it. */
  readonly name: string;
  /** Its dev checkout, as shown to the user; null when no mode has a local source. */
  readonly path: string | null;
  /** Whether a Python project is there (what a sync needs). */
  readonly present: boolean;
}

/** What {@link develop} and {@link free} did. */
export interface DevelopResult {
  /** hpm.local.yaml's path. */
  readonly file: string;
  /** Whether hpm.local.yaml changed. */
  readonly changed: boolean;
  /** The mode develop set in hpm.local.yaml (the committed one), when it set one. */
  readonly modeSet?: string;
  /** The plugins developed now. */
  readonly develop: readonly DevelopedPlugin[];
  /** The plugins asked for that were (develop) or were not (free) developed already. */
  readonly unchanged: readonly string[];
  /** The mode hpm.local.yaml sets, if any: the one the others come from (unless RUN_MODE). */
  readonly localMode?: string;
  /** Plugins named that the mode in force installs from their clones anyway (dev). */
  readonly localAnyway?: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

function readLocal(root: string): { file: string; text: string } {
  const file = join(root, LOCAL_FILE);
  const bytes = readConfined(file, { root }, MAX_YAML_BYTES);
  return { file, text: bytes === undefined ? "" : decodeUtf8(bytes, file) };
}

function developedPlugins(project: Project, overlay: LocalOverlay | undefined, env: Env) {
  const home = homeFolder(env);
  return (overlay?.develop ?? []).map((name): DevelopedPlugin => {
    const entry = project.registry.has(name) ? project.registry.get(name) : undefined;
    const checkout = entry && devCheckout(project, entry, "dev", home);
    return {
      name,
      path: checkout ? displayPath(checkout.path, project.root) : null,
      present: checkout !== undefined && isPackageDir(checkout.path),
    };
  });
}

function requireKnown(project: Project, names: readonly string[]): void {
  for (const name of names) {
    if (!project.registry.has(name)) throw project.registry.unknown(name);
  }
}

/**
 * `hpm develop P…`: install these plugins from their clones in every mode,
 * the others from the mode's sources. hpm.local.yaml gets them under
 * `develop:`; unless it sets a `mode:` of its own, when the mode hpm.yaml
 * chooses is not the committed one (dev, say), it also gets `mode:` set to
 * the committed mode, so the other plugins come from their releases.
 * Nothing is written unless a sync of the result can be planned: every plugin
 * named is installed by the project's groups, has a dev checkout on disk, and
 * pyproject.toml can take the plan.
 *
 * @param names the plugins
 * @param options the project, environment, runner
 * @returns what changed, and the plugins developed now
 * @throws {HpmInputError} `unknown-package`, `usage` (not one of the project's
 *   plugins), `no-checkout`, `missing-clone` (offers `hpm clone`), `commit-mode`
 *   (no committed mode to take the others from); nothing written
 *
 * @example Usage
 * ```ts
 * import { develop, sync } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core whose plugin `q` is released on the index, with a dev checkout in packages/q:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(
 *   `${root}/reg/packages/q.yaml`,
 *   "name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n  prod: {type: pypi, version: 1.0.0}\n",
 * );
 * await Deno.mkdir(`${root}/packages/q`, { recursive: true });
 * await Deno.writeTextFile(`${root}/packages/q/pyproject.toml`, '[project]\nname = "q"\nversion = "1.0.0"\n');
 *
 * // q from its clone, every other plugin from prod (the committed mode): hpm.local.yaml says so,
 * // and the next sync (`hpm develop` runs one) installs it that way.
 * const { develop: now } = await develop(["q"], { root });
 * assert.deepEqual(now.map((p) => [p.name, p.present]), [["q", true]]);
 * assert.match(await Deno.readTextFile(`${root}/hpm.local.yaml`), /develop: \[q\]/);
 * await sync({ root, install: false });
 * assert.match(await Deno.readTextFile(`${root}/pyproject.toml`), /q = \{ path = "packages\/q"/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function develop(
  names: readonly string[],
  options: CommandContext = {},
): Promise<DevelopResult> {
  if (!names.length) {
    throw new HpmInputError("usage", "name at least one plugin", undefined, "hpm develop PLUGIN…");
  }
  const root = findProjectRoot(options.root);
  const env = options.env ?? Deno.env.toObject();
  return await withProjectLock(root, async () => {
    const project = await loadProject(root, options);
    requireKnown(project, names);
    for (const name of names) {
      const entry = project.registry.get(name);
      if (checkoutMode(entry, "dev") === undefined) {
        throw new HpmInputError(
          "no-checkout",
          `\`${entry.name}\` cannot be developed: no mode of its registry entry has a local source`,
          entry.positionOf(["sources"], true),
          addCheckoutHint(entry),
        );
      }
    }
    const { file, text } = readLocal(root);
    const listed = new Set(project.overlay?.develop.map(normalizeName));
    const unchanged = names.filter((n) => listed.has(normalizeName(n)));
    // The other plugins come from the committed mode's sources, unless this
    // machine chose a mode of its own.
    let modeSet: string | undefined;
    if (project.overlay?.mode === undefined) {
      const committed = othersMode(project);
      if (projectMode(project).mode !== committed) modeSet = committed;
    }
    const after = addDeveloped(text, names, modeSet, file);
    const overlay = parseLocalOverlay(after, file);
    const plan = await planProject({ ...project, overlay }, { ...options, reportProblems: true });
    for (const name of names) {
      if (!plan.resolution.packages.some((p) => p.key === normalizeName(name))) {
        throw new HpmInputError(
          "usage",
          `\`${name}\` is not one of the plugins this project installs in mode ${plan.mode}`,
          undefined,
          `add it to a group first: \`hpm group add GROUP --option ${name}\``,
        );
      }
    }
    const missing = developedPlugins(project, overlay, env)
      .filter((p) => !p.present && names.some((n) => sameName(n, p.name)));
    if (missing.length) throw noClone(project, missing, names, env);
    if (plan.problem) throw plan.problem;
    if (after !== text) await writeConfined(file, after, { root });
    const inEffect = new Set(plan.resolution.plan.develop);
    return {
      file,
      changed: after !== text,
      ...(modeSet === undefined ? {} : { modeSet }),
      develop: developedPlugins(project, overlay, env),
      unchanged,
      ...(overlay.mode === undefined ? {} : { localMode: overlay.mode }),
      localAnyway: names.filter((n) => !inEffect.has(normalizeName(n))),
    };
  });
}

const sameName = (a: string, b: string) => normalizeName(a) === normalizeName(b);

// The mode the plugins not developed come from: the committed one.
function othersMode(project: Project): string {
  try {
    return commitModeOf(project).mode;
  } catch (e) {
    if (!(e instanceof HpmInputError)) throw e;
    throw new HpmInputError(
      e.code,
      `${e.message}: the other plugins would come from it`,
      e.file === undefined ? undefined : { file: e.file, line: e.line, column: e.column },
      `set \`mode: MODE\` in ${LOCAL_FILE} (a mode whose sources are released), or ` +
        "`commit-mode: MODE` in hpm.yaml, then run `hpm develop` again",
    );
  }
}

// A plugin to develop whose dev checkout is not on disk: nothing is written,
// and `hpm clone` is offered.
function noClone(
  project: Project,
  missing: readonly DevelopedPlugin[],
  names: readonly string[],
  env: Env,
): HpmInputError {
  const [first] = missing;
  const entry = project.registry.get(first.name);
  const checkout = devCheckout(project, entry, "dev", homeFolder(env))!;
  const clone = missing.map((p) => p.name).join(" ");
  return new HpmInputError(
    "missing-clone",
    `cannot develop \`${first.name}\`: its clone is missing (${first.path} is not a Python ` +
      "project)" +
      (missing.length > 1 ? ` (also missing: ${clone.split(" ").slice(1).join(", ")})` : ""),
    checkout.overridden
      ? { file: project.overlay!.file }
      : entry.positionOf(["sources", checkout.mode, "path"]),
    `run \`hpm clone ${clone}\`, then \`hpm develop ${names.join(" ")}\` again`,
  );
}

/**
 * `hpm free P…` (`hpm free --all`): take plugins off hpm.local.yaml's
 * `develop:`, so they come from the mode's source again. `mode:` stays, so
 * the next sync takes them from their releases like the others; an
 * hpm.local.yaml left with nothing in it is removed.
 *
 * @param names the plugins; undefined: every developed one
 * @param options the project, environment
 * @returns what changed, and the plugins still developed
 * @throws {HpmInputError} `unknown-package` for a name no registry knows and
 *   `develop:` does not list; nothing written
 *
 * @example Usage
 * ```ts
 * import { develop, free, sync } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core whose plugin `q` is released on the index, with a dev checkout in packages/q:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(
 *   `${root}/reg/packages/q.yaml`,
 *   "name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n  prod: {type: pypi, version: 1.0.0}\n",
 * );
 * await Deno.mkdir(`${root}/packages/q`, { recursive: true });
 * await Deno.writeTextFile(`${root}/packages/q/pyproject.toml`, '[project]\nname = "q"\nversion = "1.0.0"\n');
 * await develop(["q"], { root });
 *
 * // Back to q's release: nothing is developed, and the next sync takes q from the index again.
 * const { develop: now } = await free(["q"], { root });
 * assert.deepEqual(now, []);
 * await sync({ root, install: false });
 * assert.match(await Deno.readTextFile(`${root}/pyproject.toml`), /"q==1\.0\.0"/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function free(
  names: readonly string[] | undefined,
  options: CommandContext = {},
): Promise<DevelopResult> {
  const root = findProjectRoot(options.root);
  const env = options.env ?? Deno.env.toObject();
  return await withProjectLock(root, async () => {
    const project = await loadProject(root, options);
    const listed = project.overlay?.develop ?? [];
    // A developed plugin whose registry entry is gone can still be freed.
    requireKnown(project, (names ?? []).filter((n) => !listed.some((l) => sameName(l, n))));
    const { file, text } = readLocal(root);
    const unchanged = (names ?? []).filter((n) => !listed.some((l) => sameName(l, n)));
    const after = removeDeveloped(text, names, file);
    if (after === undefined) await removeConfined(file, { root });
    else if (after !== text) await writeConfined(file, after, { root });
    const overlay = after ? parseLocalOverlay(after, file) : undefined;
    return {
      file,
      changed: after !== text,
      develop: developedPlugins(project, overlay, env),
      unchanged,
      ...(overlay?.mode === undefined ? {} : { localMode: overlay.mode }),
    };
  });
}

/**
 * `hpm develop` without plugins: those hpm.local.yaml develops, and their checkouts.
 *
 * @param options the project
 * @returns the plugins, in hpm.local.yaml's order
 *
 * @example Usage
 * ```ts
 * import { developed } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core whose plugin `q` is released on the index, with a dev checkout in packages/q:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(
 *   `${root}/reg/packages/q.yaml`,
 *   "name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n  prod: {type: pypi, version: 1.0.0}\n",
 * );
 * await Deno.mkdir(`${root}/packages/q`, { recursive: true });
 * await Deno.writeTextFile(`${root}/packages/q/pyproject.toml`, '[project]\nname = "q"\nversion = "1.0.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.local.yaml`, "mode: prod\ndevelop: [q]\n");
 *
 * assert.deepEqual(await developed({ root }), [{ name: "q", path: "packages/q", present: true }]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function developed(options: CommandContext = {}): Promise<DevelopedPlugin[]> {
  const project = await loadProjectAt(options);
  return developedPlugins(project, project.overlay, options.env ?? Deno.env.toObject());
}

/** `hpm develop`'s and `hpm free`'s command line. */
export interface DevelopFlags extends GlobalFlags {
  /** The plugins named. */
  readonly packages: readonly string[];
  /** `--json` (the list). */
  readonly json?: boolean;
  /** `--all` (free). */
  readonly all?: boolean;
}

/**
 * `hpm develop [P…]`: develop plugins, or list those developed.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function developCommand(flags: DevelopFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  if (!flags.packages.length) {
    const list = await developed(context);
    if (flags.json) io.out(JSON.stringify(list, null, 2));
    else if (!list.length) io.out("no plugin is developed; `hpm develop PLUGIN` develops one");
    else for (const p of list) io.out(describe(p));
    return;
  }
  const result = await develop(flags.packages, context);
  for (const name of result.unchanged) context.log(`${name} is developed already`);
  for (const name of result.localAnyway ?? []) {
    context.log(
      `the mode in force installs ${name} from its clone anyway` +
        (result.localMode === undefined
          ? ""
          : ` (${LOCAL_FILE} sets mode ${result.localMode}: set the committed mode there for ` +
            "the other plugins to come from their releases)"),
    );
  }
  const named = result.develop.filter((p) => flags.packages.some((n) => sameName(n, p.name)));
  context.log(
    `${LOCAL_FILE}: ${named.map((p) => `${p.name} from ${p.path}`).join(", ")}` +
      (result.modeSet === undefined
        ? ""
        : `; mode ${result.modeSet} (the committed mode) for the other plugins`),
  );
}

/**
 * `hpm free P…` / `hpm free --all`: stop developing plugins.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function freeCommand(flags: DevelopFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  if (!flags.packages.length && !flags.all) {
    throw new HpmInputError(
      "usage",
      "name the plugins to free, or pass --all",
      undefined,
      "hpm free PLUGIN…  (`hpm develop` lists the developed ones)",
    );
  }
  const result = await free(flags.all ? undefined : flags.packages, context);
  for (const name of result.unchanged) context.log(`${name} was not developed`);
  context.log(
    (result.develop.length
      ? `${LOCAL_FILE}: still developed: ${result.develop.map((p) => p.name).join(", ")}`
      : `${LOCAL_FILE}: no plugin is developed now`) +
      (result.localMode === undefined
        ? ""
        : `; it still sets mode ${result.localMode} (remove that line for hpm.yaml's mode)`),
  );
}

function describe(p: DevelopedPlugin): string {
  if (p.path === null) return `${p.name}  (no local source in its registry entry)`;
  return `${p.name}  ${p.path}${p.present ? "" : `  (missing: run \`hpm clone ${p.name}\`)`}`;
}
