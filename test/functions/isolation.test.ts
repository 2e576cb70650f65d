import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { handleEvent, type Deps } from "../../functions/handle-event.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import { eventBridgeS3Event, sqsFifoEvent } from "../../scripts/support/local-aws/index.js";

// A bug in our own rendering code, simulated for one post: the real renderer otherwise.
vi.mock("../../lib/feeds/feed-document.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../lib/feeds/feed-document.js")>();
  return {
    ...real,
    toFeedItem: (post: Parameters<typeof real.toFeedItem>[0], config: Parameters<typeof real.toFeedItem>[1]) => {
      if (post.title === "TRIGGERS-A-BUG") throw new TypeError("Cannot read properties of undefined (reading 'x')");
      return real.toFeedItem(post, config);
    },
  };
});

const BUCKET = "feedpub-test-bucket";
const NOW = new Date("2022-06-10T12:00:00+08:00");
const CONFIG = readFileSync(new URL("../../content/_config.yml", import.meta.url), "utf8");

const good = (n: number) =>
  `---\ntitle: "好新闻 ${n}"\ndate: 2022-05-2${n % 10} 10:00:00 +0800\ncategories: beijingshangbao\ntags: 银行\n---\n<p>正文 ${n}</p>\n`;

/** One hostile post per line: what it is, its file name, its bytes, and what the rejection must say. */
const HOSTILE: [string, string, string, RegExp][] = [
  ["a lone surrogate in a category", "lone.md", '---\ntitle: x\ndate: 2022-05-20\ncategories: "bad\\ud800"\n---\nx\n', /surrogate|categories/i],
  ["a 300-byte category", "long.md", `---\ntitle: x\ndate: 2022-05-20\ncategories: ${"长".repeat(100)}\n---\nx\n`, /bytes|long/i],
  ["a 1,100-byte tag", "longtag.md", `---\ntitle: x\ndate: 2022-05-20\ntags: ${"a".repeat(1100)}\n---\nx\n`, /bytes|long/i],
  ["a category named like an output file", "clash.md", "---\ntitle: x\ndate: 2022-05-20\ncategories: rss.xml\n---\nx\n", /rss\.xml/],
  ["U+FFFF in a tag", "nonchar.md", '---\ntitle: x\ndate: 2022-05-20\ntags: "a\\uFFFFb"\n---\nx\n', /tags|character/i],
  ["front matter that is never closed", "open.md", "---\ntitle: x\n", /not closed/],
  ["a YAML alias bomb", "bomb.md", aliasBomb(), /limit|yaml/i],
  ["a key no storage can hold", "a//b.md", "---\ntitle: x\n---\nx\n", /cannot be read/],
];

function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [prev, next] of [["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"], ["e", "f"], ["f", "g"], ["g", "h"], ["h", "i"]]) {
    lines.push(`${next}: &${next} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
  }
  return `---\ntitle: bomb\ndate: 2022-05-20\n${lines.join("\n")}\ntags: *i\n---\nx\n`;
}

async function siteWith(posts: Record<string, string>): Promise<MemoryStorage> {
  const bucket = createMemoryStorage();
  await bucket.put("content/_config.yml", CONFIG);
  // The site exists already (its state is built), so the batch takes the incremental path.
  await handleEvent({ action: "rebuild" }, deps(bucket, []));
  // S3 holds keys such as "a//b.md"; the storage port refuses them, so such a post is only named by its event.
  for (const [key, text] of Object.entries(posts)) if (!key.includes("//")) await bucket.put(`content/${key}`, text);
  return bucket;
}

function deps(bucket: MemoryStorage, logs: Record<string, unknown>[]): Deps {
  return { bucket, bucketName: BUCKET, cacheControl: "public, max-age=60", now: () => NOW, log: (e) => logs.push(e), send: async () => { throw new Error("no rescan continues at this size"); } };
}

async function siteTitles(bucket: MemoryStorage): Promise<string[]> {
  const bytes = await bucket.get("feeds/feed.json");
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as { items: { title: string }[] }).items.map((i) => i.title).sort() : [];
}

const batchOf = (keys: string[]) =>
  sqsFifoEvent(keys.map((key) => eventBridgeS3Event({ bucket: BUCKET, key: `content/${key}`, type: "Object Created" })));

describe("one bad post in an SQS batch", () => {
  it.each(HOSTILE)("%s is rejected by name; the nine good posts beside it are published and no message fails", async (_what, key, text, reason) => {
    const goodKeys = Array.from({ length: 9 }, (_, i) => `good-${i}.md`);
    const bucket = await siteWith({ ...Object.fromEntries(goodKeys.map((k, i) => [k, good(i)])), [key]: text });
    const logs: Record<string, unknown>[] = [];
    const keys = [...goodKeys.slice(0, 4), key, ...goodKeys.slice(4)];
    const started = performance.now();
    expect(await handleEvent(batchOf(keys), deps(bucket, logs))).toEqual({ batchItemFailures: [] });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await siteTitles(bucket)).toEqual(Array.from({ length: 9 }, (_, i) => `好新闻 ${i}`).sort());
    const rejected = logs.filter((e) => e.type === "post" && e.outcome === "rejected");
    expect(rejected).toEqual([expect.objectContaining({ key: `content/${key}`, reason: expect.stringMatching(reason) })]);
  });

  it("a bug met on one post fails that message and the later ones, names the post, and publishes the earlier ones", async () => {
    const bucket = await siteWith({ "a.md": good(1), "bug.md": good(2).replace("好新闻 2", "TRIGGERS-A-BUG"), "c.md": good(3) });
    const logs: Record<string, unknown>[] = [];
    const event = batchOf(["a.md", "bug.md", "c.md"]);
    const response = await handleEvent(event, deps(bucket, logs));
    const ids = event.Records.map((r) => r.messageId);
    // FIFO: the later message waits behind the failed one, so order is kept on retry.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: ids[1] }, { itemIdentifier: ids[2] }]);
    expect(await siteTitles(bucket)).toEqual(["好新闻 1"]);
    const batch = logs.find((e) => e.type === "batch" && e.outcome === "retrying");
    expect(String(batch?.error)).toMatch(/PostBugError: bug\.md: unexpected TypeError/);
  });
});

describe("an upload far over the size limit", () => {
  it("is rejected from its size alone (the drivers refuse it unread), naming the limit", async () => {
    const bucket = await siteWith({ "a.md": good(1) });
    await bucket.put("content/huge.md", `${good(2)}${"<p>长</p>".repeat(2_000_000)}`);
    const logs: Record<string, unknown>[] = [];
    expect(await handleEvent(batchOf(["a.md", "huge.md"]), deps(bucket, logs))).toEqual({ batchItemFailures: [] });
    expect(logs.filter((e) => e.outcome === "rejected")).toEqual([
      expect.objectContaining({ key: "content/huge.md", reason: expect.stringMatching(/^post is 2\d,\d{3},\d{3} bytes; feeds\.limits\.post_bytes allows/) }),
    ]);
    expect(await siteTitles(bucket)).toEqual(["好新闻 1"]);
  });
});
