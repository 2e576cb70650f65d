import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { bundleHandler, ENTRY } from "../scripts/bundle.js";
import { median, REPO_ROOT, round } from "./child-io.js";

export interface BundleFigures {
  /** Built by scripts/bundle.ts's bundleHandler, the same build `npm run bundle` writes to dist/publish.mjs. */
  file: string;
  bytes: number;
  gzipBytes: number;
  buildMs: number;
  /** `await import()` of the bundle in a fresh `node -e`, each run, after one discarded run. */
  importMs: number[];
  /** The discarded first run: it also pays for reading the fresh file from disk. */
  firstImportMs: number;
  medianImportMs: number;
  /** Spawn to exit of the same processes: Node's own start-up included. */
  medianProcessMs: number;
}

// Measured inside the fresh process, so Node's start-up is not counted in importMs.
const IMPORT_SCRIPT = (url: string) =>
  `const t = performance.now(); await import(${JSON.stringify(url)}); ` +
  `process.stdout.write(JSON.stringify({ importMs: performance.now() - t }));`;

/** Bundles the handler into bench/out (leaving dist/ to `npm run bundle`) and times importing it. */
export async function measureBundle(runs = 5): Promise<BundleFigures> {
  const outfile = join(REPO_ROOT, "bench/out/publish.mjs");
  const started = performance.now();
  const { bytes } = await bundleHandler(join(REPO_ROOT, ENTRY), outfile);
  const buildMs = Math.round(performance.now() - started);
  const gzipBytes = gzipSync(await readFile(outfile)).byteLength;

  const importMs: number[] = [];
  const processMs: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const spawned = performance.now();
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", IMPORT_SCRIPT(pathToFileURL(outfile).href)], {
      cwd: REPO_ROOT,
      env: { ...process.env, BUCKET: "bench", AWS_REGION: "us-east-1" },
      encoding: "utf8",
    });
    processMs.push(performance.now() - spawned);
    if (child.status !== 0) throw new Error(`[bench] [bundle] importing ${outfile} failed: ${child.stderr}`);
    importMs.push(round((JSON.parse(child.stdout) as { importMs: number }).importMs));
  }
  const [firstImportMs] = importMs.splice(0, 1);
  processMs.splice(0, 1);
  return {
    file: "bench/out/publish.mjs",
    bytes,
    gzipBytes,
    buildMs,
    firstImportMs: firstImportMs!,
    importMs,
    medianImportMs: round(median(importMs)),
    medianProcessMs: Math.round(median(processMs)),
  };
}
