/**
 * The plan: what `pyproject.toml` must hold for one mode. Produced by
 * `resolvePlan()` (pure), consumed by `applyPlan()` (pure).
 *
 * @module
 */

/**
 * A value of a `[tool.uv.sources]` inline table, keys in the order they are
 * written: `{ path, editable }`, `{ git, tag|branch|rev, subdirectory }` or
 * `{ index }`.
 */
export type SourceTable = ReadonlyArray<readonly [key: string, value: string | boolean]>;

/** One dependency group HPM writes into `[dependency-groups]`. */
export interface PlannedGroup {
  /** The group name, as in hpm.yaml. */
  readonly name: string;
  /** PEP 508 requirement strings, e.g. `rag4code-qdrant` or `rag4code-qdrant==1.2.0`. */
  readonly requirements: readonly string[];
}

/** One `[tool.uv.sources]` entry HPM writes. */
export interface PlannedSource {
  /** The package name (normalised). */
  readonly name: string;
  /** The inline table. */
  readonly table: SourceTable;
}

/** One `[[tool.uv.index]]` entry HPM writes (always `explicit = true`). */
export interface PlannedIndex {
  /** The index name, referenced by sources as `{ index = name }`. */
  readonly name: string;
  /** The index URL. */
  readonly url: string;
}

/**
 * The state a remote registry was read at, as `[tool.hpm]` records it: a git
 * registry's commit. The committed form names the registry states it was
 * made from, as Cargo.lock names its index's, so it stays checkable against
 * them however the registries move on.
 */
export interface RegistryState {
  /** The registry as hpm.yaml names it (`https://…/reg.git#main`). */
  readonly location: string;
  /** The commit id it was read at. */
  readonly commit: string;
}

/**
 * Registry states in the record's order: by location, as code points.
 *
 * @param states the states
 * @returns a sorted copy
 */
export function byLocation(states: readonly RegistryState[]): RegistryState[] {
  return [...states].sort((a, b) => a.location < b.location ? -1 : a.location > b.location ? 1 : 0);
}

/**
 * Everything HPM manages in one pyproject.toml for one mode. An empty plan
 * (no groups) means "HPM manages nothing": applying it removes all HPM entries.
 */
export interface Plan {
  /** The mode this plan is for. */
  readonly mode: string;
  /** Groups in hpm.yaml order. */
  readonly groups: readonly PlannedGroup[];
  /** Sources, sorted by name. */
  readonly sources: readonly PlannedSource[];
  /** Private indexes, sorted by name. */
  readonly indexes: readonly PlannedIndex[];
  /**
   * `tool.uv.override-dependencies` elements HPM writes, sorted by name: the
   * plan's requirement for each plugin another plugin of the plan gives a
   * source of its own, so that the mode's source wins there too. Absent: none.
   */
  readonly overrides?: readonly string[];
  /**
   * The plugins installed from their clones although the mode's source is
   * another (hpm.local.yaml's `develop:`), normalised, sorted. Absent: none.
   */
  readonly develop?: readonly string[];
  /** The git registries' states the plan was read from, sorted by location; none: no record. */
  readonly registries?: readonly RegistryState[];
}
