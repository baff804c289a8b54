/**
 * Builds HPM projects for end-to-end tests: a core uv project, plugin repos
 * (clone + bare remote with tags), a registry and hpm.yaml; and runs the real
 * `hpm` CLI as a subprocess.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  fileUrl,
  git,
  makeCoreProject,
  makePluginRepo,
  type PluginRepo,
  run,
  type RunResult,
  writeFile,
} from "./_fixtures.ts";
import { JOURNALS, projectStateName, userStateDir } from "../lib/state/folder.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

/** Runs `hpm ARGS` (cli.ts in a fresh Deno process) in `cwd`. */
export function hpm(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<RunResult> {
  return run(Deno.execPath(), ["run", "-A", "--quiet", CLI, ...args], {
    cwd,
    env: { NO_COLOR: "1", ...env },
  });
}

/** What `hpm -v` says when a sync's record answered (a no-op, or a switch back). */
export const FAST = /nothing changed since the last sync|inputs unchanged since this mode/;

/** Asserts that a CLI run exited 0, showing its output when it did not. */
export function expectOk(r: RunResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
}

/** A plugin for {@link makeProject}: a module whose `VERSION` is its version at each tag. */
export interface PluginSpec {
  /** Distribution name. */
  name: string;
  /** Versions to tag, oldest first (default ["1.0.0"]). */
  versions?: string[];
  /** `[project] dependencies` of the plugin. */
  dependencies?: string[];
  /** Registry `sources.prod` override (YAML flow mapping); default: the git tag of the last version. */
  prod?: (repo: PluginRepo) => string;
}

/** What {@link makeProject} built. */
export interface TestProject {
  /** The core project (hpm.yaml, pyproject.toml). */
  dir: string;
  /** Plugins by name. */
  plugins: Record<string, PluginRepo>;
}

/** The import name of a plugin. */
export const moduleOf = (name: string): string => name.replace(/-/g, "_");

/**
 * A core project whose registry knows `plugins`, each cloned at
 * `<dir>/packages/<name>` (dev) with a bare remote (prod: its newest tag).
 * hpm.yaml has one group `plugins` holding `group` (default: all of them).
 */
export async function makeProject(
  root: string,
  plugins: PluginSpec[],
  group: string[] = plugins.map((p) => p.name),
): Promise<TestProject> {
  const dir = join(root, "core");
  await makeCoreProject(dir);
  const repos: Record<string, PluginRepo> = {};
  for (const p of plugins) {
    const versions = p.versions ?? ["1.0.0"];
    const repo = await makePluginRepo(root, {
      name: p.name,
      module: moduleOf(p.name),
      versions: versions.map((version) => ({
        version,
        body: `VERSION = "${version}"\n`,
        dependencies: p.dependencies,
      })),
      cloneDir: join(dir, "packages", p.name),
    });
    repos[p.name] = repo;
    const prod = p.prod?.(repo) ?? `{type: git, url: "${repo.bareUrl}", ref: ${repo.tags.at(-1)}}`;
    await writeFile(
      join(dir, "hpm-registry", "packages", `${p.name}.yaml`),
      `# ${p.name}\nname: ${p.name}\nsources:\n  dev:\n    type: local\n    path: ./packages/${p.name}\n` +
        `  prod: ${prod}\n`,
    );
  }
  await writeFile(
    join(dir, "hpm.yaml"),
    `# test project\nregistry: ./hpm-registry\ngroups:\n  plugins:\n    options: [${
      group.join(", ")
    }]\n`,
  );
  return { dir, plugins: repos };
}

/**
 * A core repository whose HEAD is the prod form, with the working tree
 * synced to dev: where `hpm stage` starts.
 *
 * @param root the folder to build in
 * @param plugins the plugins' names
 * @param env extra environment for hpm (HPM_STATE_DIR…)
 */
export async function devCheckoutOfProdCommit(
  root: string,
  plugins: string[],
  env: Record<string, string> = {},
): Promise<TestProject> {
  const project = await makeProject(root, plugins.map((name) => ({ name })));
  const { dir } = project;
  await Deno.writeTextFile(join(dir, ".gitignore"), "packages/\n", { append: true });
  await git(["init", "--quiet"], { cwd: dir });
  expectOk(await hpm(["sync", "--mode", "prod"], dir, env), "hpm sync --mode prod");
  await git(["add", "-A"], { cwd: dir });
  await git(["commit", "--quiet", "-m", "prod form"], { cwd: dir });
  expectOk(await hpm(["sync"], dir, env), "hpm sync (dev)");
  return project;
}

/** A change of the user's own in the core's pyproject.toml: its `version`. */
export async function setCoreVersion(dir: string, version: string): Promise<void> {
  const pyproject = join(dir, "pyproject.toml");
  const text = await Deno.readTextFile(pyproject);
  await Deno.writeTextFile(pyproject, text.replace(/^version = ".*"$/m, `version = "${version}"`));
}

/** The bytes of some files (undefined for a missing one), to assert "nothing written". */
export async function snapshot(
  dir: string,
  files: string[],
): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const f of files) {
    try {
      out[f] = await Deno.readTextFile(join(dir, f));
    } catch {
      out[f] = undefined;
    }
  }
  return out;
}

/**
 * Where hpm keeps the journal of a sync of `dir` while it runs (see
 * lib/state/journal_file.ts): in the user's state folder that `env` names.
 */
export async function journalOf(
  dir: string,
  env: Readonly<Record<string, string | undefined>> = Deno.env.toObject(),
): Promise<string> {
  return join(userStateDir(env), JOURNALS, await projectStateName(dir, "journal"));
}

/**
 * Makes the folder `work` a git repository (branch `main`, one commit of all
 * its files) and pushes it to a new bare remote at `bare`, its `origin`.
 *
 * @returns the remote's file:// URL
 */
export async function pushedRegistry(work: string, bare: string): Promise<string> {
  await git(["init", "--quiet", "-b", "main"], { cwd: work });
  await git(["add", "-A"], { cwd: work });
  await git(["commit", "--quiet", "-m", "registry"], { cwd: work });
  await Deno.mkdir(bare, { recursive: true });
  await git(["init", "--quiet", "--bare", bare], { cwd: bare });
  await git(["remote", "add", "origin", bare], { cwd: work });
  await git(["push", "--quiet", "-u", "origin", "main"], { cwd: work });
  return fileUrl(bare);
}

/** A registry in a git repository of its own: a working clone and its bare remote. */
export interface TeamRegistry {
  /** The working clone (teammates edit and push here). */
  readonly work: string;
  /** The bare remote. */
  readonly bare: string;
  /** `registry:` in hpm.yaml: the remote's file:// URL and `#ref`, if any. */
  readonly location: string;
}

/** Where {@link teamRegistry} puts the registry, and how hpm.yaml names it. */
export interface TeamRegistryOptions {
  /** The `#ref` hpm.yaml names; `""` for none (the remote's default branch). @default "main" */
  readonly ref?: string;
  /** The working clone. @default `<root>/team-registry` */
  readonly work?: string;
  /** The bare remote. @default `<root>/remotes/team-registry.git` */
  readonly bare?: string;
}

/**
 * Moves a project's `hpm-registry/` into a git repository of its own (branch
 * `main`, pushed to a bare remote) and points hpm.yaml at it by URL.
 */
export async function teamRegistry(
  root: string,
  dir: string,
  options: TeamRegistryOptions = {},
): Promise<TeamRegistry> {
  const {
    ref = "main",
    work = join(root, "team-registry"),
    bare = join(root, "remotes", "team-registry.git"),
  } = options;
  await Deno.rename(join(dir, "hpm-registry"), work);
  const url = await pushedRegistry(work, bare);
  const location = ref ? `${url}#${ref}` : url;
  const manifest = join(dir, "hpm.yaml");
  const text = await Deno.readTextFile(manifest);
  await Deno.writeTextFile(
    manifest,
    text.replace("registry: ./hpm-registry", `registry: "${location}"`),
  );
  return { work, bare, location };
}

/** Ages HPM's registry cache in `cache` past its freshness window, so the next run asks the remotes. */
export async function expire(cache: string): Promise<void> {
  const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
  for await (const e of Deno.readDir(join(cache, "registries"))) {
    if (e.name.endsWith(".fetched")) {
      await Deno.utime(join(cache, "registries", e.name), hourAgo, hourAgo);
    }
  }
}

/** A teammate's change to the team registry: an entry written, committed and pushed. */
export async function pushEntry(
  registry: TeamRegistry,
  name: string,
  text: string,
): Promise<void> {
  await writeFile(join(registry.work, "packages", `${name}.yaml`), text);
  await git(["add", "-A"], { cwd: registry.work });
  await git(["commit", "--quiet", "-m", `${name}`], { cwd: registry.work });
  await git(["push", "--quiet", "origin", "main"], { cwd: registry.work });
}

/**
 * A bare core (`<root>/core`: a pyproject.toml and hpm.yaml, no clones) on
 * the registry at `registry` (several: a list), whose one group `plugins`
 * holds `options` (no group when there are none).
 */
export async function coreOn(
  root: string,
  registry: string | readonly string[],
  options: readonly string[] = [],
): Promise<string> {
  const dir = join(root, "core");
  await writeFile(join(dir, "pyproject.toml"), '[project]\nname = "core"\nversion = "0.1.0"\n');
  const registries = typeof registry === "string"
    ? ` ${registry}\n`
    : `\n${registry.map((r) => `  - ${JSON.stringify(r)}\n`).join("")}`;
  const groups = options.length
    ? `groups:\n  plugins:\n    options: [${options.join(", ")}]\n`
    : "";
  await writeFile(join(dir, "hpm.yaml"), `registry:${registries}${groups}`);
  return dir;
}

/**
 * A core project (see {@link makeProject}) with one plugin, `name`, tagged
 * v1.0.0 and v1.1.0, whose registry is a git repository of its own (see
 * {@link teamRegistry}): a bare remote at `<root>/registry.git`, which
 * hpm.yaml names by its file:// URL, holding `entry(url, "v1.0.0")` (`url`:
 * the plugin's remote's). With an environment for hpm: a cache and a state
 * folder of the test's.
 */
export async function coreWithGitRegistry(
  root: string,
  name: string,
  entry: (url: string, ref: string) => string,
): Promise<{
  dir: string;
  plugin: PluginRepo;
  url: string;
  bare: string;
  registryUrl: string;
  env: Record<string, string>;
}> {
  const project = await makeProject(root, [{ name, versions: ["1.0.0", "1.1.0"] }]);
  const plugin = project.plugins[name];
  await writeFile(
    join(project.dir, "hpm-registry", "packages", `${name}.yaml`),
    entry(plugin.bareUrl, "v1.0.0"),
  );
  const { bare, location } = await teamRegistry(root, project.dir, {
    ref: "",
    work: join(root, "registry-work"),
    bare: join(root, "registry.git"),
  });
  const env = { HPM_CACHE_DIR: join(root, "cache"), HPM_STATE_DIR: join(root, "state") };
  return { dir: project.dir, plugin, url: plugin.bareUrl, bare, registryUrl: location, env };
}
