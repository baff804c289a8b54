import assert from "node:assert/strict";
import { describeMove, registryMoves } from "./registry_move.ts";
import { Registry, type RegistryFolder } from "./registry.ts";
import type { ResolvedPackage } from "./resolve.ts";

const LOCATION = "https://example.com/team.git#main";
const [A, B] = ["a".repeat(40), "b".repeat(40)];

// A registry made of entry texts, each a remote copy's, at `commit` (recorded: `recorded`).
function registryOf(entries: Record<string, string>, commit: string, recorded?: string) {
  const folder: RegistryFolder = {
    dir: "/cache/at/packages",
    root: "/cache/at",
    remote: LOCATION,
    copy: { kind: "git", commit, pinned: false, asked: true, ...(recorded ? { recorded } : {}) },
  };
  return new Registry(
    Object.entries(entries).map(([stem, text]) => ({
      file: `/cache/at/packages/${stem}.yaml`,
      stem,
      text,
      remote: LOCATION,
    })),
    [folder],
  );
}

const git = (name: string, ref: string) =>
  `name: ${name}\nsources:\n  dev: {type: local, path: ./packages/${name}}\n` +
  `  prod: {type: git, url: "https://example.com/${name}.git", ref: ${ref}}\n`;

const used = (registry: Registry, ...names: string[]): ResolvedPackage[] =>
  names.map((name) => {
    const entry = registry.get(name);
    return { key: name, entry, source: entry.sources.prod, overridden: false, groups: ["g"] };
  });

Deno.test("registryMoves(): per registry read at another commit than recorded, what changed for the packages used", () => {
  const before = registryOf({ plug: git("plug", "v1.0.0"), same: git("same", "v2") }, A);
  const now = registryOf(
    {
      plug: git("plug", "v1.1.0"),
      same: git("same", "v2"),
      fresh: "name: fresh\nsources:\n  prod: {type: pypi, version: 1.0.0}\n",
      unused: git("unused", "v9"),
    },
    B,
    A,
  );
  const [move] = registryMoves(now, used(now, "plug", "same", "fresh"), () => before);
  assert.deepEqual(move, {
    location: LOCATION,
    from: A,
    to: B,
    changes: ["plug prod v1.0.0 → v1.1.0", "fresh added"],
  });
  assert.equal(
    describeMove(move),
    `registry ${LOCATION} moved aaaaaaa → bbbbbbb: plug prod v1.0.0 → v1.1.0, fresh added`,
  );
  assert.equal(
    describeMove({ ...move, changes: [] }),
    `registry ${LOCATION} moved aaaaaaa → bbbbbbb (nothing this project uses changed)`,
  );
  const [unknown] = registryMoves(now, used(now, "plug"), () => undefined);
  assert.equal(describeMove(unknown), `registry ${LOCATION} moved aaaaaaa → bbbbbbb`);
  assert.deepEqual(registryMoves(registryOf({}, A), [], () => before), [], "not moved: none");
});

Deno.test("registryMoves(): an entry that does not parse at the recorded commit is said changed, not thrown", () => {
  const before = registryOf({ plug: "name: plug\nsources: [not, a, map]\n" }, A);
  const now = registryOf({ plug: git("plug", "v1.1.0") }, B, A);
  const [move] = registryMoves(now, used(now, "plug"), () => before);
  assert.deepEqual(move.changes, ["plug changed (its entry at aaaaaaa does not parse)"]);
});

Deno.test("registryMoves(): a change beside the release (a subdirectory) is said in full", () => {
  const at = (sub: string) =>
    `name: plug\nsources:\n  prod: {type: git, url: "https://example.com/plug.git", ` +
    `tag: v1.0.0, subdirectory: ${sub}}\n`;
  const before = registryOf({ plug: at("py") }, A);
  const now = registryOf({ plug: at("python") }, B, A);
  const [move] = registryMoves(now, used(now, "plug"), () => before);
  assert.deepEqual(move.changes, [
    "plug prod git https://example.com/plug.git @ v1.0.0 (subdirectory py) → " +
    "git https://example.com/plug.git @ v1.0.0 (subdirectory python)",
  ]);
});
