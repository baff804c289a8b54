// deno-lint-ignore-file no-console
/**
 * One version everywhere: deno.json's `version` (what JSR publishes),
 * lib/core/version.ts's `VERSION` (what `hpm --version` prints: a literal, so
 * reading it loads nothing), the newest release in CHANGELOG.md, the root
 * pyproject.toml's version and its `hpm-cli==` pin (the package the
 * `hpm-check-pypi` pre-commit hook installs), and, when releasing, the tag.
 *
 * `deno run --allow-read=. .ci/version.ts v0.1.0` exits 1 and says what
 * disagrees; the release workflow runs it before building anything, and
 * tests/version_test.ts runs {@link versionProblems} without a tag.
 * `.ci/version.ts --notes` prints the newest release's CHANGELOG section.
 *
 * @module
 */

/** What the release files say, read by {@link readReleaseFiles}. */
export interface ReleaseFiles {
  /** deno.json's `version`. */
  readonly version: string;
  /** lib/core/version.ts's `VERSION`, if it holds a literal. */
  readonly built?: string;
  /** The text of CHANGELOG.md. */
  readonly changelog: string;
  /** The root pyproject.toml's `version` and its `hpm-cli==` pin, when read. */
  readonly hook?: { readonly version?: string; readonly pin?: string };
}

/** The first `## [X]` heading of a Keep a Changelog file that is not `[Unreleased]`. */
export function newestRelease(changelog: string): string | undefined {
  for (const m of changelog.matchAll(/^## \[([^\]]+)\]/gm)) {
    if (m[1].toLowerCase() !== "unreleased") return m[1];
  }
  return undefined;
}

/** The body of the newest release's section (what the GitHub release shows). */
export function newestReleaseNotes(changelog: string): string {
  const newest = newestRelease(changelog);
  if (newest === undefined) return "";
  const start = changelog.indexOf("\n", changelog.indexOf(`## [${newest}]`)) + 1;
  const end = changelog.indexOf("\n## [", start);
  return changelog.slice(start, end < 0 ? undefined : end).trim() + "\n";
}

/** Every disagreement between deno.json, CHANGELOG.md and the tag (if given); empty when none. */
export function versionProblems(files: ReleaseFiles, tag?: string): string[] {
  const problems: string[] = [];
  const newest = newestRelease(files.changelog);
  if (!/^## \[Unreleased\]/m.test(files.changelog)) {
    problems.push("CHANGELOG.md has no `## [Unreleased]` section");
  }
  if (newest !== files.version) {
    problems.push(
      `CHANGELOG.md's newest release is ${newest ?? "missing"}, deno.json says ${files.version}`,
    );
  }
  if (files.built !== files.version) {
    problems.push(
      `lib/core/version.ts says ${
        files.built ?? "no literal VERSION"
      }, deno.json says ${files.version}`,
    );
  }
  if (files.hook && files.hook.version !== files.version) {
    problems.push(
      `pyproject.toml's version is ${
        files.hook.version ?? "missing"
      }, deno.json says ${files.version}`,
    );
  }
  if (files.hook && files.hook.pin !== files.version) {
    problems.push(
      `pyproject.toml's hook installs hpm-cli==${
        files.hook.pin ?? "(no pin)"
      }, deno.json says ${files.version}`,
    );
  }
  if (tag !== undefined && tag !== `v${files.version}`) {
    problems.push(`tag ${tag} is not v${files.version} (deno.json's version)`);
  }
  return problems;
}

/** Reads deno.json, lib/core/version.ts, CHANGELOG.md and pyproject.toml from the repository root `dir`. */
export async function readReleaseFiles(dir: URL): Promise<ReleaseFiles> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", dir)));
  const source = await Deno.readTextFile(new URL("lib/core/version.ts", dir));
  const hook = await Deno.readTextFile(new URL("pyproject.toml", dir));
  return {
    version: String(config.version),
    built: /^export const VERSION: string = "([^"]*)";$/m.exec(source)?.[1],
    changelog: await Deno.readTextFile(new URL("CHANGELOG.md", dir)),
    hook: {
      version: /^version = "([^"]*)"$/m.exec(hook)?.[1],
      pin: /"hpm-cli==([^"]*)"/.exec(hook)?.[1],
    },
  };
}

if (import.meta.main) {
  const files = await readReleaseFiles(new URL("../", import.meta.url));
  if (Deno.args[0] === "--notes") {
    console.log(newestReleaseNotes(files.changelog).trimEnd());
    Deno.exit(0);
  }
  const problems = versionProblems(files, Deno.args[0]);
  for (const p of problems) console.error(`version: ${p}`);
  if (problems.length) Deno.exit(1);
  console.log(`version: ${files.version} everywhere`);
}
