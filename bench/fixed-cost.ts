/**
 * The build command's fixed cost: `npm run build` on a site of one post, where nearly all the time
 * is starting up. Measured three ways, interleaved, start to exit: Node alone (`node -e 0`), the
 * command without npm (`node scripts/launch.mjs scripts/build.ts`), and `npm run build` as a person
 * runs it, so npm's own share shows apart from ours.
 */
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { median, REPO_ROOT } from "./child-io.js";

export interface FixedCostFigures {
  runs: number;
  /** Wall time of each measured run, after one discarded run of each. */
  nodeMs: number[];
  commandMs: number[];
  npmMs: number[];
  medianNodeMs: number;
  /** The command's fixed cost: its median on one post, without npm. */
  medianCommandMs: number;
  medianNpmMs: number;
}

function timed(command: string, args: string[]): number {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd: REPO_ROOT, encoding: "utf8" });
  const ms = performance.now() - started;
  if (run.error || run.status !== 0) throw new Error(`[bench] [fixed cost] ${command} ${args.join(" ")} failed: ${run.error?.message ?? run.stderr}`);
  return Math.round(ms);
}

export async function measureFixedCost(runs: number, progress: (line: string) => void): Promise<FixedCostFigures> {
  const dir = join(REPO_ROOT, "bench/out/fixed-cost");
  const content = join(dir, "content");
  await rm(dir, { recursive: true, force: true });
  await mkdir(content, { recursive: true });
  await copyFile(join(REPO_ROOT, "content/_config.yml"), join(content, "_config.yml"));
  await copyFile(join(REPO_ROOT, "test/fixtures/posts/2022-05-20-jiangxi-bank.md"), join(content, "2022-05-20-jiangxi-bank.md"));
  const build = ["--content", content, "--out", join(dir, "public"), "--cache", join(dir, "cache")];

  const sides = [
    { times: [] as number[], command: process.execPath, args: ["-e", "0"] },
    { times: [] as number[], command: process.execPath, args: ["scripts/launch.mjs", "scripts/build.ts", ...build] },
    { times: [] as number[], command: "npm", args: ["run", "build", "--", ...build] },
  ];
  // The first run of each is discarded: it may compile the command and fill the cache.
  for (let i = 0; i <= runs; i++) {
    for (const side of [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)]) {
      const ms = timed(side.command, side.args);
      if (i > 0) side.times.push(ms);
    }
  }
  const [node, command, npm] = sides.map((s) => s.times) as [number[], number[], number[]];
  progress(`[bench]   node alone ${median(node)} ms, the command ${median(command)} ms, npm run build ${median(npm)} ms (medians)`);
  return {
    runs,
    nodeMs: node,
    commandMs: command,
    npmMs: npm,
    medianNodeMs: Math.round(median(node)),
    medianCommandMs: Math.round(median(command)),
    medianNpmMs: Math.round(median(npm)),
  };
}
