/**
 * Remote registries: a git repository (cloned into a cache, optionally at a
 * pinned ref: `https://host/reg.git#v3`) or an HTTPS base URL serving
 * `index.json` and `packages/<name>.yaml`. Either way the result is a folder in
 * the cache with the local layout, so reading it is the local code path. A
 * registry that cannot be reached is used from its cache, and HPM says so.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";
import { MAX_YAML_BYTES } from "./_yaml.ts";
import { CommandFailedError, HpmInputError, HpmOperationError } from "./errors.ts";
import { isValidPackageName } from "./names.ts";
import { denoRunner, type Runner } from "./runner.ts";
import { isSafeGitRef, isSafeGitUrl } from "./value_checks.ts";

/** How long a fetched registry is used without asking the remote again. */
const FRESH_MS = 10 * 60 * 1000;
const MAX_INDEX_BYTES = 1024 * 1024;
const MAX_PACKAGES = 2000;
const TIMEOUT_MS = 20_000;

/** A parsed registry location. */
export type RegistryLocation =
  | { readonly kind: "local"; readonly path: string }
  | { readonly kind: "git"; readonly url: string; readonly ref?: string }
  | { readonly kind: "http"; readonly url: string };

/**
 * Classify a `registry:` value: a folder, a git repository (`git+URL`, or a
 * URL ending in `.git`, optionally `#ref`), or an HTTPS base URL.
 *
 * @param location the value from hpm.yaml
 * @returns the parsed location
 * @throws {HpmInputError} for an unsafe URL or ref
 *
 * @example Usage
 * ```ts
 * import { parseRegistryLocation } from "@hpm/cli";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseRegistryLocation("https://example.com/reg.git#v3"), {
 *   kind: "git",
 *   url: "https://example.com/reg.git",
 *   ref: "v3",
 * });
 * assert.deepEqual(parseRegistryLocation("./hpm-registry"), { kind: "local", path: "./hpm-registry" });
 * ```
 */
export function parseRegistryLocation(location: string): RegistryLocation {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith("git+")) {
    return { kind: "local", path: location };
  }
  const hash = location.indexOf("#");
  const base = hash < 0 ? location : location.slice(0, hash);
  const ref = hash < 0 ? undefined : location.slice(hash + 1);
  const bad = (what: string) =>
    new HpmInputError(
      "schema",
      `registry \`${location}\`: ${what}`,
      undefined,
      "a registry is a folder, a git URL (https://…/reg.git#ref) or an https:// base URL",
    );
  if (base.startsWith("git+") || base.endsWith(".git")) {
    const url = base.replace(/^git\+/, "");
    if (!isSafeGitUrl(url)) throw bad("git URLs must use https://, ssh://, git:// or file://");
    if (ref !== undefined && !isSafeGitRef(ref)) throw bad(`\`${ref}\` is not a valid git ref`);
    return ref === undefined ? { kind: "git", url } : { kind: "git", url, ref };
  }
  if (ref !== undefined) throw bad("only git registries take a #ref");
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw bad("not a URL");
  }
  // Plain http only on this machine (a test or a local mirror), never across a network.
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
    throw bad("remote registries must use https:// (http:// only on localhost)");
  }
  return { kind: "http", url: base.replace(/\/+$/, "") };
}

/** Where HPM keeps fetched registries: `$HPM_CACHE_DIR`, else the user cache folder. */
export function cacheDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.HPM_CACHE_DIR) return env.HPM_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "hpm");
  if (env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "hpm", "cache");
  return join(env.HOME ?? ".", ".cache", "hpm");
}

/** Options of {@link fetchRegistry}. */
export interface FetchRegistryOptions {
  /** Runs git. @default denoRunner */
  readonly runner?: Runner;
  /** Notices (offline, refreshed). */
  readonly log?: (message: string) => void;
  /** Environment: cache location, `HPM_OFFLINE=1` to never ask the remote. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function fetchedAt(stamp: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(stamp)).mtime?.getTime();
  } catch {
    return undefined;
  }
}

/**
 * Bring a remote registry's cached copy up to date (at most every ten
 * minutes), falling back to the cache when the remote cannot be reached.
 *
 * @param location a remote location from {@link parseRegistryLocation}
 * @param options runner, logger, environment
 * @returns the cache folder, laid out like a local registry
 * @throws {HpmOperationError} when the remote cannot be reached and nothing is cached
 */
export async function fetchRegistry(
  location: Exclude<RegistryLocation, { kind: "local" }>,
  options: FetchRegistryOptions = {},
): Promise<string> {
  const env = options.env ?? Deno.env.toObject();
  const key = location.kind === "git" ? `${location.url}#${location.ref ?? ""}` : location.url;
  const name = createHash("sha256").update(key).digest("hex").slice(0, 16);
  const dir = join(cacheDir(env), "registries", name);
  const stamp = `${dir}.fetched`;
  const cached = await exists(join(dir, "packages"));
  const when = await fetchedAt(stamp);
  const shown = location.kind === "git" && location.ref
    ? `${location.url}#${location.ref}`
    : location.url;
  if (cached && (env.HPM_OFFLINE === "1" || (when !== undefined && Date.now() - when < FRESH_MS))) {
    if (env.HPM_OFFLINE === "1") {
      options.log?.(`registry ${shown}: offline (HPM_OFFLINE=1), using the cached copy`);
    }
    return dir;
  }
  if (env.HPM_OFFLINE === "1") {
    throw new HpmOperationError(
      `registry ${shown} has no cached copy and HPM_OFFLINE=1 is set`,
      "run once with network access, or unset HPM_OFFLINE",
    );
  }
  try {
    if (location.kind === "git") await refreshGit(location, dir, options.runner ?? denoRunner);
    else await refreshHttp(location.url, dir);
    await Deno.writeTextFile(stamp, new Date().toISOString() + "\n");
  } catch (e) {
    if (e instanceof HpmInputError) throw e;
    const lines = e instanceof CommandFailedError ? e.stderrTail.trim().split("\n") : [];
    const why = e instanceof CommandFailedError
      ? (lines.find((l) => l.startsWith("fatal:")) ?? lines[0] ?? e.message).replace(/^fatal: /, "")
      : e instanceof Error
      ? e.message
      : String(e);
    if (!cached) {
      throw new HpmOperationError(
        `cannot fetch registry ${shown}: ${why}`,
        "check the URL and your network; once fetched, a registry also works offline",
      );
    }
    const age = when
      ? ` from ${new Date(when).toISOString().slice(0, 16).replace("T", " ")} UTC`
      : "";
    options.log?.(`registry ${shown}: cannot reach it (${why}); using the cached copy${age}`);
  }
  return dir;
}

const GIT_SAFE = [
  "-c",
  "protocol.ext.allow=never",
  "-c",
  "protocol.fd.allow=never",
  "-c",
  "advice.detachedHead=false",
];

async function refreshGit(location: { url: string; ref?: string }, dir: string, runner: Runner) {
  const git = async (args: string[], cwd = dir) => {
    const full = [...GIT_SAFE, ...args];
    const r = await runner({ program: "git", args: full, cwd, env: { GIT_TERMINAL_PROMPT: "0" } });
    if (r.code !== 0) throw new CommandFailedError("git", full, r.code, r.stderr);
    return r.stdout.trim();
  };
  if (!(await exists(join(dir, ".git")))) {
    await Deno.mkdir(dir, { recursive: true });
    await git(["init", "--quiet"]);
    await git(["remote", "add", "origin", location.url]);
  }
  await git([
    "fetch",
    "--quiet",
    "--force",
    "--tags",
    "--end-of-options",
    "origin",
    location.ref ?? "HEAD",
  ]);
  const commit = await git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"]);
  await git(["checkout", "--quiet", "--force", "--detach", commit]);
  if (!(await exists(join(dir, "packages")))) {
    throw new HpmOperationError(`registry ${location.url} has no packages/ folder`);
  }
}

async function fetchLimited(url: string, limit: number): Promise<Uint8Array> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
    redirect: "follow",
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > limit) {
    await response.body?.cancel();
    throw new HpmInputError("yaml-unsafe", `${url} is ${declared} bytes; the limit is ${limit}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > limit) {
      throw new HpmInputError("yaml-unsafe", `${url} is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// index.json is `["name", …]` or `{"packages": ["name", …]}`; names are checked
// before they become file names, so a hostile index cannot write outside the cache.
async function refreshHttp(base: string, dir: string) {
  const indexUrl = `${base}/index.json`;
  let names: unknown;
  try {
    names = JSON.parse(new TextDecoder().decode(await fetchLimited(indexUrl, MAX_INDEX_BYTES)));
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new HpmInputError("schema", `${indexUrl} is not valid JSON`);
    }
    throw e;
  }
  const list = Array.isArray(names) ? names : (names as { packages?: unknown })?.packages;
  if (!Array.isArray(list) || list.length > MAX_PACKAGES) {
    throw new HpmInputError(
      "schema",
      `${indexUrl} must be a list of at most ${MAX_PACKAGES} package names`,
    );
  }
  for (const n of list) {
    if (typeof n !== "string" || !isValidPackageName(n)) {
      throw new HpmInputError(
        "schema",
        `${indexUrl} lists ${JSON.stringify(n)}, which is not a package name`,
      );
    }
  }
  const fresh = `${dir}.new-${Deno.pid}`;
  await Deno.remove(fresh, { recursive: true }).catch(() => {});
  await Deno.mkdir(join(fresh, "packages"), { recursive: true });
  try {
    for (const n of list as string[]) {
      const bytes = await fetchLimited(
        `${base}/packages/${encodeURIComponent(n)}.yaml`,
        MAX_YAML_BYTES,
      );
      await writeFileAtomic(join(fresh, "packages", `${n}.yaml`), bytes);
    }
    // Swap in the complete new copy; a failure above leaves the old cache whole.
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.rename(fresh, dir);
  } catch (e) {
    await Deno.remove(fresh, { recursive: true }).catch(() => {});
    throw e;
  }
}
