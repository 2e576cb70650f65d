/**
 * Archives (RFC 5005) as a local build writes them and as an aggregator reads them: walking back
 * from a feed through prev-archive (next_url in JSON Feed) reaches every post of the feed exactly
 * once; a closed page keeps its bytes while new posts arrive and is served as immutable; a post
 * dated in the past changes one page; and the folder always equals a build into an empty one.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseFeed } from "@rowanmanning/feed-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildAll } from "../../lib/publish/build-all.js";
import type { PublishResult } from "../../lib/publish/publish-changes.js";
import { DEFAULT_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL } from "../../lib/publish/write-files.js";
import { createFsStorage } from "../../lib/storage/fs.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import type { Storage } from "../../lib/storage/types.js";
import { feedFiles, fullBuildFeeds } from "../support/full-build.js";
import { build, configYaml, elements, expectSameTree, freshDirs, LATER, makeSite, needs, parseXml, post, readTree, removedAfterAll, SLOW_TOOL_TIMEOUT, writeFiles } from "../feeds/helpers.js";
import { formatSummary } from "../../scripts/summary.js";
import { deliver } from "../support/deliver.js";
import { FC_SEED } from "../support/fast-check-seed.js";
import { postSet } from "./hostile-posts.js";
import { buildFull, HOSTILE_CONFIG, publishInBatches } from "./hostile-site.js";
import { validateTree } from "./tree-validators.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const SITE_URL = "https://news.example.com/";
const sites = removedAfterAll();
const fresh = freshDirs();

const archiveConfig = (pageSize = 4, limit = 5) => configYaml(`feeds:\n  limit: ${limit}\n  archive:\n    page_size: ${pageSize}\n`);

/** Post `i` of a busy site: one an hour from 2022-01-01 (unless dated `minutes` after it), in one of two categories and one of three tags. */
function postFile(i: number, minutes = i * 60): [string, string] {
  const date = new Date(Date.UTC(2022, 0, 1, 0, minutes));
  const stamp = date.toISOString().replace("T", " ").slice(0, 19);
  return [`2022-01-01-post-${i}.md`, post([`title: 第${i}篇`, `date: ${stamp} +0000`, `categories: ${i % 2 ? "bank" : "stock"}`, `tags: [t${i % 3}]`])];
}

function site(count: number, config = archiveConfig()): Record<string, string> {
  return { "_config.yml": config, ...Object.fromEntries(Array.from({ length: count }, (_, i) => postFile(i))) };
}

async function siteDir(files: Record<string, string>): Promise<string> {
  const dir = await makeSite(files);
  sites.push(dir);
  return dir;
}

/** Output key of an absolute URL the feeds give. */
const keyOf = (url: string) => decodeURIComponent(url.slice(SITE_URL.length));

interface Walk {
  /** The documents read, from the feed back to the oldest page. */
  keys: string[];
  /** Each item's id, in the order met. */
  ids: string[];
}

/** Follows prev-archive (XML) or next_url (JSON) from `start`, as an aggregator backfilling does, reading items with an independent parser. */
function walk(tree: Map<string, Buffer>, start: string): Walk {
  const keys: string[] = [];
  const ids: string[] = [];
  for (let key: string | undefined = start; key !== undefined; ) {
    if (keys.includes(key) || keys.length > 1_000) throw new Error(`the archive links go round: ${[...keys, key].join(" → ")}`);
    keys.push(key);
    const text = tree.get(key)?.toString("utf8");
    if (text === undefined) throw new Error(`${keys.at(-2)} links to ${key}, which the build did not write`);
    if (key.endsWith(".json")) {
      const doc = JSON.parse(text) as { items: { id: string }[]; next_url?: string };
      ids.push(...doc.items.map((i) => i.id));
      key = doc.next_url === undefined ? undefined : keyOf(doc.next_url);
    } else {
      ids.push(...parseFeed(text).items.map((i) => i.id!));
      const prev = elements(parseXml(text), key.endsWith("rss.xml") ? "atom:link" : "link").find((l) => l.attribs.rel === "prev-archive");
      key = prev ? keyOf(prev.attribs.href!) : undefined;
    }
  }
  return { keys, ids };
}

/** The walk of `walk`, over files held as text. */
const walkText = (files: Map<string, string>, start: string) => walk(new Map([...files].map(([k, v]) => [k, Buffer.from(v)])), start);

/** The ids every post of each feed has, from a build whose feeds are long enough to show them all. */
async function allIds(files: Record<string, string>, dirs: string[]): Promise<Map<string, string[]>> {
  const { out } = await build(await siteDir({ ...files, "_config.yml": configYaml("feeds:\n  limit: 1000\n") }), NOW, await fresh());
  const tree = await readTree(out);
  return new Map(dirs.map((dir) => [dir, parseFeed(tree.get(`${dir}/atom.xml`)!.toString("utf8")).items.map((i) => i.id!)]));
}

const FEEDS = ["feeds", "feeds/bank", "feeds/stock", "feeds/tags/t0", "feeds/tags/t1"];
const FORMATS = ["atom.xml", "rss.xml", "feed.json"];
/** The closed pages' files under `tree`: everything in an archive page folder but the open page's. */
const closedFiles = (tree: Map<string, Buffer>) => [...tree.keys()].filter((k) => /\/archive\/[0-9a-f]{32}\//.test(k));

describe("a local build with feeds.archive", () => {
  it("lets an aggregator walk back from each feed, in each format, through every post of the feed exactly once", async () => {
    const files = site(80);
    const { out, report } = await build(await siteDir(files), NOW, await fresh());
    expect(report.rejected).toEqual([]);
    const tree = await readTree(out);
    const expected = await allIds(files, FEEDS);
    for (const dir of FEEDS) {
      for (const format of FORMATS) {
        const { keys, ids } = walk(tree, `${dir}/${format}`);
        expect(keys.length, `${dir}/${format}`).toBeGreaterThan(2);
        expect(ids, `${dir}/${format}`).toEqual(expected.get(dir));
      }
    }
  });

  it("marks each page as an archive of its feed, and pages pass the validators", { timeout: SLOW_TOOL_TIMEOUT }, async () => {
    const { out } = await build(await siteDir(site(40)), NOW, await fresh());
    const tree = await readTree(out);
    const pages = [...tree.keys()].filter((k) => k.includes("/archive/") && k.endsWith("atom.xml"));
    expect(pages.length).toBeGreaterThan(5);
    for (const key of pages) {
      const root = parseXml(tree.get(key)!.toString("utf8"));
      expect(elements(root, "fh:archive"), key).toHaveLength(1);
      const current = elements(root, "link").find((l) => l.attribs.rel === "current")!;
      expect(keyOf(current.attribs.href!), key).toBe(`${key.slice(0, key.indexOf("/archive/"))}/atom.xml`);
    }
    // The feeds themselves are no archives.
    for (const dir of FEEDS) expect(elements(parseXml(tree.get(`${dir}/atom.xml`)!.toString("utf8")), "fh:archive"), dir).toEqual([]);
  });

  describe("with the XML validators", () => {
    needs("xmllint", "jing", "feedparser");
    it("writes archive pages every validator accepts", { timeout: SLOW_TOOL_TIMEOUT }, async () => {
      const { out } = await build(await siteDir(site(30)), NOW, await fresh());
      const tree = await readTree(out);
      const archived = new Map([...tree].filter(([k]) => k.includes("/archive/")).map(([k, v]) => [k, v.toString("utf8")]));
      expect(archived.size).toBeGreaterThan(10);
      expect(await validateTree(archived)).toEqual([]);
    });
  });

  it("keeps every closed page's bytes when newer posts arrive, so only the feed and its newest page change", async () => {
    const files = site(60);
    const content = await siteDir(files);
    const { out } = await build(content, NOW, await fresh());
    const before = await readTree(out);
    expect(closedFiles(before).length).toBeGreaterThan(20);
    for (let i = 60; i < 64; i++) {
      await writeFiles(content, Object.fromEntries([postFile(i)]));
      await build(content, NOW, out);
    }
    const after = await readTree(out);
    for (const key of closedFiles(before)) expect(after.get(key)?.equals(before.get(key)!), key).toBe(true);
  });

  it("changes one closed page of each of its feeds for a post dated in the past, and leaves the rest as they were", async () => {
    const content = await siteDir(site(60));
    const { out } = await build(content, NOW, await fresh());
    const before = await readTree(out);
    // Post 101, in bank and t2, is dated between posts 10 and 11.
    await writeFiles(content, Object.fromEntries([postFile(101, 10 * 60 + 30)]));
    await build(content, NOW, out);
    const after = await readTree(out);
    const changedPages = new Set(closedFiles(before).filter((k) => !after.get(k)?.equals(before.get(k)!)).map((k) => k.slice(0, k.lastIndexOf("/"))));
    const byFeed = (dir: string) => [...changedPages].filter((p) => p.startsWith(`${dir}/archive/`));
    for (const dir of ["feeds", "feeds/bank", "feeds/tags/t2"]) expect(byFeed(dir).length, dir).toBeLessThanOrEqual(1);
    for (const dir of ["feeds/stock", "feeds/tags/t0", "feeds/tags/t1"]) expect(byFeed(dir), dir).toEqual([]);
    expect([...changedPages].length).toBeGreaterThan(0);
  });

  it("writes closed pages with an immutable Cache-Control, and the feed and its open page with the usual one", async () => {
    const content = createFsStorage({ base: await siteDir(site(40)) });
    const output = createMemoryStorage();
    await buildAll({ content, output, now: NOW });
    const keys = await output.list("feeds/");
    const closed = keys.filter((k) => /\/archive\/[0-9a-f]{32}\//.test(k));
    const open = keys.filter((k) => k.includes("/archive/open/"));
    expect(closed.length).toBeGreaterThan(10);
    expect(open.length).toBeGreaterThan(0);
    for (const key of closed) expect(output.inspect(key)!.cacheControl, key).toBe(IMMUTABLE_CACHE_CONTROL);
    for (const key of [...open, "feeds/atom.xml", "feeds/bank/feed.json"]) expect(output.inspect(key)!.cacheControl, key).toBe(DEFAULT_CACHE_CONTROL);
  });

  it("writes nothing when run again on the same posts, and equals a build into an empty folder after posts are removed or archives turned off", async () => {
    const files = site(50);
    const dir = await siteDir(files);
    const { out } = await build(dir, NOW, await fresh());
    const again = await build(dir, NOW, out);
    expect(again.report.writes.filter((w) => w.outcome !== "unchanged")).toEqual([]);

    for (let i = 0; i < 50; i += 3) await rm(path.join(dir, postFile(i)[0]));
    await build(dir, NOW, out);
    expectSameTree(await readTree((await build(dir, NOW, await fresh())).out), await readTree(out));

    await writeFiles(dir, { "_config.yml": configYaml("feeds:\n  limit: 5\n") });
    await build(dir, NOW, out);
    const off = await readTree(out);
    expect([...off.keys()].filter((k) => k.includes("/archive/"))).toEqual([]);
    expectSameTree(await readTree((await build(dir, NOW, await fresh())).out), off);
  });

  it("gives the same files with every cache the build command uses as without any, as posts come, change and go", async () => {
    const caches = await fresh();
    const store = (name: string) => createFsStorage({ base: path.join(caches, name) });
    const cachedBuild = (content: string, out: string) =>
      buildAll({
        content: createFsStorage({ base: content }),
        output: createFsStorage({ base: out }),
        now: NOW,
        renderCache: { store: store("render"), code: "test", prune: true },
        scanCache: { store: store("scan"), code: "test", now: LATER },
        feedCache: { store: store("feeds"), code: "test", prune: true, now: LATER },
        outputHashes: { store: store("output"), now: LATER },
      });
    const dir = await siteDir(site(40));
    const out = await fresh();
    const steps: (() => Promise<unknown>)[] = [
      async () => {},
      () => writeFiles(dir, Object.fromEntries([postFile(40), postFile(41, 5 * 60 + 30)])),
      () => writeFiles(dir, Object.fromEntries([[postFile(7)[0], post(["title: 改了", "date: 2022-01-01 07:00:00 +0000", "categories: bank"])]])),
      () => rm(path.join(dir, postFile(12)[0])),
      () => writeFiles(dir, { "_config.yml": archiveConfig(3, 4) }),
    ];
    for (const [n, step] of steps.entries()) {
      await step();
      const report = await cachedBuild(dir, out);
      expect(report.rejected).toEqual([]);
      // Archived posts' items come from the render cache once it holds them.
      if (n > 0) expect(report.reused, `step ${n}`).toBeGreaterThan(report.rendered);
      expectSameTree(await readTree((await build(dir, NOW, await fresh())).out), await readTree(out));
    }
    // Nothing changed: every feed and page is the feed cache's, and no post is read.
    const still = await cachedBuild(dir, out);
    expect([still.rendered, still.reused, still.writes.filter((w) => w.outcome !== "unchanged")]).toEqual([0, 0, []]);
    const pages = still.archivePages.total;
    expect(pages).toBeGreaterThan(5);
    expect(formatSummary(still, out, 0, caches)).toContain(`\n  archives:   ${pages} pages of about 3 posts, ${pages} from the cache\n`);
  });

  it("keeps a category named archive and the site's archive pages, which share its folder, apart", async () => {
    const files = Object.fromEntries(
      Object.entries(site(40)).map(([name, body]) => [name, name.endsWith(".md") ? body.replace("categories: stock", "categories: archive") : body]),
    );
    const { out } = await build(await siteDir(files), NOW, await fresh());
    const tree = await readTree(out);
    const expected = await allIds(files, ["feeds", "feeds/archive", "feeds/bank"]);
    for (const dir of ["feeds", "feeds/archive", "feeds/bank"]) {
      for (const format of FORMATS) expect(walk(tree, `${dir}/${format}`).ids, `${dir}/${format}`).toEqual(expected.get(dir));
    }
    expect([...tree.keys()].some((k) => k.startsWith("feeds/archive/archive/"))).toBe(true);
  });

  it("writes no archives for a feed whose posts all fit in it", async () => {
    const { out } = await build(await siteDir(site(4)), NOW, await fresh());
    const tree = await readTree(out);
    expect([...tree.keys()].filter((k) => k.includes("/archive/"))).toEqual([]);
    expect(tree.get("feeds/atom.xml")!.toString("utf8")).not.toContain("prev-archive");
    expect(JSON.parse(tree.get("feeds/feed.json")!.toString("utf8"))).not.toHaveProperty("next_url");
  });
});

describe("hostile posts among good ones, with feeds.archive", () => {
  it("leave the archives holding exactly the posts each feed shows at full length, each rejected post reported once, and uploads give the same archives (60 sites)", async () => {
    const archived = HOSTILE_CONFIG.replace("  limit: 1000\n", "  limit: 2\n  archive: {page_size: 2}\n");
    expect(archived).not.toBe(HOSTILE_CONFIG);
    let paths = 0;
    await fc.assert(
      fc.asyncProperty(postSet, async (posts) => {
        const whole = await buildFull(posts);
        const paged = await buildFull(posts, archived);
        expect(paged.report.invalid).toEqual([]);
        // The same posts uploaded in batches onto a site with archives: the same files, archives included.
        const { bucket, outcomes } = await publishInBatches(posts, archived);
        expect(new Map(Object.entries(await feedFiles(bucket)))).toEqual(paged.files);
        const byKey = (a: string[], b: string[]) => (a[0]! < b[0]! ? -1 : 1);
        expect([...outcomes.values()].filter((o) => o.outcome === "rejected").map((o) => [o.key, o.reason!]).sort(byKey)).toEqual(paged.report.rejected.map((e) => [e.key, e.reason]).sort(byKey));
        expect(paged.report.rejected.map((e) => [e.key, e.reason])).toEqual(whole.report.rejected.map((e) => [e.key, e.reason]));
        for (const dir of ["feeds", "feeds/beijingshangbao"]) {
          if (!whole.files.has(`${dir}/feed.json`)) continue;
          const all = (JSON.parse(whole.files.get(`${dir}/feed.json`)!) as { items: { id: string }[] }).items.map((i) => i.id);
          const json = walkText(paged.files, `${dir}/feed.json`);
          expect(json.ids, dir).toEqual(all);
          expect(walkText(paged.files, `${dir}/atom.xml`).ids, dir).toEqual(all);
          if (json.keys.length > 2) paths++;
        }
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
    // The property is only as good as the archives it reached.
    expect(paths).toBeGreaterThan(20);
  }, 120_000);
});

describe("the serverless path with feeds.archive", () => {
  /** What each call wrote or deleted. */
  const changedKeys = (results: PublishResult[]) => results.flatMap((r) => r.writes.filter((w) => w.outcome === "written" || w.outcome === "deleted").map((w) => w.key));
  const pageDirs = (keys: string[]) => new Set(keys.filter((k) => k.includes("/archive/")).map((k) => k.slice(0, k.lastIndexOf("/"))));
  const closedKeys = (keys: string[]) => keys.filter((k) => /\/archive\/[0-9a-f]{32}\//.test(k));

  async function bucketOf(files: Record<string, string>): Promise<MemoryStorage> {
    const bucket = createMemoryStorage();
    for (const [name, body] of Object.entries(files)) await bucket.put(`content/${name}`, body);
    return bucket;
  }

  it("keeps the archives in step with uploads, changing only the pages a post falls in, and equal to a local build", async () => {
    const bucket = await bucketOf(site(60));
    const options = { bucket, now: NOW, rescanWork: 300 };
    // The first call finds no index: a rescan, whose archive steps render a few pages each.
    const first = await deliver(options, []);
    expect(first.filter((r) => r.next?.phase === "archive").length).toBeGreaterThan(3);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    const tree = new Map(Object.entries(await feedFiles(bucket)));
    const expected = await allIds(site(60), FEEDS);
    for (const dir of FEEDS) expect(walkText(tree, `${dir}/feed.json`).ids, dir).toEqual(expected.get(dir));

    const upload = async (i: number, minutes?: number) => {
      const [name, body] = postFile(i, minutes);
      await bucket.put(`content/${name}`, body);
      return deliver(options, [{ key: name, removed: false }]);
    };
    for (let i = 60; i < 64; i++) {
      const closed = closedKeys(await bucket.list("feeds/"));
      const results = await upload(i);
      expect(results.map((r) => r.rebuilt)).toEqual([false]);
      expect(closedKeys(changedKeys(results)).filter((k) => closed.includes(k)), `post ${i}`).toEqual([]);
    }
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));

    // Post 101, in bank and t2, is dated between posts 10 and 11: one page of each of its feeds changes.
    const before = closedKeys(await bucket.list("feeds/"));
    const late = await upload(101, 10 * 60 + 30);
    const changedPages = [...pageDirs(closedKeys(changedKeys(late)).filter((k) => before.includes(k)))];
    for (const dir of ["feeds", "feeds/bank", "feeds/tags/t2"]) expect(changedPages.filter((p) => p.startsWith(`${dir}/archive/`)).length, dir).toBeLessThanOrEqual(1);
    expect(changedPages.filter((p) => /^feeds\/(stock|tags\/t0|tags\/t1)\//.test(p))).toEqual([]);
    expect(changedPages.length).toBeGreaterThan(0);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));

    // A post deleted from the middle: its page, and the next newer when it ended one (a merge).
    const [gone] = postFile(30);
    await bucket.delete(`content/${gone}`);
    const removed = await deliver(options, [{ key: gone, removed: true }]);
    expect(removed.map((r) => r.rebuilt)).toEqual([false]);
    for (const dir of ["feeds", "feeds/stock", "feeds/tags/t0"]) expect([...pageDirs(changedKeys(removed))].filter((p) => p.startsWith(`${dir}/archive/`)).length, dir).toBeLessThanOrEqual(2);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    // A replay of the same event writes nothing.
    expect(changedKeys(await deliver(options, [{ key: gone, removed: true }]))).toEqual([]);
  });

  it("keeps a category named archive apart from the site's pages, which share its folder, through uploads, deletions and a rescan's commit", async () => {
    const files = Object.fromEntries(Object.entries(site(40)).map(([name, body]) => [name, body.replace("categories: stock", "categories: archive")]));
    const bucket = await bucketOf(files);
    const options = { bucket, now: NOW, rescanWork: 300 };
    await deliver(options, []);
    for (const i of [40, 41]) {
      const [name, body] = postFile(i);
      await bucket.put(`content/${name}`, body.replace("categories: stock", "categories: archive"));
      await deliver(options, [{ key: name, removed: false }]);
    }
    const [gone] = postFile(20);
    await bucket.delete(`content/${gone}`);
    await deliver(options, [{ key: gone, removed: true }]);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect((await bucket.list("feeds/archive/archive/")).length).toBeGreaterThan(0);
    // A rescan on request removes nothing either: its commit tells the category's files from the site's pages.
    const rescan = await deliver(options, [], { rebuild: true });
    expect(changedKeys(rescan)).toEqual([]);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
  });

  it("costs an upload as many storage requests at 400 posts as at 40", async () => {
    const requests = async (count: number) => {
      const bucket = await bucketOf(site(count));
      await deliver({ bucket, now: NOW, rescanWork: Infinity }, []);
      const counted = countRequests(bucket);
      const [name, body] = postFile(count);
      await bucket.put(`content/${name}`, body);
      const results = await deliver({ bucket: counted.storage, now: NOW }, [{ key: name, removed: false }]);
      expect(results.map((r) => r.rebuilt)).toEqual([false]);
      return counted.requests;
    };
    const small = await requests(40);
    const large = await requests(400);
    // The pages an upload touches are its feeds' newest, whatever lies behind them; one may close and open another.
    expect(large.length).toBeLessThanOrEqual(small.length + 6);
    expect(large.filter((r) => r.startsWith("list"))).toEqual([]);
  });

  it("renders the pages again from the items their states hold after a new title, reading far fewer posts than a rescan on request", async () => {
    const bucket = await bucketOf(site(60));
    const options = { bucket, now: NOW, rescanWork: 300 };
    await deliver(options, []);
    const contentReads = async (change: () => Promise<PublishResult[]>) => {
      const counted = countRequests(bucket);
      options.bucket = counted.storage as MemoryStorage;
      await change();
      options.bucket = bucket;
      return counted.requests.filter((r) => r.startsWith("get content/") && r.endsWith(".md")).length;
    };
    const requested = await contentReads(() => deliver(options, [], { rebuild: true }));
    await bucket.put("content/_config.yml", archiveConfig().replace("title: 测试站", "title: 新 测试站"));
    const retitled = await contentReads(() => deliver(options, []));
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect(new TextDecoder().decode((await bucket.get("feeds/archive/open/atom.xml"))!)).toContain("新 ");
    // Both read every post's front matter once; the rescan on request also reads each archived post for its pages.
    expect(retitled).toBeLessThan(requested - 50);
  });

  it("builds the archives again from content/ for a new configuration, and removes them all, with their state, when they are turned off", async () => {
    const bucket = await bucketOf(site(40));
    const options = { bucket, now: NOW, rescanWork: 200 };
    await deliver(options, []);
    await bucket.put("content/_config.yml", archiveConfig(2, 3));
    await deliver(options, []);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    await bucket.put("content/_config.yml", configYaml("feeds:\n  limit: 5\n"));
    await deliver(options, []);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect((await bucket.list("feeds/")).filter((k) => k.includes("/archive/"))).toEqual([]);
    expect((await bucket.list("state/")).filter((k) => k.includes("archive"))).toEqual([]);
  });
});

/** The storage's requests, as "get key", "put key", … in the order made. */
function countRequests(storage: Storage): { storage: Storage; requests: string[] } {
  const requests: string[] = [];
  const note = <A extends unknown[], R>(op: string, fn: (key: string, ...rest: A) => Promise<R>) => (key: string, ...rest: A) => (requests.push(`${op} ${key}`), fn(key, ...rest));
  return {
    requests,
    storage: {
      get: note("get", storage.get.bind(storage)),
      hash: note("hash", storage.hash.bind(storage)),
      put: note("put", storage.put.bind(storage)),
      delete: note("delete", storage.delete.bind(storage)),
      list: note("list", storage.list.bind(storage)),
    },
  };
}
