/** A site in memory that the handler has built once, and SQS batches of its posts' uploads. */
import { readFileSync } from "node:fs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { handleEvent, type Deps } from "../../functions/handle-event.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import { eventBridgeS3Event, sqsFifoEvent } from "../../scripts/support/local-aws/index.js";

export const BUCKET = "feedpub-test-bucket";
export const NOW = new Date("2022-06-10T12:00:00+08:00");
export const CONFIG = readFileSync(new URL("../../content/_config.yml", import.meta.url), "utf8");

export const good = (n: number) =>
  `---\ntitle: "好新闻 ${n}"\ndate: 2022-05-2${n % 10} 10:00:00 +0800\ncategories: beijingshangbao\ntags: 银行\n---\n<p>正文 ${n}</p>\n`;

export async function siteWith(posts: Record<string, string>): Promise<MemoryStorage> {
  const bucket = createMemoryStorage();
  await bucket.put("content/_config.yml", CONFIG);
  // The site exists already (its state is built), so the batch takes the incremental path.
  await handleEvent({ action: "rebuild" }, deps(bucket, []));
  // S3 holds keys such as "a//b.md"; the storage port refuses them, so such a post is only named by its event.
  for (const [key, text] of Object.entries(posts)) if (!key.includes("//")) await bucket.put(`content/${key}`, text);
  return bucket;
}

/** The handler's dependencies; what it sends to its own queue (a burst's flush) waits in `outbox`. */
export function deps(bucket: MemoryStorage, logs: Record<string, unknown>[]): Deps & { outbox: object[] } {
  const outbox: object[] = [];
  return { bucket, bucketName: BUCKET, cacheControl: "public, max-age=60", now: () => NOW, log: (e) => logs.push(e), send: async (body) => void outbox.push(body), outbox };
}

/**
 * Delivers an SQS batch, then what the handler sent to its own queue meanwhile, as the queue
 * would: a full batch's posts are held back until the flush it sends comes round.
 */
export async function deliverBatch(event: SQSEvent, deps: Deps & { outbox: object[] }): Promise<SQSBatchResponse> {
  const response = await handleEvent(event, deps);
  while (deps.outbox.length > 0) await handleEvent(sqsFifoEvent(deps.outbox.splice(0)), deps);
  return response;
}

export async function siteTitles(bucket: MemoryStorage): Promise<string[]> {
  const bytes = await bucket.get("feeds/feed.json");
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as { items: { title: string }[] }).items.map((i) => i.title).sort() : [];
}

export const batchOf = (keys: string[]) =>
  sqsFifoEvent(keys.map((key) => eventBridgeS3Event({ bucket: BUCKET, key: `content/${key}`, type: "Object Created" })));

