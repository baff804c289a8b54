import assert from "node:assert/strict";
import { HpmInputError } from "../core/errors.ts";
import {
  bumpVersion,
  isReleaseVersion,
  projectVersion,
  setProjectVersion,
  versionOfTag,
} from "./release_version.ts";

Deno.test("versions: PEP 440 normal forms, bumps of the release part, v tags", () => {
  for (const v of ["1", "1.2.0", "2.0.0rc1", "1.0.post2", "1.0.0.dev3"]) {
    assert.ok(isReleaseVersion(v), v);
  }
  for (const v of ["v1.0", "1.0-rc1", "1.0.0+local", "", "1..0", "-1"]) {
    assert.ok(!isReleaseVersion(v), v);
  }
  assert.equal(bumpVersion("2.0.0rc1", "patch"), "2.0.1");
  assert.equal(bumpVersion("1.9.9", "minor"), "1.10.0");
  assert.equal(bumpVersion("0.3", "major"), "1.0.0");
  assert.equal(versionOfTag("v1.2.0"), "1.2.0");
  assert.equal(versionOfTag("1.2.0"), undefined);
  assert.equal(versionOfTag("vnext"), undefined);
});

Deno.test("[project] version: static, dynamic, or neither; set in place, else refused", () => {
  assert.deepEqual(projectVersion('[project]\nversion = "1.0"\n', "p"), {
    kind: "static",
    version: "1.0",
  });
  assert.deepEqual(projectVersion('[project]\ndynamic = ["version"]\n', "p"), { kind: "dynamic" });
  assert.throws(() => projectVersion("[project]\nname = 'q'\n", "p"), HpmInputError);
  const crlf =
    '[project]\r\nname = "q"\r\nversion   =   "1.0.0" # keep\r\n[tool.x]\r\nversion = "9"\r\n';
  assert.equal(
    setProjectVersion(crlf, "1.1.0", "p"),
    crlf.replace('"1.0.0"', '"1.1.0"'),
  );
  assert.throws(
    () => setProjectVersion('project.version = "1.0"\n', "1.1", "p"),
    (e: unknown) => e instanceof HpmInputError && e.code === "toml-layout",
  );
});
