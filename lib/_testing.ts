/**
 * Test support for the unit tests beside the library: small projects written
 * to a temporary folder as a map of relative path → content.
 *
 * @module
 */

import { join } from "node:path";

/** Write `files` (relative path → text or bytes) under `dir`, creating folders. */
export async function writeTree(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  for (const [path, data] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(join(dir, path), data);
    else await Deno.writeFile(join(dir, path), data);
  }
}

/**
 * git in a test's own repository at `dir`, with an identity of its own: each
 * call's output, trimmed; a failure fails the test with git's words.
 */
export function gitAt(dir: string): (...args: string[]) => Promise<string> {
  return async (...args) => {
    const r = await new Deno.Command("git", {
      args: ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (r.code !== 0) {
      throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
    }
    return new TextDecoder().decode(r.stdout).trim();
  };
}

/** A new temporary folder holding `files`; the caller removes it. */
export async function tempTree(
  prefix: string,
  files: Record<string, string | Uint8Array>,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  await writeTree(dir, files);
  return dir;
}

/** A project with one plugin `plug` (dev: a local clone; prod: a git tag), without pyproject.toml. */
export const ONE_PLUGIN: Readonly<Record<string, string>> = {
  "hpm.yaml": "registry: ./reg\ngroups:\n  db:\n    options: [plug]\n",
  "reg/packages/plug.yaml": "name: plug\nsources:\n  dev: {type: local, path: ./packages/plug}\n" +
    "  prod: {type: git, url: 'https://example.com/plug.git', tag: v1.0.0}\n",
  "packages/plug/pyproject.toml": '[project]\nname = "plug"\nversion = "1.0.0"\n',
};
