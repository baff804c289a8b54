import assert from "node:assert/strict";
import { readPlainCommand } from "./plain_command.ts";

Deno.test("readPlainCommand: global flags anywhere, a command's own only after it", () => {
  assert.deepEqual(readPlainCommand(["stage", "-q", "--mode=prod", "--project", "core"]), {
    name: "stage",
    flags: { quiet: true, mode: "prod", project: "core" },
    rest: [],
  });
  assert.deepEqual(readPlainCommand(["-C", "x", "--refresh", "stage", "--offline"])?.flags, {
    project: "x",
    refresh: true,
    offline: true,
  });
  assert.deepEqual(readPlainCommand(["status", "-m", "prod"]), {
    name: "status",
    flags: { mode: "prod" },
    rest: [],
  });
  assert.deepEqual(readPlainCommand(["check", "--pyproject-only", "-v"])?.flags, {
    "pyproject-only": true,
    verbose: true,
  });
  // The pre-commit hook's command line.
  assert.deepEqual(readPlainCommand(["check", "--staged"])?.flags, { staged: true });
  for (
    const args of [
      ["--mode", "prod", "stage"],
      ["stage", "--offline", "--offline"],
      ["stage", "--no-install"],
      ["stage", "--", "x"],
      ["stage", "-m"],
      ["stage", "--mode="],
      ["stage", "--offline=yes"],
      ["stage", "extra"],
      ["status", "--json"],
      ["group", "list"],
      ["-q"],
      ["sync", "__proto__"],
      ["sync", "constructor"],
      ["toString"],
      ["__proto__", "sync"],
    ]
  ) {
    assert.equal(readPlainCommand(args), undefined, args.join(" "));
  }
});
