/**
 * The deployed event flow, end to end against a real S3 server (s3rver over HTTP, no SDK mocks):
 * an author's PutObject/DeleteObject → the event AWS would route (S3 → EventBridge → SQS FIFO)
 * → the Lambda handler → feeds fetched over plain HTTP as CloudFront would fetch them.
 */
import { readFileSync } from "node:fs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageError } from "../../lib/errors.js";
import { buildAll } from "../../lib/publish/build-all.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { prefixStorage } from "../../lib/storage/prefix.js";
import type { Storage } from "../../lib/storage/types.js";
import { eventBridgeS3Event, fromS3rver, redeliver, type S3Server, scheduledEvent, sqsFifoEvent, startS3Server } from "../../scripts/support/local-aws/index.js";
import { createPublishedSite, createSite, FEED_FILE_NAMES, FOLDER_FILE_NAMES, NOW, post, titlesIn, type LogEntry, type Site } from "./site.js";

// content/ holds the seed post byte for byte.
const SEED = readFileSync(new URL("../../content/2022-05-20-jiangxi-bank.md", import.meta.url), "utf8");
const SEED_KEY = "content/2022-05-20-jiangxi-bank.md";
const SEED_TITLE = "江西银行全力写好“强攻二季度、确保双过半”文章";
const CHINESE_KEY = "content/2022-05-25-银行理财.md";
const CHINESE_POST = readFileSync(new URL("../../content/2022-05-25-银行理财.md", import.meta.url), "utf8");
const CHINESE_TITLE = "银行理财产品破净率回落 现金管理类产品收益持续走低";

// As stored, which is what CloudFront's origin request sees; Atom and JSON Feed get their own
// types back at the edge (infra/edge/feed-response.js).
const CONTENT_TYPES: Record<string, string> = {
  "rss.xml": "application/rss+xml; charset=utf-8",
  "atom.xml": "application/xml",
  "feed.json": "application/json",
  "index.opml": "text/x-opml; charset=utf-8",
  "index.html": "text/html; charset=utf-8",
  "autodiscovery.html": "text/html; charset=utf-8",
};

let server: S3Server;

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

const feedKeys = (dir: string) => FEED_FILE_NAMES.map((name) => `${dir}/${name}`);
const folderKeys = (dir: string) => FOLDER_FILE_NAMES.map((name) => `${dir}/${name}`);

/** Every object under feeds/ with its bytes, read back over HTTP. */
async function publishedFeeds(site: Site): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await site.storage.list("feeds/")) out[key] = await site.text(key);
  return out;
}

/** What a full build from the bucket's content/ produces, in a fresh (memory) bucket. */
async function fullBuildOf(site: Site, now = NOW): Promise<Record<string, string>> {
  const fresh = createMemoryStorage();
  await buildAll({ content: prefixStorage(site.storage, "content/"), output: fresh, now });
  const out: Record<string, string> = {};
  for (const key of await fresh.list("feeds/")) out[key] = new TextDecoder().decode((await fresh.get(key))!);
  return out;
}

async function etagsOf(site: Site, keys: string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const key of keys) out[key] = (await site.fetch(key, { method: "HEAD" })).headers.get("etag");
  return out;
}

/** The file is served as CloudFront's origin would serve it: 200, its content type, the configured Cache-Control. */
async function expectServed(site: Site, key: string): Promise<void> {
  const response = await site.fetch(key, { method: "HEAD" });
  expect(response.status, key).toBe(200);
  expect(response.headers.get("content-type"), key).toBe(CONTENT_TYPES[key.slice(key.lastIndexOf("/") + 1)]);
  expect(response.headers.get("cache-control"), key).toBe(site.cacheControl);
}

function ok(result: SQSBatchResponse): void {
  expect(result).toEqual({ batchItemFailures: [] });
}

const postLogs = (logs: LogEntry[]) => logs.filter((e) => e.type === "post");
const batchLog = (logs: LogEntry[]) => logs.filter((e) => e.type === "batch").at(-1);

describe("one upload, from PutObject to the feeds served over HTTP", () => {
  let site: Site;
  let uploaded: SQSEvent;
  const affected = ["feeds", "feeds/beijingshangbao", "feeds/tags/北京商报新闻"].flatMap(feedKeys);

  beforeAll(async () => {
    site = await createSite(server);
  });

  it("publishes the post: every feed it belongs in, with content type, cache control, title and date", async () => {
    const record = await site.upload(SEED_KEY, SEED);
    expect(record.s3.object.key).toBe(SEED_KEY);
    uploaded = sqsFifoEvent([fromS3rver(record)]);
    ok(await site.run(uploaded));

    for (const key of [...affected, "feeds/index.opml"]) {
      const response = await site.fetch(key);
      expect(response.status, key).toBe(200);
      expect(response.headers.get("content-type"), key).toBe(CONTENT_TYPES[key.slice(key.lastIndexOf("/") + 1)]);
      expect(response.headers.get("cache-control"), key).toBe(site.cacheControl);
      const body = await response.text();
      if (key.endsWith("index.opml")) {
        expect(body).toContain('xmlUrl="https://finews.withounder.com/feeds/beijingshangbao/rss.xml"');
        continue;
      }
      expect(body, key).toContain(SEED_TITLE);
      if (key.endsWith("rss.xml")) expect(body, key).toContain("<pubDate>Fri, 20 May 2022 00:01:40 +0800</pubDate>");
      if (key.endsWith("atom.xml")) expect(body, key).toContain("<updated>2022-05-20T00:01:40+08:00</updated>");
      if (key.endsWith("feed.json")) expect(JSON.parse(body).items[0]).toMatchObject({ title: SEED_TITLE, date_published: "2022-05-20T00:01:40+08:00" });
    }
    expect(site.cacheControl).toBe("public, max-age=300, stale-while-revalidate=600");
  });

  it("answers a conditional GET with the feed's ETag with 304 Not Modified (s3rver honours If-None-Match)", async () => {
    for (const key of [...affected, "feeds/index.opml"]) {
      const first = await site.fetch(key);
      const etag = first.headers.get("etag");
      expect(etag, key).toMatch(/^"[0-9a-f]{32}"$/);
      expect((await site.fetch(key, { headers: { "If-None-Match": etag! } })).status, key).toBe(304);
      expect((await site.fetch(key, { headers: { "If-None-Match": '"0123456789abcdef0123456789abcdef"' } })).status, key).toBe(200);
    }
  });

  it("writes and deletes nothing when the same SQS event is delivered again, so ETags stay put", async () => {
    const keys = await site.storage.list("feeds/");
    const before = await etagsOf(site, keys);
    server.resetRequests();
    site.resetCounts();
    ok(await site.run(uploaded));
    expect(server.requests.PutObject ?? 0).toBe(0);
    expect(server.requests.DeleteObject ?? 0).toBe(0);
    expect(server.requests.ListObjectsV2 ?? 0).toBe(0);
    expect(site.puts).toEqual([]);
    expect(await etagsOf(site, keys)).toEqual(before);
    expect(batchLog(site.logs)).toMatchObject({ rebuilt: false });
  });

  it("takes a deleted post out of every feed, deletes feeds left empty and drops them from the OPML", async () => {
    const record = await site.remove(SEED_KEY);
    expect(record.eventName).toBe("ObjectRemoved:Delete");
    const deleted = fromS3rver(record);
    expect(deleted).toMatchObject({ "detail-type": "Object Deleted", detail: { reason: "DeleteObject", "deletion-type": "Permanently Deleted" } });
    ok(await site.run(sqsFifoEvent([deleted])));

    for (const key of ["feeds/beijingshangbao", "feeds/tags/北京商报新闻"].flatMap(feedKeys)) {
      expect((await site.fetch(key)).status, key).toBe(404);
    }
    for (const key of feedKeys("feeds")) expect(await site.text(key), key).not.toContain(SEED_TITLE);
    expect(await titlesIn(site, "feeds")).toEqual([]);
    const opml = await site.text("feeds/index.opml");
    expect(opml).toContain('xmlUrl="https://finews.withounder.com/feeds/rss.xml"');
    expect(opml).not.toContain("beijingshangbao");
    expect(await publishedFeeds(site)).toEqual(await fullBuildOf(site));
  });
});

describe("batches", () => {
  it("publishes the good posts around a post with broken YAML, does not retry it, and logs why", async () => {
    const site = await createPublishedSite(server, {});
    const good1 = await site.upload("content/2022-06-03-good-one.md", post({ title: "好文一", date: "2022-06-03 09:00:00 +0800", categories: ["diyicaijing"] }));
    const bad = await site.upload("content/2022-06-04-broken.md", '---\ntitle: "未闭合的引号\ndate: 2022-06-04 09:00:00 +0800\ncategories: [diyicaijing\n---\n<p>坏</p>\n');
    const good2 = await site.upload("content/2022-06-05-good-two.md", post({ title: "好文二", date: "2022-06-05 09:00:00 +0800", categories: ["diyicaijing"] }));

    ok(await site.run(sqsFifoEvent([good1, bad, good2].map(fromS3rver))));

    expect(await titlesIn(site, "feeds")).toEqual(["好文二", "好文一"]);
    expect(await titlesIn(site, "feeds/diyicaijing")).toEqual(["好文二", "好文一"]);
    const rejected = postLogs(site.logs).filter((e) => e.outcome === "rejected");
    expect(rejected).toEqual([expect.objectContaining({ key: "content/2022-06-04-broken.md", outcome: "rejected", level: "warn" })]);
    expect(rejected[0]!.reason).toEqual(expect.stringMatching(/\S/));
    expect(batchLog(site.logs)).toMatchObject({ rebuilt: false, messages: 3, changes: 3 });
  });

  it("writes each affected feed file once for a batch of 10 new posts in one category", async () => {
    const site = await createPublishedSite(server, { "content/2022-05-01-old.md": post({ title: "旧文", date: "2022-05-01 08:00:00 +0800", categories: ["zhengquanshibao"] }) });
    const records = [];
    for (let i = 1; i <= 10; i++) {
      const day = String(i).padStart(2, "0");
      records.push(await site.upload(`content/2022-06-${day}-batch-${day}.md`, post({ title: `批量 ${i}`, date: `2022-06-${day} 07:00:00 +0800`, categories: ["beijingshangbao"], tags: ["北京商报新闻"] })));
    }
    ok(await site.run(sqsFifoEvent(records.map(fromS3rver))));

    const feedPuts = site.puts.filter((key) => key.startsWith("feeds/"));
    // Every file of the two new feeds; of the site feed's, all but its autodiscovery snippet, whose bytes the items do not change.
    const changed = [...feedKeys("feeds"), "feeds/index.html", ...["feeds/beijingshangbao", "feeds/tags/北京商报新闻"].flatMap(folderKeys), "feeds/index.opml"];
    expect(feedPuts.sort()).toEqual(changed.sort());
    // State too: each object at most once (the journal is written once and deleted once), but the
    // site state: a full batch is held there first, then published by the flush it sent.
    const counts = new Map<string, number>();
    for (const key of site.puts) counts.set(key, (counts.get(key) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([["state/site.json", 2]]);
    expect(await titlesIn(site, "feeds/beijingshangbao")).toEqual(Array.from({ length: 10 }, (_, i) => `批量 ${10 - i}`));
    expect(await titlesIn(site, "feeds/zhengquanshibao")).toEqual(["旧文"]);
    // The batch of ten, held, then its flush, which published them.
    const batches = site.logs.filter((e) => e.type === "batch" && e.messages !== undefined);
    expect(batches.map((e) => [e.messages, e.rebuilt])).toEqual([[10, false], [1, false]]);
    for (const key of feedPuts) await expectServed(site, key);
  });
});

describe("edits", () => {
  it("moves a post from one category's feed to another's, then takes it out of every feed when it is unpublished", async () => {
    const key = "content/2022-06-06-moving.md";
    const site = await createPublishedSite(server, {
      "content/2022-06-01-stays.md": post({ title: "留下", date: "2022-06-01 08:00:00 +0800", categories: ["beijingshangbao"] }),
      [key]: post({ title: "搬家", date: "2022-06-06 08:00:00 +0800", categories: ["beijingshangbao"] }),
    });
    expect(await titlesIn(site, "feeds/beijingshangbao")).toEqual(["搬家", "留下"]);
    expect(await titlesIn(site, "feeds/zhengquanshibao")).toBeNull();

    const moved = await site.upload(key, post({ title: "搬家", date: "2022-06-06 08:00:00 +0800", categories: ["zhengquanshibao"] }));
    ok(await site.run(sqsFifoEvent([fromS3rver(moved)])));
    expect(await titlesIn(site, "feeds/beijingshangbao")).toEqual(["留下"]);
    expect(await titlesIn(site, "feeds/zhengquanshibao")).toEqual(["搬家"]);
    expect(await site.text("feeds/zhengquanshibao/rss.xml")).toContain("搬家");
    expect(await site.text("feeds/index.opml")).toContain("/feeds/zhengquanshibao/rss.xml");

    const unpublished = await site.upload(key, post({ title: "搬家", date: "2022-06-06 08:00:00 +0800", categories: ["zhengquanshibao"], published: false }));
    ok(await site.run(sqsFifoEvent([fromS3rver(unpublished)])));
    expect(postLogs(site.logs).at(-1)).toMatchObject({ key, outcome: "draft" });
    expect(await titlesIn(site, "feeds")).toEqual(["留下"]);
    expect(await titlesIn(site, "feeds/zhengquanshibao")).toBeNull();
    expect(await site.text("feeds/index.opml")).not.toContain("zhengquanshibao");
    expect(await publishedFeeds(site)).toEqual(await fullBuildOf(site));
  });

  it("holds a future-dated post back until a scheduled event comes after its date", async () => {
    const site = await createPublishedSite(server, {
      "content/2022-06-01-past.md": post({ title: "已发布", date: "2022-06-01 08:00:00 +0800", categories: ["diyicaijing"] }),
    });
    const future = await site.upload("content/2022-06-11-future.md", post({ title: "明日新闻", date: "2022-06-11 09:00:00 +0800", categories: ["diyicaijing"] }));
    ok(await site.run(sqsFifoEvent([fromS3rver(future)])));
    expect(postLogs(site.logs).at(-1)).toMatchObject({ key: "content/2022-06-11-future.md", outcome: "scheduled" });
    expect(await titlesIn(site, "feeds")).toEqual(["已发布"]);
    expect(await titlesIn(site, "feeds/diyicaijing")).toEqual(["已发布"]);

    // A tick before the date changes nothing; the first one after it publishes.
    site.resetCounts();
    ok(await site.run(sqsFifoEvent([scheduledEvent()]), { now: new Date("2022-06-11T08:55:00+08:00") }));
    expect(site.puts).toEqual([]);
    const later = new Date("2022-06-11T09:05:00+08:00");
    ok(await site.run(sqsFifoEvent([scheduledEvent(later)]), { now: later }));
    expect(await titlesIn(site, "feeds")).toEqual(["明日新闻", "已发布"]);
    expect(await titlesIn(site, "feeds/diyicaijing")).toEqual(["明日新闻", "已发布"]);
    expect(postLogs(site.logs).at(-1)).toMatchObject({ key: "content/2022-06-11-future.md", outcome: "published" });
    expect(await publishedFeeds(site)).toEqual(await fullBuildOf(site, later));
  });
});

describe("a transient S3 failure in the middle of a batch", () => {
  it("fails that message and every later one, keeps the earlier ones, and publishes the rest on redelivery", async () => {
    const site = await createPublishedSite(server, {
      "content/2022-05-20-existing.md": post({ title: "旧闻", date: "2022-05-20 08:00:00 +0800", categories: ["beijingshangbao"] }),
    });
    const keys = ["content/2022-06-01-one.md", "content/2022-06-02-two.md", "content/2022-06-03-three.md", "content/2022-06-04-four.md"];
    const titles = ["一", "二", "三", "四"];
    const records = [];
    for (const [i, key] of keys.entries()) {
      records.push(await site.upload(key, post({ title: titles[i]!, date: `2022-06-0${i + 1} 08:00:00 +0800`, categories: ["beijingshangbao"], tags: ["银行"] })));
    }
    const event = sqsFifoEvent(records.map(fromS3rver));
    const ids = event.Records.map((r) => r.messageId);

    let failedGets = 0;
    const slowDown = (storage: Storage): Storage => ({
      ...storage,
      get: async (key) => {
        if (key !== keys[2]) return storage.get(key);
        failedGets++;
        throw new StorageError(key, "get", true, { cause: Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" }) });
      },
    });
    const result = await site.run(event, { faults: slowDown });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: ids[2] }, { itemIdentifier: ids[3] }]);
    expect(failedGets).toBe(4); // the retry layer tried, as in the Lambda
    expect(await titlesIn(site, "feeds")).toEqual(["二", "一", "旧闻"]);
    expect(await titlesIn(site, "feeds/tags/银行")).toEqual(["二", "一"]);
    expect(site.logs).toContainEqual(expect.objectContaining({ type: "batch", outcome: "retrying", retried: 2 }));

    ok(await site.run(redeliver(event, [ids[2]!, ids[3]!])));
    expect(await titlesIn(site, "feeds")).toEqual(["四", "三", "二", "一", "旧闻"]);
    expect(await publishedFeeds(site)).toEqual(await fullBuildOf(site));
  });
});

describe("a Chinese file name", () => {
  it("is published from a classic S3 notification, whose key is form-urlencoded", async () => {
    const site = await createPublishedSite(server, {});
    const record = await site.upload(CHINESE_KEY, CHINESE_POST);
    expect(record.s3.object.key).toBe("content/2022-05-25-%E9%93%B6%E8%A1%8C%E7%90%86%E8%B4%A2.md");
    // S3 cannot notify a FIFO queue: a notification reaches the function only directly.
    ok(await site.run({ Records: [record] }));
    expect(postLogs(site.logs)).toEqual([expect.objectContaining({ key: CHINESE_KEY, outcome: "published" })]);
    for (const dir of ["feeds", "feeds/beijingshangbao", "feeds/tags/银行", "feeds/tags/理财"]) {
      expect(await titlesIn(site, dir), dir).toEqual([CHINESE_TITLE]);
    }
  });

  it("is published from the EventBridge event, whose key is raw (with CACHE_CONTROL configured)", async () => {
    const site = await createPublishedSite(server, {}, { cacheControl: "public, max-age=60" });
    const event = fromS3rver(await site.upload(CHINESE_KEY, CHINESE_POST));
    expect(event.detail.object.key).toBe(CHINESE_KEY);
    ok(await site.run(sqsFifoEvent([event])));
    expect(postLogs(site.logs)).toEqual([expect.objectContaining({ key: CHINESE_KEY, outcome: "published" })]);
    for (const dir of ["feeds", "feeds/beijingshangbao", "feeds/tags/银行", "feeds/tags/理财"]) {
      expect(await titlesIn(site, dir), dir).toEqual([CHINESE_TITLE]);
    }
    expect(site.cacheControl).toBe("public, max-age=60");
    expect(batchLog(site.logs)).toMatchObject({ rebuilt: false });
    for (const key of [...["feeds", "feeds/beijingshangbao", "feeds/tags/银行", "feeds/tags/理财"].flatMap(feedKeys), "feeds/index.opml"]) await expectServed(site, key);
  });
});

describe("structured logs", () => {
  it("has one JSON line per post processed (key, outcome, ms) and one per feed file written or deleted", async () => {
    const site = await createPublishedSite(server, {
      "content/2022-05-30-goes.md": post({ title: "将删除", date: "2022-05-30 08:00:00 +0800", categories: ["diyicaijing"] }),
    });
    const added = await site.upload("content/2022-06-07-new.md", post({ title: "新", date: "2022-06-07 08:00:00 +0800", categories: ["beijingshangbao"] }));
    const draft = await site.upload("content/2022-06-08-draft.md", post({ title: "草稿", date: "2022-06-08 08:00:00 +0800", published: false }));
    const removed = await site.remove("content/2022-05-30-goes.md");
    const event = sqsFifoEvent([fromS3rver(added), fromS3rver(draft), fromS3rver(removed), "not json", eventBridgeS3Event({ bucket: "another-bucket", key: "content/x.md", type: "Object Created" })]);
    ok(await site.run(event));

    for (const entry of site.logs) expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
    const posts = postLogs(site.logs);
    expect(posts.map(({ key, outcome }) => ({ key, outcome }))).toEqual([
      { key: "content/2022-06-07-new.md", outcome: "published" },
      { key: "content/2022-06-08-draft.md", outcome: "draft" },
      { key: "content/2022-05-30-goes.md", outcome: "removed" },
    ]);
    for (const entry of posts) expect(entry.ms).toEqual(expect.any(Number));

    const feeds = site.logs.filter((e) => e.type === "feed");
    const written = site.puts.filter((key) => key.startsWith("feeds/"));
    const deleted = site.deletes.filter((key) => key.startsWith("feeds/"));
    expect(deleted.sort()).toEqual(folderKeys("feeds/diyicaijing").sort());
    expect(feeds.map(({ key, outcome }) => ({ key, outcome }))).toEqual(
      expect.arrayContaining([...written.map((key) => ({ key, outcome: "written" })), ...deleted.map((key) => ({ key, outcome: "deleted" }))]),
    );
    expect(feeds).toHaveLength(written.length + deleted.length);
    expect(site.logs).toContainEqual(expect.objectContaining({ type: "message", id: event.Records[3]!.messageId, outcome: "dropped" }));
    expect(site.logs).toContainEqual(expect.objectContaining({ type: "message", id: event.Records[4]!.messageId, outcome: "ignored" }));
  });
});

describe("cost per upload", () => {
  /** A site of `size` simple posts, rebuilt, then one more upload: the S3 requests that upload costs. */
  async function requestsForOneUpload(size: number): Promise<Record<string, number>> {
    const posts: Record<string, string> = {};
    const categories = ["beijingshangbao", "zhengquanshibao", "diyicaijing"];
    for (let i = 0; i < size; i++) {
      const date = new Date(Date.parse("2022-01-01T00:00:00Z") + i * 3_600_000);
      posts[`content/${date.toISOString().slice(0, 10)}-post-${i}.md`] = post({
        title: `文章 ${i}`,
        date: date.toISOString(),
        categories: [categories[i % 3]!],
        tags: [`标签${i % 5}`],
      });
    }
    const site = await createPublishedSite(server, posts);
    const record = await site.upload("content/2022-06-09-new.md", post({ title: "新文章", date: "2022-06-09 08:00:00 +0800", categories: ["beijingshangbao"], tags: ["标签1"] }));
    server.resetRequests();
    ok(await site.run(sqsFifoEvent([fromS3rver(record)])));
    const requests = { ...server.requests };
    expect(batchLog(site.logs)).toMatchObject({ rebuilt: false });
    expect(await titlesIn(site, "feeds/beijingshangbao")).toContain("新文章");
    return requests;
  }

  it("is the same S3 requests for a site of 30 posts as for one of 300, with no listing", async () => {
    const small = await requestsForOneUpload(30);
    const large = await requestsForOneUpload(300);
    console.info(`[e2e] S3 requests for one upload: 30 posts ${JSON.stringify(small)}; 300 posts ${JSON.stringify(large)}`);
    expect(large).toEqual(small);
    expect(small.ListObjectsV2).toBeUndefined();
    expect(small.PutObject).toBeGreaterThan(0);
  }, 60_000);
});
