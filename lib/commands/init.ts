/**
 * `hpm init`: add HPM to an existing uv project; with `--hook`, a plain git
 * pre-commit hook running `hpm check --staged`, for teams without the
 * pre-commit framework (which uses the repository's
 * `.pre-commit-hooks.yaml` instead).
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";
import { stringify } from "yaml";
import { type Adoption, planAdoption } from "../core/adopt.ts";
import {
  kindOf,
  makeExecutable,
  makeFolderConfined,
  makeFolders,
  MAX_PYPROJECT_BYTES,
  readConfined,
  statOrUndefined,
  writeConfined,
} from "../io/files.ts";
import { HpmInputError } from "../core/errors.ts";
import { preCommitHookPath, repoLocation } from "../io/git.ts";
import { denoRunner } from "../io/runner.ts";
import { normalizeName } from "../core/names.ts";
import { decodeUtf8 } from "../edit/utf8.ts";
import { LOCAL_FILE, MANIFEST_FILE, PYPROJECT_FILE } from "../core/project.ts";
import { jsonSchema } from "../core/json_schema.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { findProjectRoot } from "../project/root.ts";
import type { Io } from "../io/terminal.ts";

/** Options of {@link init}. */
export interface InitOptions extends CommandContext {
  /** The registry folder to create, relative to the root. @default "hpm-registry" */
  readonly registry?: string;
  /**
   * Adopt the path and git sources pyproject.toml already has for the plugins
   * in its dependency groups (see {@link planAdoption}). @default true
   */
  readonly adopt?: boolean;
}

/**
 * The hpm.yaml that `hpm init` writes.
 *
 * @param registry the registry folder
 * @param groups groups adopted from pyproject.toml, with their options
 * @returns the text
 *
 * @example Usage
 * ```ts
 * import { parseManifest } from "@hpm/cli";
 * import { initialManifest } from "./init.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseManifest(initialManifest("hpm-registry"), "hpm.yaml").registries, ["./hpm-registry"]);
 * ```
 */
export function initialManifest(
  registry: string,
  groups: Adoption["groups"] = [],
): string {
  const lines = [
    `# yaml-language-server: $schema=./${registry}/hpm.schema.json`,
    "# HPM manifest: the plugins this project is built and tested with.",
    "# Add one:  hpm group add GROUP --option PACKAGE   then:  hpm sync",
    `registry: ./${registry}`,
    "mode: dev",
  ];
  if (groups.length) {
    lines.push(
      stringify({ groups: Object.fromEntries(groups.map((g) => [g.name, { options: g.options }])) })
        .trimEnd(),
    );
  }
  return lines.join("\n") + "\n";
}

// The clone folder too (`git add -A` would record clones as gitlinks, and test
// runners would collect the plugins' suites), anchored: the registry has a
// packages/ folder of its own.
const IGNORED = [LOCAL_FILE, "/packages/"];

/**
 * Create hpm.yaml, a registry folder (with JSON Schemas for editors) and
 * .gitignore entries for hpm.local.yaml and the clone folder /packages/.
 * Refuses to overwrite.
 *
 * Unless `adopt` is false, the path and git sources pyproject.toml already has
 * for the plugins in its dependency groups become registry entries and
 * groups of hpm.yaml, and pyproject.toml records them as HPM's (their bytes
 * unchanged), so that `hpm sync` manages them instead of refusing them.
 *
 * @param options `root`: the uv project folder (default: the working folder); whether to adopt
 * @returns the paths created or changed
 * @throws {HpmInputError} when there is no pyproject.toml, hpm.yaml exists, or
 *   pyproject.toml is not valid TOML
 */
export async function init(options: InitOptions = {}): Promise<string[]> {
  const root = resolve(options.root ?? Deno.cwd());
  const registry = (options.registry ?? "hpm-registry").replace(/^\.\/|\/$/g, "");
  const pyprojectFile = join(root, PYPROJECT_FILE);
  if (kindOf(pyprojectFile) === undefined) {
    throw new HpmInputError(
      "not-found",
      `no ${PYPROJECT_FILE} in ${root}`,
      undefined,
      "HPM manages a uv project: run `uv init` first",
    );
  }
  const manifest = join(root, MANIFEST_FILE);
  if (statOrUndefined(manifest) !== undefined) {
    throw new HpmInputError(
      "usage",
      `${manifest} already exists`,
      { file: manifest },
      "HPM is already set up here; edit hpm.yaml or use `hpm group add`",
    );
  }
  const adoption = options.adopt === false ? undefined : planAdoption(
    decodeUtf8(
      readConfined(pyprojectFile, { root }, MAX_PYPROJECT_BYTES) ?? new Uint8Array(),
      pyprojectFile,
    ),
    pyprojectFile,
  );
  const log = options.log ?? (() => {});
  const packages = join(root, registry, "packages");
  for (const p of adoption?.packages ?? []) {
    const file = join(packages, `${normalizeName(p.name)}.yaml`);
    const existing = readConfined(file, { root }, 1024 * 1024);
    // The very entry an interrupted init wrote is no obstacle to running it again.
    if (existing !== undefined && new TextDecoder().decode(existing) !== p.entry) {
      throw new HpmInputError(
        "usage",
        `${file} already exists: hpm init would adopt \`${p.name}\` from pyproject.toml into it`,
        { file },
        "remove or rename that file, or run `hpm init --no-adopt`",
      );
    }
  }
  const changed: string[] = [];
  makeFolderConfined(packages, { root });
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
  for (const p of adoption?.packages ?? []) {
    const file = join(packages, `${normalizeName(p.name)}.yaml`);
    await writeConfined(file, p.entry, { root });
    changed.push(file);
    log(
      `adopted ${p.name}: its ${p.mode === "dev" ? "path" : "git"} source in pyproject.toml ` +
        `is now the \`${p.mode}\` source of ${relative(root, file)}` +
        (p.mode === "dev" ? "; add a `prod:` source there before `hpm sync --mode prod`" : ""),
    );
  }
  for (const reason of adoption?.skipped ?? []) log(`not adopted: ${reason}`);
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
        ["# hpm: this machine's settings (hpm.local.yaml), the plugins' clones", ...missing].join(
          eol,
        ) +
        eol,
      { root },
    );
    changed.push(gitignore);
  }
  // Stopped before hpm.yaml is written, init can simply be run again.
  await writeConfined(manifest, initialManifest(registry, adoption?.groups), { root });
  changed.push(manifest);
  // The record last: without it the adopted entries are still the user's (an
  // init stopped here leaves them so, and `hpm sync --adopt` takes them,
  // as its refusal says). Recorded before hpm.yaml lists them, they would be
  // HPM's with no group to keep them, and a rerun would adopt nothing.
  if (adoption?.changed) {
    await writeConfined(pyprojectFile, adoption.pyproject, { root });
    changed.push(pyprojectFile);
    log(`pyproject.toml is hpm's in ${adoption.mode} mode; your entries are unchanged`);
  }
  return changed;
}

// How HPM recognises a hook it wrote (and may rewrite).
const MARKER = "# hpm-hook: written by `hpm init --hook`";

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The pre-commit hook script. Git runs hooks at the top of the work tree, so
 * a project in a subfolder is named with `-C`.
 *
 * @param prefix the project's folder relative to the work tree's top (`""` at the top)
 * @returns the script
 *
 * @example Usage
 * ```ts
 * import { hookScript } from "./init.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(hookScript(""), /^exec hpm check --staged$/m);
 * assert.match(hookScript("core/"), /^exec hpm -C 'core\/' check --staged$/m);
 * ```
 */
export function hookScript(prefix: string): string {
  return [
    "#!/bin/sh",
    MARKER,
    "# Refuses a commit whose pyproject.toml / uv.lock are not in the committed mode;",
    "# `hpm stage` puts them there. Skip once with `git commit --no-verify`.",
    `exec hpm${prefix ? ` -C ${shellQuote(prefix)}` : ""} check --staged`,
    "",
  ].join("\n");
}

/**
 * Write the git pre-commit hook (where `core.hooksPath` says, else
 * `.git/hooks/pre-commit`). A hook HPM did not write is never replaced.
 *
 * @param options the project and the runner
 * @returns the hook's path and whether it was written (false: already there)
 * @throws {HpmInputError} `hook-exists` for another hook; `git-state` outside a work tree
 *
 * @example Usage
 * ```ts ignore
 * import { installHook } from "./init.ts";
 *
 * const { path } = await installHook({ root: "." });
 * ```
 */
export async function installHook(
  options: CommandContext = {},
): Promise<{ path: string; changed: boolean }> {
  return await writeHook(await planHook(options));
}

/** Where the hook goes, what it says, and what is there now. */
interface HookPlan {
  readonly path: string;
  readonly script: string;
  readonly existing?: string;
}

// The hook installHook would write, refused (no work tree, another tool's
// hook) before anything is written: `hpm init --hook` asks first.
async function planHook(options: CommandContext): Promise<HookPlan> {
  const runner = options.runner ?? denoRunner;
  const root = resolve(options.root ?? Deno.cwd());
  const repo = await repoLocation(runner, root);
  if (!repo) {
    throw new HpmInputError(
      "git-state",
      `${root} is not in a git work tree`,
      undefined,
      "run `git init` first, then `hpm init --hook`",
    );
  }
  const path = await preCommitHookPath(runner, repo.top);
  const bytes = readConfined(path, { root: dirname(path) }, 1024 * 1024);
  const existing = bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  if (existing !== undefined && !existing.includes(MARKER)) {
    throw new HpmInputError(
      "hook-exists",
      `${path} exists and was not written by hpm; it was left as it is`,
      { file: path },
      "add the line `hpm check --staged || exit 1` to it yourself, or use the pre-commit " +
        "framework's `hpm-check` hook",
    );
  }
  return { path, script: hookScript(repo.prefix), existing };
}

async function writeHook(
  { path, script, existing }: HookPlan,
): Promise<{ path: string; changed: boolean }> {
  if (existing === script) return { path, changed: false };
  makeFolders(dirname(path));
  const hooks = { root: dirname(path) };
  await writeConfined(path, script, hooks);
  await makeExecutable(path, hooks).catch(() => {}); // Windows has no mode bits; git runs it anyway
  return { path, changed: true };
}

/** `hpm init`'s command line: `--registry`, `--no-adopt`, `--hook`. */
export interface InitFlags extends GlobalFlags, Pick<InitOptions, "registry" | "adopt"> {
  /** `--hook`. */
  readonly hook?: boolean;
}

/**
 * `hpm init`: set HPM up (unless `--hook` finds it set up already), then the
 * pre-commit hook if asked for; a line per file written, and what to do next.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function initCommand(flags: InitFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { log } = context;
  const found = () => {
    try {
      return findProjectRoot(flags.project);
    } catch {
      return undefined;
    }
  };
  const setUp = flags.hook && found();
  // A hook that cannot be written is refused before init writes anything.
  const hook = flags.hook
    ? await planHook({ ...context, root: setUp || flags.project })
    : undefined;
  if (!setUp) {
    const changed = await init({ ...context, registry: flags.registry, adopt: flags.adopt });
    for (const file of changed) log(`wrote ${file}`);
  }
  if (hook) {
    const { path, changed } = await writeHook(hook);
    log(changed ? `wrote ${path}` : `${path} is already hpm's hook`);
    return;
  }
  log(
    "next: `hpm registry add NAME --git URL --ref TAG`, then `hpm group add GROUP --option NAME`",
  );
}
