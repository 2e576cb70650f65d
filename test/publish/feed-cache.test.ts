import { appendFile, readdir, unlink } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildAll } from "../../lib/publish/build-all.js";
import { createFsStorage, type FsStorage } from "../../lib/storage/fs.js";
import { configYaml, expectSameTree, makeSite, post, readTree, removedAfterAll, tempDir, writeFiles } from "../feeds/helpers.js";

const NOW = new Date("2026-01-01T00:00:00Z");
/** A clock far enough ahead that the posts just written are past the feed cache's two seconds. */
const LATER = () => Date.now() + 10_000;

const dirs = removedAfterAll();
async function fresh(): Promise<string> {
  const dir = await tempDir();
  dirs.push(dir);
  return dir;
}

const SITE = {
  "_config.yml": configYaml("feeds:\n  categories:\n    bank: 银行新闻\n"),
  "2022-05-20-one.md": post(["title: 第一篇", "date: 2022-05-20 09:00:00 +0800", "categories: bank"]),
  "2022-05-21-two.md": post(["title: 第二篇", "date: 2022-05-21 09:00:00 +0800", "categories: stock", "tags: [股市]"]),
  "2022-05-22-three.html": post(["title: 第三篇", "date: 2022-05-22 09:00:00 +0800", "categories: bank"]),
  "2022-05-23-four.md": post(["title: 图 & <b>", "date: 2022-05-23 09:00:00 +0800", "categories: bank", "tags: [股市, 银行]", "author: Jane Doe"]),
};
// site, bank, stock, tags/股市, tags/银行, authors/jane doe
const FEEDS = 6;
const FILES_PER_FEED = 5;

interface Caches {
  feeds: string;
  render: string;
}

async function caches(): Promise<Caches> {
  return { feeds: await fresh(), render: await fresh() };
}

/** buildAll into a fresh folder with both caches, or with none. */
async function buildWith(content: string | FsStorage, with_: Caches | null, now = LATER) {
  const out = await fresh();
  const report = await buildAll({
    content: typeof content === "string" ? createFsStorage({ base: content }) : content,
    output: createFsStorage({ base: out }),
    now: NOW,
    ...(with_
      ? {
          renderCache: { store: createFsStorage({ base: with_.render }), code: "test-code", prune: true },
          feedCache: { store: createFsStorage({ base: with_.feeds }), code: "test-code", prune: true, now },
        }
      : {}),
  });
  return { out, report, tree: await readTree(out) };
}

async function keptFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name !== "index.json").map((e) => path.join(e.parentPath, e.name));
}

describe("buildAll with a feed cache", () => {
  it("copies every feed of an unchanged site without reading a post, the same bytes as a build without caches", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const cache = await caches();
    const none = await buildWith(content, null);
    const cold = await buildWith(content, cache);
    const warm = await buildWith(content, cache);

    expect(none.report.feeds).toHaveLength(FEEDS);
    expect(cold.report).toMatchObject({ copied: 0, rendered: 4 });
    // No item was asked for: neither rendered nor read from the render cache.
    expect(warm.report).toMatchObject({ copied: FEEDS, rendered: 0, reused: 0 });
    expect(warm.report.writes.filter((w) => w.outcome === "written")).toHaveLength(FEEDS * FILES_PER_FEED + 1);
    expectSameTree(none.tree, cold.tree);
    expectSameTree(none.tree, warm.tree);
    expect(await keptFiles(cache.feeds)).toHaveLength(FEEDS * FILES_PER_FEED);
  });

  it("renders again only the feeds that show an edited post, from the render cache but for that post, and drops their old files", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const cache = await caches();
    await buildWith(content, cache);
    expect((await buildWith(content, cache)).report.copied).toBe(FEEDS);

    await writeFiles(content, { "2022-05-21-two.md": post(["title: 第二篇改", "date: 2022-05-21 09:00:00 +0800", "categories: stock", "tags: [股市]"]) });
    const edited = await buildWith(content, cache);
    // Post two is in the site feed, stock and #股市; the site feed's other three come from the
    // render cache, whose entries the copied feeds kept.
    expect(edited.report).toMatchObject({ copied: FEEDS - 3, rendered: 1, reused: 3 });
    expectSameTree((await buildWith(content, null)).tree, edited.tree);
    expect(await keptFiles(cache.feeds)).toHaveLength(FEEDS * FILES_PER_FEED);
    expect((await buildWith(content, cache)).report).toMatchObject({ copied: FEEDS, rendered: 0 });
  });

  it("renders every feed again under other settings or other code", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const cache = await caches();
    await buildWith(content, cache);
    await writeFiles(content, { "_config.yml": configYaml("feeds:\n  summary_length: 20\n") });
    const reconfigured = await buildWith(content, cache);
    expect(reconfigured.report.copied).toBe(0);
    expectSameTree((await buildWith(content, null)).tree, reconfigured.tree);
    expect(await keptFiles(cache.feeds)).toHaveLength(FEEDS * FILES_PER_FEED);
  });

  it("neither copies nor keeps a feed showing a post changed in the last two seconds", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const cache = await caches();
    // By the real clock every post was written a moment ago.
    await buildWith(content, cache, Date.now);
    expect(await keptFiles(cache.feeds)).toHaveLength(0);
    await buildWith(content, cache);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await writeFiles(content, { "2022-05-20-one.md": post(["title: 第一篇改", "date: 2022-05-20 09:00:00 +0800", "categories: bank"]) });
    // A clock 1.5 s after the edit: the other posts are older than two seconds by then.
    const edited = createFsStorage({ base: content }).stamp("2022-05-20-one.md")!.changedMs;
    const soon = () => edited + 1_500;
    const recent = await buildWith(content, cache, soon);
    // The site feed and bank show post one: rendered, and not kept for the next build either.
    expect(recent.report.copied).toBe(FEEDS - 2);
    expect((await buildWith(content, cache, soon)).report.copied).toBe(FEEDS - 2);
    expectSameTree((await buildWith(content, null)).tree, recent.tree);
    // Later they are kept.
    expect((await buildWith(content, cache)).report.copied).toBe(FEEDS - 2);
    expect((await buildWith(content, cache)).report.copied).toBe(FEEDS);
  });

  it("renders a feed whose kept file was changed, cut short or removed, and mends the cache", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const cache = await caches();
    const clean = await buildWith(content, cache);
    const files = await keptFiles(cache.feeds);
    const changed = files.find((f) => f.endsWith("rss.xml"))!;
    const removed = files.find((f) => f.endsWith("feed.json") && path.dirname(f) !== path.dirname(changed))!;
    await appendFile(changed, "<!-- changed -->");
    await unlink(removed);

    const mended = await buildWith(content, cache);
    expect(mended.report.copied).toBe(FEEDS - 2);
    expectSameTree(clean.tree, mended.tree);
    expect((await buildWith(content, cache)).report.copied).toBe(FEEDS);
  });

  it("renders a feed whose kept file went after it was checked", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const cache = await caches();
    const clean = await buildWith(content, cache);
    const store = createFsStorage({ base: cache.feeds });
    const keys = (await store.list("")).filter((key) => key.endsWith("atom.xml"));
    // The stamps as they were checked; the file is gone by the time it is copied.
    const checked = new Map(keys.map((key) => [key, store.stamp(key)]));
    await store.delete(keys[0]!);
    const out = await fresh();
    const report = await buildAll({
      content: createFsStorage({ base: content }),
      output: createFsStorage({ base: out }),
      now: NOW,
      feedCache: { store: { ...store, stamp: (key) => (checked.has(key) ? checked.get(key)! : store.stamp(key)) }, code: "test-code", now: LATER },
    });
    expect(report.copied).toBe(FEEDS - 1);
    expectSameTree(clean.tree, await readTree(out));
  });

  it("keeps no feed missing a rejected post, so every build reports the post again", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const cache = await caches();
    // The scan reads post four's front matter whole; reading all of it later finds no title.
    const fs = createFsStorage({ base: content });
    const spoiled: FsStorage = { ...fs, get: async (key, options) => (key === "2022-05-23-four.md" ? Buffer.from("---\ndate: 2022-05-23\n---\n") : fs.get(key, options)) };
    for (let i = 0; i < 2; i++) {
      const { report } = await buildWith(spoiled, cache);
      expect(report.rejected.map((e) => e.key)).toEqual(["2022-05-23-four.md"]);
      // site, bank, #股市, #银行 and Jane Doe's feed show post four.
      expect(report.copied).toBe(i === 0 ? 0 : FEEDS - 5);
    }
  });
});
