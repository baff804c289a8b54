import assert from "node:assert/strict";
import { join } from "node:path";
import {
  lockNow,
  type ModeRecord,
  readFingerprint,
  readLockCopy,
  rememberLock,
  stillHolds,
  takeFingerprint,
  writeFingerprint,
} from "./fingerprint.ts";
import { PlanInputs } from "./plan_inputs.ts";
import { tempTree } from "../_testing.ts";

const BEFORE = '[project]\nname = "core"\n';
const AFTER = '[project]\nname = "core"\n\n[tool.hpm]\nmode = "dev"\n';
const CHANGE = { modeAfter: "dev", sources: 1, groups: 1 };

// What planning saw: the files (read as planning reads them, confined to the
// project) and the registry folder's listing.
function planned(dir: string, files = ["hpm.yaml", "hpm.local.yaml"]): PlanInputs {
  const seen = new PlanInputs();
  for (const file of files) seen.read(join(dir, file), { root: dir }, 1024);
  seen.list(join(dir, "reg"), { root: dir });
  return seen;
}

const inputs = (dir: string, startedAt: number, seen = planned(dir)) => ({
  hpm: "1.0.0",
  root: dir,
  mode: "dev",
  fileMode: { mode: "dev", origin: "default" },
  home: "/home/u",
  cacheEnv: "[]",
  files: seen.files,
  folders: seen.folders,
  before: BEFORE,
  after: AFTER,
  change: CHANGE,
  startedAt,
});

const here = (dir: string) => ({
  root: dir,
  hpm: "1.0.0",
  request: {},
  home: "/home/u",
  cacheEnv: "[]",
});
const stored = (...records: ModeRecord[]) => ({
  format: 4,
  modes: Object.fromEntries(records.map((r) => [r.mode, r])),
});

// Recorded as a sync right after the files were written: their stats do not
// vouch (times inside the run's second), so content decides every check.
async function recorded(files: Record<string, string>) {
  const dir = await tempTree("hpm-unit-", files);
  const startedAt = Date.now();
  const record = await takeFingerprint(inputs(dir, startedAt));
  assert.ok(record, "a sync that succeeds always leaves its record");
  assert.ok(record.inputs.every((i) => i.seen === null));
  return { dir, record };
}

Deno.test("a record answers while every input is unchanged: in sync after, a switch before", async () => {
  const { dir, record } = await recorded({
    "hpm.yaml": "groups: {}\n",
    "pyproject.toml": AFTER,
    "reg/a.yaml": "name: a\n",
  });
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

Deno.test("an absent input is seen appearing, in a folder listed or in one that was missing", async () => {
  const dir = await tempTree("hpm-unit-", {
    "hpm.yaml": "groups: {}\n",
    "pyproject.toml": AFTER,
    "reg/a.yaml": "",
    "git/refs/tags/v2": "2\n",
  });
  try {
    // Change times come in whole seconds: only those of an earlier second
    // than the sync vouch for what they stat.
    await new Promise((r) => setTimeout(r, 1050 - Date.now() % 1000));
    // Ref files as a prod record reads them: one there, the others absent,
    // one of them in a folder that does not exist.
    const names = [
      "git/refs/tags/v1",
      "git/refs/tags/v2",
      "git/refs/v1",
      "git/refs/remotes/v1/HEAD",
    ];
    const refs = names.map((f) => join(dir, f));
    const record = await takeFingerprint(inputs(dir, Date.now(), planned(dir, names)));
    assert.ok(record);
    assert.deepEqual(
      record.inputs.filter((i) => i.sha256 === null).map((i) => i.path),
      [refs[0], refs[2], refs[3]],
    );
    // An absent file is vouched for by the nearest folder above it that exists.
    assert.deepEqual(record.inputs.slice(0, 4).map((i) => i.seen?.at), [
      join(dir, "git", "refs", "tags"),
      refs[1],
      join(dir, "git", "refs"),
      join(dir, "git", "refs"),
    ]);
    const fp = stored(record);
    assert.ok(await stillHolds(fp, here(dir)));
    for (const [i, file] of [0, 2, 3].map((i) => [i, refs[i]] as const)) {
      await Deno.mkdir(join(file, ".."), { recursive: true });
      await Deno.writeTextFile(file, "1\n");
      assert.equal(await stillHolds(fp, here(dir)), undefined, `ref ${i} appeared`);
      await Deno.remove(file);
      assert.ok(await stillHolds(fp, here(dir)), `ref ${i} gone again`);
    }
    // Another name's case: a different file on this file system.
    await Deno.writeTextFile(join(dir, "git", "refs", "tags", "V1"), "1\n");
    assert.ok(await stillHolds(fp, here(dir)));
    // Rewritten in place, same size, its modification time put back: the
    // change time still moves.
    const { mtime } = await Deno.stat(refs[1]);
    await Deno.writeTextFile(refs[1], "3\n");
    await Deno.utime(refs[1], mtime!, mtime!);
    assert.equal(await stillHolds(fp, here(dir)), undefined, "ref 1 rewritten");
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

// A project's files in a new temporary folder, removed afterwards.
async function inTree(files: Record<string, string>, fn: (dir: string) => Promise<void>) {
  const dir = await tempTree("hpm-unit-", files);
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const PROJECT = { "hpm.yaml": "groups: {}\n", "pyproject.toml": AFTER, "reg/a.yaml": "" };

Deno.test("an input changed after planning read it: the record holds what was read, and does not answer", () =>
  inTree(PROJECT, async (dir) => {
    // Settled long before the sync: its stat would vouch, had it not changed.
    await new Promise((r) => setTimeout(r, 1050 - Date.now() % 1000));
    const startedAt = Date.now();
    const seen = planned(dir);
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {x: {options: []}}\n");
    const record = await takeFingerprint(inputs(dir, startedAt, seen));
    assert.ok(record);
    const yaml = record.inputs.find((i) => i.path.endsWith("hpm.yaml"))!;
    assert.equal(yaml.seen, null, "a stat taken after a change in the run does not vouch");
    assert.equal(await stillHolds(stored(record), here(dir)), undefined);
    // The bytes planning read, back again: content decides.
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {}\n");
    assert.ok(await stillHolds(stored(record), here(dir)));
  }));

Deno.test("files written within the sync's first milliseconds, or dated in the future, are recorded", () =>
  inTree(PROJECT, async (dir) => {
    const future = new Date(Date.now() + 3_600_000);
    await Deno.utime(join(dir, "hpm.yaml"), future, future);
    const record = await takeFingerprint(inputs(dir, Date.now()));
    assert.ok(record);
    assert.ok(await stillHolds(stored(record), here(dir)));
    await Deno.writeTextFile(join(dir, "hpm.yaml"), "groups: {y: {options: []}}\n");
    assert.equal(await stillHolds(stored(record), here(dir)), undefined);
  }));

Deno.test("a linked input is read back inside the root planning confined it to", async () => {
  const dir = await tempTree("hpm-unit-", {
    "hpm.yaml": "groups: {}\n",
    "pyproject.toml": AFTER,
    "reg/entries/a.yaml": "name: a\n",
  });
  try {
    await Deno.symlink("entries/a.yaml", join(dir, "reg", "a.yaml"));
    const seen = new PlanInputs();
    seen.read(join(dir, "reg", "a.yaml"), { root: join(dir, "reg") }, 1024);
    const record = await takeFingerprint(inputs(dir, Date.now(), seen));
    assert.ok(record);
    assert.ok(await stillHolds(stored(record), here(dir)));
    await Deno.writeTextFile(join(dir, "reg", "entries", "a.yaml"), "name: a\n# 2.0\n");
    assert.equal(
      await stillHolds(stored(record), here(dir)),
      undefined,
      "the link's target changed",
    );
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

Deno.test("a mode's uv.lock is kept beside its record, and given back only while its hash matches", async () => {
  const { dir, record } = await recorded({
    "hpm.yaml": "",
    "pyproject.toml": BEFORE,
    "reg/a.yaml": "",
    "uv.lock": "version = 1\n# prod\n",
  });
  const env = { HPM_STATE_DIR: join(dir, "user-state") };
  try {
    const now = await lockNow(dir, null);
    assert.ok(now);
    assert.deepEqual(now.lock.before, null);
    await writeFingerprint(dir, "dev", { ...record, lock: now.lock }, env, now.bytes);
    const folder = join(dir, "user-state", "fingerprints");
    const copy = join(folder, `${encodeURIComponent(Deno.realPathSync(dir))}.dev.uv.lock`);
    assert.equal(await Deno.readTextFile(copy), "version = 1\n# prod\n");
    assert.deepEqual(await readLockCopy(dir, "dev", now.lock, env), now.bytes);

    // The switch carries the memory; a switch from a uv.lock that differs refreshes it.
    const answer = await stillHolds(await readFingerprint(dir, env), here(dir));
    assert.deepEqual(answer?.lock, now.lock);
    await Deno.writeTextFile(join(dir, "uv.lock"), "version = 1\n# relocked\n");
    const later = (await lockNow(dir, "0".repeat(64)))!;
    await rememberLock(dir, "dev", later, env, now.lock);
    const stored = (await readFingerprint(dir, env)) as { modes: Record<string, ModeRecord> };
    assert.deepEqual(stored.modes.dev.lock, later.lock);
    assert.equal(await Deno.readTextFile(copy), "version = 1\n# relocked\n");
    assert.equal(await readLockCopy(dir, "dev", now.lock, env), undefined, "the old hash");

    // A copy whose bytes are not the recorded ones is not given back.
    await Deno.writeTextFile(copy, "version = 1\n# tampered\n");
    assert.equal(await readLockCopy(dir, "dev", later.lock, env), undefined);
    // A copy that is a link is not followed.
    await Deno.remove(copy);
    await Deno.symlink(join(dir, "uv.lock"), copy);
    assert.equal(await readLockCopy(dir, "dev", later.lock, env), undefined);
    await Deno.remove(copy);
    await Deno.writeTextFile(copy, "version = 1\n# relocked\n");

    // A uv.lock the door refuses (here a link out of the project) is not kept.
    const outside = await Deno.makeTempFile();
    await Deno.remove(join(dir, "uv.lock"));
    await Deno.symlink(outside, join(dir, "uv.lock"));
    assert.equal(await lockNow(dir, null), undefined);
    await Deno.remove(outside);

    // A record without the memory (a sync that did not lock) takes the copy away.
    await writeFingerprint(dir, "dev", record, env);
    assert.deepEqual([...Deno.readDirSync(folder)].map((e) => e.name), [
      `${encodeURIComponent(Deno.realPathSync(dir))}.jsonl`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
