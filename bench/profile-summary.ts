/**
 * Summarises a `node --cpu-prof` profile: the functions with the most self time and the most
 * inclusive time (time with the function anywhere on the stack), with file and line.
 *
 *   tsx bench/profile-summary.ts bench/out/prof/CPU.*.cpuprofile [top]
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { REPO_ROOT } from "./child-io.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  self: ProfileLine[];
  inclusive: ProfileLine[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  let where = url;
  if (url.startsWith("file://")) where = relative(REPO_ROOT, fileURLToPath(url));
  where = where.replace(/^.*node_modules\//, "~/");
  return `${functionName || "(anonymous)"} ${where ? `${where}:${lineNumber + 1}` : ""}`.trim();
}

export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    const name = frameName(node);
    if (name.startsWith("(idle)")) return;
    total += us;
    self.set(name, (self.get(name) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = frameName(byId.get(at)!);
      if (seen.has(n)) continue; // recursion counts once
      seen.add(n);
      inclusive.set(n, (inclusive.get(n) ?? 0) + us);
    }
  });
  const lines = (map: Map<string, number>) =>
    [...map]
      .filter(([name]) => !/^\((root|program)\)/.test(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), self: lines(self), inclusive: lines(inclusive) };
}

export async function summariseFile(path: string, top?: number): Promise<ProfileSummary> {
  return summarise(JSON.parse(await readFile(path, "utf8")) as CpuProfile, top);
}

export function formatSummary(summary: ProfileSummary): string {
  const table = (title: string, lines: ProfileLine[]) =>
    [title, ...lines.map((l) => `  ${String(l.ms).padStart(7)} ms ${String(l.percent).padStart(5)}%  ${l.name}`)].join("\n");
  return [`sampled ${summary.totalMs} ms of CPU (idle excluded)`, table("self time:", summary.self), table("inclusive time:", summary.inclusive)].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [path, top] = process.argv.slice(2);
  if (!path) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
  console.log(formatSummary(await summariseFile(path, top ? Number(top) : 25)));
}
