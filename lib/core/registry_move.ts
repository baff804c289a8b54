/**
 * A registry's move: `--refresh`, `hpm registry update` or `hpm pull` took a
 * git registry's newest state where pyproject.toml records an older one, and
 * say what that changes for the project (`registry … moved a1b2c3d →
 * d4e5f6a: plug prod v1.0.0 → v1.1.0`). Pure: the entries at the recorded
 * state come in as a registry.
 *
 * @module
 */

import { type Registry, type RegistryMove, shortCommit } from "./registry.ts";
import { HpmInputError } from "./errors.ts";
import { normalizeName } from "./names.ts";
import { describeSource, type RegistryEntry, type Source } from "./registry_entry.ts";
import type { ResolvedPackage } from "./resolve.ts";

/**
 * The moves of a project's git registries away from the commits
 * pyproject.toml records, with what changed for the packages it uses.
 *
 * @param registry the registries as read now (each copy says what was recorded)
 * @param packages the packages of the plan
 * @param recordedState the entries at a registry's recorded commit, when the cache has them
 * @returns one move per registry read at another commit than recorded
 *
 * @example Usage
 * ```ts
 * import { registryMoves } from "./registry_move.ts";
 * import { Registry } from "./registry.ts";
 * import assert from "node:assert/strict";
 *
 * const registry = new Registry([], [{
 *   dir: "/cache/at/b/packages",
 *   root: "/cache/at/b",
 *   remote: "https://example.com/reg.git",
 *   copy: { kind: "git", commit: "b".repeat(40), pinned: false, asked: true, recorded: "a".repeat(40) },
 * }]);
 * assert.deepEqual(registryMoves(registry, [], () => undefined), [{
 *   location: "https://example.com/reg.git",
 *   from: "a".repeat(40),
 *   to: "b".repeat(40),
 * }]);
 * ```
 */
export function registryMoves(
  registry: Registry,
  packages: readonly ResolvedPackage[],
  recordedState: (location: string, commit: string) => Registry | undefined,
): RegistryMove[] {
  const moves = new Map<string, RegistryMove>();
  for (const { remote, copy } of registry.folders) {
    if (!remote || !copy?.commit || !copy.recorded || moves.has(remote)) continue;
    const before = recordedState(remote, copy.recorded);
    const move = { location: remote, from: copy.recorded, to: copy.commit };
    moves.set(
      remote,
      before === undefined ? move : {
        ...move,
        changes: packages.filter((p) => p.entry.remote === remote).flatMap((p) => {
          const was = entryIn(before, p.key);
          if (was !== UNREADABLE) return entryChanges(was, p.entry);
          return [
            `${p.entry.name} changed (its entry at ${shortCommit(move.from)} does not parse)`,
          ];
        }),
      },
    );
  }
  return [...moves.values()];
}

/**
 * A move as it is said.
 *
 * @param move the move
 * @returns `registry LOCATION moved FROM → TO: what changed`
 */
export function describeMove(move: RegistryMove): string {
  const head = `registry ${move.location} moved ${shortCommit(move.from)} → ${
    shortCommit(move.to)
  }`;
  if (move.changes === undefined) return head;
  return move.changes.length
    ? `${head}: ${move.changes.join(", ")}`
    : `${head} (nothing this project uses changed)`;
}

// What changed between two states of one package's entry, mode by mode.
function entryChanges(before: RegistryEntry | undefined, after: RegistryEntry): string[] {
  if (before === undefined) return [`${after.name} added`];
  const modes = [...new Set([...Object.keys(before.sources), ...Object.keys(after.sources)])]
    .sort();
  const changes = modes.flatMap((mode) => {
    const [was, is] = [before.sources[mode], after.sources[mode]];
    const [a, b] = [was && describeSource(was), is && describeSource(is)];
    return a === b ? [] : [`${after.name} ${mode} ${sourceChange(was, is)}`];
  });
  if (!changes.length && before.requires.join() !== after.requires.join()) {
    return [
      `${after.name} requires [${before.requires.join(", ")}] → [${after.requires.join(", ")}]`,
    ];
  }
  return changes;
}

// `v1.0.0 → v1.1.0` where the release changed; the whole sources otherwise (the
// same release, say, from another subdirectory).
function sourceChange(was: Source | undefined, is: Source | undefined): string {
  const sameGit = was?.type === "git" && is?.type === "git" && was.url === is.url;
  const samePypi = was?.type === "pypi" && is?.type === "pypi" && was.index === is.index;
  if (sameGit || samePypi) {
    const [from, to] = [releaseOf(was!), releaseOf(is!)];
    if (from !== to) return `${from} → ${to}`;
  }
  const shown = (s: Source | undefined) => s ? describeSource(s) : "(none)";
  return `${shown(was)} → ${shown(is)}`;
}

/** A package whose source in a mode changed between two states of the registries. */
export interface EntryMove {
  /** The package, as the registry writes it. */
  readonly name: string;
  /** The mode. */
  readonly mode: string;
  /** What it released before (a ref, a version, a path). */
  readonly from: string;
  /** What it releases now. */
  readonly to: string;
}

// What a source releases, in a word: its ref, its version, its path.
function releaseOf(source: Source): string {
  switch (source.type) {
    case "git":
      return source.tag ?? source.ref ?? source.rev ?? source.branch ?? source.url;
    case "pypi":
      return source.version?.replace(/^==/, "") ?? "(any version)";
    case "local":
      return source.path;
  }
}

/**
 * What changed for `names` from one state of the registries to another: each
 * mode whose source releases something else (`plug 1.0.0 → 1.1.0`). A
 * package either state does not know, or fails to parse, is left out.
 *
 * @param before the registries before (a pull, an update)
 * @param after the registries after
 * @param names the packages to compare
 * @returns the moves, by package then mode
 *
 * @example Usage
 * ```ts
 * import { Registry } from "./registry.ts";
 * import { entryMoves } from "./registry_move.ts";
 * import assert from "node:assert/strict";
 *
 * const at = (version: string) =>
 *   new Registry([{
 *     file: "r/packages/plug.yaml",
 *     stem: "plug",
 *     text: `name: plug\nsources:\n  prod: {type: pypi, version: ${version}}\n`,
 *   }]);
 * assert.deepEqual(entryMoves(at("1.0.0"), at("1.1.0"), ["plug"]), [
 *   { name: "plug", mode: "prod", from: "1.0.0", to: "1.1.0" },
 * ]);
 * ```
 */
export function entryMoves(
  before: Registry,
  after: Registry,
  names: readonly string[],
): EntryMove[] {
  const moves: EntryMove[] = [];
  for (const name of new Set(names.map(normalizeName))) {
    const [old, now] = [entryIn(before, name), entryIn(after, name)];
    if (typeof old !== "object" || typeof now !== "object") continue;
    for (const [mode, source] of Object.entries(now.sources)) {
      const was = old.sources[mode];
      if (was === undefined) continue;
      const [from, to] = [releaseOf(was), releaseOf(source)];
      if (from !== to) moves.push({ name: now.name, mode, from, to });
    }
  }
  return moves;
}

const UNREADABLE = "unreadable";

// An entry of `registry`, undefined when it has none, UNREADABLE when its file
// does not parse there: that is planning's to report, not a move's to throw.
function entryIn(
  registry: Registry,
  name: string,
): RegistryEntry | undefined | typeof UNREADABLE {
  try {
    return registry.has(name) ? registry.get(name) : undefined;
  } catch (e) {
    if (e instanceof HpmInputError) return UNREADABLE;
    throw e;
  }
}
