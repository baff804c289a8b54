/**
 * Python package names: PEP 508 validity, PEP 503 normalisation, and
 * "did you mean" suggestions.
 *
 * @module
 */

/** PEP 508 distribution names: letters, digits, and `._-` inside, alphanumeric at both ends. */
export const PEP508_NAME: RegExp = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;

/**
 * Whether `name` is a valid PEP 508 distribution name.
 *
 * @param name the candidate
 * @returns true when valid
 *
 * @example Usage
 * ```ts
 * import { isValidPackageName } from "./names.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isValidPackageName("rag4code-qdrant"));
 * assert.ok(!isValidPackageName("-rf"));
 * ```
 */
export function isValidPackageName(name: string): boolean {
  return name.length <= 200 && PEP508_NAME.test(name);
}

/**
 * The PEP 503 normal form of a package name: lower case, runs of `-_.` become `-`.
 *
 * @param name a package name
 * @returns its normal form
 *
 * @example Usage
 * ```ts
 * import { normalizeName } from "./names.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(normalizeName("Rag4Code_Qdrant"), "rag4code-qdrant");
 * ```
 */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The known name closest to `name`, if any is close enough to be a likely typo.
 *
 * @param name what the user wrote
 * @param known the names that exist
 * @returns the suggestion, or undefined
 *
 * @example Usage
 * ```ts
 * import { suggestName } from "./names.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(suggestName("rag4code-qdrnt", ["rag4code-qdrant", "rag4code-chroma"]), "rag4code-qdrant");
 * assert.equal(suggestName("numpy", ["rag4code-qdrant"]), undefined);
 * ```
 */
export function suggestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = normalizeName(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(wanted, normalizeName(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(wanted.length / 4)) ? best : undefined;
}
