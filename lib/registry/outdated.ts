/**
 * `hpm registry list --outdated`: for each registry entry, whether a newer
 * release exists than the one its prod source names: newer tags on its git
 * remote (`git ls-remote --tags`), newer versions on the package index the
 * entry names (its simple API). What a person or a bot reads before `hpm pin`.
 * A git remote is asked once however many entries it releases (a monorepo's
 * subdirectories), a few remotes at a time, each within a time limit;
 * `HPM_OFFLINE=1` asks none.
 *
 * @module
 */

import { newerRelease, parsePep440 } from "../core/pep440.ts";
import { normalizeName } from "../core/names.ts";
import type { RegistryEntry, Source } from "../core/registry_entry.ts";
import { remoteTags } from "../io/git.ts";
import { runPool } from "../io/pool.ts";
import { readLimited, type Runner } from "../io/runner.ts";
import { REMOTE_CHECK_TIMEOUT_MS } from "./release_check.ts";

/** What {@link outdated} found for one entry. */
export interface OutdatedEntry {
  /** The package, as its entry names it. */
  readonly name: string;
  /** The mode whose source was compared. */
  readonly mode: string;
  /** That source's type; null when the entry has no source for the mode. */
  readonly source: Source["type"] | null;
  /** The release in use: a git ref, or an exact version (`1.2.0`); null when none. */
  readonly current: string | null;
  /** The newest newer release, as the remote writes it (a tag, a version); null when none. */
  readonly latest: string | null;
  /**
   * `outdated` (a newer release exists), `current` (none does), `not-checked`
   * (nothing to compare, or not asked: see `reason`), `unreachable` (the
   * remote did not answer: see `reason`).
   */
  readonly state: "outdated" | "current" | "not-checked" | "unreachable";
  /** Why it was not checked, or why the remote did not answer. */
  readonly reason: string | null;
  /** The git remote or package index asked (or that would have been). */
  readonly from: string | null;
}

/** How {@link outdated} asks. */
export interface OutdatedOptions {
  /** Runs git. */
  readonly runner: Runner;
  /** Where git runs (the project root). */
  readonly cwd: string;
  /** The mode whose sources are compared. @default "prod" */
  readonly mode?: string;
  /** Ask no remote (`HPM_OFFLINE=1`). */
  readonly offline?: boolean;
  /** Remotes asked at once. @default 8 */
  readonly jobs?: number;
  /** How long one remote gets. @default REMOTE_CHECK_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Fetches an index page (tests pass their own). @default fetch */
  readonly fetch?: typeof fetch;
}

// The most of one remote's answer HPM reads: tags of a large repository, a
// large package's index page.
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

const JOBS = 8;

/**
 * Compare each entry's release in `mode` (default prod) with the newest
 * release its remote has, by PEP 440 order of tag names and versions;
 * pre-releases count only when the release in use is one. Never throws for
 * a remote: one that does not answer is `unreachable`, with git's or the
 * index's reason.
 *
 * @param entries the registry entries
 * @param options runner, mode, offline, parallelism, time limit
 * @returns one result per entry, in the order given
 *
 * @example Usage
 * ```ts
 * import { denoRunner, loadProject, outdated } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * // A core whose plugin `q` is released on the index, with a dev checkout in packages/q:
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/pyproject.toml`, '[project]\nname = "core"\nversion = "0.1.0"\n');
 * await Deno.writeTextFile(`${root}/hpm.yaml`, "registry: ./reg\ngroups:\n  db:\n    options: [q]\n");
 * await Deno.mkdir(`${root}/reg/packages`, { recursive: true });
 * await Deno.writeTextFile(
 *   `${root}/reg/packages/q.yaml`,
 *   "name: q\nsources:\n  dev: {type: local, path: ./packages/q}\n  prod: {type: pypi, version: 1.0.0}\n",
 * );
 * await Deno.mkdir(`${root}/packages/q`, { recursive: true });
 * await Deno.writeTextFile(`${root}/packages/q/pyproject.toml`, '[project]\nname = "q"\nversion = "1.0.0"\n');
 *
 * // Offline, nothing is asked; online, git remotes (and an index the entry names) are.
 * const project = await loadProject(root);
 * const [q] = await outdated([project.registry.get("q")], {
 *   runner: denoRunner,
 *   cwd: root,
 *   offline: true,
 * });
 * assert.deepEqual([q.name, q.current, q.state], ["q", "1.0.0", "not-checked"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function outdated(
  entries: readonly RegistryEntry[],
  options: OutdatedOptions,
): Promise<OutdatedEntry[]> {
  const mode = options.mode ?? "prod";
  // By URL, the answer itself: entries in one repository (a monorepo's
  // subdirectories) checked side by side wait for one `ls-remote`.
  const asked = new Map<string, ReturnType<typeof remoteTags>>();
  const tagsOf = (url: string, timeoutMs: number) => {
    if (!asked.has(url)) {
      asked.set(url, remoteTags(options.runner, options.cwd, url, timeoutMs, MAX_ANSWER_BYTES));
    }
    return asked.get(url)!;
  };
  return await runPool(
    entries,
    options.jobs ?? JOBS,
    (entry) => check(entry, mode, options, tagsOf),
  );
}

async function check(
  entry: RegistryEntry,
  mode: string,
  options: OutdatedOptions,
  tagsOf: (url: string, timeoutMs: number) => ReturnType<typeof remoteTags>,
): Promise<OutdatedEntry> {
  const source = entry.sources[mode];
  const base = {
    name: entry.name,
    mode,
    source: source?.type ?? null,
    current: null,
    latest: null,
    from: null,
  };
  const skip = (reason: string, more: Partial<OutdatedEntry> = {}): OutdatedEntry => ({
    ...base,
    state: "not-checked",
    reason,
    ...more,
  });
  if (!source) return skip(`no ${mode} source`);
  if (source.type === "local") return skip(`${mode} installs from a local path`);
  const timeoutMs = options.timeoutMs ?? REMOTE_CHECK_TIMEOUT_MS;
  if (source.type === "git") {
    const ref = source.tag ?? source.ref ?? source.rev;
    const from = source.url;
    if (ref === undefined) {
      return skip(
        source.branch ? `follows the branch ${source.branch}` : "names no ref (the default branch)",
        { from },
      );
    }
    if (/^[0-9a-f]{7,64}$/i.test(ref)) {
      return skip(`\`${ref}\` looks like a commit: nothing to compare tags with`, {
        current: ref,
        from,
      });
    }
    if (parsePep440(ref) === undefined) {
      return skip(`\`${ref}\` is not a version to compare tags with`, { current: ref, from });
    }
    if (options.offline) {
      return skip("offline (HPM_OFFLINE=1): the remote was not asked", { current: ref, from });
    }
    const answer = await tagsOf(from, timeoutMs);
    if ("reason" in answer) {
      return { ...base, current: ref, from, state: "unreachable", reason: answer.reason };
    }
    return compared(base, ref, answer.tags, from);
  }
  const exact = /^===?([0-9][A-Za-z0-9.+!_-]*)$/.exec(source.version ?? "");
  if (!exact) {
    return skip(
      source.version
        ? `\`${source.version}\` allows more than one version`
        : "names no version (the newest is installed)",
    );
  }
  const current = exact[1];
  if (source.index === undefined) {
    // Which index uv asks is set outside the entry (pyproject.toml, uv.toml,
    // UV_INDEX…); sending a private plugin's name to a public index would
    // tell it what to squat.
    return skip(
      "the entry names no index, and hpm asks only an index the entry names",
      { current },
    );
  }
  const from = source.index;
  if (!/^https?:/.test(from)) return skip("not an http(s) index", { current, from });
  if (options.offline) {
    return skip("offline (HPM_OFFLINE=1): the index was not asked", { current, from });
  }
  const answer = await indexVersions(from, entry.name, timeoutMs, options.fetch ?? fetch);
  if ("reason" in answer) {
    return { ...base, current, from, state: "unreachable", reason: answer.reason };
  }
  return compared(base, current, answer.versions, from);
}

function compared(
  base: Pick<OutdatedEntry, "name" | "mode" | "source">,
  current: string,
  candidates: readonly string[],
  from: string,
): OutdatedEntry {
  const latest = newerRelease(current, candidates) ?? null;
  return {
    ...base,
    current,
    latest,
    from,
    state: latest === null ? "current" : "outdated",
    reason: null,
  };
}

/**
 * The versions a package index offers for a package, from its simple API
 * (PEP 691's JSON, else PEP 503's HTML): PEP 700's `versions` when given,
 * else those of its files that are not yanked. One request, redirects not
 * followed (an index must not send HPM to another host), within `timeoutMs`,
 * at most {@link MAX_ANSWER_BYTES}.
 */
async function indexVersions(
  index: string,
  name: string,
  timeoutMs: number,
  fetcher: typeof fetch,
): Promise<{ versions: string[] } | { reason: string }> {
  const url = `${index.replace(/\/+$/, "")}/${normalizeName(name)}/`;
  let response: Response;
  try {
    response = await fetcher(url, {
      headers: { accept: "application/vnd.pypi.simple.v1+json, text/html;q=0.1" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    return { reason: `${url}: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    return {
      reason: `${url} redirects to ${response.headers.get("location") ?? "nowhere"}; ` +
        "hpm does not follow an index's redirects: name the final URL in the entry",
    };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { reason: `${url}: HTTP ${response.status}` };
  }
  const bytes = response.body ? await readLimited(response.body, MAX_ANSWER_BYTES) : undefined;
  if (bytes === undefined) {
    return { reason: `${url}: no answer, or more than ${MAX_ANSWER_BYTES} bytes` };
  }
  const text = new TextDecoder().decode(bytes);
  const type = response.headers.get("content-type") ?? "";
  return type.includes("json") ? jsonVersions(text, url) : { versions: htmlVersions(text) };
}

// PEP 691: `versions` (PEP 700), else the files that are not yanked.
function jsonVersions(text: string, url: string): { versions: string[] } | { reason: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { reason: `${url}: not JSON` };
  }
  const page = data as { versions?: unknown; files?: unknown };
  if (Array.isArray(page.versions)) {
    return { versions: page.versions.filter((v): v is string => typeof v === "string") };
  }
  if (!Array.isArray(page.files)) return { reason: `${url}: no \`versions\` or \`files\`` };
  return {
    versions: page.files.flatMap((f) => {
      const file = f as { filename?: unknown; yanked?: unknown } | null;
      const yanked = file?.yanked !== undefined && file.yanked !== false;
      return typeof file?.filename === "string" && !yanked ? versionOfFile(file.filename) : [];
    }),
  };
}

// PEP 503: each anchor's text is a file name; `data-yanked` marks a yanked one.
function htmlVersions(text: string): string[] {
  return [...text.matchAll(/<a\b([^>]*)>([^<]*)<\/a>/gi)].flatMap(([, attributes, file]) =>
    /\bdata-yanked\b/i.test(attributes) ? [] : versionOfFile(file.trim())
  );
}

// A wheel is `name-version-…whl`; an sdist `name-version.tar.gz` (or .zip).
function versionOfFile(file: string): string[] {
  if (file.endsWith(".whl")) return file.split("-").slice(1, 2);
  const sdist = /-([^-]+)\.(?:tar\.gz|zip)$/.exec(file);
  return sdist ? [sdist[1]] : [];
}
