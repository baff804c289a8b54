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
        changes: packages.filter((p) => p.entry.remote === remote).flatMap((p) =>
          entryChanges(before.has(p.key) ? before.get(p.key) : undefined, p.entry)
        ),
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

// `v1.0.0 → v1.1.0` where only the release changed; the whole sources otherwise.
function sourceChange(was: Source | undefined, is: Source | undefined): string {
  if (was?.type === "git" && is?.type === "git" && was.url === is.url) {
    const ref = (s: typeof was) => s.tag ?? s.ref ?? s.rev ?? `branch ${s.branch}`;
    return `${ref(was)} → ${ref(is)}`;
  }
  if (was?.type === "pypi" && is?.type === "pypi" && was.index === is.index) {
    return `${was.version ?? "(any version)"} → ${is.version ?? "(any version)"}`;
  }
  const shown = (s: Source | undefined) => s ? describeSource(s) : "(none)";
  return `${shown(was)} → ${shown(is)}`;
}
