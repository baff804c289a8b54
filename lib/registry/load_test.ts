import assert from "node:assert/strict";
import { HpmInputError } from "../core/errors.ts";
import { localRegistryFolder } from "./load.ts";

Deno.test("localRegistryFolder: the first folder among the registries, from the project's root", () => {
  const registries = {
    locations: ["https://reg.example/", "team-registry", "other"],
    file: "/p/hpm.yaml",
  };
  assert.equal(localRegistryFolder("/p", registries, "index", "hint"), "/p/team-registry");
});

Deno.test("localRegistryFolder: every registry remote is a usage error naming the file that lists them", () => {
  const registries = {
    locations: ["https://reg.example/", "https://example.com/reg.git#main"],
    file: "/p/hpm.local.yaml",
  };
  assert.throws(
    () => localRegistryFolder("/p", registries, "add to", "list a local folder first"),
    (e: unknown) =>
      e instanceof HpmInputError && e.code === "usage" &&
      e.message ===
        "every registry in hpm.local.yaml is remote: there is no local folder to add to" &&
      e.hint === "list a local folder first" && e.file === "/p/hpm.local.yaml",
  );
});
