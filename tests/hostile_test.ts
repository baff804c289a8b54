/**
 * Hostile input: registry entries and manifests written as if by an attacker
 * controlling a remote registry. Each must be refused as bad input (exit 2),
 * write nothing, and run no process (checked through the recording runner).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { exitCodeOf, HpmInputError, recordingRunner, sync } from "../mod.ts";
import { writeTree } from "../lib/_testing.ts";

const PYPROJECT = '[project]\nname = "core"\nversion = "0.1.0"\n';
const GOOD_ENTRY = "name: plug\nsources:\n  dev: {type: local, path: ./packages/plug}\n" +
  "  prod: {type: git, url: 'https://example.com/plug.git', ref: v1.0.0}\n";
const GOOD_MANIFEST = "registry: ./reg\ngroups:\n  db:\n    options: [plug]\n";

interface Case {
  /** What it tries. */
  name: string;
  /**
   * Registry entry bytes (default: a good one) at reg/packages/<file>; a
   * function is given the file a command the entry names would create.
   */
  entry?: string | Uint8Array | ((pwned: string) => string);
  /** The entry's file name. @default "plug.yaml" */
  file?: string;
  /** hpm.yaml (default: a good one). */
  manifest?: string;
  /** hpm.local.yaml, if any. */
  local?: string;
  /** The mode to sync. @default "prod" */
  mode?: string;
}

const prod = (source: string) =>
  `name: plug\nsources:\n  dev: {type: local, path: ./packages/plug}\n  prod: ${source}\n`;
const git = (fields: string) => prod(`{type: git, ${fields}}`);
const URL_OK = "url: 'https://example.com/plug.git'";

const cases: Case[] = [
  {
    name: "git URL with ext:: transport",
    entry: (pwned) => git(`url: 'ext::sh -c touch% ${pwned}', ref: v1`),
  },
  { name: "git URL with fd:: transport", entry: git("url: 'fd::3', ref: v1") },
  {
    name: "git URL that is an option",
    entry: (pwned) => git(`url: '--upload-pack=touch ${pwned}', ref: v1`),
  },
  { name: "git URL with -u prefix", entry: git("url: '-uhttps://example.com/x.git', ref: v1") },
  { name: "git URL with a space", entry: git("url: 'https://example.com/x y.git', ref: v1") },
  { name: "git URL with a newline", entry: git('url: "https://example.com/x\\n.git", ref: v1') },
  { name: "git URL over plain http", entry: git("url: 'http://example.com/x.git', ref: v1") },
  { name: "git URL scp-like", entry: git("url: 'git@example.com:x.git', ref: v1") },
  {
    name: "git URL with a host that is an option",
    entry: git("url: 'ssh://-oProxyCommand=x/y', ref: v1"),
  },
  {
    name: "ref that is an option",
    entry: (pwned) => git(`${URL_OK}, ref: '--upload-pack=touch ${pwned}'`),
  },
  { name: "ref starting with -", entry: git(`${URL_OK}, ref: '-x'`) },
  { name: "ref with ..", entry: git(`${URL_OK}, ref: 'a..b'`) },
  { name: "ref with a space", entry: git(`${URL_OK}, ref: 'v 1'`) },
  { name: "ref with ~", entry: git(`${URL_OK}, ref: 'HEAD~1'`) },
  { name: "ref with :", entry: git(`${URL_OK}, ref: 'a:b'`) },
  { name: "ref ending .lock", entry: git(`${URL_OK}, ref: 'v1.lock'`) },
  { name: "ref with @{", entry: git(`${URL_OK}, ref: '@{-1}'`) },
  { name: "ref with a control character", entry: git(`${URL_OK}, ref: "v1\\u0007"`) },
  { name: "tag that is an option", entry: git(`${URL_OK}, tag: '--force'`) },
  { name: "branch with a backslash", entry: git(`${URL_OK}, branch: 'a\\b'`) },
  { name: "rev that is an option", entry: git(`${URL_OK}, rev: '-c'`) },
  { name: "two refs at once", entry: git(`${URL_OK}, ref: v1, tag: v2`) },
  { name: "subdirectory that is an option", entry: git(`${URL_OK}, ref: v1, subdirectory: '--x'`) },
  { name: "name that is an option", entry: GOOD_ENTRY.replace("name: plug", "name: -rf") },
  { name: "name with a space", entry: GOOD_ENTRY.replace("name: plug", "name: 'plug x'") },
  {
    name: "name with a shell metacharacter",
    entry: GOOD_ENTRY.replace("name: plug", "name: 'plug;rm'"),
  },
  {
    name: "name of 300 characters",
    entry: GOOD_ENTRY.replace("name: plug", `name: ${"a".repeat(300)}`),
  },
  { name: "name not matching the file", entry: GOOD_ENTRY.replace("name: plug", "name: other") },
  { name: "unknown source type", entry: prod("{type: shell, command: 'rm -rf /'}") },
  { name: "unknown key in a source", entry: git(`${URL_OK}, ref: v1, hook: 'x'`) },
  {
    name: "local path that is an option",
    entry: GOOD_ENTRY.replace("./packages/plug", "--help"),
    mode: "dev",
  },
  {
    name: "local path with a NUL byte",
    entry: GOOD_ENTRY.replace("./packages/plug", '"./p\\0x"'),
    mode: "dev",
  },
  { name: "version with shell syntax", entry: prod("{type: pypi, version: '1.0; rm -rf /'}") },
  {
    name: "version with a quote (TOML injection)",
    entry: prod(`{type: pypi, version: "1.0\\"]\\n[evil]"}`),
  },
  {
    name: "index with a javascript: URL",
    entry: prod("{type: pypi, version: '1.0', index: 'javascript:alert(1)'}"),
  },
  {
    name: "index with a newline",
    entry: prod('{type: pypi, version: "1.0", index: "https://x/\\n[tool.evil]"}'),
  },
  { name: "requires with an invalid name", entry: `requires: ['--x']\n${GOOD_ENTRY}` },
  {
    name: "description of 5000 characters",
    entry: `description: ${"x".repeat(5000)}\n${GOOD_ENTRY}`,
  },
  { name: "mode name that is an option", entry: `${GOOD_ENTRY}  --x: {type: local, path: ./p}\n` },
  {
    name: "YAML alias bomb in an entry",
    entry: `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n` +
      `c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n${GOOD_ENTRY}`,
  },
  { name: "duplicate keys", entry: `${GOOD_ENTRY}name: evil\n` },
  { name: "file over the size limit", entry: `${GOOD_ENTRY}# ${"x".repeat(300 * 1024)}\n` },
  {
    name: "invalid UTF-8",
    entry: new Uint8Array([...new TextEncoder().encode(GOOD_ENTRY), 0xff, 0xfe, 0x0a]),
  },
  { name: "two YAML documents", entry: `${GOOD_ENTRY}---\nname: evil\n` },
  { name: "custom YAML tag", entry: `name: !!js/function 'function(){}'\nsources: {}\n` },
  { name: "sources that is a list", entry: "name: plug\nsources: [a, b]\n" },
  { name: "manifest: registry that is a number", manifest: "registry: 5\ngroups: {}\n" },
  {
    name: "manifest: group name with a space",
    manifest: "registry: ./reg\ngroups:\n  'a b':\n    options: [plug]\n",
  },
  {
    name: "manifest: option that is an option",
    manifest: "registry: ./reg\ngroups:\n  db:\n    options: ['--help']\n",
  },
  {
    name: "manifest: options that is a string",
    manifest: "registry: ./reg\ngroups:\n  db:\n    options: plug\n",
  },
  { name: "manifest: select not among options", manifest: `${GOOD_MANIFEST}    select: other\n` },
  { name: "manifest: mode that is an option", manifest: `mode: '--frozen'\n${GOOD_MANIFEST}` },
  {
    name: "manifest: unknown top-level key",
    manifest: `${GOOD_MANIFEST}hooks: {post-sync: 'rm -rf /'}\n`,
  },
  { name: "manifest: registry with ext::", manifest: "registry: 'ext::sh -c x'\ngroups: {}\n" },
  {
    name: "manifest: registry over plain http",
    manifest: "registry: 'http://evil.example.com/reg'\ngroups: {}\n",
  },
  { name: "manifest: git registry with ext::", manifest: "registry: 'git+ext::sh -c x'\n" },
  {
    name: "manifest: git registry ref that is an option",
    manifest: "registry: 'https://x.example/r.git#--upload-pack=x'\n",
  },
  {
    name: "local overlay: path with a control character",
    local: 'overrides:\n  plug: {path: "./p\\u001b[31m"}\n',
    mode: "dev",
  },
  { name: "local overlay: unknown key", local: "overides:\n  plug: {path: ./p}\n" },
  {
    name: "unknown package in a group",
    manifest: "registry: ./reg\ngroups:\n  db:\n    options: [plugg]\n",
  },
];

// Where a command named by a case would leave its mark.
const pwnedIn = (dir: string) => join(dir, "pwned");

function arrange(dir: string, c: Case): Promise<void> {
  const entry = typeof c.entry === "function" ? c.entry(pwnedIn(dir)) : c.entry;
  return writeTree(dir, {
    "pyproject.toml": PYPROJECT,
    "hpm.yaml": c.manifest ?? GOOD_MANIFEST,
    [`reg/packages/${c.file ?? "plug.yaml"}`]: entry ?? GOOD_ENTRY,
    "packages/plug/pyproject.toml": '[project]\nname = "plug"\nversion = "1"\n',
    ...(c.local ? { "hpm.local.yaml": c.local } : {}),
  });
}

Deno.test(`hostile input: ${cases.length} cases refused with exit 2, nothing written, no process run`, async (t) => {
  assert.ok(cases.length >= 40);
  const root = await Deno.makeTempDir({ prefix: "hpm-hostile-" });
  try {
    for (const [i, c] of cases.entries()) {
      await t.step(c.name, async () => {
        const dir = join(root, String(i));
        await arrange(dir, c);
        const runner = recordingRunner();
        const error = await sync({ root: dir, mode: c.mode ?? "prod", runner, env: {} }).then(
          () => undefined,
          (e) => e,
        );
        assert.ok(error instanceof HpmInputError, `expected HpmInputError, got ${error}`);
        assert.equal(exitCodeOf(error), 2);
        assert.ok(error.file, "the error names a file");
        assert.ok(error.message.length < 400, "the message is short");
        assert.doesNotMatch(
          error.message,
          /^Invalid input$|Invalid key in record/,
          "the message says what is wrong",
        );
        assert.deepEqual(runner.calls, [], "no process was run");
        await assert.rejects(Deno.stat(pwnedIn(dir)), "no command of the entry's ran");
        assert.equal(
          await Deno.readTextFile(join(dir, "pyproject.toml")),
          PYPROJECT,
          "pyproject.toml untouched",
        );
        await assert.rejects(Deno.stat(join(dir, "uv.lock")));
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
