/**
 * The upload path against s3rver, in this process (so run with --openssl-legacy-provider): for each
 * site size, fill a bucket, build it with state, then deliver single uploads through handleEvent
 * and, on the first site, a burst of batches. Run by bench/run.ts:
 *
 *   node --openssl-legacy-provider --import tsx bench/upload-child.ts '<json options>'
 */
import { mkdir, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import type { SQSBatchResponse } from "aws-lambda";
import { handleEvent, type Deps } from "../functions/handle-event.js";
import { buildAll } from "../lib/publish/build-all.js";
import { mapLimit } from "../lib/publish/map-limit.js";
import { DEFAULT_CACHE_CONTROL } from "../lib/publish/write-files.js";
import { createFsStorage } from "../lib/storage/fs.js";
import { prefixStorage } from "../lib/storage/prefix.js";
import { retryingStorage } from "../lib/storage/retry.js";
import { createS3Storage } from "../lib/storage/s3.js";
import type { Storage } from "../lib/storage/types.js";
import { eventBridgeS3Event, sqsFifoEvent, startS3Server } from "../scripts/support/local-aws/index.js";
import { median, peakRssMb, reportResult } from "./child-io.js";
import { configText, generatePost, NOW, type CorpusPost } from "./corpus.js";

export interface UploadOptions {
  seed: number;
  sites: { n: number; content: string }[];
  uploads: number;
  /** Posts in the burst onto the first site, delivered 10 per batch; 0 skips it. */
  burst: number;
  /** "auto" uploads a site's posts to content/ unless that is projected to take longer than populateBudgetMs. */
  populate: "auto" | "full" | "state";
  populateBudgetMs: number;
  /** Per-request delay for the extra uploads that count sequential round trips; 0 skips them. */
  latencyMs: number;
  /** Where to write CPU profiles of the measured uploads and of the burst (s3rver runs in the same process). */
  profileDir?: string;
}

export type RequestCounts = Record<string, number>;

export interface UploadRun {
  key: string;
  ms: number;
  requests: RequestCounts;
  /** PutObject per key under feeds/ in this call. */
  feedPuts: Record<string, number>;
  /** Object bytes sent by PutObject and received by GetObject in this call. */
  bytesPut: number;
  bytesGot: number;
  rebuilt: boolean;
  outcome: string;
}

export interface SiteFigures {
  n: number;
  populate: { mode: "full" | "state"; objects: number; ms: number; projectedFullMs?: number; note: string };
  stateBuild: { content: "bucket" | "fs corpus"; ms: number; posts: number; feeds: number };
  warmup: UploadRun;
  uploads: UploadRun[];
  medianMs: number;
  latency?: { perRequestMs: number; medianMs: number; sequentialRoundTrips: number };
}

export interface BurstFigures {
  site: number;
  posts: number;
  batches: number;
  totalMs: number;
  medianBatchMs: number;
  maxBatchMs: number;
  rebuiltBatches: number;
  failedMessages: number;
  /** Most PutObject any one feed file got within one batch (1 means each feed written at most once). */
  maxPutsPerFeedKeyPerBatch: number;
  feedPutObjects: number;
  bytesPut: number;
  requests: RequestCounts;
}

export interface UploadFigures {
  sites: SiteFigures[];
  burst?: BurstFigures;
  peakRssMb: number;
}

function readOptions(json: string | undefined): UploadOptions {
  if (!json) throw new Error("usage: upload-child.ts '<json options>'");
  return JSON.parse(json) as UploadOptions;
}
const options = readOptions(process.argv[2]);

const UPLOAD_BASE = Date.parse("2024-12-30T09:00:00+08:00");
const BURST_BASE = Date.parse("2024-12-31T00:00:30+08:00");
const log = (line: string) => console.error(`  [upload] ${line}`);

const server = await startS3Server();
// Which key each PutObject attempt wrote, bytes on the wire, and an optional delay standing in for S3's latency.
const puts: string[] = [];
const traffic = { sent: 0, received: 0 };
let delayMs = 0;
server.client.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as { Key?: string; Body?: Uint8Array | string };
    if (context.commandName === "PutObjectCommand") {
      puts.push(input.Key ?? "");
      traffic.sent += typeof input.Body === "string" ? Buffer.byteLength(input.Body) : (input.Body?.byteLength ?? 0);
    }
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const result = await next(args);
    const headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
    if (context.commandName === "GetObjectCommand") traffic.received += Number(headers["content-length"] ?? 0);
    return result;
  },
  { step: "deserialize", name: "benchTraffic" },
);

const session = new Session();
if (options.profileDir) {
  session.connect();
  await session.post("Profiler.enable");
}

/** Runs `fn`, recording a CPU profile of it when profiling was asked for. */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!options.profileDir) return fn();
  await session.post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    await mkdir(options.profileDir, { recursive: true });
    await writeFile(join(options.profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}

function bucketOf(name: string): { raw: Storage; bucket: Storage } {
  const raw = createS3Storage({ client: server.client, bucket: name });
  return { raw, bucket: retryingStorage(raw) };
}

async function putPosts(storage: Storage, posts: { key: string; text: string }[], concurrency = 64): Promise<void> {
  await mapLimit(posts, concurrency, (p) => storage.put(`content/${p.key}`, p.text, { contentType: "text/markdown; charset=utf-8" }));
}

/** PutObject per second s3rver sustains here, from a throwaway bucket. */
async function probePutRate(sample = 400): Promise<number> {
  await server.createBucket("bench-probe");
  const { raw } = bucketOf("bench-probe");
  const posts = Array.from({ length: sample }, (_, i) => generatePost(options.seed, i));
  const started = performance.now();
  await putPosts(raw, posts);
  return sample / ((performance.now() - started) / 1000);
}

async function deliver(name: string, deps: Deps, posts: CorpusPost[], logs: Record<string, unknown>[]): Promise<{ ms: number; response: SQSBatchResponse }> {
  // One "Object Created" message per post, in one batch, as the deployed queue delivers them.
  return deliverBodies(deps, posts.map((p) => eventBridgeS3Event({ bucket: name, key: `content/${p.key}`, type: "Object Created", size: Buffer.byteLength(p.text), time: NOW })), logs);
}

/** One SQS batch of these message bodies, one handler call. */
async function deliverBodies(deps: Deps, bodies: unknown[], logs: Record<string, unknown>[]): Promise<{ ms: number; response: SQSBatchResponse }> {
  const event = sqsFifoEvent(bodies);
  logs.length = 0;
  puts.length = 0;
  traffic.sent = traffic.received = 0;
  server.resetRequests();
  const started = performance.now();
  const response = await handleEvent(event, deps);
  return { ms: performance.now() - started, response };
}

function feedPutsOf(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) if (key.startsWith("feeds/")) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

interface Site {
  n: number;
  name: string;
  raw: Storage;
  deps: Deps;
  outbox: unknown[];
  logs: Record<string, unknown>[];
}
type PreparedSite = Site & Pick<SiteFigures, "populate" | "stateBuild">;

/** A bucket holding the site's state: posts in content/ when s3rver can take them in time, else built from the fs corpus. */
async function prepareSite(n: number, corpus: string, putRate: number | undefined): Promise<PreparedSite> {
  const name = `bench-${n}`;
  await server.createBucket(name);
  const { raw, bucket } = bucketOf(name);
  const projectedFullMs = putRate ? Math.round((n / putRate) * 1000) : undefined;
  const tooSlow = projectedFullMs !== undefined && projectedFullMs > options.populateBudgetMs;
  const mode = options.populate === "state" || (options.populate === "auto" && tooSlow) ? "state" : "full";

  let started = performance.now();
  await raw.put("content/_config.yml", await configText(), { contentType: "text/yaml; charset=utf-8" });
  const fsContent = createFsStorage({ base: corpus });
  if (mode === "full") {
    const keys = (await fsContent.list("")).filter((k) => k.endsWith(".md"));
    await mapLimit(keys, 64, async (key) => raw.put(`content/${key}`, (await fsContent.get(key))!, { contentType: "text/markdown; charset=utf-8" }));
  }
  const populateMs = Math.round(performance.now() - started);
  const why = projectedFullMs === undefined ? "--populate state was given" : `uploading ${n} posts to s3rver was projected at ${Math.round(projectedFullMs / 1000)} s`;
  const note =
    mode === "full"
      ? `content/ holds _config.yml and all ${n} posts (PutObject, concurrency 64)`
      : `content/ holds only _config.yml and the new posts: ${why}, so the state was built with ` +
        "buildAll({ content: fs corpus, output: bucket, state: bucket }); the upload path never reads other posts";
  log(`site ${n}: ${note} (${populateMs} ms)`);

  started = performance.now();
  const content = mode === "full" ? prefixStorage(bucket, "content/") : fsContent;
  const report = await buildAll({ content, output: bucket, state: bucket, now: NOW, cacheControl: DEFAULT_CACHE_CONTROL });
  const stateBuildMs = Math.round(performance.now() - started);
  log(`site ${n}: full build with state into the bucket in ${stateBuildMs} ms (${report.posts.length} posts, ${report.feeds.length} feeds)`);

  const logs: Record<string, unknown>[] = [];
  const outbox: unknown[] = [];
  return {
    n,
    name,
    raw,
    logs,
    // What the handler sends its own queue (a held burst's flush) waits behind the burst's messages.
    deps: { bucket, bucketName: name, cacheControl: DEFAULT_CACHE_CONTROL, now: () => NOW, log: (e) => logs.push(e), send: async (body) => void outbox.push(body) },
    outbox,
    populate: { mode, objects: mode === "full" ? n + 1 : 1, ms: populateMs, ...(projectedFullMs !== undefined ? { projectedFullMs } : {}), note },
    stateBuild: { content: mode === "full" ? "bucket" : "fs corpus", ms: stateBuildMs, posts: report.posts.length, feeds: report.feeds.length },
  };
}

/** Puts upload post `j` into content/ and delivers its event alone. Post j is the same at every site size. */
async function upload(site: Site, j: number): Promise<UploadRun> {
  // Drawn from the 8 most common categories and tags, so its feeds exist at 1,000 posts too.
  const post = generatePost(options.seed, 1_000_000 + j, { date: new Date(UPLOAD_BASE + j * 600_000), common: 8 });
  await site.raw.put(`content/${post.key}`, post.text, { contentType: "text/markdown; charset=utf-8" });
  const { ms, response } = await deliver(site.name, site.deps, [post], site.logs);
  if (response.batchItemFailures.length > 0) throw new Error(`[bench] upload of ${post.key} failed: ${JSON.stringify(site.logs)}`);
  return {
    key: post.key,
    ms: Math.round(ms * 10) / 10,
    requests: { ...server.requests },
    feedPuts: feedPutsOf(puts),
    bytesPut: traffic.sent,
    bytesGot: traffic.received,
    rebuilt: site.logs.some((e) => e.type === "batch" && e.rebuilt === true),
    outcome: String(site.logs.find((e) => e.type === "post")?.outcome),
  };
}

/** Sequential S3 round trips of an upload: how much longer it takes when every request waits `latencyMs` more. */
async function measureLatency(site: Site, baselineMs: number, first: number): Promise<SiteFigures["latency"]> {
  delayMs = options.latencyMs;
  const delayed: number[] = [];
  for (let j = first; j < first + 3; j++) delayed.push((await upload(site, j)).ms);
  delayMs = 0;
  const medianMs = median(delayed);
  log(`site ${site.n}: with ${options.latencyMs} ms more per request, uploads take ${Math.round(medianMs)} ms`);
  return { perRequestMs: options.latencyMs, medianMs: Math.round(medianMs), sequentialRoundTrips: Math.round((medianMs - baselineMs) / options.latencyMs) };
}

/** `count` new posts, put first, then delivered 10 per SQS batch, one handler call per batch. */
async function measureBurst(site: Site, count: number): Promise<BurstFigures> {
  const posts = Array.from({ length: count }, (_, k) => generatePost(options.seed, 2_000_000 + k, { date: new Date(BURST_BASE + k * 60_000) }));
  await putPosts(site.raw, posts);
  const batchMs: number[] = [];
  const requests: RequestCounts = {};
  const burst = { maxPutsPerFeedKeyPerBatch: 0, feedPutObjects: 0, rebuiltBatches: 0, failedMessages: 0, bytesPut: 0 };
  await profiled("burst", async () => {
    // The burst's batches, then each flush a held batch sent, as the queue delivers them.
    const batches = Math.ceil(posts.length / 10);
    for (let b = 0; b < batches || site.outbox.length > 0; b++) {
      const { ms, response } =
        b < batches ? await deliver(site.name, site.deps, posts.slice(b * 10, b * 10 + 10), site.logs) : await deliverBodies(site.deps, site.outbox.splice(0, 10), site.logs);
      batchMs.push(ms);
      for (const [op, n] of Object.entries(server.requests)) requests[op] = (requests[op] ?? 0) + n;
      const perKey = Object.values(feedPutsOf(puts));
      burst.maxPutsPerFeedKeyPerBatch = Math.max(burst.maxPutsPerFeedKeyPerBatch, ...perKey);
      burst.feedPutObjects += perKey.reduce((a, c) => a + c, 0);
      if (site.logs.some((e) => e.type === "batch" && e.rebuilt === true)) burst.rebuiltBatches++;
      burst.failedMessages += response.batchItemFailures.length;
      burst.bytesPut += traffic.sent;
    }
  });
  const totalMs = Math.round(batchMs.reduce((a, c) => a + c, 0));
  log(`burst: ${batchMs.length} batches in ${totalMs} ms, at most ${burst.maxPutsPerFeedKeyPerBatch} PutObject per feed file per batch`);
  return {
    site: site.n,
    posts: posts.length,
    batches: batchMs.length,
    totalMs,
    medianBatchMs: Math.round(median(batchMs)),
    maxBatchMs: Math.round(Math.max(...batchMs)),
    ...burst,
    requests,
  };
}

const putRate = options.populate === "auto" && options.sites.some((s) => s.n > 1000) ? await probePutRate() : undefined;
if (putRate) log(`s3rver takes ${Math.round(putRate)} PutObject/s`);
const sites: SiteFigures[] = [];
const prepared: Site[] = [];
for (const { n, content } of options.sites) {
  const site = await prepareSite(n, content, putRate);
  prepared.push(site);
  const warmup = await upload(site, 0);
  const uploads: UploadRun[] = [];
  await profiled(`upload-${n}`, async () => {
    for (let j = 1; j <= options.uploads; j++) uploads.push(await upload(site, j));
  });
  const medianMs = Math.round(median(uploads.map((u) => u.ms)) * 10) / 10;
  log(`site ${n}: uploads ${uploads.map((u) => u.ms).join(", ")} ms (median ${medianMs})`);
  const latency = options.latencyMs > 0 ? await measureLatency(site, medianMs, options.uploads + 1) : undefined;
  sites.push({ n, populate: site.populate, stateBuild: site.stateBuild, warmup, uploads, medianMs, ...(latency ? { latency } : {}) });
}
// Last, on the first site: the burst writes gigabytes, and the disk flushing them would slow what came after.
const burst = options.burst > 0 && prepared[0] ? await measureBurst(prepared[0], options.burst) : undefined;

await server.stop();
if (options.profileDir) session.disconnect();
reportResult({ sites, ...(burst ? { burst } : {}), peakRssMb: peakRssMb() } satisfies UploadFigures);
