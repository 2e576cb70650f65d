/**
 * `npm run bench`: full builds, the build command's fixed cost, the upload path on s3rver, a burst of batches, the Lambda bundle and
 * recovery from configuration changes on a model of the function,
 * printed as one table beside the targets and saved to bench/results.json. Figures only: a slow
 * machine misses targets but the run still exits 0; only a crash fails it.
 *
 *   npm run bench -- --sizes 1000,10000 --skip-upload
 */
import { execFileSync } from "node:child_process";
import { cpus, platform, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { link, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { parseCli } from "../scripts/support/cli.js";
import { build } from "esbuild";
import type { BuildFigures } from "./build-child.js";
import { measureBundle, type BundleFigures } from "./bundle.js";
import { measureFixedCost, type FixedCostFigures } from "./fixed-cost.js";
import { measureHugo, type HugoResult } from "./hugo.js";
import { REPO_ROOT, runChild } from "./child-io.js";
import { DEFAULT_SEED, ensureCorpus, GENERATOR_VERSION, NOW } from "./corpus.js";
import { evaluate, formatReport, requestTablesEqual } from "./report.js";
import type { UploadFigures, UploadOptions } from "./upload-child.js";
import type { ConfigFigures, ConfigOptions } from "./config-child.js";

const values = parseCli(
  `usage: npm run bench -- [options]

Builds, the build command's fixed cost, the upload path, a burst, the Lambda bundle and
configuration changes on a model of the function, printed as a table and written to --out
(default bench/results.json). Options:
  --sizes, --upload-sizes, --config-sizes,
  --archive-sizes                           comma-separated post counts
  --hugo-size                               posts in the Hugo anchor's corpus (default 10000)
  --uploads, --burst, --seed, --latency,
  --hugo-runs                               whole numbers
  --populate auto|full|state
  --skip-build, --skip-upload, --skip-burst, --skip-bundle, --skip-config, --skip-hugo,
  --skip-fixed-cost, --skip-archive, --profile`,
  {
    sizes: { type: "string", default: "1000,10000,100000" },
    "upload-sizes": { type: "string", default: "1000,100000" },
    "config-sizes": { type: "string", default: "10000" },
    "archive-sizes": { type: "string", default: "10000" },
    "hugo-size": { type: "string", default: "10000" },
    "hugo-runs": { type: "string", default: "3" },
    uploads: { type: "string", default: "9" },
    burst: { type: "string", default: "1000" },
    seed: { type: "string", default: String(DEFAULT_SEED) },
    populate: { type: "string", default: "auto" },
    latency: { type: "string", default: "100" },
    "skip-build": { type: "boolean", default: false },
    "skip-upload": { type: "boolean", default: false },
    "skip-burst": { type: "boolean", default: false },
    "skip-bundle": { type: "boolean", default: false },
    "skip-config": { type: "boolean", default: false },
    "skip-hugo": { type: "boolean", default: false },
    "skip-fixed-cost": { type: "boolean", default: false },
    "skip-archive": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    out: { type: "string", default: "bench/results.json" },
  },
);

/**
 * The corpus with `archive: true` in its configuration, in `dir`: the posts hard-linked, not
 * copied, so the build reads the same files.
 */
async function withArchives(corpus: string, dir: string): Promise<string> {
  const content = join(dir, "content");
  await rm(dir, { recursive: true, force: true });
  await mkdir(content, { recursive: true });
  for (const name of await readdir(corpus)) if (name !== "_config.yml") await link(join(corpus, name), join(content, name));
  const config = await readFile(join(corpus, "_config.yml"), "utf8");
  const archived = config.replace(/^feeds:$/m, "feeds:\n  archive: true");
  if (archived === config) throw new Error(`[bench] ${corpus}/_config.yml has no feeds: section to turn archives on in`);
  await writeFile(join(content, "_config.yml"), archived);
  return content;
}

function sizesOf(option: string, text: string): number[] {
  const sizes = text.split(",").filter(Boolean).map(Number);
  if (sizes.length === 0 || sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new Error(`[bench] --${option} must be a comma-separated list of post counts, got "${text}"`);
  }
  return sizes;
}
function count(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`[bench] --${option} must be a whole number, got "${text}"`);
  return n;
}

const seed = count("seed", values.seed);
const buildSizes = values["skip-build"] ? [] : sizesOf("sizes", values.sizes);
const uploadSizes = values["skip-upload"] ? [] : sizesOf("upload-sizes", values["upload-sizes"]);
const configSizes = values["skip-config"] ? [] : sizesOf("config-sizes", values["config-sizes"]);
const archiveSizes = values["skip-archive"] ? [] : sizesOf("archive-sizes", values["archive-sizes"]);
const hugoSizes = values["skip-hugo"] ? [] : [count("hugo-size", values["hugo-size"])].filter((n) => n > 0);
const hugoRuns = Math.max(1, count("hugo-runs", values["hugo-runs"]));
const populate = values.populate;
if (populate !== "auto" && populate !== "full" && populate !== "state") throw new Error(`[bench] --populate must be auto, full or state, got "${populate}"`);
const profileDir = values.profile ? join(REPO_ROOT, "bench/out/profiles") : undefined;
const progress = (line: string) => console.error(line);
const BUILD_CHILD = "bench/out/build-child.mjs";

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  os: `${platform()} ${release()}`,
  node: process.version,
};
const git = (...args: string[]) => {
  try {
    return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
};
// Others edit the tree while benchmarks run: say when the measured code is not exactly the commit.
const uncommitted = git("status", "--porcelain", "--", "lib", "functions", "scripts");
const commit = `${git("rev-parse", "HEAD")}${uncommitted && uncommitted !== "unknown" ? " + uncommitted changes" : ""}`;

const corpora = new Map<number, string>();
for (const n of [...new Set([...buildSizes, ...uploadSizes, ...configSizes, ...hugoSizes, ...archiveSizes])].sort((a, b) => a - b)) {
  progress(`[bench] corpus of ${n} posts…`);
  const corpus = await ensureCorpus(n, seed, progress);
  progress(`[bench]   ${corpus.reused ? "reused" : `generated in ${corpus.manifest.ms} ms`}: ${corpus.content} (${Math.round(corpus.manifest.bytes / 2 ** 20)} MB)`);
  corpora.set(n, corpus.content);
}

// First, while the machine is quiet: the builds and the burst leave gigabytes for the disk to flush.
let bundle: BundleFigures | undefined;
if (!values["skip-bundle"]) {
  progress("[bench] Lambda bundle…");
  bundle = await measureBundle();
}

let fixedCost: FixedCostFigures | undefined;
if (!values["skip-fixed-cost"]) {
  progress("[bench] fixed cost of npm run build: a one-post site, 11 runs after one discarded…");
  fixedCost = await measureFixedCost(11, progress);
}

const builds: (BuildFigures & { n: number })[] = [];
const archives: (BuildFigures & { n: number })[] = [];
if (buildSizes.length > 0 || archiveSizes.length > 0) {
  // Bundled, dependencies left in node_modules: the child then loads what `npm run build` loads,
  // without tsx's loader thread and transpiler in its time and peak RSS (about 45 MB of it).
  await build({
    entryPoints: [join(REPO_ROOT, "bench/build-child.ts")],
    outfile: join(REPO_ROOT, BUILD_CHILD),
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node22",
    format: "esm",
    sourcemap: true,
    logLevel: "warning",
  });
}
for (const n of buildSizes) {
  progress(`[bench] full build of ${n} posts in a fresh process…`);
  const flags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=build-${n}.cpuprofile`] : [];
  const args = [corpora.get(n)!, join(REPO_ROOT, `bench/out/build-${n}`), NOW.toISOString()];
  const figures = await runChild<BuildFigures>(BUILD_CHILD, args, { nodeFlags: flags });
  progress(`[bench]   ${figures.ms} ms, ${figures.postsPerSecond} posts/s, peak RSS ${figures.peakRssMb} MB`);
  builds.push({ n, ...figures });
}

for (const n of archiveSizes) {
  progress(`[bench] full build of ${n} posts with feeds.archive: true, in a fresh process…`);
  const content = await withArchives(corpora.get(n)!, join(REPO_ROOT, `bench/out/archive-corpus-${n}`));
  const figures = await runChild<BuildFigures>(BUILD_CHILD, [content, join(REPO_ROOT, `bench/out/archive-build-${n}`), NOW.toISOString()]);
  progress(`[bench]   ${figures.ms} ms, ${figures.filesWritten} files, ${figures.outputMb} MiB, peak RSS ${figures.peakRssMb} MB`);
  archives.push({ n, ...figures });
}

let hugo: HugoResult | undefined;
for (const n of hugoSizes) {
  progress(`[bench] anchor: hugo and npm run build on the ${n}-post corpus, interleaved, ${hugoRuns} runs each after one discarded…`);
  hugo = await measureHugo(n, corpora.get(n)!, hugoRuns, progress);
  progress(hugo.skipped ? `[bench]   anchor skipped: ${hugo.reason}` : `[bench]   Hugo / ours: ${hugo.ratio}`);
}

let upload: UploadFigures | undefined;
if (uploadSizes.length > 0) {
  progress(`[bench] upload path on s3rver: sites of ${uploadSizes.join(", ")} posts…`);
  const options: UploadOptions = {
    seed,
    sites: uploadSizes.map((n) => ({ n, content: corpora.get(n)! })),
    uploads: Math.max(1, count("uploads", values.uploads)),
    burst: values["skip-burst"] ? 0 : count("burst", values.burst),
    populate,
    populateBudgetMs: 240_000,
    latencyMs: count("latency", values.latency),
    ...(profileDir ? { profileDir } : {}),
  };
  // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
  upload = await runChild<UploadFigures>("./upload-child.ts", [JSON.stringify(options)], { nodeFlags: ["--openssl-legacy-provider", "--no-warnings"] });
}

const configChanges: ConfigFigures[] = [];
for (const n of configSizes) {
  progress(`[bench] configuration changes at ${n} posts on the function model…`);
  // The same model measures uploads (one a call) and a burst (ten a call, as SQS FIFO batches them).
  const model = { uploads: 10, burst: values["skip-burst"] ? 0 : count("burst", values.burst) };
  configChanges.push(await runChild<ConfigFigures>("./config-child.ts", [JSON.stringify({ n, content: corpora.get(n)!, ...model } satisfies ConfigOptions)]));
}

const results = {
  timestamp: new Date().toISOString(),
  commit,
  machine,
  corpus: { seed, generator: GENERATOR_VERSION },
  builds,
  ...(archives.length > 0 ? { archives } : {}),
  ...(upload ? { upload: { ...upload, requestTablesEqual: requestTablesEqual(upload.sites) } } : {}),
  ...(bundle ? { bundle } : {}),
  ...(hugo ? { hugo } : {}),
  ...(fixedCost ? { fixedCost } : {}),
  ...(configChanges.length > 0 ? { configChanges } : {}),
};
const targets = evaluate(results);
console.log(formatReport(results, targets));
await writeFile(resolve(REPO_ROOT, values.out), `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
progress(`[bench] figures written to ${values.out}${profileDir ? `; CPU profiles in ${profileDir} (summarise with tsx bench/profile-summary.ts <file>)` : ""}`);
