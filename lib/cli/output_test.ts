import assert from "node:assert/strict";
import { InterruptedError } from "../core/errors.ts";
import { renderError } from "./output.ts";

const io = { out: () => {}, err: () => {}, color: false };

Deno.test("renderError: an interruption is said once, in the house's `error:` form", () => {
  assert.equal(
    renderError(new InterruptedError("SIGINT"), io),
    "error: interrupted by SIGINT; changes rolled back",
  );
  assert.equal(
    renderError(new InterruptedError("SIGTERM", false), io),
    "error: interrupted by SIGTERM; hpm had changed nothing (uv was stopped)",
  );
});
