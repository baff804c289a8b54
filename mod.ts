/**
 * HPM — Hyper Package Manager: switch a Python core project and its plugin
 * packages between local editable clones (dev) and released versions (prod),
 * by managing pyproject.toml and driving uv.
 *
 * The pure functions (parse, choose a mode, resolve a plan, apply it to
 * pyproject text, diff) do no I/O; `sync()` and the command functions do the
 * I/O, running uv and git through an injectable {@link Runner}.
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

export * from "./lib/core/errors.ts";
export * from "./lib/core/names.ts";
export type * from "./lib/core/plan.ts";
export * from "./lib/core/manifest.ts";
export * from "./lib/core/mode.ts";
export * from "./lib/core/registry_entry.ts";
export * from "./lib/core/registry.ts";
export * from "./lib/registry/remote.ts";
export * from "./lib/core/resolve.ts";
export * from "./lib/edit/pyproject.ts";
export { type ManagedRecord, readManaged } from "./lib/edit/pyproject_record.ts";
export {
  foreignSources,
  type PlannedPackage,
  plannedPackages,
} from "./lib/edit/pyproject_policy.ts";
export * from "./lib/edit/pyproject_diff.ts";
export * from "./lib/edit/unified_diff.ts";
export * from "./lib/io/runner.ts";
export * from "./lib/io/uv.ts";
export * from "./lib/project/load.ts";
export * from "./lib/project/root.ts";
export * from "./lib/commands/sync.ts";
export * from "./lib/core/sync_result.ts";
export * from "./lib/project/plan.ts";
export * from "./lib/project/context.ts";
export * from "./lib/commands/groups.ts";
export * from "./lib/edit/yaml_edit.ts";
export * from "./lib/core/json_schema.ts";
export * from "./lib/commands/init.ts";
export * from "./lib/registry/add.ts";
export * from "./lib/registry/index_file.ts";
export * from "./lib/commands/verify.ts";
export * from "./lib/commands/stage.ts";
export * from "./lib/commands/check.ts";
export { type CommittedForms, committedForms } from "./lib/project/committed.ts";
export * from "./lib/core/commit_mode.ts";
export * from "./lib/commands/status.ts";
export * from "./lib/commands/clone.ts";
export * from "./lib/core/checkout.ts";
export * from "./lib/core/project.ts";
export * from "./lib/commands/pin.ts";
export * from "./lib/commands/completions.ts";
export * from "./lib/core/workspace.ts";
export type { LockOptions } from "./lib/state/project_mutex.ts";
export type { Recovery } from "./lib/state/transaction.ts";
export type { Io } from "./lib/io/terminal.ts";
export type { Confinement, FolderEntry, Reader } from "./lib/core/reader.ts";
export * from "./lib/core/registry_location.ts";
export * from "./lib/registry/load.ts";

export * from "./lib/project/lockfile_check.ts";
export * from "./lib/core/adopt.ts";
export { VERSION } from "./lib/core/version.ts";

if (import.meta.main) {
  // `deno run -A jsr:@hpm/cli sync` runs this module: hand over to the CLI.
  const { main } = await import("./cli.ts");
  Deno.exit(await main(Deno.args));
}
