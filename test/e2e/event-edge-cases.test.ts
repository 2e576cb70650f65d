/**
 * Edge cases of the event flow that an earlier version got wrong: deletions reported for keys that
 * still exist, post endings the rule did not route, direct invocations, Cache-Control changes.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageError } from "../../lib/errors.js";
import { isPostKey } from "../../lib/posts/parse-post.js";
import type { Storage } from "../../lib/storage/types.js";
import { CONTENT_RULE_KEY_WILDCARDS, fromS3rver, routedByContentRule, type S3EventBridgeEvent, type S3Server, sqsFifoEvent, startS3Server } from "../../scripts/support/local-aws/index.js";
import { createPublishedSite, post, titlesIn } from "./site.js";

let server: S3Server;

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

const KEY = "content/2022-05-20-jiangxi-bank.md";
const TITLE = "江西银行全力写好“强攻二季度、确保双过半”文章";
// content/ holds the seed post byte for byte.
const SEED = readFileSync(new URL("../../content/2022-05-20-jiangxi-bank.md", import.meta.url), "utf8");

/**
 * The bucket is versioned and expires noncurrent versions after 30 days (infra/bucket.yml). S3
 * reports that expiry to EventBridge as "Object Deleted" (reason "Lifecycle Expiration",
 * deletion-type "Permanently Deleted", with the old version's version-id) for the post's key,
 * and the rule in infra/queue.yml routes it to the function. Taking the event's word for it would
 * make the post, still there, vanish from every feed 30 days after any edit.
 */
describe("an Object Deleted event for a key whose current object still exists", () => {
  it("keeps the post when S3 Lifecycle expires one of its old versions", async () => {
    const site = await createPublishedSite(server, { [KEY]: SEED });
    expect(await titlesIn(site, "feeds")).toEqual([TITLE]);
    const fixture = JSON.parse(readFileSync(new URL("../fixtures/events/eventbridge-lifecycle-expiration.json", import.meta.url), "utf8")) as S3EventBridgeEvent;
    const expiry: S3EventBridgeEvent = { ...fixture, resources: [`arn:aws:s3:::${site.bucket}`], detail: { ...fixture.detail, bucket: { name: site.bucket } } };
    expect(expiry.detail).toMatchObject({ reason: "Lifecycle Expiration", "deletion-type": "Permanently Deleted", object: { key: KEY } });

    expect(await site.run(sqsFifoEvent([expiry]))).toEqual({ batchItemFailures: [] });

    expect((await site.storage.get(KEY)) !== null).toBe(true);
    expect(await titlesIn(site, "feeds")).toEqual([TITLE]);
    expect(await titlesIn(site, "feeds/beijingshangbao")).toEqual([TITLE]);
  });

  it("keeps the post when the delete's event arrives after the event of the upload that followed it", async () => {
    // EventBridge does not promise order; the FIFO queue keeps the order it is given.
    const site = await createPublishedSite(server, { [KEY]: SEED });
    const deleted = fromS3rver(await site.remove(KEY));
    const uploadedAgain = fromS3rver(await site.upload(KEY, SEED));

    expect(await site.run(sqsFifoEvent([uploadedAgain, deleted]))).toEqual({ batchItemFailures: [] });

    expect(await titlesIn(site, "feeds")).toEqual([TITLE]);
  });
});

/** Every ending lib/posts/parse-post.ts reads as a post must reach the function. */
describe("the EventBridge rule", () => {
  it("routes every kind of post file the publisher reads", () => {
    const queueYml = readFileSync(new URL("../../infra/queue.yml", import.meta.url), "utf8");
    const wildcards = [...queueYml.matchAll(/wildcard:\s*"?([^"\s]+)"?/g)].map((m) => m[1]!);
    expect(wildcards.length).toBeGreaterThan(0);
    const routed = (key: string) =>
      wildcards.some((w) => new RegExp(`^${w.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(key));
    const posts = ["content/2024-05-01-a.md", "content/2024-05-01-a.markdown", "content/2024-05-01-a.html"];
    expect(posts.filter((key) => isPostKey(key.slice("content/".length)))).toEqual(posts);
    expect(posts.filter((key) => !routed(key))).toEqual([]);
  });

  it("is the filter local runs apply", () => {
    const queueYml = readFileSync(new URL("../../infra/queue.yml", import.meta.url), "utf8");
    expect(CONTENT_RULE_KEY_WILDCARDS).toEqual([...queueYml.matchAll(/wildcard:\s*"?([^"\s]+)"?/g)].map((m) => m[1]!));
    expect(["content/a.md", "content/2024/b c.html", "content/_config.yml", "feeds/rss.xml", "content/a.md.bak"].filter(routedByContentRule)).toEqual([
      "content/a.md",
      "content/2024/b c.html",
    ]);
  });
});

/**
 * functions/handle-event.ts accepts an event delivered directly (a classic S3 notification, as
 * functions/events.ts documents), not only SQS batches. When a change in such an event fails
 * transiently there is no SQS message to report as failed: Lambda retries an asynchronous (S3)
 * invocation only when the handler throws, so it must.
 */
describe("a transient failure in an event delivered directly, not through SQS", () => {
  it("makes the invocation fail, so that Lambda retries it", async () => {
    const site = await createPublishedSite(server, {});
    const key = "content/2022-06-03-direct.md";
    const record = await site.upload(key, post({ title: "直接", date: "2022-06-03 08:00:00 +0800" }));
    const failing = (storage: Storage): Storage => ({
      ...storage,
      get: async (k) => {
        if (k === key) throw new StorageError(k, "get", true);
        return storage.get(k);
      },
    });

    await expect(site.run({ Records: [record] }, { faults: failing })).rejects.toThrow(StorageError);
    expect(await titlesIn(site, "feeds")).toEqual([]);
  });
});

/**
 * Feed objects are rewritten only when their bytes change, yet after a redeploy with another
 * CACHE_CONTROL every feed object must carry the new header, or CloudFront keeps honouring the old.
 */
describe("a new CACHE_CONTROL setting", () => {
  it("reaches every feed object on the rebuild that follows the redeploy", async () => {
    const site = await createPublishedSite(server, { [KEY]: SEED }, { cacheControl: "public, max-age=300" });
    expect((await site.fetch("feeds/rss.xml", { method: "HEAD" })).headers.get("cache-control")).toBe("public, max-age=300");

    const redeployed = "public, max-age=60, stale-while-revalidate=600";
    expect(await site.run(sqsFifoEvent([{ action: "rebuild" }]), { cacheControl: redeployed })).toEqual({ batchItemFailures: [] });

    for (const key of await site.storage.list("feeds/")) {
      expect((await site.fetch(key, { method: "HEAD" })).headers.get("cache-control"), key).toBe(redeployed);
    }
  });
});
