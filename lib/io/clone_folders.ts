/**
 * The folders plugins' dev checkouts are cloned into (`hpm clone`, `hpm sync
 * --clone`): what is there, and putting a finished clone in place. A
 * checkout's place comes from the registry or hpm.local.yaml, and one
 * outside the project is used only once the user agrees
 * (project/clones.ts), so no root confines these folders here. What holds
 * instead: nothing in them is read, a clone lands whole or not at all (it is
 * made in a partial folder beside its place, then renamed), and the only
 * folder ever removed with its content is that partial one, HPM's own, whose
 * links are removed, never followed.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";

/**
 * What is at a checkout's place, links followed.
 *
 * @param path the checkout's folder
 * @returns `missing`, `empty`, `non-empty` (a checkout, or something else in the way) or `not-a-folder`
 */
export async function folderState(
  path: string,
): Promise<"missing" | "empty" | "non-empty" | "not-a-folder"> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "missing";
    throw e;
  }
  if (!info.isDirectory) return "not-a-folder";
  for await (const _ of Deno.readDir(path)) return "non-empty";
  return "empty";
}

/**
 * Where a path really is, created or not: its nearest existing folder with
 * links followed, then the rest of the path.
 *
 * @param path the path
 * @returns its real location, absolute
 */
export function realLocation(path: string): string {
  const rest: string[] = [];
  let dir = resolve(path);
  while (true) {
    try {
      return join(Deno.realPathSync(dir), ...rest.reverse());
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return resolve(path);
      rest.push(basename(dir));
      dir = parent;
    }
  }
}

/**
 * Clone into a partial folder beside a checkout's place, then rename it into
 * place, so that an interrupted clone never leaves a half-filled folder that
 * the next run takes for a checkout. On failure the partial folder goes.
 *
 * @param path the checkout's folder: missing, or an empty folder (`replaceEmpty`)
 * @param replaceEmpty the place is an empty folder, removed first
 * @param clone makes the clone in the folder it is given
 * @throws what `clone` throws, or the system's error putting the clone in place
 */
export async function cloneIntoPlace(
  path: string,
  replaceEmpty: boolean,
  clone: (partial: string) => Promise<void>,
): Promise<void> {
  const partial = join(dirname(path), `.${basename(path)}.hpm-clone-${Deno.pid}`);
  try {
    await clone(partial);
    // Not recursive: only a folder that is still empty is replaced.
    if (replaceEmpty) await Deno.remove(path);
    await Deno.rename(partial, path);
  } catch (e) {
    await Deno.remove(partial, { recursive: true }).catch(() => {});
    throw e;
  }
}
