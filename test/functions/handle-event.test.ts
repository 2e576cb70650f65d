import { readFileSync } from "node:fs";
import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { handleEvent, type Deps } from "../../functions/handle-event.js";
import { ConfigError, StorageError } from "../../lib/errors.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import type { Storage } from "../../lib/storage/types.js";
import { eventBridgeS3Event, scheduledEvent, sqsFifoEvent } from "../../scripts/support/local-aws/index.js";

// The bucket the fixtures name.
const BUCKET = "feedpub-dev-contentbucket-1x9k2m7q4w8e";
const NOW = new Date("2022-06-10T12:00:00+08:00");
const CONTENT = new URL("../../content/", import.meta.url);

function fixture(name: string): SQSEvent {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), "utf8")) as SQSEvent;
}

function read(name: string): string {
  return readFileSync(new URL(name, CONTENT), "utf8");
}

/** A bucket holding content/_config.yml and the named sample posts from content/. */
async function bucketWith(...posts: string[]): Promise<MemoryStorage> {
  const bucket = createMemoryStorage();
  await bucket.put("content/_config.yml", read("_config.yml"));
  for (const name of posts) await bucket.put(`content/${name}`, read(name));
  return bucket;
}

function depsFor(bucket: Storage, logs: Record<string, unknown>[] = []): Deps {
  return { bucket, bucketName: BUCKET, cacheControl: "public, max-age=60", now: () => NOW, log: (e) => logs.push(e), send: async () => { throw new Error("no rescan continues at this size"); } };
}

const created = (key: string) => eventBridgeS3Event({ bucket: BUCKET, key, type: "Object Created" });

async function titles(bucket: MemoryStorage, dir: string): Promise<string[] | null> {
  const bytes = await bucket.get(`${dir}/feed.json`);
  return bytes && (JSON.parse(new TextDecoder().decode(bytes)) as { items: { title: string }[] }).items.map((i) => i.title);
}

describe("handleEvent with the fixture events", () => {
  it("publishes the posts named by an SQS batch of Object Created events", async () => {
    const bucket = await bucketWith("2022-05-20-jiangxi-bank.md", "2022-05-25-银行理财.md");
    const logs: Record<string, unknown>[] = [];
    expect(await handleEvent(fixture("sqs-object-created.json"), depsFor(bucket, logs))).toEqual({ batchItemFailures: [] });
    expect(await titles(bucket, "feeds")).toEqual(["银行理财产品破净率回落 现金管理类产品收益持续走低", "江西银行全力写好“强攻二季度、确保双过半”文章"]);
    expect(bucket.inspect("feeds/rss.xml")).toMatchObject({ contentType: "application/rss+xml; charset=utf-8", cacheControl: "public, max-age=60" });
    // The third key names no object; it is reported as removed, not retried.
    expect(logs.filter((e) => e.type === "post").map((e) => [e.key, e.outcome])).toEqual([
      ["content/2022-05-20-jiangxi-bank.md", "published"],
      ["content/2022-05-25-银行理财.md", "published"],
      ["content/notes/2022-06-03 weekly notes+c%2B%2B.md", "removed"],
    ]);
  });

  it("takes the posts of an SQS batch of Object Deleted events out of the feeds", async () => {
    const bucket = await bucketWith("2022-05-20-jiangxi-bank.md", "2022-05-25-银行理财.md", "2022-05-22-a-share-rebound.md");
    await handleEvent(fixture("sqs-object-created.json"), depsFor(bucket));
    await bucket.delete("content/2022-05-20-jiangxi-bank.md");
    await bucket.delete("content/2022-05-25-银行理财.md");
    expect(await handleEvent(fixture("sqs-object-deleted.json"), depsFor(bucket))).toEqual({ batchItemFailures: [] });
    expect(await titles(bucket, "feeds")).toEqual(["A股三大指数集体反弹 北向资金单周净买入超百亿元"]);
    expect(await titles(bucket, "feeds/beijingshangbao")).toBeNull();
  });

  it("publishes feeds.archive's pages from the function: the feed links its archive, and nothing is logged as a warning", async () => {
    const bucket = await bucketWith("2022-05-20-jiangxi-bank.md", "2022-05-25-银行理财.md");
    await bucket.put("content/_config.yml", read("_config.yml").replace("  limit: 50\n", "  limit: 1\n  archive:\n    page_size: 1\n"));
    const logs: Record<string, unknown>[] = [];
    expect(await handleEvent(fixture("sqs-object-created.json"), depsFor(bucket, logs))).toEqual({ batchItemFailures: [] });
    expect(await titles(bucket, "feeds")).toEqual(["银行理财产品破净率回落 现金管理类产品收益持续走低"]);
    const pages = (await bucket.list("feeds/archive/")).filter((k) => k.endsWith("/feed.json"));
    expect(pages).toHaveLength(1);
    expect(await titles(bucket, pages[0]!.slice(0, -"/feed.json".length))).toEqual(["江西银行全力写好“强攻二季度、确保双过半”文章"]);
    expect(new TextDecoder().decode((await bucket.get("feeds/atom.xml"))!)).toContain('rel="prev-archive"');
    expect(logs.filter((e) => e.level === "warn")).toEqual([]);
  });

  it("rebuilds everything for the rebuild message", async () => {
    const bucket = await bucketWith("2022-05-20-jiangxi-bank.md", "2022-05-22-a-share-rebound.md");
    const logs: Record<string, unknown>[] = [];
    expect(await handleEvent(fixture("sqs-rebuild.json"), depsFor(bucket, logs))).toEqual({ batchItemFailures: [] });
    expect(await titles(bucket, "feeds")).toHaveLength(2);
    expect(logs.at(-1)).toMatchObject({ type: "batch", rebuilt: true });
  });

  it("publishes nothing new on a tick when nothing is due, and writes nothing", async () => {
    const bucket = await bucketWith("2022-05-20-jiangxi-bank.md");
    await handleEvent(fixture("sqs-rebuild.json"), depsFor(bucket));
    const puts: string[] = [];
    const watched: Storage = { ...bucket, put: async (key, body, o) => (puts.push(key), bucket.put(key, body, o)) };
    expect(await handleEvent(fixture("sqs-scheduled-event.json"), depsFor(watched))).toEqual({ batchItemFailures: [] });
    expect(puts).toEqual([]);
  });
});

describe("handleEvent: which messages are retried", () => {
  it("drops (and logs) a message that is not JSON or not an event, without failing the batch", async () => {
    const bucket = await bucketWith("2022-05-20-jiangxi-bank.md");
    const logs: Record<string, unknown>[] = [];
    const event = sqsFifoEvent(["{not json", { hello: "world" }, created("content/2022-05-20-jiangxi-bank.md")]);
    expect(await handleEvent(event, depsFor(bucket, logs))).toEqual({ batchItemFailures: [] });
    const dropped = logs.filter((e) => e.outcome === "dropped");
    expect(dropped.map((e) => e.id)).toEqual([event.Records[0]!.messageId, event.Records[1]!.messageId]);
    expect(dropped.every((e) => e.level === "error" && typeof e.reason === "string")).toBe(true);
    expect(await titles(bucket, "feeds")).toEqual(["江西银行全力写好“强攻二季度、确保双过半”文章"]);
  });

  it("on a transient failure, reports that message and every later one, ticks and ignored messages included", async () => {
    const bucket = await bucketWith("2022-05-20-jiangxi-bank.md", "2022-05-25-银行理财.md");
    await handleEvent(sqsFifoEvent([{ action: "rebuild" }]), depsFor(bucket));
    await bucket.put("content/2022-06-01-mortgage-rate-cut.md", read("2022-06-01-mortgage-rate-cut.md"));
    await bucket.put("content/2022-05-22-a-share-rebound.md", read("2022-05-22-a-share-rebound.md"));
    const failing: Storage = {
      ...bucket,
      get: async (key) => {
        if (key === "content/2022-06-01-mortgage-rate-cut.md") throw new StorageError(key, "get", true);
        return bucket.get(key);
      },
    };
    const event = sqsFifoEvent([
      created("content/2022-05-22-a-share-rebound.md"),
      scheduledEvent(),
      created("content/2022-06-01-mortgage-rate-cut.md"),
      created("feeds/not-a-post.xml"),
      scheduledEvent(),
    ]);
    const ids = event.Records.map((r) => r.messageId);
    expect(await handleEvent(event, depsFor(failing))).toEqual({ batchItemFailures: ids.slice(2).map((itemIdentifier) => ({ itemIdentifier })) });
    expect(await titles(bucket, "feeds")).toContain("A股三大指数集体反弹 北向资金单周净买入超百亿元");
  });

  it("fails the whole invocation on an error that is not transient, such as a missing _config.yml", async () => {
    const bucket = createMemoryStorage();
    const logs: Record<string, unknown>[] = [];
    await expect(handleEvent(sqsFifoEvent([created("content/a.md")]), depsFor(bucket, logs))).rejects.toThrow(ConfigError);
    expect(logs.at(-1)).toMatchObject({ level: "error", type: "batch", outcome: "failed", messages: 1 });
  });
});
