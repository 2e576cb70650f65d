import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONTENT_DIR,
  SITE_URL,
  build,
  children,
  configYaml,
  contentFeedDirs,
  contentPosts,
  elements,
  htmlText,
  makeSite,
  parseXml,
  post,
  readText,
  textOfElement,
  urlOf,
  type XmlElement,
} from "./helpers.js";

interface JsonFeed {
  version: string;
  title: string;
  home_page_url: string;
  feed_url: string;
  language: string;
  authors: { name: string; url?: string }[];
  author?: { name: string; url?: string };
  items: {
    id: string;
    url: string;
    title: string;
    content_html: string;
    summary: string;
    date_published: string;
    tags?: string[];
    authors?: { name: string }[];
    author?: { name: string };
  }[];
}

const DIRS = contentFeedDirs();
const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NOW = new Date("2026-01-01T00:00:00Z");

let out = "";
const tempDirs: string[] = [];

beforeAll(async () => {
  ({ out } = await build(CONTENT_DIR, NOW));
  tempDirs.push(out);
});

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

const rssOf = (dir: string, root = out) => parseXml(readText(root, `${dir}/rss.xml`));
const atomOf = (dir: string, root = out) => parseXml(readText(root, `${dir}/atom.xml`));
const jsonOf = (dir: string, root = out) => JSON.parse(readText(root, `${dir}/feed.json`)) as JsonFeed;
const childText = (el: XmlElement, name: string) => textOfElement(children(el, name)[0]);
const rssTitles = (dir: string, root = out) => elements(rssOf(dir, root), "item").map((i) => childText(i, "title"));

describe("RSS items", () => {
  const items = () => elements(rssOf("feeds"), "item");

  it("have a guid with isPermaLink=\"false\" holding the post's urn:uuid id, the same id Atom and JSON Feed use", () => {
    const guids = items().map((i) => children(i, "guid")[0]!);
    expect(guids).toHaveLength(13);
    for (const guid of guids) {
      expect(guid.attribs.isPermaLink).toBe("false");
      expect(textOfElement(guid)).toMatch(UUID_URN);
    }
    const ids = guids.map((g) => textOfElement(g));
    expect(new Set(ids).size).toBe(13);
    expect(elements(atomOf("feeds"), "entry").map((e) => childText(e, "id"))).toEqual(ids);
    expect(jsonOf("feeds").items.map((i) => i.id)).toEqual(ids);
  });

  it("keep the full HTML in content:encoded and the plain-text summary in description", () => {
    const json = jsonOf("feeds");
    for (const [n, item] of items().entries()) {
      const source = json.items[n]!;
      const content = childText(item, "content:encoded")!;
      expect(content, source.title).toBe(source.content_html);
      // The whole body, down to its last line.
      expect(content, source.title).toContain('<a href="https://finews.withounder.com/">返回首页</a>');
      const description = childText(item, "description")!;
      expect(htmlText(description), source.title).toBe(source.summary);
      expect(description, source.title).not.toMatch(/<[a-z]/i);
      expect(source.summary.length, source.title).toBeLessThan(htmlText(content).length);
    }
  });

  it("name a name-only author in dc:creator and never use <author> without an email", () => {
    const brokerage = contentPosts().find((p) => p.file === "2022-05-30-brokerage-wealth-management.md")!;
    const item = items().find((i) => childText(i, "title") === brokerage.title)!;
    expect(children(item, "dc:creator").map((c) => textOfElement(c))).toEqual(["证券时报记者 陈立"]);
    for (const dir of DIRS) expect(elements(rssOf(dir), "author"), dir).toEqual([]);
    expect(readText(out, "feeds/rss.xml")).toContain('xmlns:dc="http://purl.org/dc/elements/1.1/"');
  });

  it("declare the dc: namespace even when no item has a body (dc:creator alone)", async () => {
    const site = await makeSite({
      "_config.yml": configYaml(),
      "2022-05-20-a.md": post(["title: 只有标题", "date: 2022-05-20 09:00:00 +0800", "author: 张三"], ""),
    });
    const { out: dir } = await build(site, NOW);
    tempDirs.push(site, dir);
    const xml = readText(dir, "feeds/rss.xml");
    expect(elements(parseXml(xml), "dc:creator").map((c) => textOfElement(c))).toEqual(["张三"]);
    expect(elements(parseXml(xml), "rss")[0]!.attribs["xmlns:dc"]).toBe("http://purl.org/dc/elements/1.1/");
  });

  it("use <author> with the email when the post's author has one", async () => {
    const site = await makeSite({
      "_config.yml": configYaml(),
      "2022-05-20-a.md": post(["title: 有邮箱", "date: 2022-05-20 09:00:00 +0800", "author:", "  name: 李四", "  email: li@example.com"]),
    });
    const { out: dir } = await build(site, NOW);
    tempDirs.push(site, dir);
    const item = elements(rssOf("feeds", dir), "item")[0]!;
    expect(children(item, "author").map((a) => textOfElement(a))).toEqual(["li@example.com (李四)"]);
    expect(jsonOf("feeds", dir).items[0]!.authors).toEqual([{ name: "李四" }]);
    // And 1.0's author, which 1.0 readers (gofeed 1.1.3) show where they ignore authors.
    expect(jsonOf("feeds", dir).items[0]!.author).toEqual({ name: "李四" });
    expect(jsonOf("feeds", dir).author).toEqual(jsonOf("feeds", dir).authors[0]);
    const atomAuthor = children(elements(atomOf("feeds", dir), "entry")[0]!, "author")[0]!;
    expect([childText(atomAuthor, "name"), childText(atomAuthor, "email")]).toEqual(["李四", "li@example.com"]);
  });
});

describe("every feed names itself by its own absolute URL", () => {
  it.each(DIRS)("%s: RSS atom:link rel=self, Atom link rel=self and JSON feed_url", (dir) => {
    const rssSelf = elements(rssOf(dir), "atom:link").filter((l) => l.attribs.rel === "self");
    expect(rssSelf.map((l) => l.attribs.href)).toEqual([urlOf(`${dir}/rss.xml`)]);
    expect(rssSelf[0]!.attribs.type).toBe("application/rss+xml");
    const atomSelf = elements(atomOf(dir), "link").filter((l) => l.attribs.rel === "self");
    expect(atomSelf.map((l) => l.attribs.href)).toEqual([urlOf(`${dir}/atom.xml`)]);
    expect(jsonOf(dir).feed_url).toBe(urlOf(`${dir}/feed.json`));
    expect(jsonOf(dir).home_page_url).toBe(`${SITE_URL}/`);
  });
});

describe("Atom feeds", () => {
  it.each(DIRS)("%s: feed author, xml:lang, self and alternate links, a term on every category", (dir) => {
    const doc = atomOf(dir);
    const feed = elements(doc, "feed")[0]!;
    expect(feed.attribs["xml:lang"]).toBe("zh-CN");
    const author = children(feed, "author")[0];
    expect(author && childText(author, "name")).toBe("财经新闻网编辑部");
    const links = children(feed, "link").map((l) => [l.attribs.rel, l.attribs.href]);
    expect(links).toEqual(
      expect.arrayContaining([
        ["alternate", `${SITE_URL}/`],
        ["self", urlOf(`${dir}/atom.xml`)],
      ]),
    );
    const categories = elements(doc, "category");
    expect(categories.length).toBeGreaterThan(0);
    for (const c of categories) expect(c.attribs.term?.trim()).toBeTruthy();
  });
});

describe("JSON feeds", () => {
  it.each(DIRS)("%s: authors, language, feed and home URLs; items with content_html, summary and tags", (dir) => {
    const feed = jsonOf(dir);
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed.authors).toEqual([{ name: "财经新闻网编辑部" }]);
    expect(feed.language).toBe("zh-CN");
    expect(feed.items.length).toBeGreaterThan(0);
    for (const item of feed.items) {
      expect(item.url).toMatch(/^https:\/\/finews\.withounder\.com\//);
      expect(item.content_html).toMatch(/^<p>/);
      expect(item.summary.length).toBeGreaterThan(0);
      expect(item.summary).not.toMatch(/<[a-z]/i);
      expect(item.tags?.length).toBeGreaterThan(0);
    }
  });

  it("lists a post's category by its display title and its tags once each", () => {
    const seed = jsonOf("feeds").items.find((i) => i.title.startsWith("江西银行"))!;
    expect(seed.tags).toEqual(["北京商报新闻"]);
    const car = jsonOf("feeds").items.find((i) => i.title.startsWith("北京车市"))!;
    expect(car.tags).toEqual(["北京商报新闻", "汽车"]);
  });
});

describe("feed titles", () => {
  it.each([
    ["feeds", "财经新闻网"],
    ["feeds/beijingshangbao", "财经新闻网 - 北京商报新闻"],
    ["feeds/zhengquanshibao", "财经新闻网 - 证券时报新闻"],
    ["feeds/diyicaijing", "财经新闻网 - 第一财经新闻"],
    ["feeds/tags/银行", "财经新闻网 - #银行"],
  ])("%s is titled %s in every format", (dir, title) => {
    expect(textOfElement(elements(rssOf(dir), "title")[0])).toBe(title);
    expect(childText(elements(atomOf(dir), "feed")[0]!, "title")).toBe(title);
    expect(jsonOf(dir).title).toBe(title);
  });
});

describe("choosing items", () => {
  it.each(DIRS)("%s lists its posts newest first", (dir) => {
    const dates = elements(rssOf(dir), "item").map((i) => Date.parse(childText(i, "pubDate")!));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    const json = jsonOf(dir).items.map((i) => Date.parse(i.date_published));
    expect(json).toEqual(dates);
  });

  it("the category feed holds exactly the posts in that category", () => {
    const expected = contentPosts().filter((p) => p.categories.includes("diyicaijing")).map((p) => p.title);
    expect(expected).toHaveLength(5);
    expect(new Set(rssTitles("feeds/diyicaijing"))).toEqual(new Set(expected));
  });

  /** Titles of each feed's items in all three formats, after building five posts (one a day, each in bank and 银行) under `feedsYaml`. */
  async function fiveDaysShown(feedsYaml: string): Promise<Record<string, string[]>> {
    const site = await makeSite({
      "_config.yml": configYaml(feedsYaml),
      ...Object.fromEntries(
        [1, 2, 3, 4, 5].map((d) => [
          `2022-05-0${d}-p${d}.md`,
          post([`title: 第${d}篇`, `date: 2022-05-0${d} 09:00:00 +0800`, "categories: bank", "tags: [银行]"]),
        ]),
      ),
    });
    const { out: dir } = await build(site, NOW);
    tempDirs.push(site, dir);
    const shown: Record<string, string[]> = {};
    for (const feed of ["feeds", "feeds/bank", "feeds/tags/银行"]) {
      const titles = rssTitles(feed, dir).map((t) => t ?? "(no title)");
      expect(elements(atomOf(feed, dir), "entry").map((e) => childText(e, "title")), feed).toEqual(titles);
      expect(jsonOf(feed, dir).items.map((i) => i.title), feed).toEqual(titles);
      shown[feed] = titles;
    }
    return shown;
  }

  it("keeps at most feeds.limit items, the newest", async () => {
    const newest = ["第5篇", "第4篇"];
    expect(await fiveDaysShown("feeds:\n  limit: 2\n")).toEqual({ feeds: newest, "feeds/bank": newest, "feeds/tags/银行": newest });
  });

  it("keeps as many items as feeds.limit gives each kind of feed", async () => {
    expect(await fiveDaysShown("feeds:\n  limit:\n    default: 2\n    site: 4\n    tags: 1\n")).toEqual({
      feeds: ["第5篇", "第4篇", "第3篇", "第2篇"],
      "feeds/bank": ["第5篇", "第4篇"],
      "feeds/tags/银行": ["第5篇"],
    });
  });

  it("leaves out drafts always, and future posts until their date has come", async () => {
    const site = await makeSite({
      "_config.yml": configYaml(),
      "2022-05-01-live.md": post(["title: 已发布", "date: 2022-05-01 09:00:00 +0800", "categories: bank"]),
      "2022-05-02-draft.md": post(["title: 草稿", "date: 2022-05-02 09:00:00 +0800", "published: false", "categories: bank"]),
      "2022-06-01-scheduled.md": post(["title: 定时", "date: 2022-06-01 09:00:00 +0800", "categories: [bank, later]"]),
    });
    tempDirs.push(site);

    const before = await build(site, new Date("2022-06-01T00:59:59Z"));
    tempDirs.push(before.out);
    expect(rssTitles("feeds", before.out)).toEqual(["已发布"]);
    expect(rssTitles("feeds/bank", before.out)).toEqual(["已发布"]);
    expect(jsonOf("feeds", before.out).items.map((i) => i.title)).toEqual(["已发布"]);
    // A category whose only post is scheduled has no feed yet.
    expect(() => readText(before.out, "feeds/later/rss.xml")).toThrow();
    expect([before.report.live, before.report.drafts, before.report.scheduled]).toEqual([1, 1, 1]);

    // Exactly at its date (09:00 +0800 = 01:00Z) the post is due.
    const after = await build(site, new Date("2022-06-01T01:00:00Z"), before.out);
    expect(rssTitles("feeds", after.out)).toEqual(["定时", "已发布"]);
    expect(rssTitles("feeds/bank", after.out)).toEqual(["定时", "已发布"]);
    expect(rssTitles("feeds/later", after.out)).toEqual(["定时"]);
    expect(elements(atomOf("feeds", after.out), "entry").map((e) => childText(e, "title"))).toEqual(["定时", "已发布"]);
    expect(readText(after.out, "feeds/rss.xml")).not.toContain("草稿");
  });
});
