/**
 * Test fixtures: real git repositories, real Python packages, a real PEP 503
 * package index on loopback, and a real uv project, all made on disk under one
 * temporary root so tests (and `examples/run.ts`) exercise HPM against real
 * `uv` and `git` without any network but the package registries.
 *
 * Typical use:
 *
 * ```ts
 * const root = await makeTempRoot();
 * try {
 *   const plugin = await makePluginRepo(root, {
 *     name: "rag4code-qdrant",
 *     module: "rag4code_qdrant",
 *     versions: [{ version: "1.0.0", body: 'VERSION = "1.0.0"\n' }],
 *   });
 *   const core = await makeCoreProject(`${root}/core`);
 *   // … point core's pyproject at plugin.clone or plugin.bareUrl, run uv …
 * } finally {
 *   await Deno.remove(root, { recursive: true });
 * }
 * ```
 *
 * Every subprocess runs through {@link run}: `Deno.Command`, never a shell,
 * with `UV_PYTHON_DOWNLOADS=never` and a fixed git identity. The default uv
 * cache is reused, so after the first run nothing is downloaded.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Result of a finished subprocess, output decoded as UTF-8. */
export interface RunResult {
  /** Exit code (a signal-killed process reports a non-zero code). */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Where and how to run a subprocess. */
export interface RunOptions {
  /** Working directory (required: fixtures never depend on the test's cwd). */
  cwd: string;
  /** Extra environment, merged over {@link FIXTURE_ENV} and the inherited env. */
  env?: Record<string, string>;
  /** Bytes to write to stdin; stdin is closed (null) when absent. */
  stdin?: string;
}

/**
 * Environment every fixture subprocess gets: uv may never download a Python,
 * and git commits/tags are deterministic and never read /etc/gitconfig.
 * `HOME` is left alone so the default uv cache is shared between tests.
 */
export const FIXTURE_ENV: Readonly<Record<string, string>> = Object.freeze({
  UV_PYTHON_DOWNLOADS: "never",
  UV_NO_PROGRESS: "1",
  GIT_AUTHOR_NAME: "HPM Test",
  GIT_AUTHOR_EMAIL: "hpm-test@example.invalid",
  GIT_COMMITTER_NAME: "HPM Test",
  GIT_COMMITTER_EMAIL: "hpm-test@example.invalid",
  GIT_AUTHOR_DATE: "2024-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2024-01-01T00:00:00Z",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
});

/** Git options that neutralise a developer's global config for fixture repos. */
const GIT_SAFE = [
  "-c",
  "commit.gpgsign=false",
  "-c",
  "tag.gpgsign=false",
  "-c",
  "init.defaultBranch=main",
  "-c",
  "core.autocrlf=false",
];

const decoder = new TextDecoder();

/** Runs a program (no shell) with the fixture env; use it to see failures as data. */
export async function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: { ...FIXTURE_ENV, ...opts.env },
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Like {@link run}, but throws (with the command, cwd and output) on a non-zero exit. */
export async function runOk(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `\`${cmd} ${args.join(" ")}\` failed with exit code ${r.code} in ${opts.cwd}\n` +
        `--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`,
    );
  }
  return r;
}

/** Runs git with settings that ignore the user's signing/branch config; throws on failure. */
export function git(args: string[], opts: RunOptions): Promise<RunResult> {
  return runOk("git", [...GIT_SAFE, ...args], opts);
}

/** Runs uv (UV_PYTHON_DOWNLOADS=never); throws on failure so tests see uv's stderr. */
export function uv(args: string[], opts: RunOptions): Promise<RunResult> {
  return runOk("uv", args, opts);
}

/**
 * Waits into the next second (and a tick past it), so that the stats of the
 * files written before vouch for them: a stat whose change time (whole
 * seconds) a later change could share does not vouch, and the fast path then
 * compares that input by content. A sync leaves its record either way; only a
 * test about what a stat-vouched answer skips (reading a file, loading the
 * SHA-256 code, a link's own stat) needs this.
 */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1050 - Date.now() % 1000));
}

/** Creates the single temporary root (prefix `hpm-test-`) a test removes in `finally`. */
export function makeTempRoot(): Promise<string> {
  return Deno.makeTempDir({ prefix: "hpm-test-" });
}

/** Runs `fn` with a fresh temp root and always removes it. */
export async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await makeTempRoot();
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Turns an absolute local path into a `file:///…` URL (what uv git sources and indexes need). */
export function fileUrl(path: string): string {
  return pathToFileURL(resolve(path)).href;
}

/** PEP 503 normalisation (`Rag4Code_Qdrant` → `rag4code-qdrant`), for index URLs and file names. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** Names never copied into a fixture repository (build output and environments). */
const COPY_SKIP = new Set([".git", ".venv", "__pycache__", "dist", "build", ".pytest_cache"]);

/** Copies a directory tree (skipping .git, .venv, caches and build output) so fixtures start clean. */
export async function copyDir(src: string, dst: string): Promise<void> {
  await Deno.mkdir(dst, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    if (COPY_SKIP.has(e.name) || e.name.endsWith(".egg-info")) continue;
    const from = join(src, e.name);
    const to = join(dst, e.name);
    if (e.isDirectory) await copyDir(from, to);
    else if (e.isFile) await Deno.copyFile(from, to);
    else if (e.isSymlink) await Deno.symlink(await Deno.readLink(from), to);
  }
}

/** Writes a file, creating parent folders, so fixtures can lay out trees in one call each. */
export async function writeFile(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, text);
}

/**
 * Build backend for fixture packages. `uv_build` is what `uv init` writes; the
 * range includes the installed uv so `uv build` takes its in-process fast
 * path, and `uv sync` fetches it once from PyPI into the shared cache.
 */
export const BUILD_SYSTEM = `[build-system]
requires = ["uv_build>=0.8.0,<0.20"]
build-backend = "uv_build"
`;

/** What a minimal installable Python package is made of. */
export interface PythonPackageSpec {
  /** Distribution name, e.g. `rag4code-qdrant`. */
  name: string;
  /** Version, e.g. `1.0.0`. */
  version: string;
  /** Import name, e.g. `rag4code_qdrant` (need not match the name). */
  module: string;
  /** Text of `src/<module>/__init__.py`, e.g. `VERSION = "1.0.0"\n`. */
  body: string;
  /** PEP 508 requirements for `[project] dependencies`. */
  dependencies?: string[];
  /** Extra TOML appended verbatim to pyproject.toml (e.g. a `[tool.uv.sources]` table). */
  extraToml?: string;
}

/** A TOML basic string (JSON escaping is valid TOML for the characters fixtures use). */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** Renders the pyproject.toml of {@link writePythonPackage}, for tests that want the text. */
export function pythonPackagePyproject(spec: PythonPackageSpec): string {
  const deps = (spec.dependencies ?? []).map(tomlString).join(", ");
  let text = `[project]
name = ${tomlString(spec.name)}
version = ${tomlString(spec.version)}
requires-python = ">=3.11"
dependencies = [${deps}]

${BUILD_SYSTEM}`;
  if (spec.module !== spec.name.replace(/[-.]/g, "_")) {
    text += `\n[tool.uv.build-backend]\nmodule-name = ${tomlString(spec.module)}\n`;
  }
  if (spec.extraToml) text += `\n${spec.extraToml.trimEnd()}\n`;
  return text;
}

/** Writes a minimal uv-buildable package (pyproject + `src/<module>/__init__.py`) into `dir`; returns `dir`. */
export async function writePythonPackage(dir: string, spec: PythonPackageSpec): Promise<string> {
  await writeFile(join(dir, "pyproject.toml"), pythonPackagePyproject(spec));
  await writeFile(join(dir, "src", spec.module, "__init__.py"), spec.body);
  return dir;
}

/** One release of a fixture plugin: its version, module body, and tag (default `v<version>`). */
export interface PluginVersion {
  /** Version written into pyproject.toml, e.g. `1.1.0`. */
  version: string;
  /** Text of `src/<module>/__init__.py` at this version. */
  body: string;
  /** Tag name; default `v<version>`. */
  tag?: string;
  /** `[project] dependencies` at this version. */
  dependencies?: string[];
}

/** A fixture plugin: a working clone (dev) and the bare remote it was pushed to (prod). */
export interface PluginRepo {
  /** Distribution name. */
  name: string;
  /** Working clone with `origin` = the bare repo, on branch `main`, clean. */
  clone: string;
  /** Path of the bare repository. */
  bare: string;
  /** `file:///…/name.git`: what a uv git source or `git clone` takes. */
  bareUrl: string;
  /** Tags created, oldest first. */
  tags: string[];
}

/** Where {@link makePluginRepo} and {@link makePluginRepoFromDir} put the clone and the bare repo. */
export interface RepoPlacement {
  /** Working clone location; default `<root>/<name>`. */
  cloneDir?: string;
  /** Bare repo location; default `<root>/remotes/<name>.git`. */
  bareDir?: string;
}

const GITIGNORE = "__pycache__/\n*.egg-info/\n.venv/\ndist/\nbuild/\n";

/** Creates the bare repo, pushes `main` and all tags, and sets upstream. */
async function publish(clone: string, bare: string): Promise<string> {
  await Deno.mkdir(dirname(bare), { recursive: true });
  await git(["init", "--quiet", "--bare", bare], { cwd: dirname(bare) });
  const url = fileUrl(bare);
  await git(["remote", "add", "origin", url], { cwd: clone });
  await git(["push", "--quiet", "-u", "origin", "main"], { cwd: clone });
  await git(["push", "--quiet", "origin", "--tags"], { cwd: clone });
  return url;
}

/**
 * Makes a plugin with one commit and one annotated tag per version, as a
 * working clone (what dev mode installs editable) plus a bare remote (what a
 * prod `{ git = "file:///…", tag = … }` source fetches). The clone ends at the
 * last version.
 */
export async function makePluginRepo(
  root: string,
  opts: { name: string; module: string; versions: PluginVersion[] } & RepoPlacement,
): Promise<PluginRepo> {
  const clone = opts.cloneDir ?? join(root, opts.name);
  const bare = opts.bareDir ?? join(root, "remotes", `${opts.name}.git`);
  await Deno.mkdir(clone, { recursive: true });
  await git(["init", "--quiet", "-b", "main"], { cwd: clone });
  await writeFile(join(clone, ".gitignore"), GITIGNORE);
  const tags: string[] = [];
  for (const v of opts.versions) {
    await writePythonPackage(clone, {
      name: opts.name,
      module: opts.module,
      version: v.version,
      body: v.body,
      dependencies: v.dependencies,
    });
    const tag = v.tag ?? `v${v.version}`;
    await git(["add", "-A"], { cwd: clone });
    await git(["commit", "--quiet", "-m", `Release ${tag}`], { cwd: clone });
    await git(["tag", "-a", tag, "-m", `Release ${tag}`], { cwd: clone });
    tags.push(tag);
  }
  const bareUrl = await publish(clone, bare);
  return { name: opts.name, clone, bare, bareUrl, tags };
}

/**
 * Turns an existing package folder (e.g. `examples/plugins/rag4code-qdrant`)
 * into a git repo with one commit and one annotated tag, plus a bare remote.
 * The folder is copied to `cloneDir` (default `<root>/<name>`) unless it
 * already is that folder, in which case it is initialised in place.
 */
export async function makePluginRepoFromDir(
  srcDir: string,
  root: string,
  opts: { tag: string; name?: string; message?: string } & RepoPlacement,
): Promise<PluginRepo> {
  const name = opts.name ?? basename(resolve(srcDir));
  const clone = resolve(opts.cloneDir ?? join(root, name));
  const bare = opts.bareDir ?? join(root, "remotes", `${name}.git`);
  if (clone !== resolve(srcDir)) await copyDir(srcDir, clone);
  await git(["init", "--quiet", "-b", "main"], { cwd: clone });
  try {
    await Deno.lstat(join(clone, ".gitignore"));
  } catch {
    await writeFile(join(clone, ".gitignore"), GITIGNORE);
  }
  await git(["add", "-A"], { cwd: clone });
  await git(["commit", "--quiet", "-m", opts.message ?? `Release ${opts.tag}`], { cwd: clone });
  await git(["tag", "-a", opts.tag, "-m", `Release ${opts.tag}`], { cwd: clone });
  const bareUrl = await publish(clone, bare);
  return { name, clone, bare, bareUrl, tags: [opts.tag] };
}

/** Commits everything in a clone and tags it (a "release" in a test); pushes when it has a remote. */
export async function commitAndTag(
  clone: string,
  tag: string,
  opts: { push?: boolean } = {},
): Promise<void> {
  await git(["add", "-A"], { cwd: clone });
  await git(["commit", "--quiet", "--allow-empty", "-m", `Release ${tag}`], { cwd: clone });
  await git(["tag", "-a", tag, "-m", `Release ${tag}`], { cwd: clone });
  if (opts.push ?? true) {
    await git(["push", "--quiet", "origin", "main"], { cwd: clone });
    await git(["push", "--quiet", "origin", tag], { cwd: clone });
  }
}

/**
 * Builds one wheel per package spec with `uv build --wheel` into
 * `<root>/wheels` (sources under `<root>/wheel-src`); returns the wheel folder,
 * ready for {@link serveIndex}.
 */
export async function buildWheels(root: string, ...pkgs: PythonPackageSpec[]): Promise<string> {
  const out = join(root, "wheels");
  await Deno.mkdir(out, { recursive: true });
  for (const p of pkgs) {
    const src = join(root, "wheel-src", `${normalizeName(p.name)}-${p.version}`);
    await writePythonPackage(src, p);
    await uv(["build", "--wheel", "--quiet", "--out-dir", out], { cwd: src });
  }
  return out;
}

/** A host on 127.0.0.1 of {@link staticHost} or {@link filesHost}: the paths asked, in order. */
export interface Host {
  /** `http://127.0.0.1:<port>`, no slash at the end. */
  readonly url: string;
  /** Every path asked for, decoded, in order. */
  readonly asked: string[];
  /** Stops the host (always call it, e.g. in `finally`). */
  close(): Promise<void>;
}

// Answers each path with `body(path)`, 404 when it has none.
function host(body: (path: string) => Promise<BodyInit | undefined>): Host {
  const asked: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    asked.push(path);
    const answer = await body(path);
    return answer === undefined ? new Response("not found", { status: 404 }) : new Response(answer);
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, asked, close: () => server.shutdown() };
}

/** Serves the files under `dir` as they are (a static host), on 127.0.0.1. */
export function staticHost(dir: string): Host {
  return host((path) => Deno.readFile(join(dir, path)).catch(() => undefined));
}

/** Serves `files` (a path such as `/index.json` → its text) on 127.0.0.1. */
export function filesHost(files: Readonly<Record<string, string>>): Host {
  return host((path) => Promise.resolve(files[path]));
}

/** How {@link serveIndex} answers. */
export interface IndexOptions {
  /** Sent with the index pages (PyPI sends `max-age=600`; many private indexes ask for revalidation). */
  readonly cacheControl?: string;
  /** Each answer waits this long, as an index across a network does. @default 0 */
  readonly latencyMs?: number;
}

/** A running local package index; `close()` stops it (always call it, e.g. in `finally`). */
export interface LocalIndex {
  /** Simple-API root, e.g. `http://127.0.0.1:41234/simple/`. */
  url: string;
  /** Port chosen by the OS. */
  port: number;
  /** Every request path served, in order (for asserting what uv fetched). */
  requests: string[];
  /** Stops listening and waits for the server to finish. */
  close(): Promise<void>;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0">` +
    `<title>${escapeHtml(title)}</title></head><body>\n${body}</body></html>\n`;
}

/**
 * Serves the wheels (and sdists) in `wheelDir` as a PEP 503 simple index on
 * 127.0.0.1 only, at a free port: `/simple/`, `/simple/<normalized-name>/`
 * with `#sha256=` links, and `/files/<file>`. The file set is read once; only
 * those files are ever served.
 */
export async function serveIndex(
  wheelDir: string,
  options: IndexOptions = {},
): Promise<LocalIndex> {
  const { cacheControl, latencyMs = 0 } = options;
  const files = new Map<string, { path: string; sha256: string; project: string }>();
  for await (const e of Deno.readDir(wheelDir)) {
    if (!e.isFile) continue;
    let dist: string | undefined;
    if (e.name.endsWith(".whl")) dist = e.name.split("-")[0];
    else if (e.name.endsWith(".tar.gz")) dist = e.name.slice(0, -7).replace(/-[^-]+$/, "");
    if (!dist) continue;
    const path = join(wheelDir, e.name);
    files.set(e.name, {
      path,
      sha256: await sha256Hex(await Deno.readFile(path)),
      project: normalizeName(dist),
    });
  }
  const projects = new Map<string, string[]>();
  for (const [file, f] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    projects.set(f.project, [...(projects.get(f.project) ?? []), file]);
  }
  const requests: string[] = [];
  const html: Record<string, string> = {
    "content-type": "text/html; charset=utf-8",
    ...(cacheControl ? { "cache-control": cacheControl } : {}),
  };

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    requests.push(url.pathname);
    if (latencyMs) await new Promise((r) => setTimeout(r, latencyMs));
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed", { status: 405 });
    }
    const p = url.pathname;
    if (p === "/simple" || p === "/simple/") {
      const links = [...projects.keys()].sort()
        .map((n) => `<a href="${escapeHtml(n)}/">${escapeHtml(n)}</a><br>\n`).join("");
      return new Response(page("Simple index", links), { headers: html });
    }
    const m = /^\/simple\/([^/]+)\/?$/.exec(p);
    if (m) {
      const name = normalizeName(decodeURIComponent(m[1]));
      const list = projects.get(name);
      if (!list) return new Response("not found", { status: 404 });
      const links = list.map((f) =>
        `<a href="/files/${encodeURIComponent(f)}#sha256=${files.get(f)!.sha256}" ` +
        `data-requires-python="&gt;=3.11">${escapeHtml(f)}</a><br>\n`
      ).join("");
      return new Response(page(`Links for ${name}`, links), { headers: html });
    }
    const f = /^\/files\/([^/]+)$/.exec(p);
    if (f) {
      const entry = files.get(decodeURIComponent(f[1]));
      if (!entry) return new Response("not found", { status: 404 });
      const body = await Deno.readFile(entry.path);
      return new Response(req.method === "HEAD" ? null : body, {
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(body.byteLength),
        },
      });
    }
    return new Response("not found", { status: 404 });
  };

  const ac = new AbortController();
  const { promise: listening, resolve: onListen } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: ({ port }) => onListen(port) },
    handler,
  );
  const port = await listening;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    port,
    requests,
    async close() {
      if (closed) return;
      closed = true;
      ac.abort();
      await server.finished;
    },
  };
}

/** Options for {@link makeCoreProject}. */
export interface CoreProjectOptions {
  /** Distribution name; default `rag4code-core`. */
  name?: string;
  /** Version; default `0.1.0`. */
  version?: string;
  /** Text of `src/<module>/__init__.py`; default a one-line docstring plus `VERSION`. */
  body?: string;
  /** Text inserted after `[project]`'s table (comments, extra tables) for byte-preservation tests. */
  extraToml?: string;
  /** The `[build-system]` table; default {@link BUILD_SYSTEM} (uv_build). */
  buildSystem?: string;
}

/** The pyproject.toml text {@link makeCoreProject} writes (exported so tests can compare bytes). */
export function coreProjectPyproject(opts: CoreProjectOptions = {}): string {
  const name = opts.name ?? "rag4code-core";
  let text = `[project]
name = ${tomlString(name)}
version = ${tomlString(opts.version ?? "0.1.0")}
description = "Core of a plugin-based application (HPM test fixture)"
requires-python = ">=3.11"
dependencies = []

${opts.buildSystem ?? BUILD_SYSTEM}`;
  if (opts.extraToml) text += `\n${opts.extraToml.trimEnd()}\n`;
  return text;
}

/**
 * Writes a deterministic uv project like `uv init --lib` makes (pyproject,
 * `src/<module>/__init__.py`, `.gitignore`), without running uv; returns `dir`.
 */
export async function makeCoreProject(dir: string, opts: CoreProjectOptions = {}): Promise<string> {
  const name = opts.name ?? "rag4code-core";
  const module = name.replace(/[-.]/g, "_");
  await writeFile(join(dir, "pyproject.toml"), coreProjectPyproject(opts));
  await writeFile(
    join(dir, "src", module, "__init__.py"),
    opts.body ?? `"""${name}: test core."""\n\nVERSION = ${tomlString(opts.version ?? "0.1.0")}\n`,
  );
  await writeFile(join(dir, ".gitignore"), GITIGNORE);
  return dir;
}

/** Path of a project's venv interpreter (`.venv/bin/python`, or `Scripts\python.exe` on Windows). */
export function venvPython(projectDir: string): string {
  return Deno.build.os === "windows"
    ? join(projectDir, ".venv", "Scripts", "python.exe")
    : join(projectDir, ".venv", "bin", "python");
}

/** What {@link pythonImport} saw: where the module came from and its `VERSION`. */
export interface ImportResult {
  /** Absolute, resolved `module.__file__`. */
  file: string;
  /** `str(module.VERSION)`, or `""` when the module has none. */
  value: string;
}

const IMPORT_SCRIPT = `import importlib, json, os, sys
m = importlib.import_module(sys.argv[1])
v = getattr(m, "VERSION", None)
print(json.dumps({"file": os.path.realpath(m.__file__), "value": "" if v is None else str(v)}))
`;

/**
 * Imports `module` with the project's venv python (isolated mode: no cwd on
 * sys.path, no PYTHON* env) and reports `__file__` and `VERSION`, so a test
 * can tell "imported from the clone" from "installed in site-packages".
 */
export async function pythonImport(projectDir: string, module: string): Promise<ImportResult> {
  const r = await runOk(venvPython(projectDir), ["-I", "-c", IMPORT_SCRIPT, module], {
    cwd: projectDir,
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as ImportResult;
}

/** True when `file` lies inside `dir` (both resolved through symlinks when they exist). */
export async function isInside(file: string, dir: string): Promise<boolean> {
  const real = async (p: string) => {
    try {
      return await Deno.realPath(p);
    } catch {
      return resolve(p);
    }
  };
  const f = await real(file);
  const d = await real(dir);
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  return f === d || f.startsWith(d.endsWith(sep) ? d : d + sep);
}

/** Absolute path of this repository's root (for tests and examples that read repo files). */
export function repoRoot(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/** The bundled example, laid out in a temp root by {@link prepareExample}. */
export interface PreparedExample {
  /** Copy of `examples/rag4code-core`: the core project, its hpm.yaml and registry. */
  project: string;
  /** Each plugin of `examples/plugins/`, by distribution name, as a git repo tagged v1.0.0. */
  plugins: Record<string, PluginRepo>;
}

/** Placeholder URLs in the example registry that {@link prepareExample} replaces. */
export const EXAMPLE_URL_PATTERN = /https:\/\/github\.com\/rag4code\/[A-Za-z0-9._-]+\.git/g;

/**
 * Sets up the bundled example under `root` for `examples/run.ts` and tests:
 * copies `examples/rag4code-core` to `<root>/rag4code-core`, turns every
 * `examples/plugins/<name>` into a git repo tagged `v1.0.0` with a bare remote
 * at `<root>/remotes/<name>.git`, and rewrites the registry's placeholder
 * `https://github.com/rag4code/….git` prod URLs to those `file://` remotes.
 * With `clones: true` (default) the working clones are at
 * `<project>/packages/<name>` (the seed's layout); with `false` they are at
 * `<root>/upstream/<name>` and `packages/` is left for `hpm clone` to fill.
 */
export async function prepareExample(
  root: string,
  opts: { clones?: boolean; examplesDir?: string; tag?: string } = {},
): Promise<PreparedExample> {
  const examples = opts.examplesDir ?? join(repoRoot(), "examples");
  const project = join(root, "rag4code-core");
  await copyDir(join(examples, "rag4code-core"), project);
  const plugins: Record<string, PluginRepo> = {};
  const names: string[] = [];
  for await (const e of Deno.readDir(join(examples, "plugins"))) {
    if (e.isDirectory) names.push(e.name);
  }
  for (const name of names.sort()) {
    plugins[name] = await makePluginRepoFromDir(join(examples, "plugins", name), root, {
      name,
      tag: opts.tag ?? "v1.0.0",
      cloneDir: (opts.clones ?? true)
        ? join(project, "packages", name)
        : join(root, "upstream", name),
      bareDir: join(root, "remotes", `${name}.git`),
    });
    const entry = join(project, "hpm-registry", "packages", `${name}.yaml`);
    const text = await Deno.readTextFile(entry);
    await Deno.writeTextFile(entry, text.replace(EXAMPLE_URL_PATTERN, plugins[name].bareUrl));
  }
  return { project, plugins };
}
