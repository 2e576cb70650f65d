import { spawnSync } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { bundleHandler, ENTRY } from "../scripts/bundle.js";
import { median, REPO_ROOT, round } from "./child-io.js";

/** Cold imports of one bundle under one set of node flags. */
export interface ImportFigures {
  /** `await import()` of the bundle in a fresh `node -e`, each run, after one discarded run. */
  importMs: number[];
  /** The discarded first run: it also pays for reading the fresh file from disk. */
  firstImportMs: number;
  medianImportMs: number;
  /**
   * CPU time (user + system, every thread) the same imports took: on a machine shared with other
   * work, the wall time waits for cores and moves a lot more between runs.
   */
  importCpuMs: number[];
  medianImportCpuMs: number;
  /** Spawn to exit of the same processes: Node's own start-up included. */
  medianProcessMs: number;
}

export interface BundleFigures {
  /** Built by scripts/bundle.ts's bundleHandler, the same build `npm run bundle` writes to dist/publish.mjs. */
  file: string;
  bytes: number;
  gzipBytes: number;
  mapBytes: number;
  buildMs: number;
  /** Without flags, as the function runs with NODE_OPTIONS unset. */
  plain: ImportFigures;
  /** With `--enable-source-maps`: Node reads and decodes the map at import, for mapped stack traces. */
  sourceMaps: ImportFigures;
  /** Median import with source maps over median without: wall time, and CPU time. */
  sourceMapsRatio: number;
  sourceMapsCpuRatio: number;
  /** NODE_OPTIONS in serverless.yml, which the function runs with: the import the target is about. */
  deployedNodeOptions: string;
  deployedMedianImportMs: number;
}

// Measured inside the fresh process, so Node's start-up is not counted in importMs.
const IMPORT_SCRIPT = (url: string) =>
  `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(url)}); ` +
  `const importMs = performance.now() - t; const { user, system } = process.cpuUsage(c); ` +
  `process.stdout.write(JSON.stringify({ importMs, cpuMs: (user + system) / 1000 }));`;

function importOnce(file: string, nodeFlags: string[]): { importMs: number; cpuMs: number; processMs: number } {
  const spawned = performance.now();
  const child = spawnSync(process.execPath, [...nodeFlags, "--input-type=module", "-e", IMPORT_SCRIPT(pathToFileURL(file).href)], {
    cwd: REPO_ROOT,
    // NODE_OPTIONS from the caller would add to (or undo) the flags being compared.
    env: { ...process.env, NODE_OPTIONS: "", BUCKET: "bench", PUBLISH_QUEUE_URL: "http://127.0.0.1/queue", AWS_REGION: "us-east-1" },
    encoding: "utf8",
  });
  const processMs = performance.now() - spawned;
  if (child.status !== 0) throw new Error(`[bench] [bundle] importing ${file} failed: ${child.stderr}`);
  const { importMs, cpuMs } = JSON.parse(child.stdout) as { importMs: number; cpuMs: number };
  return { importMs: round(importMs), cpuMs: round(cpuMs), processMs };
}

/**
 * Cold imports of `file` in fresh processes, under each set of flags, interleaved run by run so
 * that a burst of load from elsewhere on the machine falls on both alike.
 */
export function timeImports(file: string, flagSets: string[][], runs = 5): ImportFigures[] {
  const samples = flagSets.map(() => ({ importMs: [] as number[], cpuMs: [] as number[], processMs: [] as number[] }));
  for (let i = 0; i <= runs; i++) {
    // Alternate which goes first, so neither always follows the other's page-cache warm-up.
    const order = flagSets.map((_, j) => j);
    if (i % 2 === 1) order.reverse();
    for (const j of order) {
      const { importMs, cpuMs, processMs } = importOnce(file, flagSets[j]!);
      samples[j]!.importMs.push(importMs);
      samples[j]!.cpuMs.push(cpuMs);
      samples[j]!.processMs.push(processMs);
    }
  }
  return samples.map(({ importMs, cpuMs, processMs }) => {
    const [firstImportMs] = importMs.splice(0, 1);
    cpuMs.splice(0, 1);
    processMs.splice(0, 1);
    return {
      firstImportMs: firstImportMs!,
      importMs,
      medianImportMs: round(median(importMs)),
      importCpuMs: cpuMs,
      medianImportCpuMs: round(median(cpuMs)),
      medianProcessMs: Math.round(median(processMs)),
    };
  });
}

/** Bundles the handler into bench/out (leaving dist/ to `npm run bundle`) and times importing it. */
export async function measureBundle(runs = 7): Promise<BundleFigures> {
  const outfile = join(REPO_ROOT, "bench/out/publish.mjs");
  const started = performance.now();
  const { bytes } = await bundleHandler(join(REPO_ROOT, ENTRY), outfile);
  const buildMs = Math.round(performance.now() - started);
  const gzipBytes = gzipSync(await readFile(outfile)).byteLength;
  const { size: mapBytes } = await stat(`${outfile}.map`);
  const [plain, sourceMaps] = timeImports(outfile, [[], ["--enable-source-maps"]], runs);
  const deployedNodeOptions = /^\s*NODE_OPTIONS:\s*(.*?)\s*$/m.exec(await readFile(join(REPO_ROOT, "serverless.yml"), "utf8"))?.[1] ?? "";
  return {
    file: "bench/out/publish.mjs",
    bytes,
    gzipBytes,
    mapBytes,
    buildMs,
    plain: plain!,
    sourceMaps: sourceMaps!,
    sourceMapsRatio: round(sourceMaps!.medianImportMs / plain!.medianImportMs, 2),
    sourceMapsCpuRatio: round(sourceMaps!.medianImportCpuMs / plain!.medianImportCpuMs, 2),
    deployedNodeOptions,
    deployedMedianImportMs: (deployedNodeOptions.includes("--enable-source-maps") ? sourceMaps! : plain!).medianImportMs,
  };
}
