/**
 * `hpm status`: which mode is in force, where each plugin comes from, and the
 * state of the local clones. Read-only; missing clones and an out-of-sync
 * pyproject.toml are reported, never thrown.
 *
 * @module
 */

import { homeFolder } from "../io/files.ts";
import { cloneSource, devCheckout } from "../core/checkout.ts";
import { runPool } from "../io/pool.ts";
import { cacheDir } from "../registry/remote.ts";
import { HpmInputError } from "../core/errors.ts";
import { CHECKOUT_JOBS, inspectCheckout } from "../project/checkout_state.ts";
import { ageOf, type RegistryFolder, shortCommit } from "../core/registry.ts";
import type { RegistriesInForce } from "../core/manifest.ts";
import type { ModeOrigin } from "../core/mode.ts";
import { isPackageDir } from "../project/load.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import { releaseRefs } from "../project/releases.ts";
import {
  describeSource,
  displayPath,
  type RegistryEntry,
  type Source,
} from "../core/registry_entry.ts";
import { denoRunner, type Runner } from "../io/runner.ts";
import { type CommittedForms, committedForms } from "../project/committed.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { type Cell, type Io, paint, tableLines } from "../io/terminal.ts";
import { planSync, type SyncPlan } from "../project/plan.ts";
import { type EnvironmentState, environmentState } from "../project/environment.ts";
import type { Manifest } from "../core/manifest.ts";
import { normalizeName } from "../core/names.ts";

// Part of the report's type, public with it.
export type { EnvironmentState } from "../project/environment.ts";

/** The state of one local clone. Fields that could not be determined are null. */
export interface CloneStatus {
  /** Absolute path. */
  readonly path: string;
  /** The path as shown to the user: relative to the project root when inside or near it. */
  readonly displayPath: string;
  /** Whether the folder exists. */
  readonly exists: boolean;
  /** Whether a Python project is there (what `hpm sync` needs). */
  readonly present: boolean;
  /** Whether it is a git clone of its own (not just a folder of the core's repository). */
  readonly git: boolean;
  /** The current branch; null when detached or unknown. */
  readonly branch: string | null;
  /** When detached: the tag at HEAD, or its short commit. */
  readonly detachedAt: string | null;
  /** Uncommitted changes, tracked or untracked. */
  readonly dirty: boolean | null;
  /** How many paths have uncommitted changes. */
  readonly changedPaths: number | null;
  /** The ref the `prod` source releases (a git ref, or `v<version>` for an exact pypi version). */
  readonly prodRef: string | null;
  /** Whether `prodRef` exists in the clone. */
  readonly prodRefExists: boolean | null;
  /** Commits on HEAD that `prodRef` does not have (unreleased work). */
  readonly commitsSinceProdRef: number | null;
  /** Commits on HEAD that its upstream branch does not have, as of the last fetch. */
  readonly commitsNotPushed: number | null;
  /** What went wrong asking git, if anything. */
  readonly error: string | null;
  /** What `hpm clone` would clone it from (a git source or `repository:`); null when nothing. */
  readonly cloneUrl: string | null;
}

/** One plugin in the mode in force. */
export interface PackageStatus {
  /** The name as the registry writes it. */
  readonly name: string;
  /** PEP 503 normal name. */
  readonly key: string;
  /** The groups it is in. */
  readonly groups: readonly string[];
  /** The packages it is only there for (empty when a group lists it). */
  readonly requiredBy: readonly string[];
  /** Its source in the mode, after hpm.local.yaml overrides. */
  readonly source: Source;
  /** A short description: `local packages/x (editable)`, `git <url> @ v1.0.0`, `pypi ==1.2.0`. */
  readonly description: string;
  /** Whether hpm.local.yaml moved its local path. */
  readonly overridden: boolean;
  /** Whether hpm.local.yaml's `develop:` installs it from its clone instead of the mode's source. */
  readonly developed: boolean;
  /** For a local source: the clone's state; null otherwise. */
  readonly clone: CloneStatus | null;
}

/** The result of {@link status}: plain, JSON-serialisable data. */
export interface StatusReport {
  /** Absolute project root. */
  readonly root: string;
  /** The mode asked for. */
  readonly mode: string;
  /** Where that mode came from (`flag`, `RUN_MODE`, `hpm.local.yaml`, `hpm.yaml`, `default`). */
  readonly modeOrigin: ModeOrigin;
  /** The mode pyproject.toml was last synced for; null when HPM manages nothing in it. */
  readonly pyprojectMode: string | null;
  /** Whether pyproject.toml is what `hpm sync` would write for `mode`. */
  readonly inSync: boolean;
  /** hpm.local.yaml, when there is one. */
  readonly local: {
    /** Its path. */
    readonly file: string;
    /** The mode it sets, if any. */
    readonly mode: string | null;
    /** Every package it overrides (normal names). */
    readonly overrides: readonly string[];
    /** The plugins it develops (`develop:`), as written. */
    readonly develop: readonly string[];
  } | null;
  /** The registries in force, and which file lists them (hpm.local.yaml may replace hpm.yaml's). */
  readonly registry: RegistriesInForce;
  /** Plugins in the mode, sorted by name. */
  readonly packages: readonly PackageStatus[];
  /** Names of local clones the mode needs that are missing. */
  readonly missingClones: readonly string[];
  /** Why `hpm sync` would fail on pyproject.toml (e.g. a collision); null when it would not. */
  readonly problem: {
    /** The error code (docs/errors.md). */
    readonly code: string;
    /** What is wrong. */
    readonly message: string;
    /** Where: the file, and the 1-based line and column when known. */
    readonly file: string | null;
    /** 1-based line. */
    readonly line: number | null;
    /** 1-based column. */
    readonly column: number | null;
    /** What to do. */
    readonly hint: string | null;
  } | null;
  /** pyproject.toml's mode in the working tree, git's index and HEAD; null outside git. */
  readonly git: CommittedForms | null;
  /** Whether the environment holds what uv.lock installs, as uv answers without installing. */
  readonly environment: EnvironmentState;
  /** The groups of alternatives (`select:`): the option in use and those that are not. */
  readonly alternatives: readonly Alternatives[];
  /** The remote registries, and which state of each the report was read at. */
  readonly registries: readonly RegistryStatus[];
}

/** A group of alternatives in hpm.yaml: one option selected, the others not installed. */
export interface Alternatives {
  /** The group. */
  readonly group: string;
  /** The option in use. */
  readonly selected: string;
  /** The options not installed. */
  readonly others: readonly string[];
}

/** A remote registry as `hpm status` reads it. */
export interface RegistryStatus {
  /** As hpm.yaml names it. */
  readonly location: string;
  /** A git repository or an https folder. */
  readonly kind: "git" | "http";
  /** For a git registry: the commit read. */
  readonly commit: string | null;
  /** Whether that commit is the one pyproject.toml records. */
  readonly recorded: boolean;
  /** For a git registry: its newest state when the remote last gave it, when known. */
  readonly newest: string | null;
  /** When the remote last gave its newest state (ISO 8601), when known. */
  readonly fetchedAt: string | null;
  /** Whether the remote was asked during this run. */
  readonly asked: boolean;
}

/** Options of {@link status}: the project, the mode, and the runner for git. */
export type StatusOptions = CommandContext;

/**
 * The status of a project: mode asked for and mode pyproject.toml is in,
 * whether it is in sync, each plugin's source and its clone's state.
 *
 * @param options project, mode, environment, runner
 * @returns the report
 * @throws {HpmInputError} when hpm.yaml, a registry entry or pyproject.toml is
 *   malformed (missing clones and drift are reported, not thrown)
 *
 * @example Usage
 * ```ts
 * import { status, sync } from "@hpm/cli";
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
 * const report = await status({ root, mode: "prod" });
 * assert.equal(report.inSync, true);
 * assert.deepEqual(report.packages.map((p) => p.name), ["q"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function status(options: StatusOptions = {}): Promise<StatusReport> {
  const plan = await planSync({ ...options, reportProblems: true });
  const { project } = plan;
  const runner = options.runner ?? denoRunner;
  const env = options.env ?? Deno.env.toObject();
  // In a mode without local sources (prod) the dev clones still matter: they
  // show what is not released yet.
  const checkoutOf = (pkg: (typeof plan.resolution.packages)[number]) =>
    pkg.localPath ?? devCheckout(project, pkg.entry, plan.mode, homeFolder(env))?.path;
  const packages = await runPool(plan.resolution.packages, CHECKOUT_JOBS, async (pkg) => {
    const checkout = checkoutOf(pkg);
    return {
      name: pkg.entry.name,
      key: pkg.key,
      groups: [...pkg.groups],
      requiredBy: [...(pkg.requiredBy ?? [])],
      source: pkg.source,
      description: describeSource(pkg.source, project.root, pkg.localPath),
      overridden: pkg.overridden,
      developed: pkg.developed ?? false,
      clone: checkout === undefined
        ? null
        : await inspectClone(runner, checkout, project.root, pkg.entry, cacheDir(env)),
    };
  });
  return {
    root: project.root,
    mode: plan.mode,
    modeOrigin: plan.modeOrigin,
    pyprojectMode: syncedMode(plan),
    inSync: !plan.changed && !plan.problem,
    local: project.overlay
      ? {
        file: project.overlay.file,
        mode: project.overlay.mode ?? null,
        overrides: [...project.overlay.overrides.keys()].sort(),
        develop: [...project.overlay.develop],
      }
      : null,
    registry: project.registries,
    packages,
    missingClones: [...plan.missingClones],
    problem: plan.problem
      ? {
        code: plan.problem.code,
        message: plan.problem.message,
        file: plan.problem.file ?? null,
        line: plan.problem.line ?? null,
        column: plan.problem.column ?? null,
        hint: plan.problem.hint ?? null,
      }
      : null,
    git: await committedForms(project, runner),
    environment: await environmentState(project.root, runner, env),
    alternatives: alternativesOf(project.manifest),
    registries: registryStatuses(project.registry.folders),
  };
}

// Each group with `select:`, and the options it leaves out.
function alternativesOf(manifest: Manifest): Alternatives[] {
  return manifest.groups.flatMap((g) =>
    g.select === undefined ? [] : [{
      group: g.name,
      selected: g.select,
      others: g.options.filter((o) => normalizeName(o) !== normalizeName(g.select!)),
    }]
  );
}

// Each remote registry once, as the report reads it.
function registryStatuses(folders: readonly RegistryFolder[]): RegistryStatus[] {
  const seen = new Map<string, RegistryStatus>();
  for (const { remote, copy } of folders) {
    if (!remote || !copy || seen.has(remote)) continue;
    seen.set(remote, {
      location: remote,
      kind: copy.kind,
      commit: copy.commit ?? null,
      recorded: copy.pinned,
      newest: copy.newest ?? null,
      fetchedAt: copy.fetchedAt === undefined ? null : new Date(copy.fetchedAt).toISOString(),
      asked: copy.asked,
    });
  }
  return [...seen.values()];
}

// The mode pyproject.toml was synced for; unknown when the problem is the file itself.
function syncedMode(plan: SyncPlan): string | null {
  try {
    return readManaged(plan.before, plan.project.pyprojectFile)?.mode ?? null;
  } catch (e) {
    if (plan.problem && e instanceof HpmInputError) return null;
    throw e;
  }
}

async function inspectClone(
  runner: Runner,
  path: string,
  root: string,
  entry: RegistryEntry,
  cache: string,
): Promise<CloneStatus> {
  const state = await inspectCheckout(runner, path, releaseRefs(entry.sources.prod), cache);
  return {
    path,
    displayPath: displayPath(path, root),
    exists: state.exists,
    present: state.exists && isPackageDir(path),
    git: state.git,
    branch: state.branch,
    detachedAt: state.detachedAt,
    dirty: state.dirty,
    changedPaths: state.changedPaths,
    prodRef: state.ref,
    prodRefExists: state.refExists,
    commitsSinceProdRef: state.commitsAfterRef,
    commitsNotPushed: state.commitsNotPushed,
    error: state.error,
    cloneUrl: cloneSource(entry)?.source.url ?? null,
  };
}

/** Options of {@link formatStatus}. */
export interface FormatStatusOptions {
  /** Use ANSI colours. */
  readonly color: boolean;
  /** The time now (ms since the epoch), for the age of cached registries. @default Date.now() */
  readonly now?: number;
}

/**
 * Render a {@link StatusReport} as the table `hpm status` prints. Pure.
 *
 * @param report what {@link status} returned
 * @param options colours on or off
 * @returns the text, without a trailing newline
 *
 * @example Usage
 * ```ts
 * import { formatStatus } from "./status.ts";
 * import assert from "node:assert/strict";
 *
 * const text = formatStatus({
 *   root: "/p",
 *   mode: "dev",
 *   modeOrigin: "default",
 *   pyprojectMode: "dev",
 *   inSync: true,
 *   local: null,
 *   missingClones: [],
 *   problem: null,
 *   git: { commitMode: "prod", worktree: "dev", staged: false, index: "prod", head: "prod" },
 *   environment: { state: "in-sync", path: "/p/.venv", reason: null },
 *   alternatives: [{ group: "vector-db", selected: "rag4code-qdrant", others: ["rag4code-chroma"] }],
 *   registries: [],
 *   registry: { locations: ["./hpm-registry"], file: "/p/hpm.yaml" },
 *   packages: [{
 *     name: "rag4code-qdrant",
 *     key: "rag4code-qdrant",
 *     groups: ["vector-db"],
 *     requiredBy: [],
 *     source: { type: "pypi", version: "==1.2.0" },
 *     description: "pypi ==1.2.0",
 *     overridden: false,
 *     developed: false,
 *     clone: null,
 *   }],
 * }, { color: false });
 * assert.match(text, /^mode: dev \(default\)/);
 * assert.match(text, /^git: working tree dev, index not staged, HEAD prod/m);
 * assert.match(text, /^ +you work in dev; the index and HEAD hold prod, as committed$/m);
 * assert.match(text, /^environment: matches uv\.lock$/m);
 * assert.match(text, /^alternatives: vector-db uses rag4code-qdrant \(not rag4code-chroma\)$/m);
 * assert.match(text, /rag4code-qdrant +vector-db +pypi ==1\.2\.0/);
 * ```
 */
export function formatStatus(report: StatusReport, options: FormatStatusOptions): string {
  const c = options.color;
  const red = paint(c, "31");
  const green = paint(c, "32");
  const yellow = paint(c, "33");
  const bold = paint(c, "1");
  const dim = paint(c, "2");
  const lines: string[] = [];

  lines.push(`mode: ${bold(report.mode)} (${originText(report.modeOrigin)})`);
  let py: string;
  if (report.problem) {
    py = (report.pyprojectMode === null ? "" : `in ${report.pyprojectMode} mode, `) +
      red(`cannot be synced for ${report.mode} (see below)`);
  } else if (report.pyprojectMode === null) {
    py = report.packages.length
      ? yellow(`not managed by hpm yet: run \`hpm sync --mode ${report.mode}\``)
      : "nothing managed by hpm";
  } else {
    py = `in ${report.pyprojectMode} mode, ` +
      (report.inSync
        ? green("in sync")
        : red(`out of sync for ${report.mode}: run \`hpm sync --mode ${report.mode}\``));
  }
  if (report.pyprojectMode !== null || !report.inSync || report.packages.length) {
    lines.push(`pyproject.toml: ${py}`);
  }
  if (report.git) {
    lines.push(
      `git: ${formsText(report.git, { red, green })}`,
      `     ${formsSentence(report.git)}`,
    );
  }
  for (const r of report.registries) {
    lines.push(`registry ${r.location}: ${registryText(r, options.now ?? Date.now(), yellow)}`);
  }
  const { registry } = report;
  if (registry.overriding) {
    lines.push(
      `registry: ${registry.locations.join(", ")} (hpm.local.yaml, overriding hpm.yaml's ` +
        `${registry.overriding.join(", ")})`,
    );
  }
  if (report.local) {
    const parts = [];
    if (report.local.mode !== null) parts.push(`mode ${report.local.mode}`);
    if (report.local.develop.length) parts.push(`develop ${report.local.develop.join(", ")}`);
    if (report.local.overrides.length) parts.push(`overrides ${report.local.overrides.join(", ")}`);
    lines.push(`hpm.local.yaml: in effect${parts.length ? ` (${parts.join("; ")})` : ""}`);
  }
  lines.push(`environment: ${environmentText(report, { red, green, yellow, dim })}`);
  if (report.alternatives.length) {
    lines.push(`alternatives: ${alternativesText(report.alternatives)}`);
  }

  if (!report.packages.length) {
    lines.push("", "no plugins: add one with `hpm group add GROUP --option PACKAGE`");
    return lines.join("\n");
  }

  const header: Cell[] = ["PACKAGE", "GROUP", "SOURCE", "CHECKOUT"].map((text) => ({
    text,
    paint: dim,
  }));
  const rows: Cell[][] = report.packages.map((p) => [
    { text: p.name, paint: bold },
    {
      text: p.groups.join(", ") +
        (p.requiredBy.length ? ` (for ${p.requiredBy.join(", ")})` : ""),
    },
    { text: p.description + (p.developed ? ", developed" : "") + (p.overridden ? " *" : "") },
    checkoutCell(p, { red, green, yellow }),
  ]);
  lines.push("", ...tableLines([header, ...rows]));
  if (report.packages.some((p) => p.overridden)) {
    lines.push("", dim("* path set by hpm.local.yaml"));
  }
  if (report.missingClones.length) {
    lines.push(
      "",
      yellow(`missing clones: run \`hpm clone ${report.missingClones.join(" ")}\``),
    );
  }
  const problem = report.problem;
  if (problem) {
    const at = problem.file === null
      ? ""
      : ` (${problem.file}${problem.line === null ? "" : `:${problem.line}:${problem.column}`})`;
    lines.push("", red(`\`hpm sync\` would fail: ${problem.message}${at}`));
    if (problem.hint !== null) lines.push(`  hint: ${problem.hint}`);
  }
  return lines.join("\n");
}

// "working tree dev, index prod (staged), HEAD prod; commit mode prod"
function formsText(
  forms: CommittedForms,
  colors: Record<"red" | "green", (s: string) => string>,
): string {
  const mode = (m: string | null) => m ?? "unmanaged";
  const want = forms.commitMode;
  const index = forms.staged ? `index ${mode(forms.index)} (staged)` : "index not staged";
  let text = `working tree ${mode(forms.worktree)}, ${index}, HEAD ${mode(forms.head)}`;
  if (want === null) return text;
  text += `; commit mode ${want}`;
  if (forms.staged && forms.index !== want) return text + colors.red(": run `hpm stage`");
  if (!forms.staged && forms.head !== null && forms.head !== want) {
    return text + colors.red(`: HEAD is in ${forms.head}; run \`hpm stage\``);
  }
  return forms.staged ? text + colors.green(": ready to commit") : text;
}

// The three forms in plain words: "you work in dev; the index and HEAD hold
// prod, as committed".
function formsSentence(forms: CommittedForms): string {
  const form = (m: string | null) => m ?? "no mode of hpm's";
  const committed = (m: string | null) =>
    m !== null && m === forms.commitMode ? ", as committed" : "";
  const work = forms.worktree === null
    ? "hpm manages nothing in your pyproject.toml"
    : `you work in ${forms.worktree}`;
  if (!forms.staged) {
    return `${work}; the index and HEAD hold ${form(forms.head)}${committed(forms.head)}`;
  }
  return `${work}; the index holds ${form(forms.index)}${committed(forms.index)}, ` +
    `ready to commit; HEAD holds ${form(forms.head)}`;
}

// Whether the environment holds what uv.lock installs, and what to do if not.
function environmentText(
  report: StatusReport,
  colors: Record<"red" | "green" | "yellow" | "dim", (s: string) => string>,
): string {
  const env = report.environment;
  const sync = `run \`hpm sync --mode ${report.mode}\``;
  switch (env.state) {
    case "missing":
      return colors.yellow(`none yet: ${sync}`);
    case "outdated":
      return colors.red(`does not match uv.lock (${env.reason}): ${sync}`);
    case "unknown":
      return colors.dim(`not known (${env.reason})`);
    case "in-sync":
      return report.inSync
        ? colors.green("matches uv.lock")
        : colors.yellow(`matches uv.lock, which is not yet for ${report.mode}: ${sync}`);
  }
}

// "vector-db uses qdrant (not chroma)".
function alternativesText(groups: readonly Alternatives[]): string {
  return groups.map((g) =>
    `${g.group} uses ${g.selected}` + (g.others.length ? ` (not ${g.others.join(", ")})` : "")
  ).join("; ");
}

// "at a1b2c3d (pyproject.toml's record); newer: d4e5f6a (fetched 2 h ago): …"
function registryText(r: RegistryStatus, now: number, yellow: (s: string) => string): string {
  const age = r.fetchedAt === null ? undefined : ageOf(Date.parse(r.fetchedAt), now);
  const asked = r.asked ? "asked just now" : age ? `fetched ${age}` : "never fetched";
  if (r.kind === "http") return `cached copy, ${asked} (\`--refresh\` asks it again)`;
  const at = `at ${r.commit ? shortCommit(r.commit) : "?"}`;
  if (!r.recorded) return `${at}, its newest state (${asked})`;
  if (r.newest !== null && r.newest !== r.commit) {
    return `${at} (pyproject.toml's record); ` +
      yellow(`newer: ${shortCommit(r.newest)} (${asked}): \`hpm registry update\` moves to it`);
  }
  if (!r.asked && age === undefined) {
    return `${at} (pyproject.toml's record): \`hpm registry update\` asks for its newest state`;
  }
  return `${at} (pyproject.toml's record), its newest state when ${asked}` +
    (r.asked ? "" : ": `hpm registry update` asks again");
}

function originText(origin: ModeOrigin): string {
  switch (origin) {
    case "flag":
      return "from --mode";
    case "default":
      return "default";
    default:
      return `from ${origin}`;
  }
}

function checkoutCell(
  p: PackageStatus,
  colors: Record<"red" | "green" | "yellow", (s: string) => string>,
): Cell {
  const clone = p.clone;
  if (!clone) return { text: "-" };
  if (!clone.exists) {
    return {
      text: clone.cloneUrl === null
        ? "missing, and no git URL to clone it from: add `repository:` to its registry entry"
        : `missing: run \`hpm clone ${p.name}\``,
      paint: colors.red,
    };
  }
  if (!clone.present) {
    return { text: "not a Python project (no pyproject.toml)", paint: colors.red };
  }
  if (!clone.git) return { text: "present (not a git clone)" };
  if (clone.error !== null) return { text: `git: ${clone.error}`, paint: colors.red };
  const parts: { text: string; paint?: (s: string) => string }[] = [];
  parts.push({ text: clone.branch !== null ? clone.branch : `detached at ${clone.detachedAt}` });
  parts.push(
    clone.dirty
      ? {
        text: `${clone.changedPaths} uncommitted change${clone.changedPaths === 1 ? "" : "s"}`,
        paint: colors.yellow,
      }
      : { text: "clean", paint: colors.green },
  );
  if (clone.prodRef !== null) {
    if (clone.prodRefExists === false) {
      parts.push({ text: `prod ref ${clone.prodRef} not found`, paint: colors.red });
    } else if (clone.commitsSinceProdRef) {
      const n = clone.commitsSinceProdRef;
      parts.push({
        text: `${n} commit${n === 1 ? "" : "s"} since ${clone.prodRef}`,
        paint: colors.yellow,
      });
    } else {
      parts.push({ text: `no commits since ${clone.prodRef}` });
    }
  }
  if (clone.commitsNotPushed) {
    const n = clone.commitsNotPushed;
    parts.push({ text: `${n} commit${n === 1 ? "" : "s"} not pushed`, paint: colors.yellow });
  }
  // The cell is padded by its plain text, so colour each part separately here.
  const text = parts.map((x) => x.text).join(", ");
  const painted = parts.map((x) => x.paint ? x.paint(x.text) : x.text).join(", ");
  return { text, paint: () => painted };
}

/** `hpm status`'s command line. */
export interface StatusFlags extends GlobalFlags {
  /** `--mode`. */
  readonly mode?: string;
  /** `--json`. */
  readonly json?: boolean;
}

/**
 * `hpm status`, whether the argument parser read its command line or cli.ts
 * read it plainly.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function statusCommand(flags: StatusFlags, io: Io): Promise<void> {
  const report = await status(commandContext(flags, io));
  io.out(flags.json ? JSON.stringify(report, null, 2) : formatStatus(report, { color: io.color }));
}
