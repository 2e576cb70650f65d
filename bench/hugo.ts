/**
 * The anchor for full-build speed: Hugo builds the bench's own corpus into RSS for the home page and
 * each category, and `npm run build` builds the same corpus twice over, with `--no-cache` and with
 * its caches warm, in fresh processes, interleaved. Their ratios say where we stand against
 * a generator known to be fast, on this machine and this load. Without Hugo (Debian:
 * `apt-get install -y hugo`) the anchor is skipped and says why.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { median, REPO_ROOT, round } from "./child-io.js";

export interface HugoFigures {
  n: number;
  /** `hugo version`'s first line. */
  version: string;
  /** Wall time of each measured `hugo` and `npm run build`, start to exit, after one discarded run of each. */
  hugoMs: number[];
  /** `npm run build -- --no-cache`: every shown post rendered. */
  oursMs: number[];
  /** `npm run build -- --cache <dir>`, the cache filled by the discarded run: no post rendered. */
  warmMs: number[];
  medianHugoMs: number;
  medianOursMs: number;
  medianWarmMs: number;
  /** Hugo's median over ours with --no-cache: above 1, our full build is faster. */
  ratio: number;
  /** Hugo's median over ours with the caches warm. */
  warmRatio: number;
  /** What each wrote, so a reader sees the work differs: Hugo RSS only, we three formats and tag feeds too. */
  hugoFiles: number;
  hugoHomeItems: number;
  oursFiles: number;
  /** Whether the warm build wrote exactly the files and bytes the --no-cache build did. */
  warmSame: boolean;
}

export type HugoResult = ({ skipped: false } & HugoFigures) | { skipped: true; reason: string };

/**
 * Checked against Hugo 0.111 (`hugo config`): `services.rss.limit` is the feed length there
 * (`rssLimit` is its older spelling); disabling `taxonomy` (the list of terms) draws an error
 * that only `ignoreErrors` silences; `page: []` renders no page while the feeds still list them.
 */
function hugoConfig(content: string): string {
  return `# Written by bench/hugo.ts for the Hugo anchor; regenerated on every run.
baseURL: https://finews.withounder.com/
title: 财经新闻网
languageCode: zh-CN
timeZone: Asia/Shanghai
# The corpus folder as it is, as npm run build reads it; _config.yml is Jekyll's, not a post.
contentDir: ${JSON.stringify(content)}
ignoreFiles: ['_config\\.yml$']
disableKinds: [section, taxonomy, sitemap, robotsTXT, "404"]
ignoreErrors: [error-disable-taxonomy]
taxonomies:
  category: categories
outputs:
  home: [RSS]
  term: [RSS]
  page: []
services:
  rss:
    limit: 50
markup:
  goldmark:
    renderer:
      # The posts are HTML inside Markdown files, as Jekyll sites have them.
      unsafe: true
`;
}

function hugoVersion(): { version: string } | { reason: string } {
  const run = spawnSync("hugo", ["version"], { encoding: "utf8" });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === "ENOENT";
    return { reason: missing ? "hugo is not installed (Debian: apt-get install -y hugo)" : `hugo version failed: ${run.error.message}` };
  }
  if (run.status !== 0) return { reason: `hugo version exited with ${run.status}: ${run.stderr.trim()}` };
  return { version: run.stdout.trim().split("\n")[0]! };
}

/** Wall time of one command, start to exit; its output is kept for the error message only. */
function timed(command: string, args: string[]): { ms: number; status: number | null; output: string } {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - started;
  return { ms, status: run.error ? null : run.status, output: `${run.error?.message ?? ""}${run.stdout ?? ""}${run.stderr ?? ""}`.trim() };
}

/** SHA-256 over every file's path and bytes under `dir`, in path order. */
async function treeDigest(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const files = (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  for (const file of files) hash.update(`${file.slice(dir.length)}\0`).update(await readFile(file)).update("\0");
  return hash.digest("hex");
}

async function filesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).length;
}

/** Hugo and `npm run build` on the corpus in `content`, `runs` times each after one discarded run each. */
export async function measureHugo(n: number, content: string, runs: number, progress: (line: string) => void): Promise<HugoResult> {
  const found = hugoVersion();
  if ("reason" in found) return { skipped: true, reason: found.reason };

  const dir = join(REPO_ROOT, `bench/out/hugo-${n}`);
  const hugoOut = join(dir, "public");
  const oursOut = join(REPO_ROOT, `bench/out/anchor-build-${n}`);
  const warmOut = join(REPO_ROOT, `bench/out/anchor-warm-${n}`);
  // A cache of the bench's own, filled by the discarded run: the figures do not depend on what
  // other builds left in node_modules/.cache.
  const cache = join(dir, "render-cache");
  await rm(cache, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "hugo.yaml"), hugoConfig(content));

  const hugoMs: number[] = [];
  const oursMs: number[] = [];
  const warmMs: number[] = [];
  const build = ["run", "build", "--", "--content", content];
  const sides = [
    { name: "hugo", out: hugoOut, times: hugoMs, command: "hugo", args: ["--source", dir, "--destination", hugoOut, "--quiet"] },
    // The real command, npm and node start-up included, as a person runs it.
    { name: "npm run build -- --no-cache", out: oursOut, times: oursMs, command: "npm", args: [...build, "--out", oursOut, "--no-cache"] },
    { name: "npm run build, cache warm", out: warmOut, times: warmMs, command: "npm", args: [...build, "--out", warmOut, "--cache", cache] },
  ];
  for (let i = 0; i <= runs; i++) {
    // Rotate which goes first, so none always runs right after another's disk writes.
    for (const side of [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)]) {
      // A fresh output every time: an unchanged file is not written again, which would flatter a rerun.
      await rm(side.out, { recursive: true, force: true });
      const run = timed(side.command, side.args);
      if (run.status !== 0) {
        const reason = `${side.name} exited with ${run.status ?? "an error"}: ${run.output.slice(-2000)}`;
        // Hugo's failure is the anchor's; ours is a bug the bench must not hide.
        if (side.name === "hugo") return { skipped: true, reason };
        throw new Error(`[bench] [hugo] ${reason}`);
      }
      progress(`[bench]   ${side.name}: ${Math.round(run.ms)} ms${i === 0 ? " (discarded)" : ""}`);
      if (i > 0) side.times.push(Math.round(run.ms));
    }
  }

  const homeFeed = await readFile(join(hugoOut, "index.xml"), "utf8");
  const medianHugoMs = Math.round(median(hugoMs));
  const medianOursMs = Math.round(median(oursMs));
  const medianWarmMs = Math.round(median(warmMs));
  return {
    skipped: false,
    n,
    version: found.version,
    hugoMs,
    oursMs,
    warmMs,
    medianHugoMs,
    medianOursMs,
    medianWarmMs,
    ratio: round(medianHugoMs / medianOursMs, 2),
    warmRatio: round(medianHugoMs / medianWarmMs, 2),
    hugoFiles: await filesUnder(hugoOut),
    hugoHomeItems: homeFeed.split("<item>").length - 1,
    oursFiles: await filesUnder(oursOut),
    warmSame: (await treeDigest(oursOut)) === (await treeDigest(warmOut)),
  };
}
