/**
 * A burst of uploads through the queue as SQS FIFO delivers it: full batches are held back and
 * published together once the burst has been read, so each feed file is written once for many
 * posts, and the feeds end as a full build of the same content gives them.
 */
import { describe, expect, it } from "vitest";
import { handleEvent, SQS_FIFO_MAX_BATCH, type Deps } from "../../functions/handle-event.js";
import { HOLD_LIMIT } from "../../lib/publish/publish-changes.js";
import { loadSiteState } from "../../lib/publish/state-store.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import type { Storage } from "../../lib/storage/types.js";
import { eventBridgeS3Event } from "../../scripts/support/local-aws/index.js";
import { deliver } from "../support/deliver.js";
import { createFifoQueue, type FifoQueue } from "../support/fifo-queue.js";
import { feedFiles, fullBuildFeeds } from "../support/full-build.js";
import { SMALL_SITE_CONFIG } from "../support/small-site.js";

const BUCKET = "feedpub-test-bucket";
const NOW = new Date("2022-06-10T12:00:00+08:00");
const CATEGORIES = ["bank", "stock", "auto", "fund"];

const postKey = (i: number) => `2022-05-${String(1 + (i % 28)).padStart(2, "0")}-p${i}.md`;
const postText = (i: number) =>
  `---\ntitle: 第 ${i} 篇\ndate: 2022-05-${String(1 + (i % 28)).padStart(2, "0")} ${String(i % 24).padStart(2, "0")}:00:00 +0800\ncategories: [${CATEGORIES[i % 4]}]\ntags: [t${i % 3}]\n---\n<p>正文 ${i}</p>\n`;

/** A site of `existing` posts with its index built, and a queue the handler also sends its own messages to. */
async function site(existing: number) {
  const bucket = createMemoryStorage();
  await bucket.put("content/_config.yml", SMALL_SITE_CONFIG);
  for (let i = 0; i < existing; i++) await bucket.put(`content/${postKey(i)}`, postText(i));
  await deliver({ bucket, now: NOW }, []);
  const queue = createFifoQueue({ maxReceiveCount: 5 });
  const puts = new Map<string, number>();
  const counted: Storage = { ...bucket, put: (key, body, o) => (puts.set(key, (puts.get(key) ?? 0) + 1), bucket.put(key, body, o)) };
  const logs: Record<string, unknown>[] = [];
  const deps: Deps = { bucket: counted, bucketName: BUCKET, cacheControl: "public, max-age=60", now: () => NOW, log: (e) => logs.push(e), send: async (body) => queue.send([body]) };
  return { bucket, queue, puts, logs, deps };
}

/** Uploads posts [from, to) and queues their events. */
async function upload(bucket: MemoryStorage, queue: FifoQueue, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    await bucket.put(`content/${postKey(i)}`, postText(i));
    queue.send([eventBridgeS3Event({ bucket: BUCKET, key: `content/${postKey(i)}`, type: "Object Created" })]);
  }
}

const feedPuts = (puts: Map<string, number>) => [...puts].filter(([key]) => key.startsWith("feeds/"));

describe("a burst of uploads", () => {
  it("writes each feed file once for the whole burst, ending where a full build does", async () => {
    const { bucket, queue, puts, logs, deps } = await site(10);
    await upload(bucket, queue, 10, 55);
    await queue.drain((event) => handleEvent(event, deps));

    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    // Four full batches held, the fifth (five posts) published all 45: once per file.
    expect(feedPuts(puts).length).toBeGreaterThan(0);
    expect(Math.max(...feedPuts(puts).map(([, n]) => n))).toBe(1);
    expect(logs.filter((e) => e.type === "post" && e.outcome === "deferred")).toHaveLength(40);
    expect(logs.filter((e) => e.type === "post" && e.outcome === "published")).toHaveLength(45);
    expect((await loadSiteState(bucket))!.pendingChanges).toBeUndefined();
    expect(queue.deadLettered).toEqual([]);
  });

  it("publishes a burst that ends with a full batch when its flush arrives", async () => {
    const { bucket, queue, puts, deps } = await site(5);
    await upload(bucket, queue, 5, 5 + 2 * SQS_FIFO_MAX_BATCH);
    await queue.drain((event) => handleEvent(event, deps));

    // Two full batches, both held; the flush the first one sent came behind them.
    expect(queue.deliveries.map((d) => d.event.Records.length)).toEqual([10, 10, 1]);
    expect(JSON.parse(queue.deliveries[2]!.event.Records[0]!.body)).toMatchObject({ action: "flush" });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect(Math.max(...feedPuts(puts).map(([, n]) => n))).toBe(1);
  });

  it(`publishes at once rather than hold more than ${HOLD_LIMIT} posts`, async () => {
    const { bucket, queue, logs, deps } = await site(0);
    await upload(bucket, queue, 0, HOLD_LIMIT + 2 * SQS_FIFO_MAX_BATCH);
    await queue.drain((event) => handleEvent(event, deps));

    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    const held = logs.filter((e) => e.type === "post" && e.outcome === "deferred").length;
    expect(held).toBeLessThanOrEqual(HOLD_LIMIT + SQS_FIFO_MAX_BATCH);
    expect(held).toBeGreaterThanOrEqual(HOLD_LIMIT);
  });

  it("sends the flush again when a held batch is delivered again after its call died", async () => {
    const { bucket, queue, deps } = await site(5);
    await upload(bucket, queue, 5, 5 + SQS_FIFO_MAX_BATCH);
    let sends = 0;
    // The first call dies after holding the changes, before its flush is sent.
    const dying: Deps = { ...deps, send: async () => (sends++ === 0 ? Promise.reject(new Error("killed")) : undefined) };
    await queue.drain((event) => handleEvent(event, sends === 0 ? dying : deps));

    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect((await loadSiteState(bucket))!.pendingChanges).toBeUndefined();
  });
});
