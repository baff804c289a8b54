/**
 * applyPlan() against every real pyproject.toml in the shared corpus: HPM's
 * entries go in, nothing else changes, and the empty plan gives the original
 * bytes back. Also a seeded random walk over plans per file.
 */

import assert from "node:assert/strict";
import { diffArrays } from "diff";
import { parse } from "smol-toml";
import { HpmInputError } from "../lib/core/errors.ts";
import { normalizeName } from "../lib/core/names.ts";
import type { Plan, PlannedSource } from "../lib/core/plan.ts";
import { applyPlan, emptyPlan } from "../lib/edit/pyproject.ts";
import { readManaged } from "../lib/edit/pyproject_record.ts";
import { CORPUS, corpusFiles } from "../lib/edit/_testing.ts";

const INVALID = new URL("invalid/", CORPUS);

type Table = Record<string, unknown>;

const INDEX = { name: "hpm-localhost", url: "http://127.0.0.1:8765/simple" };

const devPlan: Plan = {
  mode: "dev",
  groups: [{ name: "hpm-plugins", requirements: ["rag4code-qdrant", "rag4code-chroma"] }],
  sources: [
    {
      name: "rag4code-chroma",
      table: [["git", "file:///srv/git/rag4code-chroma.git"], ["tag", "v1.0.0"]],
    },
    { name: "rag4code-qdrant", table: [["path", "packages/rag4code-qdrant"], ["editable", true]] },
  ],
  indexes: [INDEX],
};

const prodPlan: Plan = {
  mode: "prod",
  groups: [{ name: "hpm-plugins", requirements: ["rag4code-qdrant==1.2.0", "rag4code-chroma"] }],
  sources: [
    {
      name: "rag4code-chroma",
      table: [["git", "file:///srv/git/rag4code-chroma.git"], ["tag", "v1.1.0"]],
    },
    { name: "rag4code-qdrant", table: [["index", INDEX.name]] },
  ],
  indexes: [INDEX],
};

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

function tableAt(root: Table, path: string[]): Table | undefined {
  let value: unknown = root;
  for (const key of path) value = isTable(value) ? value[key] : undefined;
  return isTable(value) ? value : undefined;
}

function deleteNamed(table: Table | undefined, names: readonly string[]): void {
  if (!table) return;
  const wanted = new Set(names.map(normalizeName));
  for (const key of Object.keys(table)) if (wanted.has(normalizeName(key))) delete table[key];
}

/**
 * The parsed document minus everything [tool.hpm] says HPM owns, and minus
 * the tables that only held HPM's entries.
 */
function withoutHpm(text: string): Table {
  const doc = parse(text) as Table;
  const record = readManaged(text);
  if (!record) return doc;
  const prunable: string[][] = [
    ["tool", "uv", "sources"],
    ["tool", "uv"],
    ["tool"],
    ["dependency-groups"],
  ];
  const hadEntries = prunable.map((path) => Object.keys(tableAt(doc, path) ?? {}).length > 0);
  deleteNamed(tableAt(doc, ["dependency-groups"]), record.groups);
  deleteNamed(tableAt(doc, ["tool", "uv", "sources"]), record.sources);
  const uv = tableAt(doc, ["tool", "uv"]);
  if (uv && Array.isArray(uv.index)) {
    uv.index = uv.index.filter((i) => !record.indexes.includes((i as Table).name as string));
    if ((uv.index as unknown[]).length === 0) delete uv.index;
  }
  if (uv && record.created.includes("tool.uv.default-groups")) delete uv["default-groups"];
  else if (uv && Array.isArray(uv["default-groups"])) {
    const groups = [...uv["default-groups"]] as string[];
    for (const name of record.defaultGroups) {
      groups.splice(groups.findLastIndex((g) => normalizeName(g) === normalizeName(name)), 1);
    }
    uv["default-groups"] = groups;
  }
  delete tableAt(doc, ["tool"])?.hpm;
  prunable.forEach((path, i) => {
    const parent = path.length === 1 ? doc : tableAt(doc, path.slice(0, -1));
    const table = tableAt(doc, path);
    if (parent && table && hadEntries[i] && Object.keys(table).length === 0) {
      delete parent[path.at(-1)!];
    }
  });
  return doc;
}

function splitLines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/**
 * The result has every original line, in order; the only line that may change
 * is a one-line `default-groups = [...]`, and only by growing inside its `]`.
 */
function assertOnlyAdditions(original: string, result: string, file: string): void {
  const changes = diffArrays(splitLines(original), splitLines(result));
  changes.forEach((change, i) => {
    if (!change.removed) return;
    assert.equal(change.count, 1, `${file}: only one line may change`);
    const [removed] = change.value;
    assert.match(removed, /^\s*default-groups\s*=/, `${file}: removed a line: ${removed}`);
    const replacement = changes[i + 1];
    assert.ok(replacement?.added, `${file}: default-groups was changed, not replaced`);
    const head = removed.slice(0, removed.lastIndexOf("]"));
    assert.ok(replacement.value[0].startsWith(head), `${file}: default-groups kept its elements`);
  });
}

Deno.test("applyPlan() edits every corpus file surgically", async (t) => {
  const files = corpusFiles();
  assert.ok(files.length >= 30, "the corpus is there");
  for (const file of files) {
    await t.step(file, () => {
      const original = Deno.readTextFileSync(new URL(file, CORPUS));
      const parsedOriginal = parse(original);

      const dev = applyPlan(original, devPlan, file);
      assert.ok(dev.changed);
      parse(dev.text);
      assert.deepEqual(withoutHpm(dev.text), parsedOriginal, "(b) the user's content is unchanged");
      assertOnlyAdditions(original, dev.text, file);

      const again = applyPlan(dev.text, devPlan, file);
      assert.equal(again.changed, false, "(d) applying again changes nothing");
      assert.ok(again.text === dev.text);

      const prod = applyPlan(dev.text, prodPlan, file).text;
      assert.deepEqual(withoutHpm(prod), parsedOriginal, "(b) also in prod");
      assert.equal(applyPlan(prod, devPlan, file).text, dev.text, "(e) prod and back gives dev");
      assert.equal(applyPlan(original, prodPlan, file).text, prod, "prod directly gives the same");

      assert.equal(applyPlan(dev.text, emptyPlan("dev"), file).text, original, "(f) restores");
      assert.equal(applyPlan(prod, emptyPlan("prod"), file).text, original, "(f) from prod");
    });
  }
});

Deno.test("applyPlan() rejects the invalid corpus file at line 12", () => {
  const names = corpusFiles(INVALID);
  assert.equal(names.length, 1);
  const text = Deno.readTextFileSync(new URL(names[0], INVALID));
  assert.throws(() => applyPlan(text, devPlan, names[0]), (e) => {
    assert.ok(e instanceof HpmInputError);
    assert.equal(e.code, "toml-syntax");
    assert.equal(e.file, names[0]);
    assert.equal(e.line, 12);
    assert.equal(e.column, 1);
    return true;
  });
});

/** mulberry32: a small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PACKAGES = ["rag4code-chroma", "rag4code-openai", "rag4code-qdrant"];
const GROUPS = ["hpm-vector-db", "hpm-llm", "hpm-extras"];

function randomPlan(random: () => number): Plan {
  const pick = <T>(items: readonly T[]) => items.filter(() => random() < 0.5);
  const mode = random() < 0.5 ? "dev" : "prod";
  const names = pick(GROUPS).sort(() => random() - 0.5);
  const used = new Set<string>();
  const groups = names.map((name) => {
    const packages = pick(PACKAGES);
    if (packages.length === 0) packages.push(PACKAGES[Math.floor(random() * PACKAGES.length)]);
    packages.forEach((p) => used.add(p));
    const pin = mode === "prod" && random() < 0.5 ? "==1.0.0" : "";
    return { name, requirements: packages.map((p) => p + pin) };
  });
  const sources: PlannedSource[] = [];
  for (const name of [...used].sort()) {
    const roll = random();
    if (mode === "dev") {
      sources.push({ name, table: [["path", `packages/${name}`], ["editable", true]] });
    } else if (roll < 0.4) {
      sources.push({
        name,
        table: [["git", `https://git.example/${name}.git`], ["tag", "v1.0.0"]],
      });
    } else if (roll < 0.7) sources.push({ name, table: [["index", `hpm-${name}`]] });
  }
  // One index a package, so several [[tool.uv.index]] blocks come and go.
  const indexes = sources
    .filter((s) => s.table[0][0] === "index")
    .map((s) => ({ name: `hpm-${s.name}`, url: `https://pypi.example/${s.name}/simple` }));
  return { mode, groups, sources, indexes };
}

Deno.test("applyPlan() survives random plan sequences on every corpus file", async (t) => {
  const files = corpusFiles();
  for (const [fileIndex, file] of files.entries()) {
    await t.step(file, () => {
      const original = Deno.readTextFileSync(new URL(file, CORPUS));
      const parsedOriginal = parse(original);
      for (let sequence = 0; sequence < 20; sequence++) {
        const seed = fileIndex * 1000 + sequence;
        const random = prng(seed);
        let text = original;
        const steps = 1 + Math.floor(random() * 5);
        for (let step = 0; step < steps; step++) {
          const p = randomPlan(random);
          text = applyPlan(text, p, file).text;
          assert.deepEqual(withoutHpm(text), parsedOriginal, `${file} seed ${seed} step ${step}`);
          assert.equal(
            applyPlan(text, p, file).changed,
            false,
            `${file} seed ${seed} step ${step}`,
          );
        }
        assert.equal(
          applyPlan(text, emptyPlan("dev"), file).text,
          original,
          `${file} seed ${seed}: the empty plan restores the original`,
        );
      }
    });
  }
});
