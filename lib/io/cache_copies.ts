/**
 * The registry cache's copy folders: a copy is written whole into a fresh
 * folder of HPM's own beside its place (registry/remote.ts writes each file
 * through files.ts's `writeConfined`), then renamed into place, so a reader
 * never sees half of one. The folders removed here with their content are
 * HPM's own (a fresh copy, a replaced copy, a fetch repository over its size
 * cap), inside the cache folder that files.ts's `ownFolder` checked: the
 * removal takes links away and never follows them.
 *
 * @module
 */

/**
 * Remove one of the cache's own folders with its content; nothing there is
 * no error.
 *
 * @param path the folder
 * @throws what the system throws but "not found"
 */
export async function removeCacheFolder(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * Put a complete fresh copy in its place. A copy of a git registry's commit
 * never changes, so one already there stays and the rename fails; a static
 * registry's copy is replaced by removing the old one first
 * ({@link removeCacheFolder}).
 *
 * @param fresh the finished copy
 * @param place where readers look for it
 * @throws what the system throws (a folder with content already there)
 */
export async function renameIntoPlace(fresh: string, place: string): Promise<void> {
  await Deno.rename(fresh, place);
}
