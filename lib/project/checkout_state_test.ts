import assert from "node:assert/strict";
import { type CheckoutState, leftBehindWarning } from "./checkout_state.ts";

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
