/**
 * HPM's temporary scratch copies of a project, where uv locks a
 * pyproject.toml that is not on disk (`hpm verify`, `hpm stage`, `hpm
 * release`), so the working tree is never touched. The copy is HPM's own
 * folder, made fresh by `mkdtemp` in the system's temporary folder: its
 * root is itself, and no file a project ships chooses where it goes. The
 * copy is made by the system, file by file, so no bytes pass through HPM and
 * no size cap applies; only regular files and folders are copied, and links
 * are copied as links, never followed. What HPM writes into the copy
 * replaces the entry there, so a link copied from the project is never
 * written through; what it reads back goes through the door (files.ts),
 * confined to the copy.
 *
 * @module
 */

import { join } from "node:path";

async function copyTree(
  from: string,
  to: string,
  skip: (path: string, name: string) => boolean,
): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    const src = join(from, e.name);
    if (skip(src, e.name)) continue;
    if (e.isDirectory) await copyTree(src, join(to, e.name), skip);
    else if (e.isFile) await Deno.copyFile(src, join(to, e.name));
    else if (e.isSymlink) await Deno.symlink(await Deno.readLink(src), join(to, e.name));
  }
}

/**
 * Copy a folder to a new temporary one, hand the copy to `use`, and remove
 * it afterwards, whatever happens.
 *
 * @param from the folder to copy
 * @param skip which entries to leave out (by path and name)
 * @param use what to do with the copy
 * @returns what `use` returns
 */
export async function withScratchCopy<T>(
  from: string,
  skip: (path: string, name: string) => boolean,
  use: (scratch: string) => Promise<T>,
): Promise<T> {
  const scratch = await Deno.makeTempDir({ prefix: "hpm-lock-" });
  try {
    await copyTree(from, scratch, skip);
    return await use(scratch);
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/**
 * Write a file at the top of a scratch copy, replacing what the copy has
 * there (a link copied from the project is removed, not written through).
 *
 * @param scratch the copy
 * @param name the file's name
 * @param text its content
 */
export async function writeScratchFile(scratch: string, name: string, text: string): Promise<void> {
  const path = join(scratch, name);
  await Deno.remove(path).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.writeTextFile(path, text, { createNew: true });
}
