/**
 * The zod schemas of HPM's YAML files. Private: the public API is the typed
 * results of `parseManifest()`, `parseRegistryEntry()` and `jsonSchema()`.
 *
 * Written with `zod/mini`, zod's functional form: its schemas are plain data
 * rather than objects carrying every method, and every command that reads a
 * project builds and runs them (a planned switch is about 14 ms faster than
 * with the classic form; docs/dependencies.md).
 *
 * @module
 */

import * as z from "zod/mini";
import { MODE_NAME } from "./mode.ts";
import { PEP508_NAME } from "./names.ts";
import {
  isSafeGitRef,
  isSafeGitUrl,
  isSafeIndexUrl,
  isUsablePath,
  normalizeSpecifier,
} from "./value_checks.ts";

const packageName = z.string().check(
  z.maxLength(200, { message: "a package name has at most 200 characters" }),
  z.regex(PEP508_NAME, {
    message: "not a valid package name (PEP 508: letters, digits, `-`, `_`, `.`; " +
      "starts and ends with a letter or digit)",
  }),
);

const modeName = z.string().check(
  z.regex(MODE_NAME, {
    message: "a mode name is letters, digits, `-`, `_`, `.`, starting with a letter or digit",
  }),
);

const gitRef = z.string().check(z.refine(isSafeGitRef, {
  message: "not a valid git ref (see `git check-ref-format`; it may not start with `-`)",
}));

const gitUrl = z.string().check(z.refine(isSafeGitUrl, {
  message: "git URLs must use https://, ssh://, git:// or file:// (no `ext::`, no spaces)",
}));

const indexUrl = z.string().check(z.refine(isSafeIndexUrl, {
  message: "an index URL must be http://, https:// or file://",
}));

const localPath = z.string().check(z.refine(isUsablePath, {
  message: "not a usable path (control characters, or starts with `-`: write `./-name`)",
}));

const versionSpecifier = z.pipe(
  z.string().check(z.refine((text) => normalizeSpecifier(text) !== undefined, {
    error: (issue) =>
      `${
        JSON.stringify(issue.input)
      } is not a version (\`1.2.0\`) or PEP 440 specifier (\`>=1.2,<2\`)`,
  })),
  z.transform((text: string) => normalizeSpecifier(text)!),
);

const localSource = z.strictObject({
  type: z.literal("local"),
  path: localPath,
  editable: z._default(z.boolean(), true),
});

const gitSource = z.strictObject({
  type: z.literal("git"),
  url: gitUrl,
  ref: z.optional(gitRef),
  tag: z.optional(gitRef),
  branch: z.optional(gitRef),
  rev: z.optional(gitRef),
  subdirectory: z.optional(localPath),
}).check(z.refine(
  (s) => [s.ref, s.tag, s.branch, s.rev].filter((v) => v !== undefined).length <= 1,
  { message: "give at most one of `ref`, `tag`, `branch`, `rev`" },
));

const pypiSource = z.strictObject({
  type: z.literal("pypi"),
  version: z.optional(versionSpecifier),
  index: z.optional(indexUrl),
});

/** A registry entry file. */
export const registryEntrySchema = z.strictObject({
  $schema: z.optional(z.string()),
  name: packageName,
  description: z.optional(z.string().check(z.maxLength(1000))),
  repository: z.optional(gitUrl).check(
    z.describe("the git repository the code is developed in, for `hpm clone` when no mode is git"),
  ),
  requires: z.optional(z.array(packageName).check(z.maxLength(200))).check(
    z.describe("other registry packages this one depends on; they get sources in every mode"),
  ),
  sources: z.record(modeName, z.discriminatedUnion("type", [localSource, gitSource, pypiSource]))
    .check(z.refine((s) => Object.keys(s).length > 0, { message: "give at least one mode" })),
});

const groupName = z.string().check(
  z.regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, {
    message: "a group name is letters, digits, `-`, `_`, `.` (PEP 735)",
  }),
);

const registryRef = z.string().check(z.minLength(1), z.maxLength(4096));
const registryList = z.union([registryRef, z.array(registryRef).check(z.minLength(1))], {
  error: "expected a registry folder (a string) or a list of them",
});

/** `hpm.yaml`. */
export const manifestSchema = z.strictObject({
  $schema: z.optional(z.string()),
  registry: registryList.check(
    z.describe(
      "a registry folder (relative to hpm.yaml), or a list; the first that has a package wins",
    ),
  ),
  mode: z.optional(modeName).check(
    z.describe("the default mode; `--mode` and RUN_MODE override it"),
  ),
  "commit-mode": z.optional(modeName).check(z.describe(
    "the mode whose form of pyproject.toml and uv.lock is committed (`hpm stage`); " +
      "default: prod, when every plugin has a prod source",
  )),
  groups: z.pipe(
    z._default(
      z.nullable(z.record(
        groupName,
        z.pipe(
          z.nullable(z.strictObject({
            options: z._default(z.array(packageName), []),
            select: z.optional(packageName).check(
              z.describe("for a group of alternatives: the one option to install"),
            ),
          })),
          z.transform((g) => g ?? { options: [] }),
        ),
      )),
      {},
    ),
    z.transform((g) => g ?? {}),
  ),
});

/** `hpm.local.yaml`. */
export const localOverlaySchema = z.strictObject({
  $schema: z.optional(z.string()),
  mode: z.optional(modeName).check(z.describe("this machine's default mode")),
  registry: z.optional(registryList).check(z.describe(
    "this machine's registries, replacing hpm.yaml's list (to try a registry change before " +
      "pushing it); the committed form is still planned from hpm.yaml's",
  )),
  overrides: z.optional(z.record(
    packageName,
    z.strictObject({ path: localPath, editable: z.optional(z.boolean()) }),
  )).check(z.describe("per-package local clone paths on this machine")),
  develop: z.optional(z.array(packageName).check(z.maxLength(200))).check(z.describe(
    "plugins installed from their clones in every mode (`hpm develop`); the others take the " +
      "mode's sources",
  )),
});

/** Whether `name` is a valid group name for hpm.yaml. */
export function isGroupName(name: string): boolean {
  return groupName.safeParse(name).success;
}
