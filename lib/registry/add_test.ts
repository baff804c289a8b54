import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HpmInputError } from "../core/errors.ts";
import { gitAt, tempTree } from "../_testing.ts";
import { registryAdd } from "./add.ts";
import { registryIndex } from "./index_file.ts";

// A core whose registries are a local folder, then a git registry (a bare
// repository on disk) that has `team-plug`; and the cache the test gives hpm.
async function coreWithTeamRegistry(): Promise<
  { root: string; core: string; url: string; cache: string }
> {
  const root = await tempTree("hpm-registry-add-unit-", {
    "team/packages/team-plug.yaml":
      "name: team-plug\nsources:\n  prod: {type: pypi, version: 1.0.0}\n",
    "core/pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
    "core/reg/packages/.keep": "",
  });
  const git = gitAt(join(root, "team"));
  await git("init", "--quiet", "-b", "main");
  await git("add", "-A");
  await git("commit", "--quiet", "-m", "registry");
  const bare = join(root, "team.git");
  await git("clone", "--quiet", "--bare", join(root, "team"), bare);
  const url = pathToFileURL(bare).href;
  const core = join(root, "core");
  await Deno.writeTextFile(join(core, "hpm.yaml"), `registry: [./reg, "${url}"]\n`);
  return { root, core, url, cache: join(root, "cache") };
}

Deno.test("registryAdd(): a name only a remote registry has is refused naming the remote, with the steps to change it in a clone", async () => {
  const { root, core, url, cache } = await coreWithTeamRegistry();
  try {
    const env = { HPM_CACHE_DIR: cache, HPM_OFFLINE: undefined };
    await assert.rejects(
      registryAdd({ name: "team-plug", pypi: "2.0.0" }, { root: core, env }),
      (e) => {
        assert.ok(e instanceof HpmInputError);
        assert.equal(e.message, `\`team-plug\` is already in the remote registry ${url}`);
        assert.doesNotMatch(`${e.message}\n${e.hint}`, /cache/, "never a cached copy");
        assert.match(e.hint!, new RegExp(`git clone ${url} \\.\\./team `));
        assert.match(e.hint!, /hpm pin team-plug --registry \.\.\/team/);
        return true;
      },
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("registryAdd() and registryIndex() load the project with the context given: its environment, its log", async () => {
  const { root, core, url, cache } = await coreWithTeamRegistry();
  try {
    const said: string[] = [];
    const context = {
      root: core,
      env: { HPM_CACHE_DIR: cache, HPM_STATE_DIR: join(root, "state"), HPM_OFFLINE: "1" },
      log: (m: string) => said.push(m),
    };
    // Offline with nothing in the given cache: the remote registry cannot be read, and that is said.
    await assert.rejects(registryAdd({ name: "new-plug", pypi: "1.0.0" }, context), /offline/i);
    await assert.rejects(registryIndex(context), /offline/i);
    const online = { ...context, env: { ...context.env, HPM_OFFLINE: undefined } };
    await registryAdd({ name: "new-plug", pypi: "1.0.0" }, online);
    assert.ok(
      Deno.statSync(join(cache, "registries")).isDirectory,
      "the registry fetched into the cache given",
    );
    assert.ok(
      Deno.statSync(join(root, "state")).isDirectory,
      "the project locked in the state given",
    );
    assert.deepEqual(said, []);
    // Offline again, the copy the given cache now holds is used, and the notice reaches the log.
    const { names } = await registryIndex(context);
    assert.deepEqual(names, ["new-plug"]);
    assert.deepEqual(said, [`registry ${url}: offline (HPM_OFFLINE=1), using the cached copy`]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
