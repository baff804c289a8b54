/**
 * Test support for the tests of the fingerprint (fingerprint_test.ts,
 * inputs_check_test.ts, lock_memory_test.ts): a sync's inputs as planning
 * saw them, the run a record is checked for, and records taken of them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type ModeRecord, takeFingerprint } from "./fingerprint.ts";
import { PlanInputs } from "./plan_inputs.ts";
import { tempTree } from "../_testing.ts";

/** pyproject.toml before the sync, and after. */
export const BEFORE = '[project]\nname = "core"\n';
export const AFTER = '[project]\nname = "core"\n\n[tool.hpm]\nmode = "dev"\n';
/** What the sync changed. */
export const CHANGE = { modeAfter: "dev", sources: 1, groups: 1 };

// What planning saw: the files (read as planning reads them, confined to the
// project) and the registry folder's listing.
export function planned(dir: string, files = ["hpm.yaml", "hpm.local.yaml"]): PlanInputs {
  const seen = new PlanInputs();
  for (const file of files) seen.read(join(dir, file), { root: dir }, 1024);
  seen.list(join(dir, "reg"), { root: dir });
  return seen;
}

/** What a sync into dev found, decided and left, planning having seen `seen`. */
export const inputs = (dir: string, startedAt: number, seen = planned(dir)) => ({
  hpm: "1.0.0",
  root: dir,
  mode: "dev",
  fileMode: { mode: "dev", origin: "default" },
  home: "/home/u",
  cacheEnv: "[]",
  files: seen.files,
  folders: seen.folders,
  before: BEFORE,
  after: AFTER,
  change: CHANGE,
  startedAt,
});

/** The run a record is checked for: the same HPM, root, home and cache. */
export const here = (dir: string) => ({
  root: dir,
  hpm: "1.0.0",
  request: {},
  home: "/home/u",
  cacheEnv: "[]",
});
/** A stored fingerprint of these records. */
export const stored = (...records: ModeRecord[]) => ({
  format: 4,
  modes: Object.fromEntries(records.map((r) => [r.mode, r])),
});

// Recorded as a sync right after the files were written: their stats do not
// vouch (times inside the run's second), so content decides every check.
export async function recorded(files: Record<string, string>) {
  const dir = await tempTree("hpm-unit-", files);
  const startedAt = Date.now();
  const record = await takeFingerprint(inputs(dir, startedAt));
  assert.ok(record, "a sync that succeeds always leaves its record");
  assert.ok(record.inputs.every((i) => i.seen === null));
  return { dir, record };
}
