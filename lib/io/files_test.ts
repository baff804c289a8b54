import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import {
  door,
  folderNames,
  isInside,
  joinPath,
  kindOf,
  lastRead,
  listConfined,
  locate,
  lstatOrUndefined,
  makeExecutable,
  makeFolderConfined,
  openLockFile,
  ownFolder,
  readConfined,
  reallyInside,
  removeConfined,
  statOrUndefined,
  writeConfined,
} from "./files.ts";

const WINDOWS = Deno.build.os === "windows";
// Another user's files can only be made by root.
const AS_ROOT = Deno.uid() === 0;
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

interface World {
  /** The folder files are confined to. */
  readonly root: string;
  /** A folder beside it, holding `secret`. */
  readonly outside: string;
  /** A file outside the root that nothing may read, change or remove. */
  readonly secret: string;
}

async function inWorld(fn: (w: World) => Promise<void> | void): Promise<void> {
  const base = Deno.realPathSync(await Deno.makeTempDir({ prefix: "hpm-unit-files-" }));
  const world = {
    root: join(base, "root"),
    outside: join(base, "outside"),
    secret: join(base, "outside", "secret"),
  };
  try {
    Deno.mkdirSync(world.root);
    Deno.mkdirSync(world.outside);
    Deno.writeTextFileSync(world.secret, "SECRET");
    await fn(world);
    assert.equal(Deno.readTextFileSync(world.secret), "SECRET", "the file outside is unchanged");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

function refused(fn: () => unknown, message: RegExp, code = "unsafe-path"): void {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof HpmInputError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    assert.ok(e.hint, "a refusal says what to do");
    return true;
  });
}

async function refusedAsync(fn: () => Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(fn, (e) => {
    assert.ok(e instanceof HpmInputError, String(e));
    assert.equal(e.code, "unsafe-path");
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("joinPath(): one `/` between parts, whatever separators they end or start with", () => {
  assert.equal(joinPath("a", "b", "c.yaml"), "a/b/c.yaml");
  assert.equal(joinPath("a/", "/b"), "a/b");
  assert.equal(joinPath("a//", "//b"), "a/b");
  assert.equal(joinPath("a\\", "\\b"), "a/b", "a Windows separator is trimmed on every system");
  assert.equal(joinPath("/", "etc"), "/etc");
  assert.equal(joinPath("a", "", "b"), "a/b", "an empty part adds nothing");
  assert.equal(joinPath("", "b"), "b", "an empty start is no root");
  assert.equal(joinPath("a"), "a");
});

Deno.test("isInside(): the folder itself and what is under it, not a sibling sharing a prefix", () => {
  assert.equal(isInside("/p/root", "/p/root"), true);
  assert.equal(isInside("/p/root/", "/p/root"), true, "a trailing `/` is the same folder");
  assert.equal(isInside("/p/root", "/p/root/"), true);
  assert.equal(isInside("/p/root/a/b", "/p/root"), true);
  assert.equal(isInside("/p/root2/a", "/p/root"), false, "a name that only starts the same");
  assert.equal(isInside("/p/roo", "/p/root"), false);
  assert.equal(isInside("/p", "/p/root"), false, "the parent is not inside");
  assert.equal(isInside("/anything", "/"), true, "everything is inside `/`");
  assert.equal(isInside("/", "/"), true);
});

Deno.test("isInside(): Windows paths compare without case and with either separator, only on Windows", () => {
  const mixed = isInside("C:\\Users\\Me\\Proj\\pyproject.toml", "c:/users/me/proj");
  const sibling = isInside("C:\\Users\\Me\\Proj2\\x", "C:\\Users\\Me\\Proj");
  if (WINDOWS) {
    assert.equal(mixed, true);
    assert.equal(sibling, false);
  } else {
    // Elsewhere `\` is a character of a name, and case matters.
    assert.equal(mixed, false);
    assert.equal(isInside("/p/root\\x", "/p/root"), false, "`root\\x` is a sibling of `root`");
    assert.equal(isInside("/P/Root/x", "/p/root"), false);
  }
});

Deno.test("reallyInside(): links are followed before comparing; a missing path is not inside", async () => {
  await inWorld(({ root, outside, secret }) => {
    Deno.writeTextFileSync(join(root, "file"), "");
    Deno.symlinkSync(join(root, "file"), join(root, "in"));
    Deno.symlinkSync(secret, join(root, "out"));
    Deno.symlinkSync(outside, join(root, "dir-out"));
    assert.equal(reallyInside(join(root, "in"), root), true);
    assert.equal(reallyInside(join(root, "out"), root), false);
    assert.equal(reallyInside(join(root, "dir-out", "secret"), root), false, "a folder linked out");
    assert.equal(reallyInside(join(root, "missing"), root), false);
    assert.equal(reallyInside(join(root, "file"), join(root, "missing")), false);
    // The lexical check alone would say yes to the link out.
    assert.equal(isInside(join(root, "out"), root), true);
  });
});

Deno.test("readConfined(): a missing file is undefined; a regular file is read and kept for quoting", async () => {
  await inWorld(({ root }) => {
    const file = join(root, "pyproject.toml");
    assert.equal(readConfined(file, { root }, 100), undefined);
    assert.equal(locate(file, { root }), undefined);
    Deno.writeTextFileSync(file, "[project]\n");
    assert.equal(text(readConfined(file, { root }, 100)), "[project]\n");
    assert.equal(text(lastRead(file)), "[project]\n", "quoted without reading the disk again");
    Deno.writeTextFileSync(file, "changed");
    assert.equal(text(lastRead(file)), "[project]\n");
    assert.equal(readConfined(join(root, "a", "b"), { root }, 100), undefined, "no such folder");
    Deno.writeTextFileSync(join(root, "a"), "");
    assert.equal(
      readConfined(join(root, "a", "b"), { root }, 100),
      undefined,
      "a file where a folder would be",
    );
  });
});

Deno.test("readConfined(): a link inside the root is followed; one leaving it, directly or through a folder, is refused", async () => {
  await inWorld(({ root, outside, secret }) => {
    Deno.mkdirSync(join(root, "sub"));
    Deno.writeTextFileSync(join(root, "sub", "real.yaml"), "inside");
    Deno.symlinkSync(join(root, "sub", "real.yaml"), join(root, "in.yaml"));
    Deno.symlinkSync("sub/real.yaml", join(root, "relative.yaml"));
    assert.equal(text(readConfined(join(root, "in.yaml"), { root }, 100)), "inside");
    assert.equal(text(readConfined(join(root, "relative.yaml"), { root }, 100)), "inside");
    assert.equal(locate(join(root, "in.yaml"), { root })?.real, join(root, "sub", "real.yaml"));

    Deno.symlinkSync(secret, join(root, "out.yaml"));
    refused(
      () => readConfined(join(root, "out.yaml"), { root }, 100),
      new RegExp(`is a link to ${secret}, outside ${root}`),
    );
    Deno.symlinkSync("../outside/secret", join(root, "dotdot.yaml"));
    refused(() => readConfined(join(root, "dotdot.yaml"), { root }, 100), /outside/);
    // A file that is no link, in a folder that is one.
    Deno.symlinkSync(outside, join(root, "dir"));
    refused(() => readConfined(join(root, "dir", "secret"), { root }, 100), /outside/);
    // Confined to a folder under the root, a link to elsewhere in the root leaves it too.
    Deno.writeTextFileSync(join(root, "top"), "");
    Deno.symlinkSync(join(root, "top"), join(root, "sub", "up"));
    refused(
      () => readConfined(join(root, "sub", "up"), { root: join(root, "sub") }, 100),
      /outside/,
    );
  });
});

Deno.test("readConfined(): a broken link, a folder, a FIFO and /dev/zero are refused without being read", async () => {
  await inWorld(async ({ root }) => {
    Deno.symlinkSync(join(root, "nowhere"), join(root, "dangling"));
    refused(() => readConfined(join(root, "dangling"), { root }, 100), /broken symbolic link/);
    Deno.mkdirSync(join(root, "folder"));
    refused(() => readConfined(join(root, "folder"), { root }, 100), /not a regular file/);
    if (!WINDOWS) {
      // Reading a FIFO nobody writes to would wait forever.
      const fifo = join(root, "fifo");
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.equal(made.code, 0);
      refused(() => readConfined(fifo, { root }, 100), /not a regular file/);
      // /dev/zero never ends: refused as a device, even where the root lets the link in.
      Deno.symlinkSync("/dev/zero", join(root, "zero"));
      refused(() => readConfined(join(root, "zero"), { root: "/" }, 100), /not a regular file/);
      refused(() => readConfined(join(root, "zero"), { root }, 100), /outside/);
    }
  });
});

Deno.test("readConfined(): the size is checked before reading: at the limit it reads, one byte over it refuses", async () => {
  await inWorld(({ root }) => {
    const file = join(root, "uv.lock");
    Deno.writeTextFileSync(file, "0123456789");
    assert.equal(text(readConfined(file, { root }, 10)), "0123456789");
    refused(
      () => readConfined(file, { root }, 9),
      new RegExp(`${file} is 10 bytes; the limit is 9`),
      "too-large",
    );
    // A sparse file of a gibibyte: refused by its size, not by reading it.
    const huge = join(root, "huge");
    Deno.writeTextFileSync(huge, "");
    Deno.truncateSync(huge, 2 ** 30);
    refused(() => readConfined(huge, { root }, 1024), /is 1073741824 bytes/, "too-large");
  });
});

Deno.test("readConfined() strict: no link at all, even to a file inside the root", async () => {
  await inWorld(({ root }) => {
    Deno.writeTextFileSync(join(root, "key"), "k");
    Deno.symlinkSync(join(root, "key"), join(root, "link"));
    assert.equal(text(readConfined(join(root, "key"), { root, strict: true }, 10)), "k");
    refused(() => readConfined(join(root, "link"), { root, strict: true }, 10), /symbolic link/);
  });
});

Deno.test({
  name: "readConfined() strict: another user's file is refused; outside strict mode it is read",
  ignore: !AS_ROOT,
  fn: async () => {
    await inWorld(({ root }) => {
      const file = join(root, "planted");
      Deno.writeTextFileSync(file, "x");
      Deno.chownSync(file, 4242, 4242);
      refused(() => readConfined(file, { root, strict: true }, 10), /belongs to another user/);
      assert.equal(text(readConfined(file, { root }, 10)), "x");
    });
  },
});

Deno.test("the door as a Reader lists and reads with the same checks", async () => {
  await inWorld(({ root, outside }) => {
    Deno.writeTextFileSync(join(root, "a.yaml"), "a");
    assert.equal(text(door.read(join(root, "a.yaml"), { root }, 10)), "a");
    assert.deepEqual(door.list(root, { root })?.map((e) => e.name), ["a.yaml"]);
    Deno.symlinkSync(outside, join(root, "out"));
    refused(() => door.list(join(root, "out"), { root }), /outside/);
  });
});

Deno.test("writeConfined(): a new file is written; a link inside is written through, the link kept", async () => {
  await inWorld(async ({ root }) => {
    const file = join(root, "pyproject.toml");
    await writeConfined(file, "one", { root }, { durable: false });
    assert.equal(Deno.readTextFileSync(file), "one");
    Deno.mkdirSync(join(root, "real"));
    Deno.writeTextFileSync(join(root, "real", "hpm.yaml"), "old");
    Deno.symlinkSync(join(root, "real", "hpm.yaml"), join(root, "hpm.yaml"));
    await writeConfined(join(root, "hpm.yaml"), new TextEncoder().encode("new"), { root });
    assert.equal(Deno.lstatSync(join(root, "hpm.yaml")).isSymlink, true, "still a link");
    assert.equal(Deno.readTextFileSync(join(root, "real", "hpm.yaml")), "new");
    assert.deepEqual(
      [...Deno.readDirSync(root)].map((e) => e.name).sort(),
      ["hpm.yaml", "pyproject.toml", "real"],
      "no temporary file left beside them",
    );
  });
});

Deno.test("writeConfined(): never through a link out, a folder linked out, or any link in strict mode", async () => {
  await inWorld(async ({ root, outside, secret }) => {
    Deno.symlinkSync(secret, join(root, "out"));
    await refusedAsync(() => writeConfined(join(root, "out"), "PWNED", { root }), /outside/);
    Deno.symlinkSync(outside, join(root, "dir"));
    await refusedAsync(
      () => writeConfined(join(root, "dir", "secret"), "PWNED", { root }),
      /outside/,
    );
    await refusedAsync(() => writeConfined(join(root, "dir", "new"), "x", { root }), /outside/);
    Deno.symlinkSync(join(outside, "planted"), join(root, "dangling"));
    await refusedAsync(
      () => writeConfined(join(root, "dangling"), "x", { root }),
      /broken symbolic link/,
    );
    Deno.writeTextFileSync(join(root, "state"), "s");
    Deno.symlinkSync(join(root, "state"), join(root, "state-link"));
    await refusedAsync(
      () => writeConfined(join(root, "state-link"), "x", { root, strict: true }),
      /symbolic link/,
    );
    assert.deepEqual([...Deno.readDirSync(outside)].map((e) => e.name), ["secret"]);
    assert.equal(Deno.readTextFileSync(join(root, "state")), "s");
  });
});

Deno.test("writeConfined(): keeps the file's permission bits, and takes a name as long as the system allows", async () => {
  await inWorld(async ({ root }) => {
    const file = join(root, "uv.lock");
    Deno.writeTextFileSync(file, "old");
    if (!WINDOWS) Deno.chmodSync(file, 0o640);
    await writeConfined(file, "new", { root }, { durable: false });
    if (!WINDOWS) assert.equal(Deno.statSync(file).mode! & 0o777, 0o640);
    // The temporary file is named after the target: it must still fit in 255 bytes.
    const long = join(root, "x".repeat(255));
    await writeConfined(long, "long", { root }, { durable: false });
    assert.equal(Deno.readTextFileSync(long), "long");
    assert.equal([...Deno.readDirSync(root)].length, 2, "no temporary file left");
  });
});

Deno.test("removeConfined(): removes a file or a link (never its target); a missing one is fine; a folder is refused", async () => {
  await inWorld(async ({ root, outside, secret }) => {
    await removeConfined(join(root, "missing"), { root });
    Deno.writeTextFileSync(join(root, "file"), "");
    await removeConfined(join(root, "file"), { root });
    assert.equal(lstatOrNull(join(root, "file")), null);
    Deno.symlinkSync(secret, join(root, "link"));
    await removeConfined(join(root, "link"), { root });
    assert.equal(lstatOrNull(join(root, "link")), null, "the link went, the secret stays");
    Deno.mkdirSync(join(root, "folder"));
    await refusedAsync(() => removeConfined(join(root, "folder"), { root }), /is a folder/);
    Deno.symlinkSync(outside, join(root, "dir"));
    await refusedAsync(() => removeConfined(join(root, "dir", "secret"), { root }), /outside/);
  });
});

Deno.test({
  name: "removeConfined() strict: another user's file is left alone",
  ignore: !AS_ROOT,
  fn: async () => {
    await inWorld(async ({ root }) => {
      const file = join(root, "planted");
      Deno.writeTextFileSync(file, "x");
      Deno.chownSync(file, 4242, 4242);
      await refusedAsync(
        () => removeConfined(file, { root, strict: true }),
        /belongs to another user/,
      );
      assert.equal(Deno.readTextFileSync(file), "x");
    });
  },
});

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}

Deno.test("openLockFile(): made private when missing, reused when there, never through a link out", async () => {
  await inWorld(({ root, secret }) => {
    const lock = join(root, "project.lock");
    openLockFile(lock, { root }).close();
    if (!WINDOWS) assert.equal(Deno.statSync(lock).mode! & 0o777, 0o600);
    Deno.writeTextFileSync(lock, "held");
    openLockFile(lock, { root }).close();
    assert.equal(Deno.readTextFileSync(lock), "held", "opened, not truncated");
    Deno.symlinkSync(secret, join(root, "link.lock"));
    refused(() => openLockFile(join(root, "link.lock"), { root }), /outside/);
  });
});

Deno.test("makeFolderConfined(): makes the missing folders, never under a link out or a file", async () => {
  await inWorld(({ root, outside }) => {
    makeFolderConfined(join(root, "a", "b", "c"), { root });
    assert.equal(Deno.statSync(join(root, "a", "b", "c")).isDirectory, true);
    makeFolderConfined(join(root, "a", "b", "c"), { root });

    Deno.mkdirSync(join(root, "real"));
    Deno.symlinkSync(join(root, "real"), join(root, "in"));
    makeFolderConfined(join(root, "in", "x"), { root });
    assert.equal(Deno.statSync(join(root, "real", "x")).isDirectory, true, "a link inside is fine");

    Deno.symlinkSync(outside, join(root, "out"));
    refused(() => makeFolderConfined(join(root, "out", "x", "y"), { root }), /outside/);
    assert.deepEqual([...Deno.readDirSync(outside)].map((e) => e.name), ["secret"]);

    Deno.writeTextFileSync(join(root, "file"), "");
    refused(() => makeFolderConfined(join(root, "file", "x"), { root }), /is not a folder/);
    refused(() => makeFolderConfined(join(outside, "x"), { root }), /outside/);
  });
});

Deno.test("ownFolder(): missing, made private on demand; a link or a file refused", async () => {
  await inWorld(({ root, outside }) => {
    const state = join(root, "state");
    assert.equal(ownFolder(state, false), false);
    assert.equal(lstatOrNull(state), null, "not made unless asked");
    assert.equal(ownFolder(state, true), true);
    if (!WINDOWS) assert.equal(Deno.statSync(state).mode! & 0o777, 0o700);
    assert.equal(ownFolder(state, false), true);
    Deno.symlinkSync(outside, join(root, "link"));
    refused(() => ownFolder(join(root, "link"), true), /symbolic link/);
    Deno.writeTextFileSync(join(root, "file"), "");
    refused(() => ownFolder(join(root, "file"), true), /not a folder/);
  });
});

Deno.test({
  name: "ownFolder(): another user's folder is refused",
  ignore: !AS_ROOT,
  fn: async () => {
    await inWorld(({ root }) => {
      Deno.mkdirSync(join(root, "theirs"));
      Deno.chownSync(join(root, "theirs"), 4242, 4242);
      refused(() => ownFolder(join(root, "theirs"), false), /belongs to another user/);
    });
  },
});

Deno.test("listConfined(): a folder's entries; missing is undefined; a folder linked out is refused unread", async () => {
  await inWorld(({ root, outside }) => {
    assert.equal(listConfined(join(root, "packages"), { root }), undefined);
    Deno.mkdirSync(join(root, "packages"));
    Deno.writeTextFileSync(join(root, "packages", "plug.yaml"), "");
    Deno.mkdirSync(join(root, "packages", "sub"));
    const entries = listConfined(join(root, "packages"), { root })!;
    assert.deepEqual(
      entries.map((e) => [e.name, e.isFile, e.isDirectory]).sort(),
      [["plug.yaml", true, false], ["sub", false, true]],
    );
    Deno.symlinkSync(join(root, "packages"), join(root, "alias"));
    assert.equal(listConfined(join(root, "alias"), { root })?.length, 2, "a link inside is fine");
    Deno.symlinkSync(outside, join(root, "out"));
    refused(() => listConfined(join(root, "out"), { root }), new RegExp(`link to ${outside}`));
  });
});

Deno.test("statOrUndefined(), lstatOrUndefined(), kindOf(), folderNames(): what is there, nothing read", async () => {
  await inWorld(({ root, secret }) => {
    Deno.writeTextFileSync(join(root, "hpm.yaml"), "");
    Deno.symlinkSync(secret, join(root, "out"));
    assert.equal(statOrUndefined(join(root, "hpm.yaml"))?.isFile, true);
    assert.equal(statOrUndefined(join(root, "out"))?.isFile, true, "stat follows the link");
    assert.equal(lstatOrUndefined(join(root, "out"))?.isSymlink, true, "lstat does not");
    assert.equal(statOrUndefined(join(root, "gone")), undefined);
    assert.equal(lstatOrUndefined(join(root, "hpm.yaml", "below")), undefined);
    assert.throws(
      () => statOrUndefined(join(root, "hpm.yaml", "below")),
      Deno.errors.NotADirectory,
    );
    assert.deepEqual(
      [root, join(root, "hpm.yaml"), join(root, "gone"), join(root, "hpm.yaml", "below")].map(
        kindOf,
      ),
      ["folder", "file", undefined, undefined],
    );
    assert.deepEqual(folderNames(root).sort(), ["hpm.yaml", "out"]);
    assert.throws(() => folderNames(join(root, "gone")), Deno.errors.NotFound);
  });
});

Deno.test({
  name: "makeExecutable(): the file is made runnable; never one reached through a link out",
  ignore: WINDOWS,
  fn: async () => {
    await inWorld(async ({ root, secret }) => {
      const hook = join(root, "pre-commit");
      await writeConfined(hook, "#!/bin/sh\n", { root });
      await makeExecutable(hook, { root });
      assert.equal(Deno.statSync(hook).mode! & 0o777, 0o755);
      Deno.chmodSync(secret, 0o600);
      Deno.symlinkSync(secret, join(root, "out"));
      await refusedAsync(() => makeExecutable(join(root, "out"), { root }), /outside/);
      assert.equal(Deno.statSync(secret).mode! & 0o777, 0o600);
    });
  },
});
