import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmOperationError } from "../core/errors.ts";
import { isolatedUv, outsidePython, uvLockCheckRequest } from "./uv.ts";
import { tempTree } from "../_testing.ts";

const PROGRAM = "#!/bin/sh\nexit 1\n";

Deno.test({
  name: "outsidePython(): UV_PYTHON, else python3 then python on PATH, never in the project",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const top = await tempTree("hpm-python-unit-", {
      "project/.venv/bin/python3": PROGRAM,
      "project/tools/python3": PROGRAM,
      "usr/bin/python3": PROGRAM,
      "opt/bin/python": PROGRAM,
    });
    try {
      const real = await Deno.realPath(top);
      const root = join(real, "project");
      // Links outside the project into it: a folder, and a file.
      await Deno.symlink(join(root, "tools"), join(real, "linked"));
      await Deno.mkdir(join(real, "bin"));
      await Deno.symlink(join(root, "tools", "python3"), join(real, "bin", "python3"));
      const path = (...dirs: string[]) => ({ PATH: dirs.join(":") });

      assert.equal(outsidePython(root, { UV_PYTHON: "3.12", PATH: join(real, "usr/bin") }), "3.12");
      assert.equal(
        outsidePython(
          root,
          path(
            join(root, ".venv/bin"),
            "project/tools", // relative: read against the project, where uv runs
            join(real, "linked"),
            join(real, "bin"),
            join(real, "project/../usr/bin"),
          ),
        ),
        join(real, "usr/bin/python3"),
      );
      // python3 anywhere on PATH before python.
      assert.equal(
        outsidePython(root, path(join(real, "opt/bin"), join(real, "usr/bin"))),
        join(real, "usr/bin/python3"),
      );
      assert.equal(outsidePython(root, path(join(real, "opt/bin"))), join(real, "opt/bin/python"));
      assert.equal(
        outsidePython(root, path(join(root, ".venv/bin"), join(root, "tools"))),
        undefined,
      );
      assert.equal(outsidePython(root, {}), undefined);
    } finally {
      await Deno.remove(top, { recursive: true });
    }
  },
});

Deno.test("isolatedUv(): no project environment can exist where uv is sent to look", () => {
  const { python, env } = isolatedUv("/srv/app", { UV_PYTHON: "/usr/bin/python3" });
  assert.equal(python, "/usr/bin/python3");
  // Below a file: nothing can be there, now or later.
  assert.ok(Deno.statSync(Deno.execPath()).isFile);
  assert.ok(env.UV_PROJECT_ENVIRONMENT.startsWith(Deno.execPath()));
  assert.throws(() => Deno.statSync(env.UV_PROJECT_ENVIRONMENT));

  const request = uvLockCheckRequest("/srv/app", { UV_PYTHON: "3.12" });
  assert.deepEqual(request.args, [
    "lock",
    "--check",
    "--offline",
    "--no-progress",
    "--python",
    "3.12",
  ]);
  assert.equal(request.cwd, "/srv/app");
  assert.deepEqual(request.env, env);

  assert.throws(
    () => isolatedUv("/srv/app", { PATH: "" }),
    (e) => e instanceof HpmOperationError && /UV_PYTHON/.test(e.hint ?? ""),
  );
});
