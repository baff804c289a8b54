/**
 * PEP 440 versions, in their order: what `hpm registry list --outdated`
 * compares release tags (`v1.2.0`, `1.2.0`) and index versions by. Pure.
 *
 * @module
 */

/** A version as PEP 440 reads it; numbers are kept as digit strings (no size limit). */
export interface Pep440Version {
  /** The text it was read from. */
  readonly text: string;
  /** The epoch (`1!`), "0" when absent. */
  readonly epoch: string;
  /** The release numbers, `1.2.0` → ["1", "2", "0"]. */
  readonly release: readonly string[];
  /** `a`, `b` or `rc` and its number, when a pre-release. */
  readonly pre?: { readonly kind: "a" | "b" | "rc"; readonly n: string };
  /** The post-release number. */
  readonly post?: string;
  /** The development-release number. */
  readonly dev?: string;
  /** The local label's parts (`+ubuntu.1` → ["ubuntu", "1"]). */
  readonly local?: readonly string[];
}

// PEP 440's own pattern (its appendix), with the `v` a tag may start with.
const VERSION = new RegExp(
  "^\\s*v?(?:(\\d+)!)?(\\d+(?:\\.\\d+)*)" +
    "(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\\d+)?)?" +
    "(?:-(\\d+)|[-_.]?(post|rev|r)[-_.]?(\\d+)?)?" +
    "(?:[-_.]?(dev)[-_.]?(\\d+)?)?" +
    "(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$",
  "i",
);

const PRE_KIND: Readonly<Record<string, "a" | "b" | "rc">> = {
  alpha: "a",
  a: "a",
  beta: "b",
  b: "b",
  preview: "rc",
  pre: "rc",
  c: "rc",
  rc: "rc",
};

const digits = (s: string | undefined) => (s ?? "0").replace(/^0+(?=\d)/, "");

/**
 * Read a version, as PEP 440 spells it, optionally after a `v` (how tags
 * name releases).
 *
 * @param text a version or a tag name
 * @returns the version, or undefined when the text is not one
 *
 * @example Usage
 * ```ts
 * import { parsePep440 } from "./pep440.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parsePep440("v1.2.0rc1")?.pre, { kind: "rc", n: "1" });
 * assert.equal(parsePep440("release-1"), undefined);
 * ```
 */
export function parsePep440(text: string): Pep440Version | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  const [, epoch, release, preKind, preN, postDash, postMark, postN, devMark, devN, local] = m;
  const post = postDash ?? (postMark ? digits(postN) : undefined);
  return {
    text,
    epoch: digits(epoch),
    release: release.split(".").map(digits),
    ...(preKind ? { pre: { kind: PRE_KIND[preKind.toLowerCase()], n: digits(preN) } } : {}),
    ...(post !== undefined ? { post: digits(post) } : {}),
    ...(devMark ? { dev: digits(devN) } : {}),
    ...(local ? { local: local.toLowerCase().split(/[-_.]/) } : {}),
  };
}

// Two digit strings without leading zeros, by value.
function compareDigits(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

// Release numbers, trailing zeros aside (`1.0` is `1.0.0`).
function compareRelease(a: readonly string[], b: readonly string[]): number {
  const trim = (r: readonly string[]) => {
    let end = r.length;
    while (end > 1 && r[end - 1] === "0") end--;
    return r.slice(0, end);
  };
  const x = trim(a);
  const y = trim(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const c = compareDigits(x[i] ?? "0", y[i] ?? "0");
    if (c) return c;
  }
  return 0;
}

// Where a version sorts among those of its release: a development release of
// the release itself first, then pre-releases, then the release (PEP 440).
function preRank(v: Pep440Version): [number, string] {
  if (v.pre) return [{ a: 1, b: 2, rc: 3 }[v.pre.kind], v.pre.n];
  return v.dev !== undefined && v.post === undefined ? [0, "0"] : [4, "0"];
}

// Local labels: numeric parts after alphanumeric ones, a longer label after its prefix.
function compareLocal(a: readonly string[] = [], b: readonly string[] = []): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined) return -1;
    if (b[i] === undefined) return 1;
    const an = /^\d+$/.test(a[i]);
    const bn = /^\d+$/.test(b[i]);
    if (an !== bn) return an ? 1 : -1;
    const c = an
      ? compareDigits(digits(a[i]), digits(b[i]))
      : a[i] < b[i]
      ? -1
      : a[i] > b[i]
      ? 1
      : 0;
    if (c) return c;
  }
  return 0;
}

/**
 * PEP 440's order of two versions: negative when `a` comes first, 0 when
 * they are the same version (`1.0` and `v1.0.0`), positive otherwise.
 *
 * @param a a version
 * @param b another
 * @returns the order
 *
 * @example Usage
 * ```ts
 * import { comparePep440, parsePep440 } from "./pep440.ts";
 * import assert from "node:assert/strict";
 *
 * const v = (s: string) => parsePep440(s)!;
 * assert.ok(comparePep440(v("1.10.0"), v("1.9.0")) > 0);
 * assert.ok(comparePep440(v("1.0rc1"), v("1.0")) < 0);
 * ```
 */
export function comparePep440(a: Pep440Version, b: Pep440Version): number {
  const [ap, apn] = preRank(a);
  const [bp, bpn] = preRank(b);
  return compareDigits(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    ap - bp || compareDigits(apn, bpn) ||
    // No post-release first; then by number.
    (a.post === undefined ? -1 : 0) - (b.post === undefined ? -1 : 0) ||
    compareDigits(a.post ?? "0", b.post ?? "0") ||
    // A development release before the version it leads to.
    (a.dev === undefined ? 1 : 0) - (b.dev === undefined ? 1 : 0) ||
    compareDigits(a.dev ?? "0", b.dev ?? "0") ||
    (a.local === undefined ? -1 : 0) - (b.local === undefined ? -1 : 0) ||
    compareLocal(a.local, b.local);
}

/**
 * Whether a version is a pre-release (`a`, `b`, `rc`) or a development release.
 *
 * @param v the version
 * @returns true for a pre-release
 */
export function isPreRelease(v: Pep440Version): boolean {
  return v.pre !== undefined || v.dev !== undefined;
}

/**
 * The newest of `candidates` that is newer than `current`, by PEP 440 order:
 * names that are no version are passed over, and so are pre-releases unless
 * `current` is one (who follows release candidates wants the next one).
 *
 * @param current the version or tag in use
 * @param candidates versions or tag names to look through
 * @returns the newest newer one as written in `candidates`, or undefined when
 *   none is newer (or `current` is no version)
 *
 * @example Usage
 * ```ts
 * import { newerRelease } from "./pep440.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(newerRelease("v1.0.0", ["v1.0.0", "v1.2.0", "v1.10.0", "v2.0.0rc1", "latest"]), "v1.10.0");
 * assert.equal(newerRelease("v2.0.0rc1", ["v2.0.0rc2", "v1.9.0"]), "v2.0.0rc2");
 * assert.equal(newerRelease("v1.2.0", ["v1.1.0"]), undefined);
 * ```
 */
export function newerRelease(current: string, candidates: Iterable<string>): string | undefined {
  const now = parsePep440(current);
  if (!now) return undefined;
  const pre = isPreRelease(now);
  let best: Pep440Version | undefined;
  for (const name of candidates) {
    const v = parsePep440(name);
    if (!v || (isPreRelease(v) && !pre) || comparePep440(v, now) <= 0) continue;
    if (!best || comparePep440(v, best) > 0) best = v;
  }
  return best?.text;
}
