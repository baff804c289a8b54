/**
 * One version everywhere: deno.json, lib/core/version.ts (`hpm --version`), the newest release of
 * CHANGELOG.md, the pinned `jsr:@hpm/cli@…` in README and the CI examples,
 * and (in the release workflow) the tag. The rules live in .ci/version.ts.
 */

import assert from "node:assert/strict";
import { newestReleaseNotes, readReleaseFiles, versionProblems } from "../.ci/version.ts";
import { repoRoot } from "./_fixtures.ts";
import { hpm } from "./_project.ts";

const ROOT = new URL("../", import.meta.url);

Deno.test("deno.json, lib/core/version.ts, hpm --version and CHANGELOG.md's newest release agree", async () => {
  const files = await readReleaseFiles(ROOT);
  assert.deepEqual(versionProblems(files), []);
  assert.deepEqual(versionProblems(files, `v${files.version}`), []);
  const r = await hpm(["--version"], repoRoot());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), files.version);
});

Deno.test("README and the CI examples install the current version (JSR, PyPI, the action)", async () => {
  const { version } = await readReleaseFiles(ROOT);
  const pinned: [string, RegExp][] = [
    ["README.md", /jsr:@hpm\/cli@([^/\s]+)/g],
    ["README.md", /hpm-cli==([^\s`]+)/g],
    ["examples/ci/github-actions.yml", /uses: hpm-cli\/hpm@[0-9a-f]{40} # v(\S+)/g],
    ["examples/ci/.gitlab-ci.yml", /hpm-cli==(\S+)/g],
  ];
  for (const [file, pattern] of pinned) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    const pins = [...text.matchAll(pattern)].map((m) => m[1]);
    assert.ok(pins.length > 0, `${file} pins a version (${pattern})`);
    for (const pin of pins) assert.equal(pin, version, `${file} pins ${pin}`);
  }
});

Deno.test("the version check names each disagreement", () => {
  const changelog = "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2027-01-01\n\n## [0.1.0]\n";
  assert.deepEqual(versionProblems({ version: "0.2.0", built: "0.2.0", changelog }, "v0.2.0"), []);
  assert.deepEqual(versionProblems({ version: "0.2.0", built: "0.2.0", changelog }, "v0.1.0"), [
    "tag v0.1.0 is not v0.2.0 (deno.json's version)",
  ]);
  assert.deepEqual(versionProblems({ version: "0.3.0", built: "0.3.0", changelog }), [
    "CHANGELOG.md's newest release is 0.2.0, deno.json says 0.3.0",
  ]);
  assert.deepEqual(versionProblems({ version: "0.2.0", built: "0.1.0", changelog }), [
    "lib/core/version.ts says 0.1.0, deno.json says 0.2.0",
  ]);
  assert.deepEqual(versionProblems({ version: "0.2.0", changelog }), [
    "lib/core/version.ts says no literal VERSION, deno.json says 0.2.0",
  ]);
  assert.deepEqual(
    versionProblems({
      version: "0.2.0",
      built: "0.2.0",
      changelog,
      hook: { version: "0.1.0", pin: "0.1.0" },
    }),
    [
      "pyproject.toml's version is 0.1.0, deno.json says 0.2.0",
      "pyproject.toml's hook installs hpm-cli==0.1.0, deno.json says 0.2.0",
    ],
  );
  assert.equal(newestReleaseNotes(changelog), "\n");
  assert.equal(
    newestReleaseNotes("## [Unreleased]\n\n- x\n\n## [1.0.0] - 2027-01-01\n\n### Added\n\n- y\n"),
    "### Added\n\n- y\n",
  );
  assert.deepEqual(
    versionProblems({ version: "0.2.0", built: "0.2.0", changelog: "# Changelog\n" }),
    [
      "CHANGELOG.md has no `## [Unreleased]` section",
      "CHANGELOG.md's newest release is missing, deno.json says 0.2.0",
    ],
  );
});
