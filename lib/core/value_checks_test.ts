import assert from "node:assert/strict";
import * as check from "./value_checks.ts";

// Each value with the answer expected, so a failure names the value.
function expectEach(check: (value: string) => unknown, cases: readonly [string, unknown][]): void {
  const wrong = cases.filter(([value, expected]) => check(value) !== expected)
    .map(([value, expected]) => `${JSON.stringify(value)}: expected ${expected}`);
  assert.deepEqual(wrong, []);
}

Deno.test("CONTROL: C0, DEL and C1 characters, not a no-break space or other text", () => {
  for (const c of ["\u0000", "\t", "\n", "\r", "\u001b", "\u007f", "\u0085", "\u009f"]) {
    assert.ok(check.CONTROL.test(`a${c}b`), JSON.stringify(c));
  }
  for (const c of [" ", "\u00a0", "é", "€", "\u200b"]) assert.ok(!check.CONTROL.test(`a${c}b`), c);
});

// The answers of `git check-ref-format --allow-onelevel`, except where HPM
// is stricter (marked): a leading `-`, C1 characters, more than 255 characters.
Deno.test("isSafeGitRef(): git's rules for ref names, and never an option", () => {
  expectEach(check.isSafeGitRef, [
    ["v1.0.0", true],
    ["main", true],
    ["release/1.x", true],
    ["refs/tags/v1", true],
    ["a@b", true],
    ["a./b", true],
    ["a/-b", true],
    ["x.locks", true],
    ["héllo", true],
    ["0123456789abcdef0123456789abcdef01234567", true],
    ["x".repeat(255), true],
    ["", false],
    [".a", false],
    ["a/.b", false],
    ["..a", false],
    ["a..b", false],
    ["a/./b", false],
    ["a.", false],
    ["a.lock", false],
    ["a/b.lock", false],
    // Each part is checked, as git does: no part may end with `.lock`.
    ["a.lock/b", false],
    ["ab.lock/cd", false],
    ["/a", false],
    ["a/", false],
    ["a//b", false],
    ["@", false],
    ["@{-1}", false],
    ["a@{1}", false],
    ["a b", false],
    ["a\tb", false],
    ["a\u0007", false],
    ["a\u007f", false],
    ["HEAD~1", false],
    ["a^", false],
    ["a:b", false],
    ["a?", false],
    ["a*", false],
    ["a[", false],
    ["a\\b", false],
    // Stricter than git: these would be options, or are not text.
    ["-x", false],
    ["--upload-pack=touch /tmp/x", false],
    ["a\u0085", false],
    ["x".repeat(256), false],
  ]);
});

Deno.test("isSafeGitUrl(): https, ssh, git and file only; no transport that runs a command", () => {
  expectEach(check.isSafeGitUrl, [
    ["https://example.com/plug.git", true],
    ["HTTPS://example.com/plug.git", true],
    ["ssh://git@example.com/plug.git", true],
    ["ssh://git@example.com:2222/plug.git", true],
    ["git://example.com/plug.git", true],
    ["file:///srv/git/plug.git", true],
    ["https://example.com/-plug.git", true],
    // Transports that run commands, in any spelling.
    ["ext::sh -c touch% /tmp/pwned", false],
    ["ext::sh", false],
    ["EXT::sh", false],
    ["fd::3", false],
    ["https://example.com/a::b", false],
    // Not a transport HPM accepts.
    ["http://example.com/plug.git", false],
    ["ftp://example.com/plug.git", false],
    ["git@example.com:plug.git", false],
    ["/srv/git/plug.git", false],
    ["ssh:///plug.git", false],
    ["", false],
    // Options in disguise.
    ["--upload-pack=touch /tmp/pwned", false],
    ["-uhttps://example.com/x.git", false],
    ["ssh://-oProxyCommand=touch%20/tmp/pwned/x", false],
    ["ssh://-oProxyCommand=touch%20/tmp/pwned@example.com/x", false],
    ["ssh://%2doProxyCommand=x@example.com/x", false],
    ["ssh://%2DoProxyCommand=x@example.com/x", false],
    ["ssh://user:-oProxyCommand=x@example.com/x", false],
    ["ssh://user:%2Dx@example.com/x", false],
    // Whitespace and control characters.
    ["https://example.com/x y.git", false],
    ["https://example.com/x\n.git", false],
    ["https://example.com/x\u0000.git", false],
    ["https://example.com/x\u0085.git", false],
  ]);
});

Deno.test("isSafeIndexUrl(): http, https and file URLs without spaces or control characters", () => {
  expectEach(check.isSafeIndexUrl, [
    ["https://pypi.example.com/simple", true],
    ["http://127.0.0.1:8080/simple/", true],
    ["file:///srv/wheels", true],
    ["ftp://example.com/simple", false],
    ["javascript:alert(1)", false],
    ["ext::sh", false],
    ["--index-url=https://evil.example.com", false],
    ["-https://example.com", false],
    ["/srv/wheels", false],
    ["https://example.com/simple --extra-index-url https://evil.example.com", false],
    ["https://example.com/\u0007", false],
    ["", false],
  ]);
});

Deno.test("isUsablePath(): any path that is text and not an option, up to 4096 characters", () => {
  expectEach(check.isUsablePath, [
    ["./packages/plug", true],
    ["../plug", true],
    ["~/src/plug", true],
    [".\\packages\\plug", true],
    ["./-plug", true],
    ["a".repeat(4096), true],
    ["", false],
    ["-plug", false],
    ["--upload-pack=x", false],
    ["a".repeat(4097), false],
    ["plug\u0000", false],
    ["plug\n", false],
  ]);
});

Deno.test("normalizeSpecifier(): PEP 440 specifiers normalised, a bare version pinned, anything else refused", () => {
  expectEach(check.normalizeSpecifier, [
    ["1.2.0", "==1.2.0"],
    [" 1.2.0 ", "==1.2.0"],
    ["2!1.0.post1", "==2!1.0.post1"],
    ["1.0+local.7", "==1.0+local.7"],
    ["==1.0.*", "==1.0.*"],
    ["~=1.4.2", "~=1.4.2"],
    ["===foobar", "===foobar"],
    ["!=1.5", "!=1.5"],
    ["<2", "<2"],
    [">=1.0, <2", ">=1.0,<2"],
    ["  >=  1.0 ,  < 2 ", ">=1.0,<2"],
    ["==1.0\n", "==1.0"],
    // Not a specifier: no operator, a name, an empty part, something after it.
    ["", undefined],
    ["latest", undefined],
    ["v1.0", undefined],
    ["1.0,2.0", undefined],
    ["==1.0,", undefined],
    [">=1.0,,<2", undefined],
    ["> = 1", undefined],
    ["=1.0", undefined],
    ["==", undefined],
    ["==1.0\n>=2", undefined],
    // Environment markers, URLs and options must not ride along into pyproject.toml.
    ["==1.0; os_name == 'nt'", undefined],
    ["==1.0 --index-url https://evil.example.com", undefined],
    ["@ https://evil.example.com/x.whl", undefined],
    ['==1.0 "', undefined],
    ["-e .", undefined],
  ]);
});
