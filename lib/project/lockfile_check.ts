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
 * it (see `uvLockCheckRequest`), and is not asked at all when it would have to
 * run a build backend to learn a package's metadata, because a source tree in
 * uv.lock (the project itself, a local path) declares it dynamic; uv 0.13
 * builds such a package whenever what it can read from pyproject.toml does not
 * already match uv.lock, `--no-build` notwithstanding. That outcome is worded
 * ({@link LockCheck.uvSkipped}), never a silent pass.
 *
 * @module
 */

import { HpmOperationError } from "../core/errors.ts";
import { joinPath, MAX_PYPROJECT_BYTES, MAX_UV_LOCK_BYTES, readConfined } from "../io/files.ts";
import { normalizeName } from "../core/names.ts";
import type { Plan } from "../core/plan.ts";
import { plannedPackages } from "../edit/pyproject_policy.ts";
import { denoRunner, isAbsolutePath } from "../io/runner.ts";
import type { SyncPlan } from "./plan.ts";
import type { CommandContext } from "./context.ts";
import { parseToml, readTomlValues, scanTomlFile } from "../edit/toml/parse.ts";
import { lineColumn } from "../edit/toml/scan.ts";
import { uvLockCheckRequest, warnCommittedVenv } from "../io/uv.ts";
import { LOCK_FILE, PYPROJECT_FILE } from "../core/project.ts";

type LockedSource = Readonly<Record<string, unknown>>;

/**
 * How uv.lock's sources for the packages `plan` installs differ from the
 * plan's, one sentence each, starting `uv.lock:LINE:` where uv.lock says it:
 * a local path where the mode has none (or none where it has one), another
 * git repository or ref, another index. Pure.
 *
 * @param lockText uv.lock
 * @param plan the mode's plan
 * @param file the file name used in error positions
 * @returns the differences; empty when every package is locked from the
 *   mode's source
 * @throws {HpmInputError} `toml-syntax` when uv.lock is not valid TOML
 *
 * @example Usage
 * ```ts
 * import { lockSourceProblems } from "./lockfile_check.ts";
 * import assert from "node:assert/strict";
 *
 * const plan = {
 *   mode: "prod",
 *   groups: [{ name: "db", requirements: ["q"] }],
 *   sources: [{ name: "q", table: [["git", "https://example.com/q.git"], ["tag", "v1"]] as const }],
 *   indexes: [],
 * };
 * const lock = '[[package]]\nname = "q"\nversion = "1.0.0"\nsource = { editable = "packages/q" }\n';
 * assert.deepEqual(lockSourceProblems(lock, plan), [
 *   "uv.lock:4: q is locked from the local path packages/q (editable), not from git",
 * ]);
 * ```
 */
export function lockSourceProblems(lockText: string, plan: Plan, file = LOCK_FILE): string[] {
  return problemsIn(lockedPackages(lockText, plan.mode, file), lockText, plan, file);
}

// What to do about a uv.lock that is not TOML.
const lockHint = (mode: string) =>
  `uv.lock is uv's file: restore it (\`git checkout -- uv.lock\`), or delete it ` +
  `and run \`hpm sync --mode ${mode}\` to lock again`;

function lockedPackages(lockText: string, mode: string, file: string): readonly unknown[] {
  const lock = readTomlValues(lockText, file, lockHint(mode)) as { package?: unknown };
  return Array.isArray(lock.package) ? lock.package : [];
}

function problemsIn(
  packages: readonly unknown[],
  lockText: string,
  plan: Plan,
  file: string,
): string[] {
  const hint = lockHint(plan.mode);
  // Where each [[package]] says its source: found only when there is something to say.
  let lines: (number | undefined)[] | undefined;
  const lineOf = (index: number) => {
    lines ??= sourceLines(lockText, file, hint);
    const line = lines[index];
    return line === undefined ? `${LOCK_FILE}: ` : `${LOCK_FILE}:${line}: `;
  };
  const wanted = new Map(
    plan.sources.map((s) => [normalizeName(s.name), Object.fromEntries(s.table)]),
  );
  const indexes = new Map(plan.indexes.map((i) => [i.name, i.url]));
  const problems: string[] = [];
  for (const [key, { name }] of plannedPackages(plan)) {
    const want = wanted.get(key) ?? {};
    const locked = packages.flatMap((p, index) =>
      isTable(p) && typeof p.name === "string" && normalizeName(p.name) === key && isTable(p.source)
        ? [{ source: p.source, index }]
        : []
    );
    if (!locked.length) problems.push(`${name} is not in ${LOCK_FILE}`);
    for (const { source, index } of locked) {
      const problem = sourceProblem(source, want, indexes);
      if (problem) problems.push(`${lineOf(index)}${name} is locked from ${problem}`);
    }
  }
  return problems;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// How a locked source differs from the one wanted (a plan's source table;
// empty for the package index), or undefined when it does not.
function sourceProblem(
  source: LockedSource,
  want: Readonly<Record<string, unknown>>,
  indexes: ReadonlyMap<string, string>,
): string | undefined {
  const kind = kindOf(source);
  const wantKind = "path" in want ? "local path" : "git" in want ? "git" : "index";
  if (kind !== wantKind) {
    const expected = wantKind === "index"
      ? "an index"
      : wantKind === "git"
      ? "git"
      : "a local path";
    return `${describe(source)}, not from ${expected}`;
  }
  if (kind === "git") {
    const url = String(want.git);
    const [lockedUrl, lockedRef] = gitParts(String(source.git));
    if (canonicalUrl(lockedUrl) !== canonicalUrl(url)) {
      return `git ${lockedUrl}, not from git ${url}`;
    }
    const ref = want.tag ?? want.branch ?? want.rev;
    if (typeof ref === "string" && lockedRef !== ref) {
      return `git ${lockedUrl} at ${lockedRef ?? "no ref"}, not at ${ref}`;
    }
  }
  if (kind === "index" && typeof want.index === "string") {
    const url = indexes.get(want.index);
    if (url !== undefined && canonicalUrl(String(source.registry)) !== canonicalUrl(url)) {
      return `the index ${source.registry}, not from the index ${url}`;
    }
  }
  return undefined;
}

function kindOf(source: LockedSource): string {
  if ("editable" in source || "directory" in source || "path" in source || "virtual" in source) {
    return "local path";
  }
  if ("git" in source) return "git";
  if ("registry" in source) return "index";
  return "other";
}

function describe(source: LockedSource): string {
  if ("editable" in source) return `the local path ${source.editable} (editable)`;
  if ("directory" in source) return `the local path ${source.directory}`;
  if ("path" in source) return `the local file ${source.path}`;
  if ("virtual" in source) return `the local path ${source.virtual}`;
  if ("git" in source) return `git ${gitParts(String(source.git))[0]}`;
  if ("registry" in source) return `the index ${source.registry}`;
  if ("url" in source) return `the URL ${source.url}`;
  // uv's sources are flat; one nested deeper than JSON.stringify can recurse is shown shallowly.
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(source).map(([k, v]) => [k, typeof v === "object" && v !== null ? "…" : v]),
    ),
  );
}

// uv writes a locked git source as `URL?tag=REF#COMMIT` (or rev=, branch=,
// with subdirectory=): the repository and the ref asked for.
function gitParts(locked: string): [url: string, ref: string | undefined] {
  const url = locked.replace(/[?#].*$/s, "");
  try {
    const params = new URL(locked).searchParams;
    return [url, params.get("tag") ?? params.get("branch") ?? params.get("rev") ?? undefined];
  } catch {
    return [url, undefined];
  }
}

// The same repository or index whatever uv changed in writing its URL: no
// credentials (uv leaves them out of uv.lock), no trailing `/` or `.git`, the
// host in lower case.
function canonicalUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.href.replace(/\/+$/, "").replace(/\.git$/, "");
  } catch {
    return url.replace(/\/+$/, "").replace(/\.git$/, "");
  }
}

// The line of each [[package]]'s `source` key, by the package's index.
function sourceLines(text: string, file: string, hint: string): (number | undefined)[] {
  const lines: (number | undefined)[] = [];
  let index = -1;
  for (const s of scanTomlFile(text, file, hint).statements) {
    if (s.kind === "header") {
      if (s.array && s.path.length === 1 && s.path[0] === "package") lines[++index] = undefined;
    } else if (
      index >= 0 && s.table.length === 1 && s.table[0] === "package" && s.key.length === 1 &&
      s.key[0] === "source"
    ) {
      lines[index] = lineColumn(text, s.keyStart).line;
    }
  }
  return lines;
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
 * import { whyUvWouldBuild } from "./lockfile_check.ts";
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
    project = parseToml(pyproject, PYPROJECT_FILE).project;
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
function packagesUvWouldBuild(packages: readonly unknown[], root: string): string[] {
  const found: string[] = [];
  for (const p of packages) {
    if (!isTable(p) || !isTable(p.source)) continue;
    const { name, source } = p;
    if (typeof source.path === "string" && !source.path.endsWith(".whl")) {
      found.push(`${name} is locked from the source archive ${source.path}`);
      continue;
    }
    const tree = source.editable ?? source.directory;
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
   * Why `uv lock --check --offline` could not answer (it needs the network:
   * a cold cache), when it could not. Only the sources were compared then,
   * which does not say that uv.lock is right: a check must not pass.
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
 *   where a warning about a committed `.venv` goes; `allowBuild` asks uv anyway
 * @returns what was found; the caller decides the exit code
 *
 * @example Usage
 * ```ts
 * import { checkLock, planSync, recordingRunner, sync } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released on the package index:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(`${root}/reg/packages/q.yaml`, "name: q\nsources:\n  prod: {type: pypi, version: 1.0.0}\n");
 * await sync({ root, mode: "prod", install: false });
 *
 * const plan = await planSync({ root, mode: "prod" });
 * const lock = await checkLock(plan, { runner: recordingRunner() });
 * assert.deepEqual(lock, { file: `${root}/uv.lock`, present: false, problems: [] });
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function checkLock(
  plan: SyncPlan,
  options: Pick<CommandContext, "runner" | "env" | "log"> & {
    /** Ask uv even when it would run a build backend to answer (`--allow-build`). */
    readonly allowBuild?: boolean;
  } = {},
): Promise<LockCheck> {
  const { root } = plan.project;
  const file = joinPath(root, LOCK_FILE);
  const bytes = readConfined(file, { root }, MAX_UV_LOCK_BYTES);
  if (bytes === undefined) return { file, present: false, problems: [] };
  const text = new TextDecoder().decode(bytes);
  const packages = lockedPackages(text, plan.mode, file);
  const problems = problemsIn(packages, text, plan.resolution.plan, file);
  if (problems.length) return { file, present: true, problems };
  const runner = options.runner ?? denoRunner;
  if (options.log) await warnCommittedVenv(root, runner, options.log);
  const builds = options.allowBuild ? [] : packagesUvWouldBuild(packages, root);
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
  return { file, present: true, problems: [], uvUnanswered: uvsReason(r.stderr, r.code) };
}

// uv's error line and its cause (`No solution found…: Because plug was not
// found in the cache…`), on one line.
function uvsReason(stderr: string, code: number): string {
  const lines = stderr.split("\n").map((l) => l.trim());
  const error = lines.findIndex((l) => l.startsWith("error:"));
  if (error < 0) return lines.filter(Boolean).at(-1) ?? `uv exited with code ${code}`;
  const said = [lines[error].replace(/^error:\s*/, "")];
  const cause = lines.findIndex((l, i) => i > error && l.startsWith("cause:"));
  if (cause > 0) {
    const end = lines.findIndex((l, i) => i > cause && (l === "" || /^[a-z]+:/.test(l)));
    said.push(lines.slice(cause, end < 0 ? undefined : end).join(" ").replace(/^cause:\s*/, ""));
  }
  return said.join(": ");
}
