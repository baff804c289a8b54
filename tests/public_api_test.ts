/**
 * What JSR publishes is a promise: mod.ts names each export (no `export *`
 * that would publish internals), and every function, class and constant a
 * script can call carries an `@example` that runs (`deno task test` runs them
 * with `--doc`), not one marked `ignore`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { repoRoot } from "./_fixtures.ts";

interface DocSymbol {
  name: string;
  declarations: {
    kind: string;
    jsDoc?: { tags?: { kind: string; doc?: string }[] };
    location: { filename: string };
  }[];
}

async function publicSymbols(entry: string): Promise<DocSymbol[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", join(repoRoot(), entry)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(out.code, 0, "deno doc ran");
  const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols: DocSymbol[] }>;
  };
  return Object.values(doc.nodes).flatMap((n) => n.symbols);
}

// Whether a symbol has an example that runs: a ```ts block not marked ignore.
function runnableExample(symbol: DocSymbol): boolean {
  return symbol.declarations.some((d) =>
    (d.jsDoc?.tags ?? []).some((t) =>
      t.kind === "example" && /```ts(?![^\n]*\bignore\b)/.test(t.doc ?? "")
    )
  );
}

Deno.test("mod.ts names every export, and each callable one has an example that runs", async () => {
  const source = await Deno.readTextFile(join(repoRoot(), "mod.ts"));
  assert.doesNotMatch(source, /export \*/, "no export * in mod.ts");
  for (const entry of ["mod.ts", "lib/edit/pyproject.ts"]) {
    const symbols = await publicSymbols(entry);
    assert.ok(symbols.some((s) => s.name === "applyPlan"), `${entry} exports applyPlan`);
    const callable = symbols.filter((s) =>
      s.declarations.some((d) => ["function", "class", "variable"].includes(d.kind))
    );
    assert.deepEqual(
      callable.filter((s) => !runnableExample(s)).map((s) => s.name),
      [],
      `${entry}: every callable export has a runnable @example`,
    );
  }
});

Deno.test("the example check tells an ignored example from a runnable one", () => {
  const symbol = (doc: string): DocSymbol => ({
    name: "f",
    declarations: [{
      kind: "function",
      jsDoc: { tags: [{ kind: "example", doc }] },
      location: { filename: "x" },
    }],
  });
  assert.equal(runnableExample(symbol("```ts\nf();\n```")), true);
  assert.equal(runnableExample(symbol("```ts ignore\nf();\n```")), false);
  assert.equal(
    runnableExample({
      ...symbol(""),
      declarations: [{ kind: "function", location: { filename: "x" } }],
    }),
    false,
  );
});
