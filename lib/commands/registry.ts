/**
 * `hpm registry list|show|update|index|add`: what the registries know, and
 * adding to the first local one.
 *
 * @module
 */

import { describeSource } from "../core/registry_entry.ts";
import { parseRegistryLocation } from "../core/registry_location.ts";
import { type Cell, type Io, paint, tableLines, visible } from "../io/terminal.ts";
import { commandContext, type GlobalFlags } from "../project/context.ts";
import { loadProjectAt } from "../project/load.ts";
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
  const project = await loadProjectAt(commandContext(flags, io));
  const e = project.registry.get(flags.package);
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

/**
 * `hpm registry update`: every remote registry fetched now.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function registryUpdateCommand(flags: GlobalFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const project = await loadProjectAt({ ...context, refresh: true });
  const remote = project.manifest.registries.filter((r) =>
    parseRegistryLocation(r).kind !== "local"
  );
  context.log(
    remote.length
      ? `updated ${remote.join(", ")}`
      : "no remote registry in hpm.yaml: nothing to update",
  );
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
