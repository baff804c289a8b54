/**
 * What a `registry:` value in hpm.yaml names: a folder, a git repository or
 * an https base URL, checked as untrusted input.
 *
 * @module
 */

import { HpmInputError } from "./errors.ts";
import { isSafeGitRef, isSafeGitUrl } from "./value_checks.ts";

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
