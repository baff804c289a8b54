/**
 * `hpm completions`: the generated bash script completes in a real bash; the
 * fish script completes each command path's own options.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempRoot, run } from "./_fixtures.ts";
import { hpm } from "./_project.ts";

Deno.test("hpm completions bash completes commands, subcommands and options in bash", async () => {
  const root = await makeTempRoot();
  try {
    const generated = await hpm(["completions", "bash"], root);
    assert.equal(generated.code, 0, generated.stderr);
    const script = join(root, "hpm.bash");
    await Deno.writeTextFile(script, generated.stdout);
    const complete = async (...words: string[]) => {
      const r = await run("bash", [
        "-c",
        `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hpm; echo "\${COMPREPLY[*]}"`,
        script,
        "hpm",
        ...words,
      ], { cwd: root });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split(" ");
    };
    assert.deepEqual(await complete("gro"), ["group"]);
    assert.deepEqual(await complete("gr"), ["group", "graph"]);
    assert.deepEqual(await complete("foreach", "--d"), ["--dirty"]);
    assert.deepEqual(await complete("group", ""), ["add", "remove", "use", "list", "--help"]);
    assert.deepEqual(await complete("sync", "--dry-run", "--m"), ["--mode"]);
    assert.deepEqual(await complete("-C", "some/dir", "registry", "add", "x", "--p"), ["--pypi"]);
    const bad = await hpm(["completions", "tcsh"], root);
    assert.equal(bad.code, 2);
    assert.equal((await hpm([], root)).code, 2, "no command is a usage error, as in uv");
    assert.equal((await hpm(["--help"], root)).code, 0);
    for (const shell of ["zsh", "fish"]) {
      const r = await hpm(["completions", shell], root);
      assert.equal(r.code, 0);
      assert.match(
        r.stdout,
        shell === "fish" ? /complete -c hpm .*-a sync/ : /complete -F _hpm hpm/,
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// The conditions a fish script completes the lines matching `what` under.
const conditions = (script: string, what: RegExp) =>
  script.split("\n").filter((l) => what.test(l)).map((l) => l.match(/ -n ('[^']*')/)![1]);

Deno.test("hpm completions fish offers each subcommand's options on its whole path: group add is not registry add", async () => {
  const root = await makeTempRoot();
  try {
    const r = await hpm(["completions", "fish"], root);
    assert.equal(r.code, 0, r.stderr);
    const [git] = conditions(r.stdout, / -l git$/);
    assert.match(git, /registry add'$/);
    assert.deepEqual(conditions(r.stdout, / -l pypi$/), [git]);
    assert.deepEqual(conditions(r.stdout, / -l option$/).filter((c) => c === git), []);
    // `add` is offered after `group` and after `registry`, each on its own path.
    assert.equal(new Set(conditions(r.stdout, / -a add /)).size, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
