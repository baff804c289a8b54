// deno-lint-ignore-file no-console
/**
 * `deno task test`: runs the whole suite with `deno test` and ends with the
 * plain summary line CI reads ("N passed, N failed").
 *
 * @module
 */

// HPM's per-user folders go to folders of this run, not to the user's own:
// the state (fingerprints, journals, locks, notices of the projects the tests
// sync) and the cache (the registries and releases a test fetches without a
// cache of its own).
const state = await Deno.makeTempDir({ prefix: "hpm-test-state-" });
const cache = await Deno.makeTempDir({ prefix: "hpm-test-cache-" });
const child = new Deno.Command(Deno.execPath(), {
  // --doc also runs every `@example` in the library's JSDoc.
  args: ["test", "-A", "--parallel", "--doc", "mod.ts", "cli.ts", "lib/", "tests/", ...Deno.args],
  stdout: "piped",
  stderr: "inherit",
  env: { UV_PYTHON_DOWNLOADS: "never", HPM_STATE_DIR: state, HPM_CACHE_DIR: cache },
}).spawn();

let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4096);
}
const { code } = await child.status;
await Deno.remove(state, { recursive: true });
await Deno.remove(cache, { recursive: true });
// deno prints e.g. "ok | 12 passed (30 steps) | 1 failed"; strip colours first.
// deno-lint-ignore no-control-regex
const plain = tail.replace(/\x1b\[[0-9;]*m/g, "");
const summary = [...plain.matchAll(/(\d+) passed.*?\| (\d+) failed/g)].at(-1);
const passed = summary ? Number(summary[1]) : 0;
const failed = summary ? Number(summary[2]) : (code === 0 ? 0 : 1);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(code);
