/**
 * The deployed pipeline under S3 and network faults: authors' writes go straight to s3rver, their
 * events through a model of the FIFO queue (redelivery, maxReceiveCount 5 as in infra/queue.yml)
 * to the Lambda handler, whose S3 client is the production one (one attempt per call, short
 * timeouts) pointed at a proxy that fails a seeded share of its requests in every way it knows.
 * After each scenario the feeds must be byte for byte a full build of the bucket's content/ and
 * no message may have been dead-lettered. FAULT_SEED=<n> replays a run.
 */
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3EventRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleEvent } from "../../functions/handle-event.js";
import { readSettings } from "../../functions/settings.js";
import { buildAll } from "../../lib/publish/build-all.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { prefixStorage } from "../../lib/storage/prefix.js";
import { retryingStorage } from "../../lib/storage/retry.js";
import { createS3Storage } from "../../lib/storage/s3.js";
import { s3ClientConfigFromEnv } from "../../lib/storage/s3-client-config.js";
import type { Storage } from "../../lib/storage/types.js";
import { FAULT_KINDS, seededSchedule, startFaultProxy, type FaultKind, type FaultProxy, type FaultSchedule } from "../support/fault-proxy.js";
import { createFifoQueue, type FifoQueue } from "../support/fifo-queue.js";
import { encodeEventKey, fromS3rver, type S3Server, scheduledEvent, startS3Server } from "../../scripts/support/local-aws/index.js";
import { NOW, post } from "./site.js";
import { mulberry32 } from "../../scripts/support/prng.js";
import { SMALL_SITE_CONFIG } from "../support/small-site.js";

const SEED = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : 20220610;
/** Share of proxied requests that fail; four in a row (a call giving up) stays rare. */
const FAULT_RATE = 0.2;
/** infra/queue.yml RedrivePolicy.maxReceiveCount */
const MAX_RECEIVE_COUNT = 5;
// Far below production's, so stalls cost little; above s3rver's worst latency while a feed renders.
const TIMEOUTS = { connectionMs: 500, socketIdleMs: 400 };

// A small limit, so deletions refill feeds from their reserve and, past it, rescan content/.
const CONFIG_YML = SMALL_SITE_CONFIG.replace("title: 测试站", "title: 故障测试站") + "    stock: 证券新闻\n";
// The same site with archives of two posts a page on average: uploads then write archive pages and their state too.
const ARCHIVED_YML = CONFIG_YML.replace("feeds:\n", "feeds:\n  archive:\n    page_size: 2\n");
const CATEGORIES = ["bank", "stock", "auto", "fund"];
const TAGS = ["银行", "股市", "IPO", "理财"];

// Deterministic draws for the scenarios' content, so a seed replays a whole run.
const random = mulberry32(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const some = <T>(items: readonly T[], max: number): T[] => items.filter(() => random() < max / items.length);

let server: S3Server;
let proxy: FaultProxy;
let client: S3Client;
const started = performance.now();
const totals = {
  requests: 0,
  faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  survived: 0,
  deliveries: 0,
  threw: 0,
  partial: 0,
  redeliveries: 0,
};

const seeded = seededSchedule({ seed: SEED, rate: FAULT_RATE });
/** Every request fails while its arrival index is in [from, to): S3 unreachable for a moment. */
const outage = (from: number, to: number): FaultSchedule => {
  const always = seededSchedule({ seed: SEED, rate: 1 });
  return (r) => (r.index >= from && r.index < to ? always(r) : seeded(r));
};

beforeAll(async () => {
  server = await startS3Server();
  proxy = await startFaultProxy({ upstream: server.endpoint });
  client = new S3Client({
    ...s3ClientConfigFromEnv({ AWS_ENDPOINT_URL: proxy.endpoint }, TIMEOUTS),
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  console.info(`[faults] seed ${SEED} (FAULT_SEED=${SEED} replays this run), rate ${FAULT_RATE}, timeouts ${JSON.stringify(TIMEOUTS)}`);
});

afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await server?.stop();
});

/** Counts calls still running, so a redelivery can wait for the failed invocation's stragglers. */
function tracked(storage: Storage): { storage: Storage; settled: () => Promise<void> } {
  let running = 0;
  let waiters: (() => void)[] = [];
  const track = <T>(call: () => Promise<T>): Promise<T> => {
    running++;
    return call().finally(() => {
      if (--running === 0) for (const wake of waiters.splice(0)) wake();
    });
  };
  return {
    storage: {
      get: (key) => track(() => storage.get(key)),
      hash: (key) => track(() => storage.hash(key)),
      put: (key, body, o) => track(() => storage.put(key, body, o)),
      delete: (key) => track(() => storage.delete(key)),
      list: (prefix) => track(() => storage.list(prefix)),
    },
    settled: () => (running === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}

interface FaultySite {
  bucket: string;
  queue: FifoQueue;
  /** The bucket without the proxy, for the author and for checking. */
  direct: Storage;
  now: Date;
  write(key: string, body: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Sends the events of the author's writes since the last call, and delivers until the queue is empty. */
  publish(extra?: unknown[]): Promise<void>;
}

let sites = 0;

async function createFaultySite(config: string): Promise<FaultySite> {
  const bucket = `faults-${++sites}`;
  await server.createBucket(bucket);
  const settings = readSettings({ BUCKET: bucket, PUBLISH_QUEUE_URL: "http://127.0.0.1/queue" });
  // Built once, as functions/publish.ts builds it per cold start: one client, one retry budget.
  const lambda = tracked(retryingStorage(createS3Storage({ client, bucket })));
  const queue = createFifoQueue({ maxReceiveCount: MAX_RECEIVE_COUNT });
  let events: S3EventRecord[] = [];
  const lastEvent = (key: string) => {
    const encoded = encodeEventKey(key);
    const record = server.events.findLast((r) => r.s3.bucket.name === bucket && r.s3.object.key === encoded);
    if (!record) throw new Error(`[faults] s3rver emitted no event for ${bucket}/${key}`);
    return record;
  };
  const site: FaultySite = {
    bucket,
    queue,
    direct: createS3Storage({ client: server.client, bucket }),
    now: NOW,
    async write(key, body) {
      await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "text/markdown; charset=utf-8" }));
      events.push(lastEvent(key));
    },
    async remove(key) {
      await server.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      events.push(lastEvent(key));
    },
    async publish(extra = []) {
      queue.send([...events.map(fromS3rver), ...extra]);
      events = [];
      const now = site.now;
      await queue.drain(
        (event) => handleEvent(event, { bucket: lambda.storage, bucketName: bucket, cacheControl: settings.cacheControl, now: () => now, log: () => {}, send: async (body) => queue.send([body]) }),
        // The visibility timeout (360 s) is far longer than any call the failed invocation left running.
        async () => {
          await lambda.settled();
          await proxy.idle();
        },
      );
      await lambda.settled();
      await proxy.idle();
    },
  };
  await site.write("content/_config.yml", config);
  events = [];
  return site;
}

async function feedsOf(storage: Storage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await storage.list("feeds/")) out[key] = new TextDecoder().decode((await storage.get(key))!);
  return out;
}

/** A full build of the bucket's content/ into a fresh bucket. */
async function fullBuildOf(site: FaultySite): Promise<Record<string, string>> {
  const fresh = createMemoryStorage();
  await buildAll({ content: prefixStorage(site.direct, "content/"), output: fresh, now: site.now });
  return feedsOf(fresh);
}

const DAY = 86_400_000;
const EPOCH = Date.parse("2022-05-01T08:00:00+08:00");

function randomPost(title: string, options: { future?: boolean; published?: boolean } = {}): string {
  const date = new Date(options.future ? NOW.getTime() + (1 + random()) * DAY : EPOCH + Math.floor(random() * 38) * DAY + Math.floor(random() * 1440) * 60_000);
  return post({
    title,
    date: date.toISOString(),
    categories: some(CATEGORIES, 1.5),
    tags: some(TAGS, 1.5),
    ...(options.published === false ? { published: false } : {}),
  });
}

const keyOf = (i: number) => `content/2022-05-${String((i % 28) + 1).padStart(2, "0")}-post-${i}.md`;

/** Runs the scenario with faults on, then checks convergence and what was injected. */
async function underFaults(name: string, site: FaultySite, scenario: () => Promise<void>, schedule = seeded): Promise<void> {
  proxy.reset();
  proxy.setSchedule(schedule);
  const deliveriesBefore = site.queue.deliveries.length;
  const redeliveriesBefore = site.queue.redeliveries();
  const t = performance.now();
  try {
    await scenario();
  } finally {
    proxy.setSchedule(null);
  }
  const byKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, Object.values(proxy.faults[k]).reduce((a, b) => a + b, 0)])) as Record<FaultKind, number>;
  const delivered = site.queue.deliveries.slice(deliveriesBefore);
  const deliveries = delivered.length;
  const threw = delivered.filter((d) => d.error !== undefined).length;
  const partial = delivered.filter((d) => d.error === undefined && d.failed.length > 0).length;
  const redeliveries = site.queue.redeliveries() - redeliveriesBefore;
  totals.threw += threw;
  totals.partial += partial;
  totals.requests += proxy.totalRequests();
  for (const k of FAULT_KINDS) totals.faults[k] += byKind[k];
  totals.deliveries += deliveries;
  totals.redeliveries += redeliveries;
  console.info(
    `[faults] ${name}: ${proxy.totalRequests()} requests, ${proxy.totalFaults()} faults ${JSON.stringify(byKind)}, ` +
      `${deliveries} deliveries (${threw} threw, ${partial} returned batchItemFailures, ${redeliveries} redeliveries), ${Math.round(performance.now() - t)} ms`,
  );

  expect(site.queue.deadLettered.map((d) => ({ body: d.record.body, error: String(d.error) }))).toEqual([]);
  const failed = delivered.filter((d) => d.failed.length > 0);
  const feeds = await feedsOf(site.direct);
  const expected = await fullBuildOf(site);
  if (JSON.stringify(feeds) !== JSON.stringify(expected)) {
    console.error(`[faults] ${name} diverged (seed ${SEED}); failed deliveries: ${failed.map((d) => `${d.failed.length}/${d.event.Records.length} ${String(d.error ?? "batchItemFailures")}`).join("; ")}`);
    console.error(`[faults] faults injected: ${proxy.injected.map((f) => `#${f.index} ${f.kind} ${f.op} ${f.path} (occurrence ${f.occurrence})`).join("\n  ")}`);
  }
  expect(Object.keys(feeds).length).toBeGreaterThan(3);
  expect(feeds).toEqual(expected);
  totals.survived += proxy.totalFaults();
}

describe.each([
  { sites: "", config: CONFIG_YML },
  { sites: ", with archives", config: ARCHIVED_YML },
])(`the pipeline under S3 faults (seed ${SEED})$sites`, ({ config }) => {
  let site: FaultySite;
  const live = new Set<number>();
  let next = 0;

  beforeAll(async () => {
    site = await createFaultySite(config);
  });

  it("publishes a first set of uploads, one of them scheduled for later", async () => {
    await underFaults("uploads", site, async () => {
      for (let i = 0; i < 24; i++, next++) {
        await site.write(keyOf(next), randomPost(`文章 ${next}`, { future: i === 5 }));
        live.add(next);
      }
      await site.publish();
    });
  });

  it("follows edits of titles and dates", async () => {
    await underFaults("edits", site, async () => {
      for (const i of [...live].filter(() => random() < 0.5)) {
        await site.write(keyOf(i), randomPost(`修改 ${i}`));
      }
      await site.publish();
    });
  });

  it("moves posts between categories and tags", async () => {
    await underFaults("moves", site, async () => {
      for (const i of [...live].filter(() => random() < 0.5)) {
        await site.write(keyOf(i), post({ title: `搬家 ${i}`, date: new Date(EPOCH + i * DAY).toISOString(), categories: [pick(CATEGORIES)], tags: some(TAGS, 1) }));
      }
      await site.publish();
    });
  });

  it("takes deleted and unpublished posts out of every feed, emptying some", async () => {
    await underFaults("deletes", site, async () => {
      for (const i of [...live].filter(() => random() < 0.4)) {
        if (random() < 0.75) {
          await site.remove(keyOf(i));
          live.delete(i);
        } else {
          await site.write(keyOf(i), randomPost(`草稿 ${i}`, { published: false }));
        }
      }
      await site.publish();
    });
  });

  it("catches up after S3 is unreachable for a moment in the middle of a batch", async () => {
    await underFaults(
      "outage",
      site,
      async () => {
        for (let n = 0; n < 10; n++) {
          if (n % 2 === 0) {
            await site.write(keyOf(next), randomPost(`断网 ${next}`));
            live.add(next++);
          } else {
            const i = pick([...live]);
            await site.write(keyOf(i), randomPost(`断网修改 ${i}`));
          }
        }
        await site.publish();
      },
      outage(12, 40),
    );
    expect(site.queue.redeliveries()).toBeGreaterThan(0);
  });

  it("converges after a mixed stream of creates, edits, moves and deletes, and a tick", async () => {
    await underFaults("mixed", site, async () => {
      for (let round = 0; round < 3; round++) {
        for (let n = 0; n < 12; n++) {
          const roll = random();
          if (roll < 0.3 || live.size === 0) {
            await site.write(keyOf(next), randomPost(`新文 ${next}`));
            live.add(next++);
          } else if (roll < 0.75) {
            const i = pick([...live]);
            await site.write(keyOf(i), randomPost(`再改 ${i}`));
          } else {
            const i = pick([...live]);
            await site.remove(keyOf(i));
            live.delete(i);
          }
        }
        await site.publish();
      }
      // The scheduled post's time comes: the tick publishes it.
      site.now = new Date(NOW.getTime() + 3 * DAY);
      await site.publish([scheduledEvent(site.now)]);
    });
  });

  it("injected every kind of fault, and every run converged", () => {
    const injected = Object.values(totals.faults).reduce((a, b) => a + b, 0);
    console.info(
      `[faults] seed ${SEED}: ${totals.requests} requests, ${injected} faults injected, ${totals.survived} survived ${JSON.stringify(totals.faults)}; ` +
        `${totals.deliveries} deliveries (${totals.threw} threw, ${totals.partial} returned batchItemFailures), ${totals.redeliveries} redeliveries, 0 dead-lettered; ` +
        `${Math.round(performance.now() - started)} ms`,
    );
    for (const kind of FAULT_KINDS) expect(totals.faults[kind], kind).toBeGreaterThan(0);
    expect(totals.survived).toBe(injected);
  });
});
