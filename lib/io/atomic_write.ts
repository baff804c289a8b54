/**
 * Atomic file replacement: the file is always either its old bytes or its new
 * bytes, never a mix, even if the process is killed mid-write.
 *
 * @module
 */

/** How {@link writeFileAtomic} writes. */
export interface AtomicWriteOptions {
  /**
   * Sync the new content to disk before it replaces the old, and the folder
   * after, so that it survives a power loss as well as a killed process. Without it the write
   * is still atomic for any crash of HPM itself. @default true
   */
  readonly durable?: boolean;
}

/**
 * Write `data` to `path` through a temporary file in the same folder, synced to
 * disk (unless told otherwise), then renamed over the target (the folder then
 * synced too). Keeps the target's permission bits.
 *
 * @param path the file to replace (or create)
 * @param data its new content
 * @param options whether to sync to disk
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let mode: number | undefined;
  try {
    mode = (await Deno.stat(path)).mode ?? undefined;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  // Beside the target, named after it (string cuts: node:path would cost the fast path its load).
  const cut = Math.max(
    path.lastIndexOf("/"),
    Deno.build.os === "windows" ? path.lastIndexOf("\\") : -1,
  );
  // At most 200 characters of the name, so the temporary one fits where it does (255 bytes).
  const tmp = `${path.slice(0, cut + 1)}.${path.slice(cut + 1, cut + 201)}.hpm-${Deno.pid}-${
    crypto.randomUUID().slice(0, 8)
  }.tmp`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: mode ?? 0o644 });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    if (options.durable ?? true) await file.sync();
  } catch (e) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    // The system's error for a write names no file (one for an open does).
    if (e instanceof Error) e.message += `: writing ${path}`;
    throw e;
  }
  file.close();
  if (mode !== undefined && Deno.build.os !== "windows") await Deno.chmod(tmp, mode & 0o7777);
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  // The rename is the folder's change: synced too, or a power loss could
  // bring the old file back under its name.
  if (options.durable ?? true) await syncFolder(cut < 0 ? "." : path.slice(0, cut + 1));
}

// Where the system will not open a folder or sync one (Windows), the rename
// is as durable as it makes it.
async function syncFolder(dir: string): Promise<void> {
  let folder;
  try {
    folder = await Deno.open(dir, { read: true });
  } catch {
    return;
  }
  try {
    await folder.sync();
  } catch {
    // not supported here
  } finally {
    folder.close();
  }
}
