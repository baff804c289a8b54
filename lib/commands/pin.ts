/**
 * `hpm pin`: the release step. Sets a plugin's prod ref in its registry entry
 * (by default to the newest tag of its local clone), editing only that value
 * so the file's comments and layout stay as they were.
 *
 * @module
 */

import { dirname, relative } from "node:path";
import { MAX_YAML_BYTES } from "../edit/yaml_load.ts";
import { readConfined, writeConfined } from "../io/files.ts";
import { HpmInputError, HpmOperationError } from "../core/errors.ts";
import { cloneState, commitsAfter, hasOwnGit, newestTag } from "../io/git.ts";
import { devCheckout } from "../core/checkout.ts";
import { loadProject } from "../project/load.ts";
import { findProjectRoot } from "../project/root.ts";
import {
  missingModeError,
  parseRegistryEntry,
  type RegistryEntry,
} from "../core/registry_entry.ts";
import { checkReleaseOnRemote } from "../registry/release_check.ts";
import { denoRunner } from "../io/runner.ts";
import { type CommandContext, commandContext, type GlobalFlags } from "../project/context.ts";
import type { Io } from "../io/terminal.ts";
import { withProjectLock } from "../state/project_mutex.ts";
import { isSafeGitRef, normalizeSpecifier } from "../core/value_checks.ts";
import { yamlDelete, yamlGet, yamlSetScalar } from "../edit/yaml_edit.ts";

/** Options of {@link pin}. */
export interface PinOptions extends CommandContext {
  /** The package to pin. */
  readonly package: string;
  /** The ref to pin; default: the newest tag (by version order) of the local clone. */
  readonly ref?: string;
  /** Pin even when the clone has uncommitted changes or commits after the ref. */
  readonly force?: boolean;
  /**
   * Check that the ref exists on the remote uv installs from (the git
   * source's URL, or `repository:` for a pypi source). @default true
   */
  readonly verify?: boolean;
  /** The registry mode whose source is set. @default "prod" */
  readonly mode?: string;
}

/** What {@link pin} did. */
export interface PinResult {
  /** The registry entry file. */
  readonly file: string;
  /** The ref pinned (the tag, even when a pypi version was written). */
  readonly ref: string;
  /** The key set: `ref`, `tag` or `rev` for a git source, `version` for pypi. */
  readonly key: string;
  /** The value written: the ref, or for pypi the version (the tag without a leading `v`). */
  readonly value: string;
  /** The value it replaced (a `branch:` value when that key was replaced), if there was one. */
  readonly previous?: string;
  /** Whether the file changed. */
  readonly changed: boolean;
  /** False when the edit could not be spliced in and the YAML was re-rendered whole. */
  readonly exact: boolean;
}

/**
 * Set a package's prod ref in its registry entry: the git source's
 * `ref`/`tag`/`rev` (whichever it uses; `ref` by default, and in place of a
 * `branch`), or a pypi source's `version` (the tag without a leading `v`).
 * Only that value changes; the file is written atomically.
 *
 * Refuses, unless `force`, when the local clone has uncommitted changes or
 * commits after the ref: the release would not be what is on disk. An explicit
 * `ref` must exist in the clone, even with `force`; unless `verify` is false,
 * it must also exist on the remote (a tag never pushed is refused; an
 * unreachable remote only warns).
 *
 * @param options package, ref, force, mode, project, runner
 * @returns the file, the ref, the previous value, and whether the file changed
 * @throws {HpmInputError} for an unknown package (with "did you mean"), a
 *   mode it has no source for or a local one, an invalid `ref`, or a missing clone
 * @throws {HpmOperationError} when the clone is dirty or ahead of the ref
 *   (without `force`), the ref does not exist in the clone or on the remote,
 *   or the clone has no tags
 *
 * @example Usage
 * ```ts
 * import { denoRunner, pin } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core with one plugin, `q`, released by a git tag; a dev clone in packages/q.
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(
 *   `${root}/reg/packages/q.yaml`,
 *   "name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n" +
 *     "  prod: {type: git, url: 'https://example.com/q.git', tag: v1.0.0}\n",
 * );
 * await Deno.mkdir(`${root}/packages/q`, { recursive: true });
 * await Deno.writeTextFile(`${root}/packages/q/pyproject.toml`, '[project]\nname = "q"\nversion = "1.0.0"\n');
 *
 * const git = (...args: string[]) => denoRunner({ program: "git", args, cwd: `${root}/packages/q` });
 * await git("init", "--quiet");
 * await git("add", "-A");
 * await git("-c", "user.name=me", "-c", "user.email=me@example.com", "commit", "--quiet", "-m", "1.1");
 * await git("tag", "v1.1.0");
 *
 * // The newest tag of q's clone becomes prod's ref (`verify: false`: the remote is not asked).
 * const { previous, ref } = await pin({ root, package: "q", verify: false });
 * assert.deepEqual([previous, ref], ["v1.0.0", "v1.1.0"]);
 * assert.match(await Deno.readTextFile(`${root}/reg/packages/q.yaml`), /tag: v1\.1\.0/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function pin(options: PinOptions): Promise<PinResult> {
  const mode = options.mode ?? "prod";
  if (options.ref !== undefined && !isSafeGitRef(options.ref)) {
    throw new HpmInputError(
      "usage",
      `\`${options.ref}\` is not a valid git ref`,
      undefined,
      "give a tag, branch or commit, e.g. --ref v1.2.0",
    );
  }
  const runner = options.runner ?? denoRunner;
  const log = options.log ?? (() => {});
  const env = options.env ?? Deno.env.toObject();
  const root = findProjectRoot(options.root);
  return await withProjectLock(root, async () => {
    const project = await loadProject(root, { runner, log, env });
    const { registry } = project;
    if (!registry.has(options.package)) throw registry.unknown(options.package);
    const entry = registry.get(options.package);
    const remote = registry.fileOf(entry.key)?.remote;
    if (remote) {
      throw new HpmInputError(
        "usage",
        `\`${entry.name}\` comes from the remote registry ${remote}; hpm only edits local registries`,
        { file: entry.file },
        "pin it in that registry's own repository (clone it and run `hpm pin` there)",
      );
    }
    const edit = editFor(entry, mode, registry.fileOf(entry.key)!.text);

    const checkout = devCheckout(project, entry, "dev", env.HOME ?? env.USERPROFILE);
    const where = checkout ? relative(root, checkout.path) || "." : undefined;
    if (!checkout || !hasOwnGit(checkout.path)) {
      throw new HpmInputError(
        "missing-clone",
        checkout
          ? `no git clone of \`${entry.name}\` at ${where}: pin takes the release from it`
          : `\`${entry.name}\` has no local source in any mode, so there is no clone to pin from`,
        checkout ? undefined : entry.positionOf(["sources"], true),
        checkout
          ? `run \`hpm clone ${entry.name}\``
          : `add a \`dev: {type: local, path: …}\` source to ${entry.file}`,
      );
    }
    const dir = checkout.path;

    let ref = options.ref;
    if (ref === undefined) {
      ref = await newestTag(runner, dir);
      if (ref === undefined) {
        throw new HpmOperationError(
          `the clone of \`${entry.name}\` at ${where} has no tags`,
          `tag the release (\`git -C ${where} tag -a v1.0.0 -m v1.0.0\`) or pass --ref`,
        );
      }
    }
    const ahead = await commitsAfter(runner, dir, ref);
    if (ahead === undefined) {
      throw new HpmOperationError(
        `\`${ref}\` does not exist in the clone of \`${entry.name}\` at ${where}`,
        `check the name, or fetch it first (\`git -C ${where} fetch --tags\`)`,
      );
    }

    const problems: string[] = [];
    const state = await cloneState(runner, dir);
    if (state.dirty) {
      problems.push(
        `it has ${state.changedPaths} uncommitted change${state.changedPaths === 1 ? "" : "s"}`,
      );
    }
    if (ahead > 0) problems.push(`it has ${ahead} commit${ahead === 1 ? "" : "s"} after ${ref}`);
    if (problems.length) {
      const what = `the clone of \`${entry.name}\` at ${where} is not the release ${ref}: ` +
        problems.join(", and ");
      if (!options.force) {
        throw new HpmOperationError(
          `refusing to pin: ${what}`,
          `commit and tag a new release, then run \`hpm pin ${entry.name}\`; or pass --force`,
        );
      }
      log(`pinning anyway (--force): ${what}`);
    }

    const value = edit.valueOf(ref);
    const source = entry.sources[mode];
    const url = source?.type === "git" ? source.url : entry.repository;
    if (url !== undefined && options.verify !== false) {
      await checkReleaseOnRemote({
        runner,
        cwd: dir,
        url,
        ref,
        name: entry.name,
        command: `hpm pin ${entry.name}`,
        log,
        offline: env.HPM_OFFLINE === "1",
      });
    }
    const file = entry.file;
    // Read again as bytes, not the parsed text: that text lost a BOM.
    const packages = dirname(file);
    const before = new TextDecoder("utf-8", { ignoreBOM: true }).decode(
      readConfined(file, { root: packages }, MAX_YAML_BYTES)!,
    );
    const set = yamlSetScalar(before, ["sources", mode, edit.key], value);
    const removed = edit.replaces
      ? yamlDelete(set.text, ["sources", mode, edit.replaces])
      : { text: set.text, exact: true };
    const after = removed.text;
    const exact = set.exact && removed.exact;
    if (!exact) {
      log(`${file} could not be edited in place and was rewritten whole: check its comments`);
    }
    // The edit must leave a valid entry that says exactly what we meant.
    const check = parseRegistryEntry(after, file, registry.fileOf(entry.key)?.stem);
    const written = check.sources[mode] as unknown as Record<string, unknown> | undefined;
    const expected = edit.key === "version" ? normalizeSpecifier(value) : value;
    if (written?.[edit.key] !== expected || (edit.replaces && written?.[edit.replaces])) {
      throw new Error(`internal: editing ${file} did not set sources.${mode}.${edit.key}`);
    }
    const changed = after !== before;
    if (changed) await writeConfined(file, after, { root: packages });
    return { file, ref, key: edit.key, value, previous: edit.previous, changed, exact };
  }, { timeoutMs: options.lockTimeoutMs, log });
}

interface Edit {
  /** The key to set under `sources.<mode>`. */
  readonly key: string;
  /** A key to remove (a `branch:` that the pinned ref replaces). */
  readonly replaces?: string;
  /** The current value, as written. */
  readonly previous?: string;
  /** The value to write for a ref. */
  readonly valueOf: (ref: string) => string;
}

function editFor(entry: RegistryEntry, mode: string, text: string): Edit {
  const source = entry.sources[mode];
  if (!source) {
    throw missingModeError(entry, mode, `add a \`${mode}:\` git or pypi source to ${entry.file}`);
  }
  const raw = rawSource(text, mode);
  switch (source.type) {
    case "local":
      throw new HpmInputError(
        "usage",
        `the \`${mode}\` source of \`${entry.name}\` is a local path: there is no ref to pin`,
        entry.positionOf(["sources", mode, "type"]),
        `make it a git or pypi source, or pin another mode with --mode`,
      );
    case "git": {
      const key = (["ref", "tag", "rev"] as const).find((k) => source[k] !== undefined);
      if (key) return { key, previous: raw[key], valueOf: (ref) => ref };
      // A branch moves; a release is a fixed ref.
      return source.branch !== undefined
        ? { key: "ref", replaces: "branch", previous: raw.branch, valueOf: (ref) => ref }
        : { key: "ref", valueOf: (ref) => ref };
    }
    case "pypi":
      return {
        key: "version",
        previous: raw.version,
        valueOf: (ref) => {
          const version = ref.replace(/^v(?=\d)/, "");
          if (!/^\d/.test(version) || normalizeSpecifier(version) !== `==${version}`) {
            throw new HpmOperationError(
              `tag \`${ref}\` is not a version, so it cannot be the \`version\` of a pypi source`,
              "pass --ref with a version tag such as v1.2.0",
            );
          }
          return version;
        },
      };
  }
}

// The values as written in the file (the parsed source normalises pypi versions).
function rawSource(text: string, mode: string): Record<string, string | undefined> {
  const raw = (yamlGet(text, ["sources", mode]) ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, v === undefined || v === null ? undefined : String(v)]),
  );
}

/** `hpm pin`'s command line: the plugin, `--ref`, `--force`, `--no-verify`, `--mode`. */
export type PinFlags =
  & GlobalFlags
  & Pick<PinOptions, "package" | "ref" | "force" | "verify" | "mode">;

/**
 * `hpm pin`: what changed in the registry entry, or that nothing had to.
 *
 * @param flags the command line
 * @param io where it reports
 */
export async function pinCommand(flags: PinFlags, io: Io): Promise<void> {
  const context = commandContext(flags, io);
  const r = await pin({
    ...context,
    package: flags.package,
    ref: flags.ref,
    force: flags.force,
    verify: flags.verify,
  });
  context.log(
    r.changed
      ? `${r.file}: ${r.previous ?? "(none)"} → ${r.ref}`
      : `${flags.package} is already pinned to ${r.ref}`,
  );
}
