/**
 * `hpm check`'s second half: does uv.lock install what the mode says? A
 * pyproject.toml written for prod with a uv.lock still locked for dev
 * (`hpm sync --no-install --mode prod`) would deploy the dev clones' paths.
 *
 * Two checks: the sources uv.lock records for the registry's plugins must be
 * of the mode's kind (a local path in dev, git or an index in prod), compared
 * without running anything; then `uv lock --check --offline`, which answers
 * whether uv would lock anything differently, when it can do so offline.
 *
 * A check runs nothing the project ships: uv gets an interpreter from outside
 * it (see `isolatedUv`), and is not asked at all when it would have to run a
 * build backend to learn a package's metadata, because a source tree in
 * uv.lock (the project itself, a local path) declares it dynamic; uv 0.13
 * builds such a package whenever what it can read from pyproject.toml does not
 * already match uv.lock, `--no-build` notwithstanding. That outcome is worded
 * ({@link LockCheck.uvSkipped}), never a silent pass.
 *
 * @module
 */

import { parse as parseToml } from "smol-toml";
import { joinPath, MAX_PYPROJECT_BYTES, MAX_UV_LOCK_BYTES, readConfined } from "./files.ts";
import { normalizeName } from "./names.ts";
import { LOCK_FILE } from "./project.ts";
import type { ResolvedPackage } from "./resolve.ts";
import { denoRunner, isAbsolutePath, type Runner } from "./runner.ts";
import type { SyncPlan } from "./sync.ts";
import { HpmOperationError } from "./errors.ts";
import { PYPROJECT_FILE, uvLockCheckRequest, warnCommittedVenv } from "./uv.ts";

type LockedSource = Readonly<Record<string, unknown>>;
type LockedPackage = { name?: unknown; source?: LockedSource };

/**
 * How uv.lock's sources for the plan's packages differ from the mode's, one
 * sentence each. Pure.
 *
 * @param lockText uv.lock
 * @param packages the plan's packages (with their source in the mode)
 * @returns the differences; empty when every package is locked from the kind
 *   of source the mode gives it
 *
 * @example Usage
 * ```ts
 * import { lockSourceProblems, parseRegistryEntry } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const entry = parseRegistryEntry(
 *   "name: q\nsources:\n  prod: {type: git, url: 'https://example.com/q.git', tag: v1}\n",
 *   "q.yaml",
 * );
 * const lock = '[[package]]\nname = "q"\nversion = "1.0.0"\nsource = { editable = "packages/q" }\n';
 * assert.deepEqual(
 *   lockSourceProblems(lock, [{ key: "q", entry, source: entry.sources.prod, overridden: false, groups: [] }]),
 *   ["q is locked from the local path packages/q (editable), not from git"],
 * );
 * ```
 */
export function lockSourceProblems(
  lockText: string,
  packages: readonly ResolvedPackage[],
): string[] {
  return sourceProblems(lockedPackages(lockText), packages);
}

function lockedPackages(lockText: string): readonly LockedPackage[] {
  return (parseToml(lockText) as { package?: LockedPackage[] }).package ?? [];
}

function sourceProblems(
  lock: readonly LockedPackage[],
  packages: readonly ResolvedPackage[],
): string[] {
  const locked = new Map<string, LockedSource[]>();
  for (const p of lock) {
    if (typeof p.name !== "string" || p.source === undefined) continue;
    const key = normalizeName(p.name);
    locked.set(key, [...(locked.get(key) ?? []), p.source]);
  }
  const problems: string[] = [];
  for (const pkg of packages) {
    const want = pkg.source.type === "local"
      ? "local path"
      : pkg.source.type === "git"
      ? "git"
      : "index";
    const sources = locked.get(pkg.key);
    if (!sources) {
      problems.push(`${pkg.entry.name} is not in ${LOCK_FILE}`);
      continue;
    }
    for (const source of sources) {
      const kind = kindOf(source);
      if (kind !== want) {
        problems.push(
          `${pkg.entry.name} is locked from ${describe(source)}, not from ${
            want === "index" ? "an index" : want === "git" ? "git" : "a local path"
          }`,
        );
      }
    }
  }
  return problems;
}

function kindOf(source: LockedSource): string {
  if ("editable" in source || "directory" in source || "path" in source) return "local path";
  if ("git" in source) return "git";
  if ("registry" in source) return "index";
  return "other";
}

function describe(source: LockedSource): string {
  if ("editable" in source) return `the local path ${source.editable} (editable)`;
  if ("directory" in source) return `the local path ${source.directory}`;
  if ("path" in source) return `the local file ${source.path}`;
  if ("git" in source) return `git ${String(source.git).replace(/#.*$/, "")}`;
  if ("registry" in source) return `the index ${source.registry}`;
  // uv's sources are flat; one nested deeper than JSON.stringify can recurse is shown shallowly.
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(source).map(([k, v]) => [k, typeof v === "object" && v !== null ? "…" : v]),
    ),
  );
}

// What uv checks of a source tree's entry in uv.lock: one of these declared
// dynamic, and only the tree's build backend can tell it.
const CHECKED_FIELDS = ["version", "dependencies", "optional-dependencies", "requires-python"];

/**
 * Why uv could not check a source tree's entry in uv.lock without running its
 * build backend (and so code from the tree), from its pyproject.toml. Pure.
 *
 * @param pyproject the tree's pyproject.toml; undefined when it has none
 * @returns the reason, or undefined when uv reads all it checks from pyproject.toml
 *
 * @example Usage
 * ```ts
 * import { whyUvWouldBuild } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.equal(whyUvWouldBuild('[project]\nname = "a"\nversion = "1.0"\n'), undefined);
 * assert.equal(
 *   whyUvWouldBuild('[project]\nname = "a"\ndynamic = ["version"]\n'),
 *   "declares its version dynamic",
 * );
 * ```
 */
export function whyUvWouldBuild(pyproject: string | undefined): string | undefined {
  if (pyproject === undefined) return "has no pyproject.toml";
  let project: unknown;
  try {
    project = (parseToml(pyproject) as { project?: unknown }).project;
  } catch {
    return "has a pyproject.toml that is not valid TOML";
  }
  if (typeof project !== "object" || project === null || Array.isArray(project)) {
    return "has no [project] table";
  }
  const { dynamic, version } = project as { dynamic?: unknown; version?: unknown };
  const fields = Array.isArray(dynamic) ? CHECKED_FIELDS.filter((f) => dynamic.includes(f)) : [];
  if (fields.length) return `declares its ${fields.join(", ")} dynamic`;
  if (typeof version !== "string") return "has no version";
  return undefined;
}

// uv checks the entries of what can change under uv.lock (source trees, local
// archives) against the files themselves; those it would build to do so.
function packagesUvWouldBuild(lock: readonly LockedPackage[], root: string): string[] {
  const found: string[] = [];
  for (const { name, source } of lock) {
    if (typeof source?.path === "string" && !source.path.endsWith(".whl")) {
      found.push(`${name} is locked from the source archive ${source.path}`);
      continue;
    }
    const tree = source?.editable ?? source?.directory;
    if (typeof tree !== "string") continue;
    const dir = isAbsolutePath(tree) ? tree : joinPath(root, tree);
    const bytes = readConfined(joinPath(dir, PYPROJECT_FILE), { root: dir }, MAX_PYPROJECT_BYTES);
    const why = whyUvWouldBuild(bytes && new TextDecoder().decode(bytes));
    if (why) found.push(`${name} (${tree}) ${why}`);
  }
  return found;
}

/** What {@link checkLock} found. */
export interface LockCheck {
  /** Absolute path of uv.lock. */
  readonly file: string;
  /** Whether uv.lock exists (when not, there is nothing to compare). */
  readonly present: boolean;
  /** How it differs from the mode; empty when it matches. */
  readonly problems: readonly string[];
  /**
   * Why `uv lock --check --offline` could not answer (it needs the network,
   * or uv is missing), when it could not; only the sources were compared.
   */
  readonly uvUnanswered?: string;
  /**
   * Why uv was not asked: it would have run a build backend, code from the
   * project, to learn metadata declared dynamic (see
   * {@link whyUvWouldBuild}); only the sources were compared.
   */
  readonly uvSkipped?: string;
}

/**
 * Whether the project's uv.lock matches the mode of `plan`: the sources it
 * records for the plugins, then `uv lock --check --offline`, unless uv would
 * have to run a build backend for it.
 *
 * @param plan what {@link planSync} returned (pyproject.toml should already match it)
 * @param options the runner for uv and git, the environment (UV_PYTHON, PATH),
 *   where a warning about a committed `.venv` goes
 * @returns what was found; the caller decides the exit code
 *
 * @example Usage
 * ```ts ignore
 * import { checkLock, planSync } from "@hpm/cli";
 *
 * const plan = await planSync({ root: "/path/to/core", mode: "prod" });
 * const lock = await checkLock(plan);
 * if (lock.problems.length) console.error(lock.problems.join("\n"));
 * ```
 */
export async function checkLock(
  plan: SyncPlan,
  options: {
    readonly runner?: Runner;
    readonly env?: Readonly<Record<string, string | undefined>>;
    readonly log?: (message: string) => void;
  } = {},
): Promise<LockCheck> {
  const { root } = plan.project;
  const file = joinPath(root, LOCK_FILE);
  const bytes = readConfined(file, { root }, MAX_UV_LOCK_BYTES);
  if (bytes === undefined) return { file, present: false, problems: [] };
  const lock = lockedPackages(new TextDecoder().decode(bytes));
  const problems = sourceProblems(lock, plan.resolution.packages);
  if (problems.length) return { file, present: true, problems };
  const runner = options.runner ?? denoRunner;
  if (options.log) await warnCommittedVenv(root, runner, options.log);
  const builds = packagesUvWouldBuild(lock, root);
  if (builds.length) return { file, present: true, problems: [], uvSkipped: builds.join("; ") };
  let request;
  try {
    request = uvLockCheckRequest(root, options.env ?? Deno.env.toObject());
  } catch (e) {
    if (!(e instanceof HpmOperationError)) throw e;
    return { file, present: true, problems: [], uvUnanswered: `${e.message}: ${e.hint}` };
  }
  const r = await runner(request);
  if (r.code === 0) return { file, present: true, problems: [] };
  if (/needs to be updated/.test(r.stderr)) {
    return {
      file,
      present: true,
      problems: ["`uv lock --check` says it needs to be updated"],
    };
  }
  const lines = r.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  return {
    file,
    present: true,
    problems: [],
    uvUnanswered: lines.find((l) => l.startsWith("error:"))?.replace(/^error:\s*/, "") ??
      lines.at(-1) ?? `uv exited with code ${r.code}`,
  };
}
