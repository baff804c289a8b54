import assert from "node:assert/strict";
import { join } from "node:path";
import { HpmInputError } from "../core/errors.ts";
import { fetchRegistry } from "../registry/remote.ts";
import { tempTree } from "../_testing.ts";
import { loadProject } from "./load.ts";

const entry = (name: string) => `name: ${name}\nsources:\n  prod: {type: pypi, version: 1.0.0}\n`;

// A registry served on 127.0.0.1: `files` (path → text) may change; a path
// in `slow` is answered after that many milliseconds.
function serve(files: Map<string, string>, slow: ReadonlyMap<string, number> = new Map()) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const wait = slow.get(path);
    if (wait) await new Promise((done) => setTimeout(done, wait));
    const text = files.get(path);
    return text === undefined ? new Response("", { status: 404 }) : new Response(text);
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

async function withProject(
  hpmYaml: string,
  fn: (root: string, env: { HPM_CACHE_DIR: string }) => Promise<void>,
) {
  const root = await tempTree("hpm-unit-load-", {
    "hpm.yaml": hpmYaml,
    "pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
  });
  try {
    await fn(root, { HPM_CACHE_DIR: join(root, ".cache") });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("loadProject(): one deadline for the whole load, the reload of a registry that lacked a name included", async () => {
  const slow = serve(
    new Map([["/index.json", '["plug"]'], ["/packages/plug.yaml", entry("plug")]]),
    new Map([["/index.json", 1200]]),
  );
  const gained = new Map([["/index.json", "[]"]]);
  const other = serve(gained);
  try {
    const yaml =
      `registry: [${slow.url}, ${other.url}]\ngroups:\n  db:\n    options: [plug, other]\n`;
    await withProject(yaml, async (root, env) => {
      // A fresh copy of the second registry, from before it had `other`.
      await fetchRegistry({ kind: "http", url: other.url }, { env });
      gained.set("/index.json", '["other"]');
      gained.set("/packages/other.yaml", entry("other"));
      const notices: string[] = [];
      // The first load asks the slow registry (1.2 s); `other` is missing, so the
      // registries are asked again, the slow one past the 2 s of the whole load.
      const project = await loadProject(root, {
        env: { ...env, HPM_REGISTRY_TIMEOUT: "2" },
        log: (m) => notices.push(m),
      });
      assert.ok(project.registry.has("other"), "the reload found it");
      assert.ok(project.registry.has("plug"));
      assert.ok(
        notices.some((m) =>
          m.startsWith(
            `registry ${slow.url}: cannot reach it (no answer within HPM_REGISTRY_TIMEOUT=2 s)`,
          )
        ),
        notices.join("\n"),
      );
    });
  } finally {
    await slow.stop();
    await other.stop();
  }
});

Deno.test("loadProject(): offline, a name a static registry's copy was never asked for is an unknown package of that copy", async () => {
  const host = serve(new Map([["/packages/plug.yaml", entry("plug")]]));
  try {
    const yaml = `registry: ${host.url}\ngroups:\n  db:\n    options: [plug]\n`;
    await withProject(yaml, async (root, env) => {
      await loadProject(root, { env });
      const project = await loadProject(root, {
        env: { ...env, HPM_OFFLINE: "1" },
        wanted: ["other"],
      });
      assert.equal(project.registry.get("plug").name, "plug");
      assert.throws(() => project.registry.get("other"), (e) => {
        assert.ok(e instanceof HpmInputError);
        assert.equal(e.code, "unknown-package");
        assert.equal(e.message, "unknown package `other`: no registry has it");
        assert.match(e.hint!, new RegExp(`registry ${host.url} answered from its cached copy`));
        return true;
      });
    });
  } finally {
    await host.stop();
  }
});
