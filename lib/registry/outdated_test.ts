import assert from "node:assert/strict";
import { parseRegistryEntry } from "../core/registry_entry.ts";
import { recordingRunner } from "../io/runner.ts";
import { outdated } from "./outdated.ts";

const entry = (name: string, prod: string) =>
  parseRegistryEntry(`name: ${name}\nsources:\n  prod: ${prod}\n`, `${name}.yaml`);

const INDEX = "https://pypi.example.com/simple";

Deno.test("outdated(): a PEP 503 HTML page's files, yanked ones passed over; git tags by PEP 440", async () => {
  const runner = recordingRunner(() => ({
    code: 0,
    stdout: "a\trefs/tags/v1.0.0\nb\trefs/tags/v1.9.0\nc\trefs/tags/v1.10.0\nd\trefs/tags/latest\n",
    stderr: "",
  }));
  const asked: string[] = [];
  const fetcher = (url: string | URL | Request) => {
    asked.push(String(url));
    return Promise.resolve(
      new Response(
        '<a href="/f/q-1.0.0.tar.gz">q-1.0.0.tar.gz</a>\n' +
          '<a href="/f/q-1.3.0-py3-none-any.whl" data-yanked="">q-1.3.0-py3-none-any.whl</a>\n' +
          '<a href="/f/q-1.2.0-py3-none-any.whl">q-1.2.0-py3-none-any.whl</a>\n',
        { headers: { "content-type": "text/html" } },
      ),
    );
  };
  const report = await outdated([
    entry("g", "{type: git, url: 'https://example.com/g.git', ref: v1.0.0}"),
    entry("Q_Plug", `{type: pypi, version: 1.0.0, index: '${INDEX}/'}`),
  ], { runner, cwd: "/p", fetch: fetcher as typeof fetch });
  assert.deepEqual(report.map((r) => [r.name, r.state, r.latest]), [
    ["g", "outdated", "v1.10.0"],
    ["Q_Plug", "outdated", "1.2.0"],
  ]);
  assert.deepEqual(asked, [`${INDEX}/q-plug/`], "the normalised name, under the index named");
  const args = runner.calls.at(-1)!.args;
  assert.deepEqual(args.slice(-5), [
    "ls-remote",
    "--tags",
    "--refs",
    "--end-of-options",
    "https://example.com/g.git",
  ]);
  assert.ok(runner.calls.at(-1)!.timeoutMs! > 0, "bounded in time");
});

Deno.test("outdated(): an index that redirects is not followed; nothing to compare is said, not asked", async () => {
  const runner = recordingRunner();
  const fetcher = () =>
    Promise.resolve(
      new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }),
    );
  const report = await outdated([
    entry("r", `{type: pypi, version: 1.0.0, index: '${INDEX}'}`),
    entry("range", `{type: pypi, version: '>=1.0', index: '${INDEX}'}`),
    entry("sha", "{type: git, url: 'https://example.com/s.git', rev: 0123abcd}"),
    entry("named", "{type: git, url: 'https://example.com/n.git', ref: stable}"),
    entry("file", "{type: pypi, version: 1.0.0, index: 'file:///srv/simple'}"),
    parseRegistryEntry("name: d\nsources:\n  dev: {type: local, path: ./d}\n", "d.yaml"),
  ], { runner, cwd: "/p", fetch: fetcher as typeof fetch });
  assert.equal(report[0].state, "unreachable");
  assert.match(
    report[0].reason!,
    /redirects to http:\/\/169\.254\.169\.254\/; hpm does not follow/,
  );
  assert.deepEqual(report.slice(1).map((r) => [r.state, r.reason]), [
    ["not-checked", "`>=1.0` allows more than one version"],
    ["not-checked", "`0123abcd` looks like a commit: nothing to compare tags with"],
    ["not-checked", "`stable` is not a version to compare tags with"],
    ["not-checked", "not an http(s) index"],
    ["not-checked", "no prod source"],
  ]);
  assert.equal(runner.calls.length, 0);
});

Deno.test("outdated(): entries sharing a git remote (a monorepo's subdirectories) ask it once", async () => {
  const runner = recordingRunner(() => ({
    code: 0,
    stdout: "a\trefs/tags/v1.0.0\nb\trefs/tags/v1.1.0\n",
    stderr: "",
  }));
  const mono = "https://example.com/mono.git";
  const report = await outdated([
    entry("a", `{type: git, url: '${mono}', ref: v1.0.0, subdirectory: a}`),
    entry("b", `{type: git, url: '${mono}', ref: v1.1.0, subdirectory: b}`),
    entry("c", "{type: git, url: 'https://example.com/c.git', ref: v1.0.0}"),
  ], { runner, cwd: "/p" });
  assert.deepEqual(report.map((r) => [r.name, r.state, r.latest]), [
    ["a", "outdated", "v1.1.0"],
    ["b", "current", null],
    ["c", "outdated", "v1.1.0"],
  ]);
  const asked = runner.calls.filter((c) => c.args.includes("ls-remote")).map((c) => c.args.at(-1));
  assert.deepEqual(asked, [mono, "https://example.com/c.git"]);
});
