import { describe, expect, it } from "vitest";
import { buildAll } from "../../lib/publish/build-all.js";
import { publishChanges } from "../../lib/publish/publish-changes.js";
import { decodeState, encodeState } from "../../lib/publish/state-codec.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { prefixStorage } from "../../lib/storage/prefix.js";

const NOW = new Date("2022-06-10T12:00:00+08:00");
const CONFIG = "title: 测试站\nurl: https://news.example.com\ntimezone: Asia/Shanghai\n";
// A long body, as scraped articles are: what the feed states carry.
const post = (title: string, day: number) =>
  `---\ntitle: "${title}"\ndate: 2022-06-0${day} 10:00:00 +0800\ncategories: bank\n---\n${"<p>江西银行公告称，该行拟出售一批不良资产。</p>\n".repeat(200)}`;

async function site() {
  const bucket = createMemoryStorage();
  await bucket.put("content/_config.yml", CONFIG);
  for (let day = 1; day <= 5; day++) await bucket.put(`content/p${day}.md`, post(`文章 ${day}`, day));
  await buildAll({ content: prefixStorage(bucket, "content/"), output: bucket, state: bucket, now: NOW });
  return bucket;
}

describe("index state objects are stored gzipped", () => {
  it("round-trips JSON, and reads plain JSON as written before compression", () => {
    const json = JSON.stringify({ 标题: "银行", n: [1, 2, 3] });
    expect(decodeState(encodeState(json))).toBe(json);
    expect(decodeState(new TextEncoder().encode(json))).toBe(json);
    // Deterministic, so an unchanged state object hashes the same and is not rewritten.
    expect(encodeState(json)).toEqual(encodeState(json));
  });

  it("writes every state object as gzip, a fraction of its JSON", async () => {
    const bucket = await site();
    const keys = await bucket.list("state/");
    expect(keys).toContain("state/feeds/state.json");
    for (const key of keys) {
      const stored = (await bucket.get(key))!;
      expect([stored[0], stored[1]]).toEqual([0x1f, 0x8b]);
      expect(bucket.inspect(key)?.contentType).toBe("application/gzip");
    }
    const feedState = (await bucket.get("state/feeds/state.json"))!;
    expect(feedState.byteLength * 5).toBeLessThan(Buffer.byteLength(decodeState(feedState)));
  });

  it("an upload onto state stored as plain JSON is applied incrementally and leaves it gzipped", async () => {
    const bucket = await site();
    for (const key of await bucket.list("state/")) await bucket.put(key, decodeState((await bucket.get(key))!));
    await bucket.put("content/p6.md", post("文章 6", 6));
    const result = await publishChanges({ bucket, now: NOW }, [{ key: "p6.md", removed: false }]);
    expect(result.rebuilt).toBe(false);
    expect(new TextDecoder().decode((await bucket.get("feeds/bank/rss.xml"))!)).toContain("文章 6");
    const feedState = (await bucket.get("state/feeds/bank/state.json"))!;
    expect([feedState[0], feedState[1]]).toEqual([0x1f, 0x8b]);
  });
});
