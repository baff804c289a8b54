// deno-lint-ignore-file no-console
/**
 * `deno task example`: the seed's scenario, end to end, with real git and uv.
 *
 * In a temporary folder it turns examples/plugins/* into git repositories
 * tagged v1.0.0 (with bare "remotes"), copies examples/rag4code-core, and then
 * runs hpm as a developer would: group add → dev sync (plugins editable from
 * their clones; a live edit shows without re-sync) → prod sync (plugins from
 * the v1.0.0 tag, in site-packages) → check. Each step's claim is verified;
 * the script exits 1 if any is false. Pass `--keep` to keep the folder.
 *
 * @module
 */

import { join } from "node:path";
import { main } from "../cli.ts";
import { makeTempRoot, prepareExample, pythonImport, run, venvPython } from "../tests/_fixtures.ts";

const keep = Deno.args.includes("--keep");
const root = await makeTempRoot();
let failures = 0;

const bold = (s: string) =>
  Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR") ? `\x1b[1m${s}\x1b[0m` : s;
function step(title: string) {
  console.log(`\n${bold(`== ${title}`)}`);
}
function expect(ok: boolean, claim: string) {
  console.log(`${ok ? "✓" : "✗"} ${claim}`);
  if (!ok) failures++;
}
/** The core's own view: `python -m rag4code_core` lists the plugins it discovers and their files. */
async function corePlugins(): Promise<void> {
  console.log("$ python -m rag4code_core");
  const r = await run(venvPython(project), ["-m", "rag4code_core"], { cwd: project });
  console.log((r.stdout + r.stderr).trimEnd());
}
async function hpm(...args: string[]): Promise<number> {
  console.log(`$ hpm ${args.join(" ")}`);
  return await main(["--project", project, ...args]);
}

step("setup: plugin repositories tagged v1.0.0, clones in packages/");
const { project, plugins } = await prepareExample(root);
console.log(`project: ${project}`);
for (const [name, repo] of Object.entries(plugins)) console.log(`${name}: ${repo.bareUrl}`);

try {
  step("1. add the plugins to a group (hpm.yaml keeps its comments)");
  expect(await hpm("group", "add", "vector-db", "--option", "rag4code-qdrant") === 0, "group add");
  expect(await hpm("group", "add", "vector-db", "--option", "rag4code-chroma") === 0, "group add");
  console.log(await Deno.readTextFile(join(project, "hpm.yaml")));

  step("2. dev: plugins installed editable from their local clones");
  expect(await hpm("sync") === 0, "hpm sync exits 0");
  console.log(await Deno.readTextFile(join(project, "pyproject.toml")));
  const clone = join(project, "packages", "rag4code-qdrant");
  await corePlugins();
  let imported = await pythonImport(project, "rag4code_qdrant");
  console.log(`rag4code_qdrant ${imported.value} from ${imported.file}`);
  expect(imported.file.startsWith(clone), "imported from packages/rag4code-qdrant (the clone)");

  const init = join(clone, "src", "rag4code_qdrant", "__init__.py");
  const original = await Deno.readTextFile(init);
  await Deno.writeTextFile(
    init,
    original.replace(/VERSION = "[^"]*"/, 'VERSION = "1.0.0+live-edit"'),
  );
  imported = await pythonImport(project, "rag4code_qdrant");
  console.log(`after editing the clone, without re-sync: VERSION = ${imported.value}`);
  expect(imported.value === "1.0.0+live-edit", "a live edit of the clone is visible at once");

  step("3. what prod would change");
  expect(await hpm("diff", "--mode", "prod") === 0, "hpm diff");

  step("4. prod: plugins from the v1.0.0 tag, into site-packages");
  expect(await hpm("sync", "--mode", "prod") === 0, "hpm sync --mode prod exits 0");
  await corePlugins();
  imported = await pythonImport(project, "rag4code_qdrant");
  console.log(`rag4code_qdrant ${imported.value} from ${imported.file}`);
  expect(imported.file.includes("site-packages"), "imported from site-packages");
  expect(imported.value === "1.0.0", "the tagged code, not the edited clone");
  const pyproject = await Deno.readTextFile(join(project, "pyproject.toml"));
  expect(!pyproject.includes("packages/rag4code"), "pyproject.toml has no local path");
  const lock = await Deno.readTextFile(join(project, "uv.lock"));
  expect(
    /rag4code-qdrant\.git\?rev=v1\.0\.0#[0-9a-f]{40}/.test(lock),
    "uv.lock pins the tag's commit",
  );

  step("5. check: in sync for prod, drift reported for dev");
  expect(await hpm("check", "--mode", "prod") === 0, "hpm check --mode prod exits 0");
  expect(await hpm("check", "--mode", "dev") === 1, "hpm check --mode dev exits 1 (drift)");
} finally {
  if (keep) console.log(`\nkept: ${root}`);
  else await Deno.remove(root, { recursive: true });
}

console.log(failures ? `\n${failures} claim(s) failed` : "\nall claims hold");
Deno.exit(failures ? 1 : 0);
