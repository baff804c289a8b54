/**
 * What JSR publishes is a promise: mod.ts names each export (no `export *`
 * that would publish internals), and in every entry deno.json publishes,
 * every function, class and constant a script can call carries an `@example`
 * that runs (`deno task test` runs them with `--doc`), not one marked
 * `ignore`, and a function's `@param` tags name its parameters.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { repoRoot } from "./_fixtures.ts";

// A parameter as `deno doc --json` gives it (a destructured one has no name).
interface DocParam {
  kind: string;
  name?: string;
  left?: DocParam;
  arg?: DocParam;
}

interface DocSymbol {
  name: string;
  declarations: {
    kind: string;
    def?: { params?: DocParam[] };
    jsDoc?: { tags?: { kind: string; doc?: string; name?: string }[] };
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

// A parameter's name: `x`, `x = 1` and `...x` are named `x`.
function paramName(param: DocParam): string | undefined {
  if (param.kind === "identifier") return param.name;
  if (param.kind === "assign" && param.left) return paramName(param.left);
  if (param.kind === "rest" && param.arg) return paramName(param.arg);
  return undefined;
}

// Where a function's `@param` tags and its parameters' names differ.
function paramMismatch(symbol: DocSymbol): string | undefined {
  for (const d of symbol.declarations) {
    if (d.kind !== "function") continue;
    const names = (d.def?.params ?? []).map(paramName);
    // A destructured parameter is documented under a name of the writer's.
    if (names.includes(undefined)) continue;
    const tags = (d.jsDoc?.tags ?? []).filter((t) => t.kind === "param").map((t) => t.name);
    if (tags.join() !== names.join()) {
      return `${symbol.name}: @param ${tags.join(", ")} for (${names.join(", ")})`;
    }
  }
  return undefined;
}

Deno.test("every entry deno.json publishes: each callable export has an example that runs, and @param tags that name its parameters", async () => {
  const source = await Deno.readTextFile(join(repoRoot(), "mod.ts"));
  assert.doesNotMatch(source, /export \*/, "no export * in mod.ts");
  const { exports } = JSON.parse(await Deno.readTextFile(join(repoRoot(), "deno.json"))) as {
    exports: Record<string, string>;
  };
  assert.equal(exports["."], "./mod.ts");
  for (const [entry, path] of Object.entries(exports)) {
    const symbols = await publicSymbols(path);
    const callable = symbols.filter((s) =>
      s.declarations.some((d) => ["function", "class", "variable"].includes(d.kind))
    );
    assert.ok(callable.length > 0, `${entry} (${path}) exports something to call`);
    assert.deepEqual(
      callable.filter((s) => !runnableExample(s)).map((s) => s.name),
      [],
      `${entry} (${path}): every callable export has a runnable @example`,
    );
    assert.deepEqual(
      callable.map(paramMismatch).filter((m) => m !== undefined),
      [],
      `${entry} (${path}): @param tags name the parameters`,
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

Deno.test("the @param check tells a misnamed parameter from a right one", () => {
  const symbol = (param: string): DocSymbol => ({
    name: "f",
    declarations: [{
      kind: "function",
      def: {
        params: [{ kind: "identifier", name: "a" }, {
          kind: "assign",
          left: { kind: "identifier", name: "b" },
        }],
      },
      jsDoc: { tags: [{ kind: "param", name: "a" }, { kind: "param", name: param }] },
      location: { filename: "x" },
    }],
  });
  assert.equal(paramMismatch(symbol("b")), undefined);
  assert.equal(paramMismatch(symbol("io")), "f: @param a, io for (a, b)");
});
