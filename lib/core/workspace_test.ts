import assert from "node:assert/strict";
import { HpmInputError } from "./errors.ts";
import { checkWorkspaceMembers } from "./workspace.ts";

Deno.test("checkWorkspaceMembers() refuses clones inside the workspace members, honouring exclude", async (t) => {
  const cases: [string, string, string, boolean][] = [
    ["member by *", '[tool.uv.workspace]\nmembers = ["packages/*"]\n', "/p/packages/q", true],
    [
      "./ prefix and trailing slash",
      '[tool.uv.workspace]\nmembers = ["./packages/*/"]\n',
      "/p/packages/q",
      true,
    ],
    [
      "* stays in one segment",
      '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
      "/p/packages/q/py",
      false,
    ],
    ["** crosses segments", '[tool.uv.workspace]\nmembers = ["libs/**"]\n', "/p/libs/a/q", true],
    [
      "excluded",
      '[tool.uv.workspace]\nmembers = ["packages/*"]\nexclude = ["packages/q"]\n',
      "/p/packages/q",
      false,
    ],
    ["outside the project", '[tool.uv.workspace]\nmembers = ["packages/*"]\n', "/libs/q", false],
    ["no workspace", '[project]\nname = "p"\n', "/p/packages/q", false],
    [
      "a dot in the glob is literal",
      '[tool.uv.workspace]\nmembers = ["pkg.s/*"]\n',
      "/p/pkgXs/q",
      false,
    ],
  ];
  for (const [name, text, path, refused] of cases) {
    await t.step(name, () => {
      const run = () =>
        checkWorkspaceMembers(text, "/p/pyproject.toml", "/p", [{ name: "q", path }]);
      if (!refused) return run();
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof HpmInputError);
        assert.equal(e.code, "conflict");
        assert.equal(e.line, text.split("\n").findIndex((l) => l.startsWith("members")) + 1);
        assert.match(e.hint!, /to `exclude` in \[tool\.uv\.workspace\]/);
        return true;
      });
    });
  }
});
