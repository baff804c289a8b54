/**
 * The zod schemas of HPM's YAML files. Private: the public API is the typed
 * results of `parseManifest()`, `parseRegistryEntry()` and `jsonSchema()`.
 *
 * @module
 */

import { z } from "zod";
import { PEP508_NAME } from "./names.ts";
import {
  isSafeGitRef,
  isSafeGitUrl,
  isSafeIndexUrl,
  isUsablePath,
  normalizeSpecifier,
} from "./value_checks.ts";

const packageName = z.string().max(200).regex(PEP508_NAME, {
  message: "not a valid package name (PEP 508: letters, digits, `-`, `_`, `.`; " +
    "starts and ends with a letter or digit)",
});

const modeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  message: "a mode name is letters, digits, `-`, `_`, `.`, starting with a letter or digit",
});

const gitRef = z.string().refine(isSafeGitRef, {
  message: "not a valid git ref (see `git check-ref-format`; it may not start with `-`)",
});

const gitUrl = z.string().refine(isSafeGitUrl, {
  message: "git URLs must use https://, ssh://, git:// or file:// (no `ext::`, no spaces)",
});

const indexUrl = z.string().refine(isSafeIndexUrl, {
  message: "an index URL must be http://, https:// or file://",
});

const localPath = z.string().refine(isUsablePath, {
  message: "not a usable path (control characters, or starts with `-`: write `./-name`)",
});

const versionSpecifier = z.string().transform((text, ctx) => {
  const spec = normalizeSpecifier(text);
  if (spec === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `${
        JSON.stringify(text)
      } is not a version (\`1.2.0\`) or PEP 440 specifier (\`>=1.2,<2\`)`,
    });
    return z.NEVER;
  }
  return spec;
});

const localSource = z.strictObject({
  type: z.literal("local"),
  path: localPath,
  editable: z.boolean().default(true),
});

const gitSource = z.strictObject({
  type: z.literal("git"),
  url: gitUrl,
  ref: gitRef.optional(),
  tag: gitRef.optional(),
  branch: gitRef.optional(),
  rev: gitRef.optional(),
  subdirectory: localPath.optional(),
}).refine(
  (s) => [s.ref, s.tag, s.branch, s.rev].filter((v) => v !== undefined).length <= 1,
  { message: "give at most one of `ref`, `tag`, `branch`, `rev`" },
);

const pypiSource = z.strictObject({
  type: z.literal("pypi"),
  version: versionSpecifier.optional(),
  index: indexUrl.optional(),
});

/** A registry entry file. */
export const registryEntrySchema = z.strictObject({
  $schema: z.string().optional(),
  name: packageName,
  description: z.string().max(1000).optional(),
  repository: gitUrl.optional()
    .describe("the git repository the code is developed in, for `hpm clone` when no mode is git"),
  requires: z.array(packageName).max(200).optional()
    .describe("other registry packages this one depends on; they get sources in every mode"),
  sources: z.record(modeName, z.discriminatedUnion("type", [localSource, gitSource, pypiSource]))
    .refine((s) => Object.keys(s).length > 0, { message: "give at least one mode" }),
});

const groupName = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, {
  message: "a group name is letters, digits, `-`, `_`, `.` (PEP 735)",
});

const registryRef = z.string().min(1).max(4096);

/** `hpm.yaml`. */
export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  registry: z.union([registryRef, z.array(registryRef).min(1)], {
    error: "expected a registry folder (a string) or a list of them",
  }).describe(
    "a registry folder (relative to hpm.yaml), or a list; the first that has a package wins",
  ),
  mode: modeName.optional().describe("the default mode; `--mode` and RUN_MODE override it"),
  "commit-mode": modeName.optional().describe(
    "the mode whose form of pyproject.toml and uv.lock is committed (`hpm stage`); " +
      "default: prod, when every plugin has a prod source",
  ),
  groups: z.record(
    groupName,
    z.strictObject({
      options: z.array(packageName).default([]),
      select: packageName.optional()
        .describe("for a group of alternatives: the one option to install"),
    }).nullable().transform((g) => g ?? { options: [] }),
  ).nullable().default({}).transform((g) => g ?? {}),
});

/** `hpm.local.yaml`. */
export const localOverlaySchema = z.strictObject({
  $schema: z.string().optional(),
  mode: modeName.optional().describe("this machine's default mode"),
  overrides: z.record(
    packageName,
    z.strictObject({ path: localPath, editable: z.boolean().optional() }),
  ).optional().describe("per-package local clone paths on this machine"),
});

/** Whether `mode` is a valid mode name. */
export function isModeName(mode: string): boolean {
  return modeName.safeParse(mode).success;
}
