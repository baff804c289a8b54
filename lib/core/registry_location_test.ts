import assert from "node:assert/strict";
import { HpmInputError } from "./errors.ts";
import { parseRegistryLocation } from "./registry_location.ts";

Deno.test("parseRegistryLocation(): anything without a scheme is a folder, as written", () => {
  for (
    const path of [
      "./hpm-registry",
      "../shared/registry",
      "/srv/registry",
      "~/registry",
      "C:\\registry",
      "C:/registry",
      "reg#v1",
      "registry.git",
    ]
  ) {
    assert.deepEqual(parseRegistryLocation(path), { kind: "local", path }, path);
  }
});

Deno.test("parseRegistryLocation(): a `.git` URL or `git+URL` is a git registry, with an optional #ref", () => {
  assert.deepEqual(parseRegistryLocation("https://example.com/reg.git"), {
    kind: "git",
    url: "https://example.com/reg.git",
  });
  assert.deepEqual(parseRegistryLocation("git+https://example.com/reg#release/3"), {
    kind: "git",
    url: "https://example.com/reg",
    ref: "release/3",
  });
  assert.deepEqual(parseRegistryLocation("ssh://git@example.com/reg.git#v3"), {
    kind: "git",
    url: "ssh://git@example.com/reg.git",
    ref: "v3",
  });
  assert.deepEqual(parseRegistryLocation("file:///srv/reg.git"), {
    kind: "git",
    url: "file:///srv/reg.git",
  });
});

Deno.test("parseRegistryLocation(): an https base URL is an http registry, its trailing `/` dropped", () => {
  assert.deepEqual(parseRegistryLocation("https://reg.example.com/hpm/"), {
    kind: "http",
    url: "https://reg.example.com/hpm",
  });
  for (const host of ["127.0.0.1:8080", "localhost", "[::1]:9000"]) {
    assert.deepEqual(parseRegistryLocation(`http://${host}/reg//`), {
      kind: "http",
      url: `http://${host}/reg`,
    }, "plain http only on this machine");
  }
});

Deno.test("parseRegistryLocation(): unsafe URLs and refs are refused with what a registry may be", () => {
  const refused: [string, RegExp][] = [
    ["git+ext::sh -c touch% /tmp/pwned", /git URLs must use https:\/\//],
    ["git+fd::3", /git URLs must use/],
    ["ssh://-oProxyCommand=touch%20x@example.com/reg.git", /git URLs must use/],
    ["http://example.com/reg.git", /git URLs must use/],
    ["https://example.com/reg.git#--upload-pack=x", /`--upload-pack=x` is not a valid git ref/],
    ["https://example.com/reg.git#a..b", /`a..b` is not a valid git ref/],
    ["https://example.com/reg.git#", /`` is not a valid git ref/],
    ["https://example.com/hpm#v3", /only git registries take a #ref/],
    [
      "http://example.com/hpm",
      /remote registries must use https:\/\/ \(http:\/\/ only on localhost\)/,
    ],
    ["http://127.0.0.1.example.com/hpm", /must use https/],
    ["ftp://example.com/hpm", /must use https/],
    ["https://exa mple.com/hpm", /not a URL/],
  ];
  for (const [location, message] of refused) {
    assert.throws(() => parseRegistryLocation(location), (e) => {
      assert.ok(e instanceof HpmInputError, location);
      assert.equal(e.code, "schema");
      assert.ok(e.message.startsWith(`registry \`${location}\`: `), e.message);
      assert.match(e.message, message);
      assert.match(e.hint!, /a folder, a git URL/);
      return true;
    }, location);
  }
});
