import assert from "node:assert/strict";
import { comparePep440, isPreRelease, newerRelease, parsePep440 } from "./pep440.ts";

const v = (s: string) => {
  const parsed = parsePep440(s);
  assert.ok(parsed, s);
  return parsed;
};

Deno.test("parsePep440(): PEP 440's spellings, normalised; a tag's `v`; anything else refused", () => {
  assert.deepEqual(v("v1.2.0"), { text: "v1.2.0", epoch: "0", release: ["1", "2", "0"] });
  assert.deepEqual(v("1!2.0"), { text: "1!2.0", epoch: "1", release: ["2", "0"] });
  assert.deepEqual(v("1.0-ALPHA.2").pre, { kind: "a", n: "2" });
  assert.deepEqual(v("1.0c1").pre, { kind: "rc", n: "1" });
  assert.deepEqual(v("1.0preview").pre, { kind: "rc", n: "0" });
  assert.equal(v("1.0-3").post, "3");
  assert.equal(v("1.0.post").post, "0");
  assert.equal(v("1.0rev2").post, "2");
  assert.equal(v("1.0.dev").dev, "0");
  assert.equal(v("1.0.dev007").dev, "7");
  assert.deepEqual(v("1.0+Ubuntu-1").local, ["ubuntu", "1"]);
  assert.deepEqual(v("01.002").release, ["1", "2"]);
  for (const bad of ["", "latest", "release-1.0", "1.0.0-beta+", "1..0", "main", "vv1", "1.0 x"]) {
    assert.equal(parsePep440(bad), undefined, bad);
  }
});

Deno.test("comparePep440(): PEP 440's order, its own example sequence included", () => {
  // The order PEP 440's "Summary of permitted suffixes and relative ordering" gives.
  const ordered = [
    "1.dev0",
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
    "1.9.0",
    "1.10.0",
    "99999999999999999999.0",
    "1!0.1",
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const c = Math.sign(comparePep440(v(ordered[i]), v(ordered[j])));
      assert.equal(c, Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
    }
  }
  assert.equal(comparePep440(v("v1.0"), v("1.0.0")), 0, "trailing zeros and a `v` do not count");
});

Deno.test("isPreRelease(): a, b, rc and dev releases", () => {
  assert.ok(isPreRelease(v("1.0rc1")));
  assert.ok(isPreRelease(v("1.0.dev1")));
  assert.ok(!isPreRelease(v("1.0.post1")));
  assert.ok(!isPreRelease(v("1.0")));
});

Deno.test("newerRelease(): the newest newer tag; pre-releases only after a pre-release", () => {
  const tags = ["v1.0.0", "v1.2.0", "v1.10.0", "v2.0.0rc1", "nightly", "1.9.0"];
  assert.equal(newerRelease("v1.0.0", tags), "v1.10.0");
  assert.equal(newerRelease("1.0.0", tags), "v1.10.0", "with or without `v`");
  assert.equal(newerRelease("v1.10.0", tags), undefined);
  assert.equal(newerRelease("v2.0.0a1", tags), "v2.0.0rc1");
  assert.equal(newerRelease("main", tags), undefined, "a branch is no version");
  assert.equal(newerRelease("v1.0.0", []), undefined);
});
