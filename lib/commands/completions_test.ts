import assert from "node:assert/strict";
import { type CompletionCommand, completionScript } from "./completions.ts";

const command = (name: string, options: string[], commands: CompletionCommand[] = []) => ({
  name,
  description: `${name}'s help`,
  options,
  commands,
});

const HPM = command("hpm", ["--help"], [
  command("group", ["--help"], [command("add", ["--option"])]),
  command("registry", ["--help"], [command("add", ["--git", "--pypi"])]),
]);

// The condition each line of the fish script completes `what` under.
const conditions = (script: string, what: RegExp) =>
  script.split("\n").filter((l) => what.test(l)).map((l) => l.match(/ -n ('[^']*')/)![1]);

Deno.test("fish completes each subcommand's options on its whole path: group add is not registry add", () => {
  const script = completionScript(HPM, "fish");
  const [git] = conditions(script, / -l git$/);
  const [option] = conditions(script, / -l option$/);
  assert.notEqual(git, option);
  assert.deepEqual(conditions(script, / -l pypi$/), [git]);
  assert.match(git, /registry add/);
  assert.match(option, /group add/);
  // `add` is offered after `group` and after `registry`, each on its own path.
  assert.equal(new Set(conditions(script, / -a add /)).size, 2);
});
