import assert from "node:assert/strict";
import { join } from "node:path";
import { readFingerprint, stillHolds, takeFingerprint, writeFingerprint } from "./fingerprint.ts";
import { AFTER, BEFORE, CHANGE, here, inputs, recorded, stored } from "./_testing.ts";
import { tempTree } from "../_testing.ts";

// A project as a sync into dev left it.
const SYNCED = {
  "hpm.yaml": "groups: {}\n",
  "pyproject.toml": AFTER,
  "reg/a.yaml": "name: a\n",
};

Deno.test("a record answers while every input is unchanged: in sync after, a switch before", async () => {
  const { dir, record } = await recorded(SYNCED);
  try {
    const fp = stored(record);
    assert.deepEqual(await stillHolds(fp, here(dir)), {
      mode: "dev",
      origin: "default",
    });
    // Round-trips through JSON, as stored.
    assert.ok(await stillHolds(JSON.parse(JSON.stringify(fp)), here(dir)));

    await Deno.writeTextFile(join(dir, "pyproject.toml"), BEFORE);
    assert.deepEqual(await stillHolds(fp, here(dir)), {
      mode: "dev",
      origin: "default",
      write: AFTER,
      change: CHANGE,
    });
    await Deno.writeTextFile(join(dir, "pyproject.toml"), BEFORE + "# mine\n");
    assert.equal(await stillHolds(fp, here(dir)), undefined, "neither before nor after");
    await Deno.writeTextFile(join(dir, "pyproject.toml"), AFTER);

    await Deno.writeTextFile(join(dir, "hpm.local.yaml"), "mode: dev\n");
    assert.equal(await stillHolds(fp, here(dir)), undefined, "an absent file appeared");
    await Deno.remove(join(dir, "hpm.local.yaml"));
    assert.ok(await stillHolds(fp, here(dir)));

    await Deno.writeTextFile(join(dir, "reg", "b.yaml"), "");
    assert.equal(await stillHolds(fp, here(dir)), undefined, "the registry listing changed");
    await Deno.remove(join(dir, "reg", "b.yaml"));
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {}\n");
    assert.ok(await stillHolds(fp, here(dir)), "the same bytes again");

    assert.equal(await stillHolds(fp, { ...here(dir), hpm: "1.0.1" }), undefined);
    assert.equal(await stillHolds(fp, { ...here(dir), root: `${dir}/x` }), undefined);
    assert.equal(await stillHolds(fp, { ...here(dir), home: "/home/v" }), undefined);
    assert.equal(await stillHolds(fp, { ...here(dir), cacheEnv: "[1]" }), undefined);
    assert.equal(await stillHolds(fp, { ...here(dir), request: { flag: "prod" } }), undefined);
    assert.equal(await stillHolds(fp, { ...here(dir), request: { env: "prod" } }), undefined);
    assert.deepEqual(await stillHolds(fp, { ...here(dir), request: { env: "dev" } }), {
      mode: "dev",
      origin: "RUN_MODE",
    });
    // A record for prod, taken while the files chose dev, answers only --mode prod.
    const prod = { ...record, mode: "prod" };
    assert.equal(await stillHolds(stored(prod), here(dir)), undefined);
    assert.ok(await stillHolds(stored(prod), { ...here(dir), request: { flag: "prod" } }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a large pyproject.toml is recorded too (the largest real one is 136 KB)", async () => {
  const dir = await tempTree("hpm-unit-", { "hpm.yaml": "groups: {}\n", "reg/a.yaml": "" });
  try {
    const big = `${BEFORE}${"# a comment line of a large project file\n".repeat(4000)}`;
    const record = await takeFingerprint({
      ...inputs(dir, Date.now()),
      before: big,
      after: `${big}[tool.hpm]\nmode = "dev"\n`,
    });
    assert.ok(record);
    assert.equal(record.before, big);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stored fingerprint that is not one is never trusted", async () => {
  const { dir, record } = await recorded({
    "hpm.yaml": "",
    "pyproject.toml": AFTER,
    "reg/a.yaml": "",
  });
  try {
    for (
      const bad of [
        undefined,
        null,
        "x",
        [],
        { format: 1, modes: { dev: record } },
        { format: 4, modes: { dev: { ...record, inputs: [{ ...record.inputs[0], path: "x" }] } } },
        { format: 4, modes: { dev: { ...record, inputs: [{ ...record.inputs[0], root: "x" }] } } },
        {
          format: 4,
          modes: {
            dev: { ...record, inputs: [{ ...record.inputs[0], seen: { at: "x", stat: "" } }] },
          },
        },
        {
          format: 4,
          modes: { dev: { ...record, inputs: [{ ...record.inputs[2], sha256: null }] } },
        },
        { format: 4, modes: { dev: { ...record, inputs: 1 } } },
        { format: 4, modes: { dev: { ...record, inputs: "0".repeat(64) } } },
        { format: 4, modes: { dev: { ...record, change: { sources: -1, groups: 0 } } } },
        { format: 4, modes: { dev: { ...record, lock: { before: null } } } },
        { format: 4, modes: { dev: { ...record, lock: { before: 1, after: "0" } } } },
        {
          format: 4,
          modes: {
            dev: { ...record, checkouts: [{ name: "p", path: "p", shown: "p", refs: [] }] },
          },
        },
      ]
    ) {
      assert.equal(await stillHolds(bad, here(dir)), undefined, JSON.stringify(bad));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("records live in the user's state folder, one per line; a check reads only the ones its mode could use", async () => {
  const { dir, record } = await recorded({
    "hpm.yaml": "",
    "pyproject.toml": AFTER,
    "reg/a.yaml": "",
  });
  const env = { HPM_STATE_DIR: join(dir, "user-state") };
  try {
    const prod = { ...record, mode: "prod" };
    await writeFingerprint(dir, "dev", record, env);
    await writeFingerprint(dir, "prod", prod, env);
    const folder = join(dir, "user-state", "fingerprints");
    const names = [...Deno.readDirSync(folder)].map((e) => e.name);
    // Named after the project's real path, outside the project.
    assert.deepEqual(names, [`${encodeURIComponent(Deno.realPathSync(dir))}.jsonl`]);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "hpm.yaml",
      "pyproject.toml",
      "reg",
      "user-state",
    ]);
    const file = join(folder, names[0]);
    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n");
    assert.equal(lines.length, 2);
    const modesOf = (stored: unknown) => Object.keys((stored as { modes: object }).modes).sort();
    assert.deepEqual(modesOf(await readFingerprint(dir, env)), ["dev", "prod"]);
    assert.deepEqual(modesOf(await readFingerprint(dir, env, {})), ["dev"], "the files' mode");
    assert.deepEqual(modesOf(await readFingerprint(dir, env, { flag: "prod" })), ["prod"]);
    assert.deepEqual(modesOf(await readFingerprint(dir, env, { env: "test" })), []);
    // A label only picks lines: relabelled, a record still answers for its own mode.
    const relabelled = lines[1].replace('"mode":"prod"', '"mode":"dev"');
    await Deno.writeTextFile(file, `${lines[0]}\n${relabelled}\n`);
    assert.deepEqual(modesOf(await readFingerprint(dir, env, { flag: "dev" })), ["dev", "prod"]);
    assert.equal(
      (await stillHolds(await readFingerprint(dir, env, { flag: "dev" }), {
        ...here(dir),
        request: { flag: "dev" },
      }))?.mode,
      "dev",
    );
    // A line that is not a record is skipped; the others still read.
    await Deno.writeTextFile(file, `${lines[0].slice(0, -9)}\n${lines[1]}\n`);
    assert.deepEqual(modesOf(await readFingerprint(dir, env)), ["prod"]);
    // Dropping the last record removes the file.
    await writeFingerprint(dir, "prod", undefined, env);
    assert.deepEqual([...Deno.readDirSync(folder)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a record holds until its remote registries' cached copies are due to be asked again; why not is said", async () => {
  const { dir, record } = await recorded(SYNCED);
  try {
    const why: string[] = [];
    const say = (reason: string) => why.push(reason);
    assert.ok(await stillHolds(stored({ ...record, until: Date.now() + 60_000 }), here(dir), say));
    assert.equal(
      await stillHolds(stored({ ...record, until: Date.now() - 1 }), here(dir), say),
      undefined,
    );
    assert.equal(await stillHolds(stored(), here(dir), say), undefined);
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {x: {options: [a]}}\n");
    assert.equal(await stillHolds(stored(record), here(dir), say), undefined);
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {}\n");
    await Deno.writeTextFile(join(dir, "pyproject.toml"), "# mine\n");
    assert.equal(await stillHolds(stored(record), here(dir), say), undefined);
    assert.equal(await stillHolds(stored(record), { ...here(dir), hpm: "9" }, say), undefined);
    assert.deepEqual(why, [
      "a remote registry's cached copy is due to be asked again since the last sync into dev",
      "no record of a sync into this mode",
      "hpm.yaml changed since the last sync into dev",
      "pyproject.toml is neither as the last sync into dev found it nor as it left it",
      "no record of a sync into dev by this hpm, here, for this home and cache",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
