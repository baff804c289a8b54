/**
 * `hpm registry list|show|update|index|add`: what the registries know, and
 * adding to the first local one.
 *
 * @module
 */

import { describeSource } from "../core/registry_entry.ts";
import { copyNotice, type RegistryFolder, type RegistryMove } from "../core/registry.ts";
import { type Cell, type Io, paint, tableLines, visible } from "../io/terminal.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import { loadProject, loadProjectAt } from "../project/load.ts";
import { missingCloneError, planProject } from "../project/plan.ts";
import { findProjectRoot } from "../project/root.ts";
import { readManaged } from "../edit/pyproject_record.ts";
import { lockOptions, withProjectLock } from "../state/project_mutex.ts";
import { runUvTransaction } from "../state/uv_transaction.ts";
import { type NewEntry, registryAdd } from "../registry/add.ts";
import { registryIndex } from "../registry/index_file.ts";
import { outdated, type OutdatedEntry } from "../registry/outdated.ts";

/** `hpm registry list`'s command line. */
export interface RegistryListFlags extends GlobalFlags {
  /** `--json`. */
  readonly json?: boolean;
  /** `--outdated`: ask each prod source's remote for newer releases. */
  readonly outdated?: boolean;
}

/**
 * `hpm registry list`: every known package, its description and each mode's
 * source, as a table; with `--outdated`, the packages whose prod release is
 * not the newest their remote has.
 *
 * @param flags the command line (`json`: print JSON; `outdated`: ask the remotes)
 * @param io where it reports
 */
export async function registryListCommand(flags: RegistryListFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const project = await loadProjectAt(context);
  sayCopies(project.registry.folders, context.log);
  const entries = project.registry.names().map((name) => project.registry.get(name));
  if (flags.outdated) {
    const env = context.env ?? Deno.env.toObject();
    const report = await outdated(entries, {
      runner: context.runner,
      cwd: project.root,
      offline: env.HPM_OFFLINE === "1",
    });
    if (flags.json) io.out(JSON.stringify(report, null, 2));
    else printOutdated(report, io, context.log);
    return;
  }
  if (flags.json) {
    io.out(JSON.stringify(
      entries.map((e) => ({
        name: e.name,
        description: e.description,
        modes: Object.keys(e.sources),
        sources: e.sources,
        file: e.file,
      })),
      null,
      2,
    ));
    return;
  }
  if (!entries.length) {
    io.out("the registry is empty; add a package with `hpm registry add`");
    return;
  }
  const modes = [...new Set(["dev", "prod", ...entries.flatMap((e) => Object.keys(e.sources))])]
    .filter((m) => entries.some((e) => e.sources[m] !== undefined));
  const dim = paint(io.color, "2");
  const bold = paint(io.color, "1");
  const header: Cell[] = ["PACKAGE", "DESCRIPTION", ...modes.map((m) => m.toUpperCase())]
    .map((text) => ({ text, paint: dim }));
  const rows = entries.map((e): Cell[] => [
    { text: e.name, paint: bold },
    // Escaped before it is measured, so the columns after it stay aligned.
    { text: visible(e.description ?? "") },
    ...modes.map((m) => ({ text: e.sources[m] ? describeSource(e.sources[m]) : "-" })),
  ]);
  io.out(tableLines([header, ...rows]).join("\n"));
}

// `plug  v1.0.0 → v1.2.0` for each outdated package, on stdout; why others
// were not compared, on stderr.
function printOutdated(report: readonly OutdatedEntry[], io: Io, log: (m: string) => void) {
  const found = report.filter((r) => r.state === "outdated");
  if (found.length) {
    const rows = found.map((r) => [{ text: r.name }, { text: r.current! }, {
      text: `→ ${r.latest}`,
    }]);
    io.out(tableLines(rows).join("\n"));
  }
  for (const r of report) {
    if (r.state === "unreachable") log(`warning: ${r.name}: could not ask ${r.from}: ${r.reason}`);
    else if (r.state === "not-checked" && r.reason !== null) {
      log(`${r.name}: not checked: ${r.reason}`);
    }
  }
  const asked = report.filter((r) => r.state === "outdated" || r.state === "current").length;
  log(
    found.length
      ? `${found.length} of ${asked} checked ${
        found.length === 1 ? "has" : "have"
      } a newer release: \`hpm pin PACKAGE --ref TAG\` takes one`
      : `nothing outdated (${asked} checked)`,
  );
}

/**
 * `hpm registry show`: one package's entry.
 *
 * @param flags the command line (`package`; `json`: print JSON)
 * @param io where it reports
 */
export async function registryShowCommand(
  flags: GlobalFlags & { readonly package: string; readonly json?: boolean },
  io: Io,
): Promise<void> {
  const context = commandContext(flags, io);
  const project = await loadProjectAt({ ...context, wanted: [flags.package] });
  const e = project.registry.get(flags.package);
  sayCopies(project.registry.folders.filter((f) => f.remote === e.remote), context.log);
  const data = {
    name: e.name,
    description: e.description,
    repository: e.repository,
    requires: e.requires,
    sources: e.sources,
    file: e.file,
  };
  if (flags.json) io.out(JSON.stringify(data, null, 2));
  else {
    io.out(`${e.name}${e.description ? ` — ${e.description}` : ""}\n  file: ${e.file}`);
    if (e.repository) io.out(`  repository: ${e.repository}`);
    if (e.requires.length) io.out(`  requires: ${e.requires.join(", ")}`);
    for (const [mode, source] of Object.entries(e.sources)) {
      io.out(`  ${mode}: ${describeSource(source)}`);
    }
  }
}

// Where an answer from a remote registry comes from, when the remote did not
// give it during this run: the commit pyproject.toml records, or a cached
// copy of a given age.
function sayCopies(folders: readonly RegistryFolder[], log: (message: string) => void) {
  const now = Date.now();
  const said = new Set<string>();
  for (const { remote, copy } of folders) {
    const notice = remote && copy && copyNotice(remote, copy, now);
    if (notice && !said.has(notice)) log(notice);
    if (notice) said.add(notice);
  }
}

/** What {@link registryUpdate} did. */
export interface RegistryUpdateResult {
  /** The remote registries, as hpm.yaml names them. */
  readonly remotes: readonly string[];
  /** The mode pyproject.toml is in, when HPM manages it. */
  readonly mode?: string;
  /** The git registries that moved from the states pyproject.toml recorded, and what changed. */
  readonly moves: readonly RegistryMove[];
  /** Whether pyproject.toml was written. */
  readonly written: boolean;
}

/**
 * `hpm registry update`: every remote registry asked for its newest state
 * now, and pyproject.toml moved to those states: written again for the mode
 * it is in (nothing is installed; `hpm sync` does), its record naming the new
 * states, so that the next `hpm stage` commits the move. What moved is
 * logged (`registry … moved a1b2c3d → d4e5f6a: plug prod v1.0.0 → v1.1.0`).
 *
 * @param options project, runner, logger, environment
 * @returns the registries, what moved, and whether pyproject.toml was written
 * @throws {HpmInputError} when pyproject.toml cannot be written for its mode (nothing written)
 */
export async function registryUpdate(
  options: CommandContext = {},
): Promise<RegistryUpdateResult> {
  const root = findProjectRoot(options.root);
  return await withProjectLock(root, async () => {
    const project = await loadProject(root, { ...options, refresh: true });
    const remotes = [
      ...new Set(project.registry.folders.flatMap((f) => f.remote && f.copy ? [f.remote] : [])),
    ];
    const mode = readManaged(project.pyproject, project.pyprojectFile)?.mode;
    if (mode === undefined || !remotes.length) return { remotes, moves: [], written: false };
    const plan = await planProject(project, { ...options, mode, refresh: true });
    if (plan.missingClones.length) throw missingCloneError(plan);
    if (plan.changed) await runUvTransaction(root, plan.after, undefined, options);
    return { remotes, mode, moves: plan.moves, written: plan.changed };
  }, lockOptions(options));
}

/**
 * `hpm registry update`: {@link registryUpdate}, said.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function registryUpdateCommand(flags: GlobalFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const { remotes, mode, moves, written } = await registryUpdate(context);
  if (!remotes.length) {
    context.log("no remote registry in hpm.yaml: nothing to update");
    return;
  }
  context.log(`updated ${remotes.join(", ")}`);
  if (mode === undefined) {
    context.log("pyproject.toml records no registry state yet: `hpm sync` records them");
  } else if (written) {
    context.log(
      `pyproject.toml (mode ${mode}) now names the registries' newest states: run ` +
        `\`hpm sync --mode ${mode}\` to install, and \`hpm stage\` to commit the move`,
    );
  } else if (!moves.length) {
    context.log("pyproject.toml already names the registries' newest states");
  }
}

/**
 * `hpm registry index`: index.json written into a local registry folder.
 *
 * @param flags the command line (`folder`: the registry folder, if named)
 * @param io where it reports
 */
export async function registryIndexCommand(
  flags: GlobalFlags & { readonly folder?: string },
  io: Io,
): Promise<void> {
  const context = commandContext(flags, io);
  const { file, names } = await registryIndex({ ...context, folder: flags.folder });
  context.log(`wrote ${file} (${names.length} package${names.length === 1 ? "" : "s"})`);
}

/**
 * `hpm registry add`: a new entry in the first local registry.
 *
 * @param flags the command line: the entry, and whether to check its ref on the remote
 * @param io where it reports
 */
export async function registryAddCommand(
  flags: GlobalFlags & { readonly entry: NewEntry; readonly verify?: boolean },
  io: Io,
): Promise<void> {
  const context = commandContext(flags, io);
  const file = await registryAdd(flags.entry, { ...context, verify: flags.verify });
  context.log(`wrote ${file}`);
}
