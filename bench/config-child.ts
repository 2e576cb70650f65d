/**
 * Recovery after a configuration change, on a model of the deployed function: the site's bucket in
 * memory behind a wrapper that waits as S3 does (15 ms per GET/HEAD, 30 ms per PUT/DELETE, 50 ms per
 * LIST page of 1,000 keys), and CPU time scaled by 1,769 MB ÷ the function's memory (Lambda gives
 * about one vCPU per 1,769 MB), without the CPU the in-memory bucket spends on its side of a request
 * (S3's work, not the function's). Each change starts from the same fully built bucket.
 *
 *   tsx bench/config-child.ts '{"n":10000,"content":"bench/out/corpus-10000"}'
 *   tsx bench/config-child.ts '{"n":10000,"content":"…","only":[],"uploads":5,"configFile":"my_config.yml"}'
 *
 * The second measures uploads alone onto a site built with another _config.yml (other feed lengths, say).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildAll } from "../lib/publish/build-all.js";
import { publish, type PublishOptions, type PublishRequest, type PublishResult } from "../lib/publish/publish-changes.js";
import { mapLimit } from "../lib/publish/map-limit.js";
import { DEFAULT_CACHE_CONTROL } from "../lib/publish/write-files.js";
import { createFsStorage } from "../lib/storage/fs.js";
import { createMemoryStorage, type MemoryStorage } from "../lib/storage/memory.js";
import { prefixStorage } from "../lib/storage/prefix.js";
import type { Storage } from "../lib/storage/types.js";
import { peakRssMb, REPO_ROOT, reportResult } from "./child-io.js";
import { configText, generatePost, NOW } from "./corpus.js";

export interface ConfigOptions {
  n: number;
  content: string;
  /** Names of the changes to run (all by default), e.g. to profile one. */
  only?: string[];
  /** New posts uploaded one at a time onto the built site, each its own call (0 or absent: none). */
  uploads?: number;
  /** New posts delivered 10 per call, as SQS FIFO batches reach the function (0 or absent: none). */
  burst?: number;
  /** A _config.yml to build the site with instead of the corpus's, e.g. to measure other feed lengths. */
  configFile?: string;
}

/** One call on the model: its time with S3's waits and the CPU scaled, what it asked of S3. */
export interface ModelledCall {
  modelledMs: number;
  cpuMs: number;
  requests: Record<string, number>;
  putMb: number;
}

export interface ModelledBurst {
  posts: number;
  /** Calls in all: one a batch of 10, and the flushes held batches sent. */
  calls: number;
  modelledMs: number;
  postsPerSecond: number;
  maxCallMs: number;
  /** Most PUTs of one feed file in one call (each feed written at most once per batch: 1). */
  maxPutsPerFeedFilePerCall: number;
  putMb: number;
  /** How far the process's RSS rose over the built bucket while the burst ran: what the calls held at once. */
  rssGrowthMb: number;
}

export interface ConfigChangeFigures {
  change: string;
  path: "re-rendered" | "chosen again" | "rescan" | "incremental";
  /** Wall time with the S3 waits, CPU time scaled to the function's share of a vCPU added: all calls. */
  modelledMs: number;
  /** Invocations it took (a rescan continues through the queue), and the longest one, modelled. */
  calls: number;
  maxCallMs: number;
  cpuMs: number;
  waitedMs: number;
  requests: Record<string, number>;
  putMb: number;
}

export interface ConfigFigures {
  n: number;
  memoryMb: number;
  timeoutS: number;
  cpuScale: number;
  changes: ConfigChangeFigures[];
  uploads?: ModelledCall[];
  burst?: ModelledBurst;
  peakRssMb: number;
}

const WAIT_MS: Record<string, number> = { GET: 15, HEAD: 15, PUT: 30, DELETE: 30, LIST: 50 };

/** The function's memory and timeout as serverless.yml sets them. */
async function functionSize(): Promise<{ memoryMb: number; timeoutS: number }> {
  const yml = await readFile(join(REPO_ROOT, "serverless.yml"), "utf8");
  const memoryMb = Number(/^\s*memorySize:\s*(\d+)/m.exec(yml)?.[1]);
  const timeoutS = Number(/^\s*timeout:\s*(\d+)/m.exec(yml)?.[1]);
  if (!memoryMb || !timeoutS) throw new Error("[bench] serverless.yml names no memorySize or timeout");
  return { memoryMb, timeoutS };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The bucket as the function sees it: every request waits as S3 would, and is counted. */
function modelled(bucket: Storage) {
  const requests: Record<string, number> = {};
  let putBytes = 0;
  let waitedMs = 0;
  let serverCpuMs = 0;
  const putsByKey = new Map<string, number>();
  const wait = async (op: string, times = 1) => {
    requests[op] = (requests[op] ?? 0) + times;
    waitedMs += WAIT_MS[op]! * times;
    for (let i = 0; i < times; i++) await sleep(WAIT_MS[op]!);
  };
  // What the in-memory bucket does (copying, hashing a stored body) is S3's work, not the function's.
  const server = async <T>(work: () => Promise<T>): Promise<T> => {
    const cpu = process.cpuUsage();
    try {
      return await work();
    } finally {
      const used = process.cpuUsage(cpu);
      serverCpuMs += (used.user + used.system) / 1000;
    }
  };
  const storage: Storage = {
    get: async (key, o) => (await wait("GET"), server(() => bucket.get(key, o))),
    hash: async (key) => (await wait("HEAD"), server(() => bucket.hash(key))),
    put: async (key, body, o) => {
      await wait("PUT");
      putsByKey.set(key, (putsByKey.get(key) ?? 0) + 1);
      putBytes += typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
      return server(() => bucket.put(key, body, o));
    },
    delete: async (key) => (await wait("DELETE"), server(() => bucket.delete(key))),
    list: async (prefix, o) => {
      const keys = await server(() => bucket.list(prefix, o));
      await wait("LIST", Math.max(1, Math.ceil(keys.length / 1000)));
      return keys;
    },
  };
  return { storage, requests, putsByKey, putBytes: () => putBytes, putMb: () => Math.round((putBytes / 2 ** 20) * 10) / 10, waitedMs: () => waitedMs, serverCpuMs: () => serverCpuMs };
}

type Model = ReturnType<typeof modelled>;

/** One invocation on the model: S3's waits as they came, the function's CPU scaled to its memory. */
async function modelledCall(model: Model, options: PublishOptions, request: PublishRequest): Promise<ModelledCall & { result: PublishResult }> {
  const requestsBefore = { ...model.requests };
  const putBefore = model.putBytes();
  const cpu = process.cpuUsage();
  const serverBefore = model.serverCpuMs();
  const started = performance.now();
  const result = await publish(options, request);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const serverMs = model.serverCpuMs() - serverBefore;
  const cpuMs = (used.user + used.system) / 1000 - serverMs;
  const requests = Object.fromEntries(Object.entries(model.requests).map(([op, n]) => [op, n - (requestsBefore[op] ?? 0)]).filter(([, n]) => n !== 0));
  const putMb = Math.round(((model.putBytes() - putBefore) / 2 ** 20) * 100) / 100;
  return { result, modelledMs: Math.round(wallMs - serverMs + cpuMs * (cpuScale - 1)), cpuMs: Math.round(cpuMs), requests, putMb };
}

function pathOf(result: PublishResult): ConfigChangeFigures["path"] {
  if (result.rebuilt) return "rescan";
  if (result.reindexed) return "chosen again";
  return result.rerendered ? "re-rendered" : "incremental";
}

const options = JSON.parse(process.argv[2] ?? "{}") as ConfigOptions;
const size = await functionSize();
const cpuScale = 1769 / size.memoryMb;
const log = (line: string) => console.error(`[bench] [config] ${line}`);

const base = options.configFile ? await readFile(options.configFile, "utf8") : await configText();
const source = createFsStorage({ base: options.content });
const built = createMemoryStorage();
const keys = (await source.list("")).filter((k) => k.endsWith(".md"));
await built.put("content/_config.yml", base);
await mapLimit(keys, 64, async (key) => built.put(`content/${key}`, (await source.get(key))!));
await buildAll({ content: prefixStorage(built, "content/"), output: built, state: built, now: NOW, cacheControl: DEFAULT_CACHE_CONTROL });
// The index state a build writes holds no archives: with feeds.archive the function's first call
// would rescan content/ to build them, so the site is set up by that rescan, run to its end here.
if (/^\s+archive:/m.test(base)) {
  let step = await publish({ bucket: built, now: NOW, cacheControl: DEFAULT_CACHE_CONTROL, rescanWork: Infinity }, { changes: [], rebuild: true });
  while (step.next) step = await publish({ bucket: built, now: NOW, cacheControl: DEFAULT_CACHE_CONTROL, rescanWork: Infinity }, { changes: [], rescan: step.next });
}
log(`site of ${keys.length} posts built with state`);

async function copyOf(bucket: MemoryStorage): Promise<MemoryStorage> {
  const copy = createMemoryStorage();
  for (const key of await bucket.list("")) {
    const o = bucket.inspect(key)!;
    await copy.put(key, o.body, { ...(o.contentType ? { contentType: o.contentType } : {}), ...(o.cacheControl ? { cacheControl: o.cacheControl } : {}) });
  }
  return copy;
}

const CHANGES: { change: string; config?: string; cacheControl?: string; rebuild?: boolean; lose?: boolean }[] = [
  { change: "site title", config: base.replace(/^title: .*$/m, "title: 新的站名") },
  { change: "Cache-Control", cacheControl: "public, max-age=120" },
  { change: "timezone", config: base.replace(/^timezone: .*$/m, "timezone: Europe/London") },
  { change: "feeds.limit", config: base.replace(/^(\s*)limit: .*$/m, "$1limit: 40") },
  { change: "rebuild request", rebuild: true },
  { change: "input limits", config: base.replace(/^feeds:\n/m, "feeds:\n  limits:\n    names_per_post: 40\n") },
  { change: "lost index", lose: true },
];

const changes: ConfigChangeFigures[] = [];
for (const c of CHANGES.filter((c) => !options.only || options.only.includes(c.change))) {
  const bucket = await copyOf(built);
  if (c.config) {
    if (c.config === base) throw new Error(`[bench] [config] the ${c.change} edit did not change _config.yml`);
    await bucket.put("content/_config.yml", c.config);
  }
  if (c.lose) for (const key of await bucket.list("state/")) await bucket.delete(key);
  const model = modelled(bucket);
  const options = { bucket: model.storage, now: NOW, cacheControl: c.cacheControl ?? DEFAULT_CACHE_CONTROL };
  // Each call is one invocation; a rescan's continuation is the next one.
  const calls: { modelledMs: number; cpuMs: number }[] = [];
  let result: PublishResult | undefined;
  do {
    const request = result?.next ? { changes: [], rescan: result.next } : { changes: [], rebuild: c.rebuild ?? false };
    const { result: next, ...call } = await modelledCall(model, options, request);
    calls.push(call);
    result = result ? { ...next, rebuilt: result.rebuilt || next.rebuilt } : next;
  } while (result.next);
  const figures: ConfigChangeFigures = {
    change: c.change,
    path: pathOf(result),
    modelledMs: Math.round(calls.reduce((sum, call) => sum + call.modelledMs, 0)),
    calls: calls.length,
    maxCallMs: Math.round(Math.max(...calls.map((call) => call.modelledMs))),
    cpuMs: Math.round(calls.reduce((sum, call) => sum + call.cpuMs, 0)),
    waitedMs: model.waitedMs(),
    requests: model.requests,
    putMb: model.putMb(),
  };
  log(`${c.change}: ${figures.path}, ${(figures.modelledMs / 1000).toFixed(1)} s modelled in ${figures.calls} calls, the longest ${(figures.maxCallMs / 1000).toFixed(1)} s (${figures.cpuMs} ms CPU here), ${JSON.stringify(figures.requests)}, ${figures.putMb} MB written`);
  changes.push(figures);
}

/** New posts for the uploads and the burst, the same at every site size, dated after the corpus. */
const newPost = (i: number) => generatePost(20220520, 3_000_000 + i, { date: new Date(NOW.getTime() - 86_400_000 + i * 1000), common: 8 });

const uploads: ModelledCall[] = [];
if (options.uploads) {
  const bucket = await copyOf(built);
  const model = modelled(bucket);
  for (let i = 0; i < options.uploads; i++) {
    const post = newPost(i);
    await bucket.put(`content/${post.key}`, post.text);
    const { result, ...call } = await modelledCall(model, { bucket: model.storage, now: NOW, cacheControl: DEFAULT_CACHE_CONTROL }, { changes: [{ key: post.key, removed: false }] });
    if (result.rebuilt || result.results[0]?.outcome !== "published") throw new Error(`[bench] [config] upload of ${post.key}: ${JSON.stringify(result.results)}`);
    uploads.push(call);
  }
  const median = [...uploads].sort((a, b) => a.modelledMs - b.modelledMs)[Math.floor(uploads.length / 2)]!;
  log(`uploads: ${uploads.length}, median ${median.modelledMs} ms modelled (${median.cpuMs} ms CPU here), ${JSON.stringify(median.requests)}, ${median.putMb} MB written`);
}

let burst: ModelledBurst | undefined;
if (options.burst) {
  const bucket = await copyOf(built);
  const model = modelled(bucket);
  const posts = Array.from({ length: options.burst }, (_, i) => newPost(10_000 + i));
  for (const post of posts) await bucket.put(`content/${post.key}`, post.text);
  // RSS sampled while the calls run, over what it was with the built bucket loaded.
  const rssBefore = process.memoryUsage.rss();
  let rssMax = rssBefore;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss())), 10);
  const calls: ModelledCall[] = [];
  let maxPuts = 0;
  // As the handler runs a burst: every post's event queued first, then batches of 10, a full one
  // saying more wait behind it; each flush a call sends goes behind all of them.
  const call = async (request: PublishRequest) => {
    model.putsByKey.clear();
    const { result, ...figures } = await modelledCall(model, { bucket: model.storage, now: NOW, cacheControl: DEFAULT_CACHE_CONTROL }, request);
    if (result.rebuilt || result.failedAt !== undefined) throw new Error(`[bench] [config] a burst call did not publish incrementally: ${JSON.stringify(result.results.slice(0, 3))}`);
    maxPuts = Math.max(maxPuts, 0, ...[...model.putsByKey].filter(([key]) => key.startsWith("feeds/")).map(([, n]) => n));
    calls.push(figures);
    return result;
  };
  let flushes = 0;
  for (let b = 0; b < posts.length; b += 10) {
    const batch = posts.slice(b, b + 10).map((p) => ({ key: p.key, removed: false }));
    if ((await call({ changes: batch, more: batch.length === 10 })).flush) flushes++;
  }
  for (let f = 0; f < flushes; f++) await call({ changes: [] });
  clearInterval(sampler);
  const modelledMs = calls.reduce((sum, c) => sum + c.modelledMs, 0);
  burst = {
    posts: posts.length,
    calls: calls.length,
    modelledMs,
    postsPerSecond: Math.round((posts.length / (modelledMs / 1000)) * 10) / 10,
    maxCallMs: Math.max(...calls.map((c) => c.modelledMs)),
    maxPutsPerFeedFilePerCall: maxPuts,
    putMb: Math.round(calls.reduce((sum, c) => sum + c.putMb, 0)),
    rssGrowthMb: Math.round((rssMax - rssBefore) / 2 ** 20),
  };
  log(`burst: ${burst.posts} posts in ${burst.calls} calls, ${(modelledMs / 1000).toFixed(1)} s modelled, ${burst.postsPerSecond} posts/s, longest call ${burst.maxCallMs} ms, at most ${maxPuts} PUT per feed file per call, RSS +${burst.rssGrowthMb} MB`);
}

reportResult({
  n: keys.length,
  ...size,
  cpuScale: Math.round(cpuScale * 100) / 100,
  changes,
  ...(uploads.length ? { uploads } : {}),
  ...(burst ? { burst } : {}),
  peakRssMb: peakRssMb(),
} satisfies ConfigFigures);
