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

export * from "./lib/errors.ts";
export * from "./lib/names.ts";
export type * from "./lib/plan.ts";
export * from "./lib/manifest.ts";
export * from "./lib/registry_entry.ts";
export * from "./lib/registry.ts";
export * from "./lib/remote_registry.ts";
export * from "./lib/resolve.ts";
export * from "./lib/pyproject.ts";
export * from "./lib/diff.ts";
export * from "./lib/unified_diff.ts";
export * from "./lib/runner.ts";
export * from "./lib/uv.ts";
export * from "./lib/project.ts";
export * from "./lib/sync.ts";
export * from "./lib/groups.ts";
export * from "./lib/yaml_edit.ts";
export * from "./lib/schema.ts";
export * from "./lib/init.ts";
export * from "./lib/registry_add.ts";
export * from "./lib/registry_index.ts";
export * from "./lib/verify.ts";
export * from "./lib/stage.ts";
export * from "./lib/commit_mode.ts";
export * from "./lib/hook.ts";
export * from "./lib/status.ts";
export * from "./lib/clone.ts";
export * from "./lib/pin.ts";
export * from "./lib/completions.ts";
export * from "./lib/workspace.ts";
export type { LockOptions } from "./lib/project_lock.ts";
export type { Recovery } from "./lib/transaction.ts";
export type { Confinement, DoorReader } from "./lib/files.ts";

export * from "./lib/lock_check.ts";
export * from "./lib/adopt.ts";
export { VERSION } from "./lib/version.ts";

if (import.meta.main) {
  // `deno run -A jsr:@hpm/cli sync` runs this module: hand over to the CLI.
  const { main } = await import("./cli.ts");
  Deno.exit(await main(Deno.args));
}
