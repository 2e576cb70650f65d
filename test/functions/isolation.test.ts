import { describe, expect, it } from "vitest";
import { batchOf, deliverBatch, deps, good, siteTitles, siteWith } from "./batch-site.js";

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

describe("one bad post in an SQS batch", () => {
  // A full batch is held back and published by the flush it sends, which deliverBatch delivers.
  it.each(HOSTILE)("%s is rejected by name; the nine good posts beside it are published and no message fails", async (_what, key, text, reason) => {
    const goodKeys = Array.from({ length: 9 }, (_, i) => `good-${i}.md`);
    const bucket = await siteWith({ ...Object.fromEntries(goodKeys.map((k, i) => [k, good(i)])), [key]: text });
    const logs: Record<string, unknown>[] = [];
    const keys = [...goodKeys.slice(0, 4), key, ...goodKeys.slice(4)];
    const started = performance.now();
    expect(await deliverBatch(batchOf(keys), deps(bucket, logs))).toEqual({ batchItemFailures: [] });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await siteTitles(bucket)).toEqual(Array.from({ length: 9 }, (_, i) => `好新闻 ${i}`).sort());
    const rejected = logs.filter((e) => e.type === "post" && e.outcome === "rejected");
    expect(rejected).toEqual([expect.objectContaining({ key: `content/${key}`, reason: expect.stringMatching(reason) })]);
  });
});

describe("an upload far over the size limit", () => {
  it("is rejected from its size alone (the drivers refuse it unread), naming the limit", async () => {
    const bucket = await siteWith({ "a.md": good(1) });
    await bucket.put("content/huge.md", `${good(2)}${"<p>长</p>".repeat(2_000_000)}`);
    const logs: Record<string, unknown>[] = [];
    expect(await deliverBatch(batchOf(["a.md", "huge.md"]), deps(bucket, logs))).toEqual({ batchItemFailures: [] });
    expect(logs.filter((e) => e.outcome === "rejected")).toEqual([
      expect.objectContaining({ key: "content/huge.md", reason: expect.stringMatching(/^post is 2\d,\d{3},\d{3} bytes; feeds\.limits\.post_bytes allows/) }),
    ]);
    expect(await siteTitles(bucket)).toEqual(["好新闻 1"]);
  });
});
