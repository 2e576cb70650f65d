/**
 * WebSub through the handler: after a batch, the site's hubs (a real HTTP hub on loopback) are
 * told of exactly the feeds whose bytes changed, and nothing a hub does changes the batch.
 */
import { describe, expect, it } from "vitest";
import { handleEvent, type Deps } from "../../functions/handle-event.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import { createHubNotifier, type Notify } from "../../lib/websub/notify-hubs.js";
import { eventBridgeS3Event, sqsFifoEvent } from "../../scripts/support/local-aws/index.js";
import { SMALL_SITE_CONFIG } from "../support/small-site.js";
import { downHubUrl, hubsClosedAfterEach, type TestHub } from "../support/websub-hub.js";

const BUCKET = "feedpub-dev-contentbucket-1x9k2m7q4w8e";
const NOW = new Date("2022-06-10T12:00:00+08:00");
const SITE = "https://news.example.com";
const FEED_FILE = /\/(rss\.xml|atom\.xml|feed\.json)$/;
type LogEntry = Record<string, unknown>;

const hub = hubsClosedAfterEach();

function configWith(hubUrls: string[]): string {
  return hubUrls.length ? `${SMALL_SITE_CONFIG}  websub:\n    hubs: [${hubUrls.map((u) => JSON.stringify(u)).join(", ")}]\n` : SMALL_SITE_CONFIG;
}

function post(title: string, date: string, category: string, tags: string[]): string {
  return `---\ntitle: ${title}\ndate: ${date}\ncategories: ${category}\ntags: [${tags.join(", ")}]\n---\n<p>${title}</p>\n`;
}

const POSTS: Record<string, string> = {
  "2022-05-20-a.md": post("甲", "2022-05-20 09:00:00 +0800", "bank", ["利率"]),
  "2022-05-21-b.md": post("乙", "2022-05-21 09:00:00 +0800", "stock", ["指数"]),
};

async function siteWith(hubUrls: string[], posts = POSTS): Promise<MemoryStorage> {
  const bucket = createMemoryStorage();
  await bucket.put("content/_config.yml", configWith(hubUrls));
  for (const [name, text] of Object.entries(posts)) await bucket.put(`content/${name}`, text);
  return bucket;
}

/** Short timings, so a dead or stalled hub costs the tests little; the defaults are the deployed ones. */
function depsFor(bucket: MemoryStorage, logs: LogEntry[], notify: Notify = createHubNotifier({ log: (e) => logs.push(e), attemptTimeoutMs: 300, pingBudgetMs: 600, totalMs: 1_500, backoffMs: 20 })): Deps {
  return { bucket, bucketName: BUCKET, cacheControl: "public, max-age=60", now: () => NOW, log: (e) => logs.push(e), send: async () => { throw new Error("no rescan continues at this size"); }, notify };
}

const created = (name: string) => sqsFifoEvent([eventBridgeS3Event({ bucket: BUCKET, key: `content/${name}`, type: "Object Created" })]);
const deleted = (name: string) => sqsFifoEvent([eventBridgeS3Event({ bucket: BUCKET, key: `content/${name}`, type: "Object Deleted" })]);
const rebuild = () => sqsFifoEvent([{ action: "rebuild" }]);

/** Every feed file's bytes, by key: what a subscriber could fetch. */
async function feedFiles(bucket: MemoryStorage): Promise<Map<string, string>> {
  const keys = (await bucket.list("feeds/")).filter((k) => FEED_FILE.test(k));
  return new Map(await Promise.all(keys.map(async (k) => [k, new TextDecoder().decode((await bucket.get(k))!)] as const)));
}

/** The public URLs of the feed files whose bytes differ between two snapshots (written, new or gone), sorted. */
function changedUrls(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .filter((k) => before.get(k) !== after.get(k))
    .map((k) => `${SITE}/${k.split("/").map(encodeURIComponent).join("/")}`)
    .sort();
}

const websubLogs = (logs: LogEntry[]) => logs.filter((e) => e.type === "websub");

describe("announcing changed feeds to the site's hubs", () => {
  it("tells each hub of exactly the feeds an upload changed, as hub.mode=publish form posts, and of nothing on a replay", async () => {
    const [one, two] = [await hub(), await hub()];
    const bucket = await siteWith([one.url, two.url]);
    const logs: LogEntry[] = [];
    await handleEvent(rebuild(), depsFor(bucket, logs));
    // The first build writes every feed, so every feed is announced.
    expect(one.topics()).toEqual(changedUrls(new Map(), await feedFiles(bucket)));
    one.requests.length = two.requests.length = 0;

    const before = await feedFiles(bucket);
    await bucket.put("content/2022-05-22-c.md", post("丙", "2022-05-22 09:00:00 +0800", "bank", ["利率", "新闻"]));
    expect(await handleEvent(created("2022-05-22-c.md"), depsFor(bucket, logs))).toEqual({ batchItemFailures: [] });
    const expected = changedUrls(before, await feedFiles(bucket));
    // The site feed, bank's, 利率's and the new 新闻's; stock's and 指数's are as they were.
    expect(expected.filter((u) => u.endsWith("/rss.xml"))).toEqual([
      `${SITE}/feeds/bank/rss.xml`,
      `${SITE}/feeds/rss.xml`,
      `${SITE}/feeds/tags/${encodeURIComponent("利率")}/rss.xml`,
      `${SITE}/feeds/tags/${encodeURIComponent("新闻")}/rss.xml`,
    ]);
    for (const h of [one, two]) {
      expect(h.topics()).toEqual(expected);
      expect(h.requests.every((r) => r.method === "POST" && r.form["hub.mode"] === "publish" && Object.keys(r.form).length === 2)).toBe(true);
      expect(new Set(h.requests.map((r) => r.contentType))).toEqual(new Set(["application/x-www-form-urlencoded"]));
    }
    expect(websubLogs(logs).at(-1)).toMatchObject({ level: "info", outcome: "announced", hubs: 2, feeds: expected.length, sent: 2 * expected.length, failed: 0, dropped: 0 });

    // A replayed event changes no byte, so no hub hears of it.
    one.requests.length = two.requests.length = 0;
    expect(await handleEvent(created("2022-05-22-c.md"), depsFor(bucket, logs))).toEqual({ batchItemFailures: [] });
    expect([...one.requests, ...two.requests]).toEqual([]);
  });

  it("announces the feeds a deletion removes, so the hub finds them gone", async () => {
    const h = await hub();
    const bucket = await siteWith([h.url]);
    await handleEvent(rebuild(), depsFor(bucket, []));
    h.requests.length = 0;
    const before = await feedFiles(bucket);
    await bucket.delete("content/2022-05-21-b.md");
    await handleEvent(deleted("2022-05-21-b.md"), depsFor(bucket, []));
    const after = await feedFiles(bucket);
    expect([...after.keys()].filter((k) => k.startsWith("feeds/stock/"))).toEqual([]);
    expect(h.topics()).toEqual(changedUrls(before, after));
    expect(h.topics()).toContain(`${SITE}/feeds/stock/feed.json`);
  });

  it("collects the feeds changed across the batch's core calls and announces them once, at the end", async () => {
    const bucket = await siteWith(["https://hub.example.com/"]);
    const calls: [string[], string[]][] = [];
    const spy: Notify = async (feedUrls, hubUrls) => void calls.push([feedUrls, hubUrls]);
    await handleEvent(rebuild(), depsFor(bucket, [], spy));
    calls.length = 0;
    const before = await feedFiles(bucket);
    await bucket.put("content/2022-05-22-c.md", post("丙", "2022-05-22 09:00:00 +0800", "bank", ["新闻"]));
    await bucket.put("content/2022-05-23-d.md", post("丁", "2022-05-23 09:00:00 +0800", "fund", ["基金"]));
    // Changes, a rescan, changes: three core calls.
    const event = sqsFifoEvent([
      eventBridgeS3Event({ bucket: BUCKET, key: "content/2022-05-22-c.md", type: "Object Created" }),
      { action: "rebuild" },
      eventBridgeS3Event({ bucket: BUCKET, key: "content/2022-05-23-d.md", type: "Object Created" }),
    ]);
    expect(await handleEvent(event, depsFor(bucket, [], spy))).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([[changedUrls(before, await feedFiles(bucket)), ["https://hub.example.com/"]]]);
  });

  it("announces a rescan's feeds invocation by invocation, each once, as its steps write them", async () => {
    const bucket = await siteWith(["https://hub.example.com/"]);
    const calls: string[][] = [];
    const sent: object[] = [];
    const deps: Deps = { ...depsFor(bucket, [], async (feedUrls) => void calls.push(feedUrls)), rescanWork: 1, send: async (body) => void sent.push(body) };
    let invocations = 1;
    await handleEvent(rebuild(), deps);
    while (sent.length > 0) {
      invocations++;
      await handleEvent(sqsFifoEvent(sent.splice(0)), deps);
    }
    // Steps that write no feed (the scan) announce nothing; none announces twice.
    expect(invocations).toBeGreaterThan(2);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThanOrEqual(invocations);
    expect(calls.flat().sort()).toEqual(changedUrls(new Map(), await feedFiles(bucket)));
  });

  it("asks nothing of a notifier when the site names no hub, or nothing changed", async () => {
    let called = 0;
    const spy: Notify = async () => void called++;
    const bucket = await siteWith([]);
    await handleEvent(rebuild(), depsFor(bucket, [], spy));
    expect(called).toBe(0);
    const withHub = await siteWith(["https://hub.example.com/"]);
    await handleEvent(rebuild(), depsFor(withHub, [], spy));
    expect(called).toBe(1);
    await handleEvent(rebuild(), depsFor(withHub, [], spy));
    expect(called).toBe(1);
  });
});

describe("a hub that fails", () => {
  const upload = async (bucket: MemoryStorage, logs: LogEntry[]) => {
    await bucket.put("content/2022-05-22-c.md", post("丙", "2022-05-22 09:00:00 +0800", "bank", []));
    return handleEvent(created("2022-05-22-c.md"), depsFor(bucket, logs));
  };

  it("is asked again after a 500 and hears of every feed", async () => {
    const h = await hub();
    const bucket = await siteWith([h.url]);
    await handleEvent(rebuild(), depsFor(bucket, []));
    h.requests.length = 0;
    h.answer = (_, count) => (count === 0 ? 500 : 204);
    const logs: LogEntry[] = [];
    const before = await feedFiles(bucket);
    expect(await upload(bucket, logs)).toEqual({ batchItemFailures: [] });
    const expected = changedUrls(before, await feedFiles(bucket));
    expect(h.topics()).toEqual(expected.flatMap((u) => [u, u]));
    expect(websubLogs(logs)).toEqual([expect.objectContaining({ outcome: "announced", sent: expected.length, failed: 0 })]);
  });

  it("that refuses a request (4xx) is not asked again: only time would be lost", async () => {
    const h = await hub(() => 403);
    const bucket = await siteWith([h.url]);
    const logs: LogEntry[] = [];
    await handleEvent(rebuild(), depsFor(bucket, logs));
    const urls = changedUrls(new Map(), await feedFiles(bucket));
    expect(h.topics()).toEqual(urls);
    expect(websubLogs(logs).filter((e) => e.outcome === "failed")).toHaveLength(urls.length);
    expect(websubLogs(logs)[0]).toMatchObject({ level: "warn", hub: h.url, status: 403 });
  });

  it("that is down changes nothing of the batch: the feeds are published, the response is the same, and it is logged", async () => {
    const down = await downHubUrl();
    const [withDown, without] = [await siteWith([down]), await siteWith([])];
    const logs: LogEntry[] = [];
    for (const bucket of [withDown, without]) await handleEvent(rebuild(), depsFor(bucket, logs));
    const responses = await Promise.all([upload(withDown, logs), upload(without, [])]);
    expect(responses[0]).toEqual(responses[1]);
    expect(responses[0]).toEqual({ batchItemFailures: [] });
    expect((await feedFiles(withDown)).get("feeds/bank/feed.json")).toContain("丙");
    const failures = websubLogs(logs).filter((e) => e.outcome === "failed");
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatchObject({ level: "warn", type: "websub", hub: down, error: expect.stringMatching(/HubPingError/) });
    expect(websubLogs(logs).at(-1)).toMatchObject({ level: "warn", outcome: "announced", sent: 0 });
  });

  it("that never answers holds the batch up no longer than the announcement's cap", async () => {
    const h = await hub(() => "hang");
    const bucket = await siteWith([h.url]);
    const logs: LogEntry[] = [];
    const started = performance.now();
    expect(await handleEvent(rebuild(), depsFor(bucket, logs))).toEqual({ batchItemFailures: [] });
    // A 1.5 s cap in these tests; the rebuild itself takes well under a second.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(h.requests.length).toBeGreaterThan(0);
    expect(websubLogs(logs).find((e) => e.outcome === "failed")).toMatchObject({ error: expect.stringMatching(/no response in time$/) });
    const summary = websubLogs(logs).at(-1)!;
    expect(summary).toMatchObject({ level: "warn", outcome: "announced", sent: 0 });
    expect(summary.ms as number).toBeLessThan(2_000);
  });

  it("or a notifier that throws leaves the batch as it was, with a log line", async () => {
    const bucket = await siteWith(["https://hub.example.com/"]);
    const logs: LogEntry[] = [];
    const broken: Notify = async () => {
      throw new TypeError("broken notifier");
    };
    expect(await handleEvent(rebuild(), depsFor(bucket, logs, broken))).toEqual({ batchItemFailures: [] });
    expect(websubLogs(logs)).toEqual([expect.objectContaining({ level: "warn", outcome: "skipped", error: "TypeError: broken notifier" })]);
  });
});
