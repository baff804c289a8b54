/**
 * Bounded parallelism for process-heavy work (clones, git queries), so a
 * project with many plugins does not start hundreds of processes at once.
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";

/**
 * A `--jobs` value, checked: a whole number of at least 1.
 *
 * @param jobs the value
 * @returns it
 * @throws {HpmInputError} `usage` otherwise
 */
export function checkJobs(jobs: number): number {
  if (Number.isInteger(jobs) && jobs >= 1) return jobs;
  throw new HpmInputError(
    "usage",
    `--jobs must be a whole number of at least 1, not ${jobs}`,
    undefined,
    "for example --jobs 4",
  );
}

/** Map `items` through `work`, at most `jobs` at a time, keeping order. */
export async function runPool<T, R>(
  items: readonly T[],
  jobs: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return out;
}
