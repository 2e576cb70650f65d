import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { changedFeedUrls } from "../../lib/websub/changed-feeds.js";
import { createHubNotifier, HUB_DEFAULTS, type HubNotifierOptions } from "../../lib/websub/notify-hubs.js";
import { hubsClosedAfterEach, type TestHub } from "../support/websub-hub.js";

const hub = hubsClosedAfterEach();

type LogEntry = Record<string, unknown>;
const FAST: Partial<HubNotifierOptions> = { attemptTimeoutMs: 300, pingBudgetMs: 1_000, totalMs: 2_000, backoffMs: 10 };
const notifier = (logs: LogEntry[], options: Partial<HubNotifierOptions> = {}) => createHubNotifier({ log: (e) => logs.push(e), ...FAST, ...options });

describe("changedFeedUrls", () => {
  const config = parseConfig("title: t\nurl: https://news.example.com\nbaseurl: /site\nfeeds:\n  url: https://cdn.example.com/x\n");

  it("names each feed file written or deleted at its public URL, as its self link does, once, sorted, and no archive page", () => {
    expect(
      changedFeedUrls(
        [
          { key: "feeds/tags/银行/rss.xml", outcome: "written" },
          { key: "feeds/atom.xml", outcome: "written" },
          { key: "feeds/old/feed.json", outcome: "deleted" },
          { key: "feeds/atom.xml", outcome: "written" },
          { key: "feeds/rss.xml", outcome: "unchanged" },
          { key: "feeds/bank/atom.xml", outcome: "invalid" },
          { key: "feeds/index.opml", outcome: "written" },
          { key: "feeds/archive/open/atom.xml", outcome: "written" },
          { key: `feeds/bank/archive/${"0f".repeat(16)}/rss.xml`, outcome: "deleted" },
        ],
        config,
      ),
    ).toEqual(["https://cdn.example.com/x/feeds/atom.xml", "https://cdn.example.com/x/feeds/old/feed.json", "https://cdn.example.com/x/feeds/tags/%E9%93%B6%E8%A1%8C/rss.xml"]);
  });
});

describe("createHubNotifier", () => {
  it("defaults to three attempts within 2 s per feed and hub and 5 s in all", () => {
    expect(HUB_DEFAULTS).toMatchObject({ attempts: 3, pingBudgetMs: 2_000, totalMs: 5_000 });
  });

  it("posts hub.mode=publish and hub.url form-encoded, one request per feed per hub", async () => {
    const [a, b] = [await hub(), await hub()];
    const feeds = ["https://cdn.example.com/feeds/tags/%E9%93%B6%E8%A1%8C/rss.xml?x=1&y=2", "https://cdn.example.com/feeds/atom.xml"];
    const logs: LogEntry[] = [];
    await notifier(logs)(feeds, [a.url, b.url]);
    for (const h of [a, b]) {
      expect(h.requests.map((r) => r.form)).toEqual(expect.arrayContaining(feeds.map((url) => ({ "hub.mode": "publish", "hub.url": url }))));
      expect(h.requests).toHaveLength(2);
    }
    expect(logs).toEqual([expect.objectContaining({ level: "info", type: "websub", outcome: "announced", hubs: 2, feeds: 2, sent: 4, failed: 0, dropped: 0 })]);
  });

  it("retries a 503 or 429 at most three times, then logs the failure", async () => {
    const h = await hub((r) => (r.form["hub.url"]!.endsWith("a") ? 503 : 429));
    const logs: LogEntry[] = [];
    await notifier(logs)(["https://f.example/a", "https://f.example/b"], [h.url]);
    expect(h.topics()).toEqual(["https://f.example/a", "https://f.example/a", "https://f.example/a", "https://f.example/b", "https://f.example/b", "https://f.example/b"]);
    expect(logs.filter((e) => e.outcome === "failed").map((e) => [e.url, e.status])).toEqual(expect.arrayContaining([["https://f.example/a", 503], ["https://f.example/b", 429]]));
    expect(logs.at(-1)).toMatchObject({ level: "warn", outcome: "announced", sent: 0, failed: 2 });
  });

  it("does not follow a redirect, which would turn the POST into a GET", async () => {
    const elsewhere = await hub();
    const h = await hub(() => 302);
    const logs: LogEntry[] = [];
    await notifier(logs)(["https://f.example/a"], [h.url]);
    expect(h.requests).toHaveLength(1);
    expect(elsewhere.requests).toEqual([]);
    expect(logs[0]).toMatchObject({ outcome: "failed", status: 302 });
  });

  it("drops what the overall cap leaves unsent, and says how many", async () => {
    const h = await hub(() => "hang");
    const logs: LogEntry[] = [];
    const started = performance.now();
    const feeds = Array.from({ length: 6 }, (_, i) => `https://f.example/${i}`);
    await notifier(logs, { concurrency: 2, attempts: 1, attemptTimeoutMs: 200, totalMs: 300 })(feeds, [h.url]);
    expect(performance.now() - started).toBeLessThan(1_500);
    // Two rounds of two fit in 300 ms (the second cut short by the cap); the third never starts.
    expect(logs.at(-1)).toMatchObject({ outcome: "announced", sent: 0, failed: 4, dropped: 2 });
  });
});
