// The least a Deno program that runs `uv sync` under a project lock can cost,
// beside which HPM's no-op is measured: start Deno, take an OS lock on the
// file named by the first argument, run `uv sync` (its output collected, as
// `hpm -q` does), exit with uv's code. No check of anything.

const lock = await Deno.open(Deno.args[0], { create: true, write: true });
await lock.lock(true);
const { code } = await new Deno.Command("uv", {
  args: ["sync"],
  stdin: "null",
  stdout: "piped",
  stderr: "piped",
}).output();
Deno.exit(code);
