import assert from "node:assert/strict";
import { join } from "node:path";
import { refFiles } from "./git.ts";

Deno.test("refFiles(): the files git reads for a plain name; undefined when files alone do not tell", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hpm-unit-" });
  try {
    const git = join(dir, ".git");
    await Deno.mkdir(join(git, "refs", "tags"), { recursive: true });
    const at = (...p: string[]) => join(git, ...p);
    assert.deepEqual(refFiles(dir, "v1.2.0"), [
      at("config"),
      at("packed-refs"),
      at("v1.2.0"),
      at("refs", "v1.2.0"),
      at("refs", "tags", "v1.2.0"),
      at("refs", "heads", "v1.2.0"),
      at("refs", "remotes", "v1.2.0"),
      at("refs", "remotes", "v1.2.0", "HEAD"),
    ]);
    // A full commit id names the same object for ever.
    assert.deepEqual(refFiles(dir, "a".repeat(40)), [at("config"), at("packed-refs")]);
    for (const ref of ["abc1234", "v1.0-3-gabc1234", "HEAD~1", "v1^{}", "a..b", "x/", "-x", "@"]) {
      assert.equal(refFiles(dir, ref), undefined, ref);
    }
    // A symbolic ref leads elsewhere.
    await Deno.writeTextFile(at("refs", "tags", "v1"), "ref: refs/heads/main\n");
    assert.equal(refFiles(dir, "v1"), undefined);
    await Deno.writeTextFile(at("refs", "tags", "v1"), `${"b".repeat(40)}\n`);
    assert.ok(refFiles(dir, "v1"));
    // Refs in a reftable are not files.
    await Deno.mkdir(at("reftable"));
    assert.equal(refFiles(dir, "v1"), undefined);
    // A linked worktree's `.git` is a file naming a folder elsewhere.
    await Deno.remove(git, { recursive: true });
    await Deno.writeTextFile(git, "gitdir: /elsewhere\n");
    assert.equal(refFiles(dir, "v1"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
