// The floor of every ratio in docs/benchmarks.md: starting Deno (with this
// project's deno.json) and running nothing.
