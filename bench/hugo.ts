/**
 * The anchor for full-build speed: Hugo builds the bench's own corpus into RSS for the home page and
 * each category, and `npm run build` builds the same corpus, in fresh processes, interleaved. Their
 * ratio says where we stand against a generator known to be fast, on this machine and this load.
 * Without Hugo (Debian: `apt-get install -y hugo`) the anchor is skipped and says why.
 */
import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { median, REPO_ROOT, round } from "./child-io.js";

export interface HugoFigures {
  n: number;
  /** `hugo version`'s first line. */
  version: string;
  /** Wall time of each measured `hugo` and `npm run build`, start to exit, after one discarded run of each. */
  hugoMs: number[];
  oursMs: number[];
  medianHugoMs: number;
  medianOursMs: number;
  /** Hugo's median over ours: above 1, our full build is faster. */
  ratio: number;
  /** What each wrote, so a reader sees the work differs: Hugo RSS only, we three formats and tag feeds too. */
  hugoFiles: number;
  hugoHomeItems: number;
  oursFiles: number;
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
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "hugo.yaml"), hugoConfig(content));

  const hugoMs: number[] = [];
  const oursMs: number[] = [];
  const sides = [
    { name: "hugo", out: hugoOut, times: hugoMs, command: "hugo", args: ["--source", dir, "--destination", hugoOut, "--quiet"] },
    // The real command, npm and tsx start-up included, as a person runs it.
    { name: "npm run build", out: oursOut, times: oursMs, command: "npm", args: ["run", "build", "--", "--content", content, "--out", oursOut] },
  ];
  for (let i = 0; i <= runs; i++) {
    // Alternate which goes first, so neither always runs right after the other's disk writes.
    for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
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
  return {
    skipped: false,
    n,
    version: found.version,
    hugoMs,
    oursMs,
    medianHugoMs,
    medianOursMs,
    ratio: round(medianHugoMs / medianOursMs, 2),
    hugoFiles: await filesUnder(hugoOut),
    hugoHomeItems: homeFeed.split("<item>").length - 1,
    oursFiles: await filesUnder(oursOut),
  };
}
