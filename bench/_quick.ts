// deno-lint-ignore-file no-console
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempRoot } from "../tests/_fixtures.ts";
import { command, median, medianOf, sample } from "./_measure.ts";
import { twinProjects } from "./_projects.ts";
const REPO = fileURLToPath(new URL("..", import.meta.url));
const OFFLINE = { UV_OFFLINE: "1", NO_COLOR: "1" };
const hpm = (dir: string) => (...args: string[]) =>
  command(Deno.execPath(), ["run", "-A", "--quiet", join(REPO, "cli.ts"), "-q", ...args], {
    cwd: dir,
    env: OFFLINE,
  });
const uv = (dir: string) => (...args: string[]) =>
  command("uv", ["--quiet", ...args], { cwd: dir, env: OFFLINE });
const serially = (...steps: (() => Promise<void>)[]) => async () => {
  for (const s of steps) await s();
};
const count = Number(Deno.args[0] ?? 5);
const root = await makeTempRoot();
const twin = await twinProjects(join(root, "w"), count);
const dir = twin.hpm;
const py = join(dir, "pyproject.toml");
await hpm(dir)("sync", "--mode", "prod")();
const prod = await Deno.readTextFile(py);
await hpm(dir)("sync", "--mode", "dev")();
const dev = await Deno.readTextFile(py);
await hpm(dir)("sync", "--mode", "prod")();
await hpm(dir)("sync", "--mode", "dev")();
await Deno.writeTextFile(join(dir, "prod.toml"), prod);
await Deno.writeTextFile(join(dir, "dev.toml"), dev);
const copy = (a: string, b: string) => command("cp", [a, b], { cwd: dir });
const s = await sample({
  hpm: { work: serially(hpm(dir)("sync", "--mode", "prod"), hpm(dir)("sync", "--mode", "dev")) },
  hand: {
    work: serially(
      copy(join(dir, "prod.toml"), py),
      uv(dir)("sync"),
      copy(join(dir, "dev.toml"), py),
      uv(dir)("sync"),
    ),
  },
  hpmprod: {
    work: hpm(dir)("sync", "--mode", "prod"),
    reset: async () => {
      await Deno.writeTextFile(py, dev);
      await uv(dir)("sync")();
    },
  },
  uvprod: {
    work: uv(dir)("sync"),
    reset: async () => {
      await Deno.writeTextFile(py, dev);
      await uv(dir)("sync")();
      await Deno.writeTextFile(py, prod);
    },
  },
  floor: {
    work: command(Deno.execPath(), ["run", "-A", "--quiet", join(REPO, "bench", "empty.ts")], {
      cwd: dir,
    }),
  },
}, 7);
for (const k of Object.keys(s)) {
  console.log(k, median((s as Record<string, number[]>)[k]).toFixed(0));
}
console.log("cycle ratio", medianOf(s, (at) => at("hpm") / at("hand")).toFixed(2));
await Deno.remove(root, { recursive: true });
