/**
 * `hpm registry list|show|update|index|add`: what the registries know, and
 * adding to the first local one.
 *
 * @module
 */

import { describeSource } from "../core/registry_entry.ts";
import { parseRegistryLocation } from "../core/registry_location.ts";
import type { Io } from "../io/terminal.ts";
import { commandContext, type GlobalFlags } from "../project/context.ts";
import { loadProjectAt } from "../project/load.ts";
import { type NewEntry, registryAdd } from "../registry/add.ts";
import { registryIndex } from "../registry/index_file.ts";

/**
 * `hpm registry list`: every known package and its modes.
 *
 * @param flags the command line (`json`: print JSON)
 * @param io where it reports
 */
export async function registryListCommand(
  flags: GlobalFlags & { readonly json?: boolean },
  io: Io,
): Promise<void> {
  const project = await loadProjectAt(commandContext(flags, io));
  const rows = project.registry.names().map((name) => {
    const e = project.registry.get(name);
    return {
      name: e.name,
      description: e.description,
      modes: Object.keys(e.sources),
      file: e.file,
    };
  });
  if (flags.json) io.out(JSON.stringify(rows, null, 2));
  else if (!rows.length) io.out("the registry is empty; add a package with `hpm registry add`");
  else {
    for (const r of rows) {
      io.out(`${r.name}  [${r.modes.join(", ")}]${r.description ? `  ${r.description}` : ""}`);
    }
  }
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
