// deno-lint-ignore-file no-console
/**
 * `deno task wheel`: HPM as a Python wheel, `dist/hpm_cli-<version>-py3-none-any.whl`,
 * for `uv tool install hpm-cli`, `uvx`, pip and a pre-commit hook that
 * installs itself (docs/packaging.md).
 *
 * The wheel holds HPM bundled to JavaScript with every npm package it uses
 * (hpm_cli/js/: nothing is downloaded when it runs, whatever DENO_DIR is),
 * the launcher behind the `hpm` command (packaging/hpm_cli/), and metadata
 * from deno.json (version, licence) and README.md (description). It depends
 * on PyPI's `deno` package for the runtime.
 *
 * Two builds of the same checkout give the same bytes, on any machine: the
 * bundle is made in a scratch copy of the sources whose npm packages sit in
 * its own node_modules/ (so no path of the builder's Deno cache reaches the
 * bundle or its chunk names), and the zip is written by packaging/zip.ts.
 *
 * `deno run -A packaging/wheel.ts [--out DIR]` prints the wheel's path.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { zip, type ZipEntry } from "./zip.ts";

/** The distribution's name on PyPI (the command stays `hpm`). */
export const DISTRIBUTION = "hpm-cli";
/** The range of PyPI's `deno` the wheel is tested with (tests/wheel_test.ts uses its floor). */
export const DENO_REQUIREMENT = "deno>=2.9.6,<2.10";
/** The floor of the `deno` package itself (it requires Python 3.10). */
export const REQUIRES_PYTHON = ">=3.10";
/** Where HPM is developed and released (install.sh and README name it too). */
export const REPOSITORY = "https://github.com/hpm-cli/hpm";

const SUMMARY = "Switch a Python project of a core and plugin packages between editable local " +
  "clones (dev) and released artifacts (prod), on top of uv";
const PACKAGE = "hpm_cli";

const encoder = new TextEncoder();

/**
 * A semver version (deno.json) in PEP 440's form: `1.2.3`, `1.2.3-rc.1` → `1.2.3rc1`.
 *
 * @param version deno.json's version
 * @returns the same version for Python
 * @throws {Error} for a pre-release other than alpha, beta or rc
 */
export function pep440(version: string): string {
  const m = /^(\d+\.\d+\.\d+)(?:-(alpha|beta|rc)\.(\d+))?$/.exec(version);
  if (!m) throw new Error(`wheel: cannot express version ${version} in PEP 440`);
  const pre = { alpha: "a", beta: "b", rc: "rc" }[m[2] as "alpha" | "beta" | "rc"];
  return m[2] ? `${m[1]}${pre}${m[3]}` : m[1];
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(join(from, e.name), join(to, e.name));
    else if (e.isFile) await Deno.copyFile(join(from, e.name), join(to, e.name));
  }
}

async function deno(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `wheel: \`deno ${args.join(" ")}\` failed:\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/** A bundled npm package, and the licence text it must travel with. */
interface BundledPackage {
  readonly name: string;
  readonly license: string;
  readonly text: Uint8Array;
}

/** The licence of each npm package whose code is in the bundle (esbuild names each module's path). */
async function bundledPackages(scratch: string, js: Map<string, Uint8Array>) {
  const dirs = new Set<string>();
  const decoder = new TextDecoder();
  for (const text of js.values()) {
    for (
      const m of decoder.decode(text).matchAll(
        /^\/\/ (node_modules\/\.deno\/[^/]+\/node_modules\/(?:@[^/]+\/)?[^/]+)\//gm,
      )
    ) {
      dirs.add(m[1]);
    }
  }
  const packages: BundledPackage[] = [];
  for (const dir of [...dirs].sort()) {
    const manifest = JSON.parse(await Deno.readTextFile(join(scratch, dir, "package.json")));
    const license = String(manifest.license ?? "");
    if (!/^[A-Za-z0-9.+-]+$/.test(license)) {
      throw new Error(`wheel: ${manifest.name} has no single SPDX licence (${license})`);
    }
    const file = [...Deno.readDirSync(join(scratch, dir))]
      .find((e) => e.isFile && /^licen[cs]e(\.md|\.txt)?$/i.test(e.name));
    if (!file) throw new Error(`wheel: ${manifest.name} ships no licence file`);
    packages.push({
      name: String(manifest.name),
      license,
      text: await Deno.readFile(join(scratch, dir, file.name)),
    });
  }
  return packages;
}

/**
 * HPM bundled for the wheel: cli.js and its chunks, each command still
 * loaded only when it runs (code splitting keeps the `await import`s).
 * `--platform browser` picks each package's ES module build over the
 * CommonJS one Deno's Node condition selects (yaml's), so no command starts
 * Deno's Node layer (`createRequire`), which would cost every command ~15 ms.
 */
async function bundle(repo: string) {
  const scratch = await Deno.makeTempDir({ prefix: "hpm-wheel-" });
  try {
    for (const file of ["cli.ts", "deno.json", "deno.lock"]) {
      await Deno.copyFile(join(repo, file), join(scratch, file));
    }
    await copyTree(join(repo, "lib"), join(scratch, "lib"));
    await deno(["cache", "--quiet", "--frozen", "--node-modules-dir=auto", "cli.ts"], scratch);
    await deno([
      "bundle",
      "--quiet",
      "--frozen",
      "--node-modules-dir=auto",
      "--platform",
      "browser",
      "--code-splitting",
      "--outdir",
      "js",
      "cli.ts",
    ], scratch);
    const js = new Map<string, Uint8Array>();
    for (
      const e of [...Deno.readDirSync(join(scratch, "js"))].sort((a, b) => cmp(a.name, b.name))
    ) {
      js.set(e.name, await Deno.readFile(join(scratch, "js", e.name)));
    }
    return { js, packages: await bundledPackages(scratch, js) };
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

const cmp = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;

async function sha256(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>),
  );
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** METADATA (core metadata 2.4): what PyPI shows and what installers resolve. */
function metadata(
  version: string,
  license: string,
  packages: readonly BundledPackage[],
  readme: string,
): string {
  const headers: [string, string][] = [
    ["Metadata-Version", "2.4"],
    ["Name", DISTRIBUTION],
    ["Version", version],
    ["Summary", SUMMARY],
    ["License-Expression", license],
    ...packages.map((p): [string, string] => ["License-File", `npm/${p.name}/LICENSE`]),
    ["Requires-Python", REQUIRES_PYTHON],
    ["Requires-Dist", DENO_REQUIREMENT],
    ["Project-URL", `Homepage, ${REPOSITORY}`],
    ["Project-URL", `Changelog, ${REPOSITORY}/blob/main/CHANGELOG.md`],
    ["Project-URL", `Issues, ${REPOSITORY}/issues`],
    ["Classifier", "Environment :: Console"],
    ["Classifier", "Operating System :: OS Independent"],
    ["Classifier", "Topic :: Software Development :: Build Tools"],
    ["Description-Content-Type", "text/markdown"],
  ];
  return `${headers.map(([k, v]) => `${k}: ${v}\n`).join("")}\n${readme}`;
}

/** Text from the checkout with LF line ends, whatever git did on the builder's machine. */
async function text(path: string): Promise<Uint8Array> {
  return encoder.encode((await Deno.readTextFile(path)).replaceAll("\r\n", "\n"));
}

/** A finished wheel's entries: `payload`, then the metadata and RECORD. */
async function wheelFiles(
  payload: readonly ZipEntry[],
  distInfo: string,
  tag: string,
  common: readonly ZipEntry[],
  entryPoints?: string,
): Promise<ZipEntry[]> {
  const files: ZipEntry[] = [
    ...payload,
    ...common.filter((f) => f.name.endsWith("/METADATA")),
    {
      name: `${distInfo}/WHEEL`,
      data: encoder.encode(
        `Wheel-Version: 1.0\nGenerator: hpm packaging/wheel.ts\nRoot-Is-Purelib: true\nTag: ${tag}\n`,
      ),
    },
  ];
  if (entryPoints) {
    files.push({ name: `${distInfo}/entry_points.txt`, data: encoder.encode(entryPoints) });
  }
  files.push(...common.filter((f) => !f.name.endsWith("/METADATA")));
  const record = [];
  for (const f of files) record.push(`${f.name},sha256=${await sha256(f.data)},${f.data.length}\n`);
  record.push(`${distInfo}/RECORD,,\n`);
  return [...files, { name: `${distInfo}/RECORD`, data: encoder.encode(record.join("")) }];
}

/**
 * Build the wheels of the checkout at `repo` into `outDir`: `py3-none-any`,
 * whose `hpm` is a shell script that execs Deno (Linux, macOS), and
 * `py3-none-win_amd64`, whose `hpm.exe` is an entry point on
 * packaging/hpm_cli (Windows, where PyPI's `deno` exists for x86_64 only).
 * Installers take the Windows one on Windows and the other elsewhere.
 *
 * @param repo the repository root
 * @param outDir where the wheels go (created if missing)
 * @returns the paths of the two wheels, the `py3-none-any` one first
 */
export async function buildWheels(repo: string, outDir: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(repo, "deno.json")));
  const version = pep440(String(config.version));
  const { js, packages } = await bundle(repo);
  const license = [String(config.license), ...packages.map((p) => p.license)]
    .filter((l, i, all) => all.indexOf(l) === i).join(" AND ");
  const name = `${PACKAGE}-${version}`;
  const distInfo = `${name}.dist-info`;
  const readme = new TextDecoder().decode(await text(join(repo, "README.md")));
  const common: ZipEntry[] = [
    {
      name: `${distInfo}/METADATA`,
      data: encoder.encode(metadata(version, license, packages, readme)),
    },
    ...packages.map((p) => ({ name: `${distInfo}/licenses/npm/${p.name}/LICENSE`, data: p.text })),
  ];
  const launcher = join(repo, "packaging");
  const posix = await wheelFiles(
    [
      { name: `${name}.data/scripts/hpm`, data: await text(join(launcher, "hpm")), mode: 0o755 },
      ...[...js].map(([file, data]) => ({
        name: `${name}.data/data/share/hpm-cli/js/${file}`,
        data,
      })),
    ],
    distInfo,
    "py3-none-any",
    common,
  );
  const windows = await wheelFiles(
    [
      { name: `${PACKAGE}/__init__.py`, data: await text(join(launcher, PACKAGE, "__init__.py")) },
      { name: `${PACKAGE}/__main__.py`, data: await text(join(launcher, PACKAGE, "__main__.py")) },
      ...[...js].map(([file, data]) => ({ name: `${PACKAGE}/js/${file}`, data })),
    ],
    distInfo,
    "py3-none-win_amd64",
    common,
    `[console_scripts]\nhpm = ${PACKAGE}:main\n`,
  );

  await Deno.mkdir(outDir, { recursive: true });
  const paths = [];
  for (const [tag, files] of [["py3-none-any", posix], ["py3-none-win_amd64", windows]] as const) {
    const path = join(outDir, `${name}-${tag}.whl`);
    await Deno.writeFile(path, await zip(files));
    paths.push(path);
  }
  return paths;
}

if (import.meta.main) {
  const repo = fileURLToPath(new URL("..", import.meta.url));
  const at = Deno.args.indexOf("--out");
  const out = at >= 0 ? Deno.args[at + 1] : join(repo, "dist");
  for (const path of await buildWheels(repo, out)) console.log(path);
}
