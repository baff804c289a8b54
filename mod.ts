/**
 * HPM — Hyper Package Manager: switch a Python core project and its plugin
 * packages between local editable clones (dev) and released versions (prod),
 * by managing pyproject.toml and driving uv.
 *
 * What a script needs, in the order data flows:
 *
 * - **parse**: {@link parseManifest}, {@link parseLocalOverlay},
 *   {@link parseRegistryEntry}, {@link parseRegistryLocation}, {@link readManaged}
 * - **resolve** (pure): {@link chooseMode}, {@link Registry}, {@link resolvePlan},
 *   {@link commitModeOf}
 * - **apply and diff** (pure): {@link applyPlan}, {@link emptyPlan},
 *   {@link diffPyproject}, {@link unifiedDiff}; also as `@hpm/cli/pyproject`
 * - **run** (I/O, uv and git through an injectable {@link Runner}):
 *   {@link findProjectRoot}, {@link loadProject}, {@link planSync}, {@link sync},
 *   {@link checkLock}, {@link checkStaged}, {@link stage}, {@link verify},
 *   {@link status}, {@link clone}, {@link pin}, {@link groupAdd},
 *   {@link groupRemove}, {@link groupUse}, {@link develop}, {@link free},
 *   {@link release}, {@link foreach}, {@link outdated}, {@link pull}; {@link projectModes},
 *   {@link projectGraph} and {@link renderGraph} picture a project
 * - **errors**: typed, with a source position ({@link HpmInputError}), turned
 *   into words and exit codes only by the CLI ({@link exitCodeOf})
 *
 * @example Usage
 * ```ts
 * import { applyPlan, parseManifest, Registry, resolvePlan } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest(
 *   "registry: ./reg\ngroups:\n  vector-db:\n    options: [rag4code-qdrant]\n",
 *   "hpm.yaml",
 * );
 * const registry = new Registry([{
 *   file: "reg/packages/rag4code-qdrant.yaml",
 *   stem: "rag4code-qdrant",
 *   text: "name: rag4code-qdrant\nsources:\n  dev: {type: local, path: ./packages/rag4code-qdrant}\n",
 * }]);
 * const { plan } = resolvePlan({ manifest, registry, mode: "dev", root: "/p" });
 * const { text } = applyPlan('[project]\nname = "core"\n', plan);
 * assert.match(text, /rag4code-qdrant = \{ path = "packages\/rag4code-qdrant", editable = true \}/);
 * ```
 *
 * @module
 */

// Parse
export {
  type LocalOverlay,
  type Manifest,
  type ManifestGroup,
  parseLocalOverlay,
  parseManifest,
  type RegistriesInForce,
  registriesInForce,
} from "./lib/core/manifest.ts";
export {
  type GitSource,
  type LocalSource,
  parseRegistryEntry,
  type PypiSource,
  type RegistryEntry,
  type Source,
} from "./lib/core/registry_entry.ts";
export { parseRegistryLocation, type RegistryLocation } from "./lib/core/registry_location.ts";
export { type ManagedRecord, readManaged, recordedPlan } from "./lib/edit/pyproject_record.ts";

// Resolve
export {
  chooseMode,
  type FileModes,
  type ModeChoice,
  type ModeOrigin,
  type ModeRequest,
} from "./lib/core/mode.ts";
export {
  Registry,
  type RegistryFile,
  type RegistryFolder,
  type RegistryMove,
  type RemoteCopy,
} from "./lib/core/registry.ts";
export type { Confinement, FolderEntry, Reader } from "./lib/core/reader.ts";
export {
  type DeclaredDependencies,
  type Resolution,
  type ResolvedPackage,
  type ResolveInput,
  resolvePlan,
} from "./lib/core/resolve.ts";
export type {
  Plan,
  PlannedGroup,
  PlannedIndex,
  PlannedSource,
  RegistryState,
  SourceTable,
} from "./lib/core/plan.ts";
export { commitModeOf, type CommitModeOrigin } from "./lib/core/commit_mode.ts";

// Apply and diff
export {
  type ApplyOptions,
  applyPlan,
  type ApplyResult,
  emptyPlan,
  type KeptItems,
} from "./lib/edit/pyproject.ts";
export {
  type ChangeCounts,
  diffPyproject,
  type PyprojectDiff,
  type RequirementChange,
  type SourceChange,
} from "./lib/edit/pyproject_diff.ts";
export { type DiffColors, unifiedDiff } from "./lib/edit/unified_diff.ts";

// Run
export {
  denoRunner,
  type RecordingRunner,
  recordingRunner,
  type Runner,
  type RunRequest,
  type RunResult,
} from "./lib/io/runner.ts";
export type { CommandContext } from "./lib/project/context.ts";
export type { Project } from "./lib/core/project.ts";
export { findProjectRoot } from "./lib/project/root.ts";
export { type LoadOptions, loadProject } from "./lib/project/load.ts";
export type { FetchRegistryOptions, RegistryLoad } from "./lib/registry/remote.ts";
export { type PlanOptions, planSync, type SyncPlan } from "./lib/project/plan.ts";
export { sync, type SyncOptions } from "./lib/project/sync.ts";
export type { SyncResult } from "./lib/core/sync_result.ts";
export { checkLock, type LockCheck } from "./lib/project/lockfile_check.ts";
export { checkStaged, type StagedCheck } from "./lib/commands/check.ts";
export { stage, type StageOptions, type StageResult } from "./lib/commands/stage.ts";
export { verify, type VerifyOptions, type VerifyResult } from "./lib/commands/verify.ts";
export type { CommittedForms } from "./lib/project/committed.ts";
export {
  type Alternatives,
  type CloneStatus,
  type PackageStatus,
  type RegistryStatus,
  status,
  type StatusOptions,
  type StatusReport,
} from "./lib/commands/status.ts";
export type { EnvironmentState } from "./lib/project/environment.ts";
export {
  clone,
  type CloneOptions,
  type CloneOutcome,
  type CloneReport,
} from "./lib/commands/clone.ts";
export { pin, type PinOptions, type PinResult } from "./lib/commands/pin.ts";
export {
  groupAdd,
  type GroupAddResult,
  type GroupEditResult,
  groupRemove,
  groupUse,
} from "./lib/commands/groups.ts";

export {
  develop,
  developed,
  type DevelopedPlugin,
  type DevelopResult,
  free,
} from "./lib/commands/develop.ts";
export { release, type ReleaseOptions, type ReleaseResult } from "./lib/commands/release.ts";
export { pull, type PullOptions, type PullResult } from "./lib/commands/pull.ts";
export type { EntryMove } from "./lib/core/registry_move.ts";
export type { Bump } from "./lib/edit/release_version.ts";
export type { Checkout } from "./lib/project/checkouts.ts";
export { foreach, type ForeachOptions, type ForeachOutcome } from "./lib/commands/foreach.ts";
export { outdated, type OutdatedEntry, type OutdatedOptions } from "./lib/registry/outdated.ts";
export { type ProjectMode, projectModes } from "./lib/core/modes.ts";
export {
  type GraphEdge,
  type GraphInput,
  type GraphMark,
  type GraphNode,
  type ProjectGraph,
  projectGraph,
} from "./lib/core/graph.ts";
export { GRAPH_FORMATS, type GraphFormat, renderGraph } from "./lib/edit/graph_formats.ts";

// Errors
export {
  CommandFailedError,
  exitCodeOf,
  type HpmErrorCode,
  HpmInputError,
  HpmOperationError,
  InterruptedError,
  type SourcePosition,
} from "./lib/core/errors.ts";
export { VERSION } from "./lib/core/version.ts";

if (import.meta.main) {
  // `deno run -A jsr:@hpm/cli sync` runs this module: hand over to the CLI.
  const { main } = await import("./cli.ts");
  Deno.exit(await main(Deno.args));
}
