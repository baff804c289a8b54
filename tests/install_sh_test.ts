/**
 * install.sh, the checked installer of the release binaries, run with the
 * machine's `sh` against a loopback server serving a fake release: the good
 * binary installs (HPM_VERSION and the latest release, HPM_INSTALL_DIR and
 * ~/.local/bin), a tampered binary and a SHA256SUMS without its line are
 * refused with nothing installed; and it passes shellcheck as POSIX sh.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { filesHost, makeTempRoot, repoRoot, run } from "./_fixtures.ts";
import { pythonTool } from "./_tools.ts";
import { posixTest } from "./_wheels.ts";
import { REPOSITORY } from "../packaging/wheel.ts";

const SCRIPT = join(repoRoot(), "install.sh");

/** The asset install.sh picks on this machine. */
function asset(): string {
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  const os = Deno.build.os === "darwin" ? "apple-darwin" : "unknown-linux-gnu";
  return `hpm-${arch}-${os}`;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A release as GitHub serves it: `/download/vX/NAME` and `/latest/download/NAME`; what was asked is kept. */
function serveRelease(files: Record<string, string>) {
  const served: Record<string, string> = {};
  for (const [name, body] of Object.entries(files)) {
    for (const at of ["latest/download", "download/v9.9.9"]) {
      served[`/releases/${at}/${name}`] = body;
    }
  }
  const host = filesHost(served);
  return { url: `${host.url}/releases`, asked: host.asked, close: host.close };
}

const GOOD = "#!/bin/sh\necho 9.9.9\n";

posixTest(
  "install.sh installs the checked binary, and refuses a tampered one or one SHA256SUMS does not list",
  async (t) => {
    const root = await makeTempRoot();
    const install = (release: string, env: Record<string, string>) =>
      run("sh", [SCRIPT], { cwd: root, env: { HPM_RELEASES_URL: release, ...env } });
    const sums = `${await sha256(GOOD)}  ${asset()}\n${await sha256(
      "other",
    )}  hpm-x86_64-pc-windows-msvc.exe\n`;
    try {
      await t.step("a good binary, HPM_VERSION and HPM_INSTALL_DIR", async () => {
        const release = serveRelease({ [asset()]: GOOD, SHA256SUMS: sums });
        try {
          const dir = join(root, "good", "bin");
          const r = await install(release.url, { HPM_VERSION: "9.9.9", HPM_INSTALL_DIR: dir });
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, new RegExp(`^installed hpm 9\\.9\\.9 to ${dir}/hpm$`, "m"));
          assert.match(r.stdout, /is not on PATH/);
          assert.equal((await Deno.stat(join(dir, "hpm"))).mode! & 0o777, 0o755);
          assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["hpm"], "no leftovers");
          assert.ok(release.asked.every((p) => p.startsWith("/releases/download/v9.9.9/")));
        } finally {
          await release.close();
        }
      });

      await t.step("the latest release, into ~/.local/bin", async () => {
        const release = serveRelease({ [asset()]: GOOD, SHA256SUMS: sums });
        try {
          const home = join(root, "home");
          const r = await install(release.url, { HOME: home, HPM_VERSION: "" });
          assert.equal(r.code, 0, r.stderr);
          assert.equal(await Deno.readTextFile(join(home, ".local", "bin", "hpm")), GOOD);
          assert.ok(release.asked.every((p) => p.startsWith("/releases/latest/download/")));
        } finally {
          await release.close();
        }
      });

      const refusals: [string, Record<string, string>, RegExp][] = [
        [
          "a tampered binary",
          { [asset()]: "#!/bin/sh\necho pwned\n", SHA256SUMS: sums },
          /does not match SHA256SUMS/,
        ],
        [
          "no line for the binary",
          { [asset()]: GOOD, SHA256SUMS: sums.split("\n").slice(1).join("\n") },
          /SHA256SUMS lists no hpm-/,
        ],
        ["no SHA256SUMS at all", { [asset()]: GOOD }, /could not download .*SHA256SUMS/],
      ];
      for (const [what, files, error] of refusals) {
        await t.step(`refused: ${what}`, async () => {
          const release = serveRelease(files);
          try {
            const dir = join(root, what.replaceAll(" ", "-"));
            await Deno.mkdir(dir);
            await Deno.writeTextFile(join(dir, "hpm"), "the hpm installed before\n");
            const r = await install(release.url, { HPM_VERSION: "v9.9.9", HPM_INSTALL_DIR: dir });
            assert.equal(r.code, 1, r.stdout);
            assert.match(r.stderr, error);
            assert.match(r.stderr, /^hint: /m);
            assert.equal(await Deno.readTextFile(join(dir, "hpm")), "the hpm installed before\n");
            assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["hpm"]);
          } finally {
            await release.close();
          }
        });
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

Deno.test("install.sh is POSIX sh that shellcheck accepts, pointing at this repository's releases", async () => {
  const shellcheck = await pythonTool("shellcheck");
  const r = await run(shellcheck, ["--shell=sh", SCRIPT], { cwd: repoRoot() });
  assert.equal(r.code, 0, r.stdout);
  const text = await Deno.readTextFile(SCRIPT);
  assert.match(text, /^#!\/bin\/sh\n/);
  assert.ok(text.includes(`\${HPM_RELEASES_URL:-${REPOSITORY}/releases}`));
  assert.ok(text.includes(`${REPOSITORY}/releases/latest/download/install.sh | sh`));
});
