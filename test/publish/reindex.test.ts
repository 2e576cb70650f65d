import { describe, expect, it } from "vitest";
import { publishChanges } from "../../lib/publish/publish-changes.js";
import { decodeState, encodeState } from "../../lib/publish/state-codec.js";
import { loadSiteState, SHARDS_PREFIX, SITE_STATE_KEY, type PostShard } from "../../lib/publish/state-store.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import type { Storage } from "../../lib/storage/types.js";
import { feedFiles, fullBuildFeeds } from "../support/full-build.js";
import { SMALL_SITE_CONFIG } from "../support/small-site.js";

// 40 posts, two a day at 07:00 and 20:00 as written without an offset, so their instants move
// with the zone; feeds show 3, so a handful of posts are shown and the rest only counted.
const DAYS = 20;
const NOW = new Date("2022-05-20T12:30:00Z"); // 20:30 in Shanghai, 13:30 in London
const POSTS = Array.from({ length: DAYS * 2 }, (_, i) => {
  const day = String(1 + Math.floor(i / 2)).padStart(2, "0");
  const time = i % 2 === 0 ? "07:00:00" : "20:00:00";
  const category = ["bank", "stock", "auto"][i % 3]!;
  // Half name their date only in the file name (midnight, wall clock); the rest write it out.
  const key = i % 4 === 0 ? `2022-05-${day}-p${i}.md` : `p${i}.md`;
  const date = i % 4 === 0 ? "" : `date: 2022-05-${day} ${time}\n`;
  return { key, text: `---\ntitle: 第 ${i} 篇\n${date}categories: [${category}]\n---\n<p>正文 ${i}</p>\n` };
});

async function site(): Promise<MemoryStorage> {
  const bucket = createMemoryStorage();
  await bucket.put("content/_config.yml", SMALL_SITE_CONFIG);
  for (const p of POSTS) await bucket.put(`content/${p.key}`, p.text);
  await publishChanges({ bucket, now: NOW }, []);
  return bucket;
}

/** The storage, counting GETs of posts under content/ and PUTs. */
function counting(bucket: Storage) {
  const postGets: string[] = [];
  const puts: string[] = [];
  const storage: Storage = {
    ...bucket,
    get: (key, o) => {
      if (key.startsWith("content/") && !key.endsWith("_config.yml")) postGets.push(key);
      return bucket.get(key, o);
    },
    put: (key, body, o) => {
      puts.push(key);
      return bucket.put(key, body, o);
    },
  };
  return { storage, postGets, puts };
}

describe("a new zone or feed length", () => {
  it("chooses every feed again from the index, reading only the posts the feeds now show", async () => {
    const bucket = await site();
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("Asia/Shanghai", "Europe/London").replace("limit: 3", "limit: 4"));
    const run = counting(bucket);
    const result = await publishChanges({ bucket: run.storage, now: NOW }, []);

    expect(result).toMatchObject({ rebuilt: false, reindexed: true });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    // The site feed and three categories show at most 4 each: never the 40 posts of a rescan.
    expect(run.postGets.length).toBeGreaterThan(0);
    expect(run.postGets.length).toBeLessThanOrEqual(16);
    // London is 7 hours behind: today's 20:00 post is not due there yet, and waits as scheduled.
    const state = (await loadSiteState(bucket))!;
    expect(Object.keys(state.scheduled)).toEqual(["p39.md"]);
    expect(await feedFiles(bucket)).not.toHaveProperty("feeds/rss.xml", expect.stringContaining("第 39 篇"));

    // It comes due at 20:00 London time, and the tick then publishes it as a full build would.
    const later = new Date("2022-05-20T19:00:00Z");
    await publishChanges({ bucket, now: later }, []);
    expect((await feedFiles(bucket))["feeds/rss.xml"]).toContain("第 39 篇");
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, later));
  });

  it("reuses the stored items when only the feed length or Cache-Control changes", async () => {
    const bucket = await site();
    const longer = counting(bucket);
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("limit: 3", "limit: 5"));
    expect(await publishChanges({ bucket: longer.storage, now: NOW }, [])).toMatchObject({ reindexed: true });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    // Two more items in each of the four feeds: only those posts are read, never one shown before.
    expect(longer.postGets.length).toBeGreaterThan(0);
    expect(longer.postGets.length).toBeLessThanOrEqual(8);

    const cache = counting(bucket);
    const result = await publishChanges({ bucket: cache.storage, now: NOW, cacheControl: "public, max-age=60" }, []);
    expect(result).toMatchObject({ rerendered: true, rebuilt: false });
    expect(cache.postGets).toEqual([]);
    for (const key of await bucket.list("feeds/")) expect(bucket.inspect(key)?.cacheControl, key).toBe("public, max-age=60");
  });

  it("gives each kind of feed its own length without reading content/ whole, reading only posts newly shown", async () => {
    const bucket = await site();
    const byKind = counting(bucket);
    // Categories take turns, so the site feed's newest 9 are each shown in their category's feed
    // already: at 12 it shows the fourth of each category, the only posts read. Category feeds shrink to one.
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("limit: 3", "limit:\n    site: 12\n    categories: 1"));
    expect(await publishChanges({ bucket: byKind.storage, now: NOW }, [])).toMatchObject({ reindexed: true, rebuilt: false });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect(byKind.postGets).toHaveLength(3);
    const items = async (dir: string) => (JSON.parse(new TextDecoder().decode((await bucket.get(`${dir}/feed.json`))!)) as { items: unknown[] }).items;
    expect([(await items("feeds")).length, (await items("feeds/bank")).length]).toEqual([12, 1]);
  });

  it("renders every feed again from the stored items, reading no post, when a title, display title or author changes", async () => {
    const bucket = await site();
    const edits: [string, string][] = [
      [SMALL_SITE_CONFIG.replace("title: 测试站", "title: 新的站名"), "<title>新的站名 - 银行新闻</title>"],
      [SMALL_SITE_CONFIG.replace("bank: 银行新闻", "bank: 银行频道"), "<category>银行频道</category>"],
      [`${SMALL_SITE_CONFIG}author:\n  name: 编辑部\n  email: desk@news.example.com\n`, "<managingEditor>desk@news.example.com (编辑部)</managingEditor>"],
    ];
    for (const [edit, shown] of edits) {
      await bucket.put("content/_config.yml", edit);
      const run = counting(bucket);
      expect(await publishChanges({ bucket: run.storage, now: NOW }, [])).toMatchObject({ rerendered: true, rebuilt: false });
      expect(run.postGets).toEqual([]);
      expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
      expect((await feedFiles(bucket))["feeds/bank/rss.xml"]).toContain(shown);
    }
  });

  it("reads the shown posts again when a setting their items depend on changes", async () => {
    const bucket = await site();
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("feeds:\n", "feeds:\n  summary_length: 20\n"));
    const run = counting(bucket);
    expect(await publishChanges({ bucket: run.storage, now: NOW }, [])).toMatchObject({ rerendered: true, rebuilt: false });
    expect(run.postGets.length).toBeGreaterThan(0);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
  });

  it("brings back, when the zone changes back, what the first zone showed, and a repeat writes nothing", async () => {
    const bucket = await site();
    const before = await feedFiles(bucket);
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("Asia/Shanghai", "America/Los_Angeles"));
    await publishChanges({ bucket, now: NOW }, []);
    expect(await feedFiles(bucket)).not.toEqual(before);
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG);
    expect(await publishChanges({ bucket, now: NOW }, [])).toMatchObject({ rebuilt: false, reindexed: true });
    expect(await feedFiles(bucket)).toEqual(before);

    const again = counting(bucket);
    await publishChanges({ bucket: again.storage, now: NOW }, []);
    expect(again.puts).toEqual([]);
  });

  it("rebuilds from content/ when the input limits change, or the index does not say how dates were written", async () => {
    const bucket = await site();
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("feeds:\n", "feeds:\n  limits:\n    names_per_post: 5\n"));
    expect(await publishChanges({ bucket, now: NOW }, [])).toMatchObject({ rebuilt: true });

    // A state written before records carried their dates as written has no `limits`: its records
    // cannot be trusted to move with the zone, so the first zone change reads every post once.
    const old = (await loadSiteState(bucket))!;
    delete old.limits;
    await bucket.put(SITE_STATE_KEY, encodeState(JSON.stringify(old)));
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("Asia/Shanghai", "Europe/London"));
    expect(await publishChanges({ bucket, now: NOW }, [])).toMatchObject({ rebuilt: true });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));

    // A record an older version wrote after that build (say, a rollback) does not say how its date
    // was written either: the next zone change reads every post rather than guess.
    const [shardKey] = await bucket.list(SHARDS_PREFIX);
    const shard = JSON.parse(decodeState((await bucket.get(shardKey!))!)) as PostShard;
    for (const record of Object.values(shard)) delete record.wall;
    await bucket.put(shardKey!, encodeState(JSON.stringify(shard)));
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("Asia/Shanghai", "Asia/Tokyo"));
    expect(await publishChanges({ bucket, now: NOW }, [])).toMatchObject({ rebuilt: true });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
  });
});

// Posts are edited while their events are still on their way (or held back in a burst). Each feed
// keeps its items in date order and places a joining post by them, so a post found re-dated must be
// moved before anything else joins, or a post would be placed by a date out of order, for good.
describe("a post found re-dated before its event", () => {
  /** p39, the newest post, re-dated to before the third shown (p37, 19th 20:00), its event not delivered yet. */
  async function redateNewest(bucket: Storage): Promise<void> {
    const p39 = POSTS.find((p) => p.key === "p39.md")!;
    await bucket.put("content/p39.md", p39.text.replace("2022-05-20 20:00:00", "2022-05-18 08:00:00"));
  }
  // A new post between the second shown (p38, 20th 07:00) and the third.
  const JOINING = "---\ntitle: 新\ndate: 2022-05-19 23:00:00\ncategories: [bank]\n---\n<p>新</p>\n";

  it.each([
    ["a setting items depend on", SMALL_SITE_CONFIG.replace("feeds:\n", "feeds:\n  summary_length: 20\n"), false],
    // East of Shanghai, so that p39, as its record dates it, is still due.
    ["the zone", SMALL_SITE_CONFIG.replace("Asia/Shanghai", "Asia/Tokyo"), true],
  ])("is moved first when %s changes, and a post joining in the same call goes where a full build puts it", async (_name, config, reindexed) => {
    const bucket = await site();
    await redateNewest(bucket);
    await bucket.put("content/_config.yml", config);
    await bucket.put("content/x.md", JOINING);
    expect(await publishChanges({ bucket, now: NOW }, [{ key: "x.md", removed: false }])).toMatchObject({ rerendered: true, reindexed, rebuilt: false });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    // The re-dated post's event, when it comes, changes nothing more.
    const run = counting(bucket);
    await publishChanges({ bucket: run.storage, now: NOW }, [{ key: "p39.md", removed: false }]);
    expect(run.puts.filter((key) => key.startsWith("feeds/"))).toEqual([]);
  });

  it("is not promoted by its old date when a shown post leaves: it is moved, and the next in line comes up", async () => {
    const bucket = await site();
    // p36, first in line after the three shown, re-dated to the start of the month.
    const p36 = POSTS.find((p) => p.key === "2022-05-19-p36.md")!;
    await bucket.put("content/2022-05-19-p36.md", p36.text.replace("categories:", "date: 2022-05-01 09:00:00\ncategories:"));
    await bucket.delete("content/p39.md");
    expect(await publishChanges({ bucket, now: NOW }, [{ key: "p39.md", removed: true }])).toMatchObject({ rebuilt: false });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
  });
});
