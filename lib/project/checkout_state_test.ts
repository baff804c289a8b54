import assert from "node:assert/strict";
import { join } from "node:path";
import { recordingRunner } from "../io/runner.ts";
import { type CheckoutState, leftBehindWarning, leftBehindWarnings } from "./checkout_state.ts";

const clean: CheckoutState = {
  exists: true,
  git: true,
  branch: "main",
  detachedAt: null,
  dirty: false,
  changedPaths: 0,
  ref: "v1.0.0",
  refExists: true,
  commitsAfterRef: 0,
  commitsNotPushed: 0,
  error: null,
};
const plug = { name: "plug", path: "/p/packages/plug", shown: "packages/plug", refs: ["v1.0.0"] };

Deno.test("leftBehindWarning(): one line naming each kind of work left behind; none for a release", () => {
  assert.equal(leftBehindWarning(plug, "prod", clean), undefined);
  assert.equal(
    leftBehindWarning(plug, "prod", { ...clean, dirty: true, changedPaths: 1 }),
    "warning: plug: 1 uncommitted change in packages/plug, which prod will not contain",
  );
  assert.equal(
    leftBehindWarning(plug, "staging", {
      ...clean,
      commitsAfterRef: 1,
      dirty: true,
      changedPaths: 2,
      commitsNotPushed: 1,
    }),
    "warning: plug: 1 commit after v1.0.0, 2 uncommitted changes and 1 commit not pushed in " +
      "packages/plug, which staging will not contain",
  );
  // git could not say (no clone, an error): nothing is claimed.
  assert.equal(leftBehindWarning(plug, "prod", { ...clean, git: false, dirty: null }), undefined);
});

Deno.test("leftBehindWarnings() never rejects: git failing to run is a warning of its own", async () => {
  // It runs beside uv and is awaited after the switch: a rejection would
  // either fail a finished switch or go unhandled.
  const root = await Deno.makeTempDir({ prefix: "hpm-left-behind-" });
  try {
    await Deno.mkdir(join(root, "plug", ".git"), { recursive: true });
    const runner = recordingRunner(() => {
      throw new Deno.errors.PermissionDenied("git: permission denied");
    });
    const checkout = { name: "plug", path: join(root, "plug"), shown: "plug", refs: ["v1.0.0"] };
    assert.deepEqual(await leftBehindWarnings(runner, "prod", [checkout]), [
      "warning: could not ask git about the dev checkouts prod leaves behind: git: permission denied",
    ]);
    assert.equal(runner.calls.length, 1, "git was asked");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
