/**
 * One full local build (fs driver in, fs driver out), alone in its process so peak RSS is this
 * build's. Run by bench/run.ts, bundled so no TypeScript loader sits in the measured process:
 *
 *   node bench/out/build-child.mjs <content dir> <out dir> <now, ISO 8601>
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { buildAll } from "../lib/publish/build-all.js";
import { createFsStorage } from "../lib/storage/fs.js";
import { peakRssMb, reportResult } from "./child-io.js";

export interface BuildFigures {
  posts: number;
  feeds: number;
  /** Posts whose body was rendered: those shown in at least one feed, and with archives every post. */
  rendered: number;
  filesWritten: number;
  outputMb: number;
  rejected: number;
  ms: number;
  postsPerSecond: number;
  /** Peak RSS before the build started: Node, tsx and the modules loaded. */
  baselineRssMb: number;
  peakRssMb: number;
}

const [content, out, nowText] = process.argv.slice(2);
const now = new Date(nowText ?? "");
if (!content || !out || Number.isNaN(now.getTime())) throw new Error("usage: build-child <content dir> <out dir> <now, ISO 8601>");

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await bytesUnder(path) : (await stat(path)).size;
  }
  return total;
}

await rm(out, { recursive: true, force: true });
const baselineRssMb = peakRssMb();
const started = performance.now();
const report = await buildAll({ content: createFsStorage({ base: content }), output: createFsStorage({ base: out }), now });
const ms = performance.now() - started;

const peak = peakRssMb();
reportResult({
  posts: report.posts.length,
  feeds: report.feeds.length,
  rendered: report.rendered,
  filesWritten: report.writes.filter((w) => w.outcome === "written").length,
  outputMb: Math.round((await bytesUnder(out)) / 2 ** 20),
  rejected: report.rejected.length,
  ms: Math.round(ms),
  postsPerSecond: Math.round(report.posts.length / (ms / 1000)),
  baselineRssMb,
  peakRssMb: peak,
} satisfies BuildFigures);
