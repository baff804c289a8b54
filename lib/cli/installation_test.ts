import assert from "node:assert/strict";
import { installationOf, type Running } from "./installation.ts";

const running = (mainModule: string, files: string[] = [], standalone = false): Running => ({
  mainModule,
  standalone,
  execPath: "/usr/local/bin/deno",
  isFile: (path) => files.includes(path),
});

Deno.test("installationOf() tells every way of getting HPM apart, with its upgrade", async (t) => {
  const cases: [string, Running, RegExp, RegExp][] = [
    [
      "uv tool install",
      running("file:///home/me/.local/share/uv/tools/hpm-cli/share/hpm-cli/js/cli.js", [
        "/home/me/.local/share/uv/tools/hpm-cli/pyvenv.cfg",
        "/home/me/.local/share/uv/tools/hpm-cli/uv-receipt.toml",
      ]),
      /^uv tool install$/,
      /^uv tool upgrade hpm-cli$/,
    ],
    [
      "uvx",
      running("file:///home/me/.cache/uv/archive-v0/AbC/share/hpm-cli/js/cli.js", [
        "/home/me/.cache/uv/archive-v0/AbC/pyvenv.cfg",
      ]),
      /^uvx/,
      /^uvx --from hpm-cli@latest hpm/,
    ],
    [
      "pre-commit",
      running("file:///home/me/.cache/pre-commit/repo1/py_env-python3/share/hpm-cli/js/cli.js", [
        "/home/me/.cache/pre-commit/repo1/py_env-python3/pyvenv.cfg",
      ]),
      /pre-commit/,
      /^pre-commit autoupdate/,
    ],
    [
      "a venv",
      running("file:///work/core/.venv/share/hpm-cli/js/cli.js", ["/work/core/.venv/pyvenv.cfg"]),
      /Python environment/,
      /^uv pip install --python \/work\/core\/\.venv -U hpm-cli/,
    ],
    [
      "the Windows wheel, in a venv",
      running("file:///C:/venv/Lib/site-packages/hpm_cli/js/cli.js", ["C:\\venv/pyvenv.cfg"]),
      /Python environment/,
      /-U hpm-cli/,
    ],
    [
      "pip --user",
      running("file:///home/me/.local/share/hpm-cli/js/cli.js"),
      /user or system site/,
      /^pip install -U hpm-cli/,
    ],
    ["JSR", running("https://jsr.io/@hpm/cli/0.1.0/cli.ts"), /JSR/, /jsr:@hpm\/cli@X\.Y\.Z\/cli$/],
    [
      "a release binary",
      running("file:///tmp/deno-compile-hpm/cli.ts", [], true),
      /standalone binary/,
      /install\.sh/,
    ],
    [
      "a checkout",
      running("file:///work/hpm/cli.ts"),
      /checkout/,
      /^git -C \/work\/hpm pull/,
    ],
  ];
  // A file URL is a path of the platform it runs on.
  const windows = Deno.build.os === "windows";
  for (const [name, run, how, upgrade] of cases) {
    const local = !run.mainModule.startsWith("file:") ||
      /^file:\/\/\/[A-Z]:/.test(run.mainModule) === windows;
    await t.step({
      name,
      ignore: !local,
      fn: () => {
        const found = installationOf(run);
        assert.match(found.how, how);
        assert.match(found.upgrade, upgrade);
      },
    });
  }
});
