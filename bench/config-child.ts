/**
 * Recovery after a configuration change, on a model of the deployed function: the site's bucket in
 * memory behind a wrapper that waits as S3 does (15 ms per GET/HEAD, 30 ms per PUT/DELETE, 50 ms per
 * LIST page of 1,000 keys), and CPU time scaled by 1,769 MB ÷ the function's memory (Lambda gives
 * about one vCPU per 1,769 MB), without the CPU the in-memory bucket spends on its side of a request
 * (S3's work, not the function's). Each change starts from the same fully built bucket.
 *
 *   tsx bench/config-child.ts '{"n":10000,"content":"bench/out/corpus-10000"}'
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildAll } from "../lib/publish/build-all.js";
import { publish, type PublishResult } from "../lib/publish/publish-changes.js";
import { mapLimit } from "../lib/publish/map-limit.js";
import { DEFAULT_CACHE_CONTROL } from "../lib/publish/write-files.js";
import { createFsStorage } from "../lib/storage/fs.js";
import { createMemoryStorage, type MemoryStorage } from "../lib/storage/memory.js";
import { prefixStorage } from "../lib/storage/prefix.js";
import type { Storage } from "../lib/storage/types.js";
import { peakRssMb, REPO_ROOT, reportResult } from "./child-io.js";
import { configText, NOW } from "./corpus.js";

export interface ConfigOptions {
  n: number;
  content: string;
  /** Names of the changes to run (all by default), e.g. to profile one. */
  only?: string[];
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
  return { storage, requests, putMb: () => Math.round((putBytes / 2 ** 20) * 10) / 10, waitedMs: () => waitedMs, serverCpuMs: () => serverCpuMs };
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

const base = await configText();
const source = createFsStorage({ base: options.content });
const built = createMemoryStorage();
const keys = (await source.list("")).filter((k) => k.endsWith(".md"));
await built.put("content/_config.yml", base);
await mapLimit(keys, 64, async (key) => built.put(`content/${key}`, (await source.get(key))!));
await buildAll({ content: prefixStorage(built, "content/"), output: built, state: built, now: NOW, cacheControl: DEFAULT_CACHE_CONTROL });
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
    const cpu = process.cpuUsage();
    const serverBefore = model.serverCpuMs();
    const started = performance.now();
    const next: PublishResult = await publish(options, request);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const serverMs = model.serverCpuMs() - serverBefore;
    const cpuMs = (used.user + used.system) / 1000 - serverMs;
    calls.push({ modelledMs: wallMs - serverMs + cpuMs * (cpuScale - 1), cpuMs });
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

reportResult({ n: keys.length, ...size, cpuScale: Math.round(cpuScale * 100) / 100, changes, peakRssMb: peakRssMb() } satisfies ConfigFigures);
