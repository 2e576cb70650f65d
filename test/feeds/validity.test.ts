import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkAtomWithFeedparser,
  checkAtomWithJing,
  checkJsonFeed,
  checkRssWithFeedparser,
  checkXmlWellFormed,
  parseWithFeedparser,
  parseWithRowanmanning,
  parseWithRssParser,
  type ParsedItem,
} from "../support/validators.js";
import {
  CONTENT_DIR,
  SLOW_TOOL_TIMEOUT,
  CONTENT_FACTS,
  SITE_URL,
  build,
  children,
  contentFeedDirs,
  contentFeedFiles,
  contentPosts,
  elements,
  needs,
  parseXml,
  readText,
  readTree,
  unescapeHtml,
  urlOf,
} from "./helpers.js";

// Every file content/ must produce, derived from its front matter without lib/: test names come from it.
const FILES = contentFeedFiles();
const RSS = FILES.filter((f) => f.endsWith("/rss.xml"));
const ATOM = FILES.filter((f) => f.endsWith("/atom.xml"));
const JSON_FEEDS = FILES.filter((f) => f.endsWith("/feed.json"));

let out = "";

beforeAll(async () => {
  ({ out } = await build(CONTENT_DIR, new Date("2026-01-01T00:00:00Z")));
});

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe("the sample site's output", () => {
  it("is exactly one RSS, Atom and JSON feed per site, category, tag and post author, plus the OPML list", async () => {
    expect([...(await readTree(out)).keys()]).toEqual(FILES);
    // The oracle itself: the site feed, content/'s three categories, its tags, and the one post
    // that names its author (the site's own author makes no feed).
    expect(contentFeedDirs()).toEqual(expect.arrayContaining(["feeds", "feeds/beijingshangbao", "feeds/diyicaijing", "feeds/zhengquanshibao", "feeds/tags/银行"]));
    expect(contentFeedDirs().filter((d) => d.startsWith("feeds/authors/"))).toEqual(["feeds/authors/证券时报记者 陈立"]);
  });
});

describe.concurrent("RSS 2.0 files", () => {
  needs("xmllint", "feedparser");

  it.each(RSS)("%s is well-formed and feedparser reads it as rss20 without bozo", async (file) => {
    const xml = readText(out, file);
    expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
    expect(await checkRssWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
  }, SLOW_TOOL_TIMEOUT);
});

describe.concurrent("Atom 1.0 files", () => {
  needs("xmllint", "jing", "feedparser");

  it.each(ATOM)("%s is well-formed, valid against RFC 4287's schema, and atom10 without bozo", async (file) => {
    const xml = readText(out, file);
    expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
    expect(await checkAtomWithJing(xml)).toEqual({ ok: true, problems: [] });
    expect(await checkAtomWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
  }, SLOW_TOOL_TIMEOUT);
});

describe("JSON Feed files", () => {
  it.each(JSON_FEEDS)("%s is valid JSON Feed 1.1", async (file) => {
    expect(await checkJsonFeed(readText(out, file))).toEqual({ ok: true, problems: [] });
  });
});

describe("feeds/index.opml", () => {
  needs("xmllint");

  it("is well-formed and lists the site feed and every category feed, then the tag feeds and the author feeds in outlines of their own", async () => {
    const xml = readText(out, "feeds/index.opml");
    expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
    const body = elements(parseXml(xml), "body")[0]!;
    const top = children(body, "outline");
    const categoryDirs = contentFeedDirs().filter((d) => d !== "feeds" && !d.startsWith("feeds/tags/") && !d.startsWith("feeds/authors/"));
    const tagDirs = contentFeedDirs().filter((d) => d.startsWith("feeds/tags/"));
    const authorDirs = contentFeedDirs().filter((d) => d.startsWith("feeds/authors/"));
    expect(categoryDirs).toEqual(["feeds/beijingshangbao", "feeds/diyicaijing", "feeds/zhengquanshibao"]);
    expect(tagDirs.length).toBeGreaterThan(10);
    const [tagGroup, authorGroup] = top.slice(-2);
    expect([tagGroup!.attribs.text, tagGroup!.attribs.title, tagGroup!.attribs.xmlUrl]).toEqual(["Tags", "Tags", undefined]);
    expect([authorGroup!.attribs.text, authorGroup!.attribs.title, authorGroup!.attribs.xmlUrl]).toEqual(["Authors", "Authors", undefined]);
    const feeds = top.slice(0, -2).map((o) => o.attribs);
    expect(feeds.map((o) => o.xmlUrl)).toEqual([`${SITE_URL}/feeds/rss.xml`, ...categoryDirs.map((d) => urlOf(`${d}/rss.xml`))]);
    const tags = children(tagGroup!, "outline").map((o) => o.attribs);
    expect(tags.map((o) => o.xmlUrl)).toEqual(tagDirs.map((d) => urlOf(`${d}/rss.xml`)));
    expect(tags.find((o) => o.xmlUrl === urlOf("feeds/tags/ipo/rss.xml"))?.text).toBe("财经新闻网 - #IPO");
    const authors = children(authorGroup!, "outline").map((o) => o.attribs);
    expect(authors.map((o) => [o.text, o.xmlUrl])).toEqual([["财经新闻网 - 证券时报记者 陈立", urlOf(`${authorDirs[0]}/rss.xml`)]]);
    for (const o of [...feeds, ...tags, ...authors]) {
      expect(new URL(o.xmlUrl!).protocol).toBe("https:");
      expect(o.type).toBe("rss");
      expect(o.text).toMatch(/^财经新闻网/);
      expect(o.title).toBe(o.text);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Read back with three independent readers and compare to the source posts.

const SOURCE = contentPosts();
// Newest first, as the feed must order them.
const EXPECTED = SOURCE.map((p) => ({ ...p, ...CONTENT_FACTS[p.file]! })).sort((a, b) => (a.instant < b.instant ? 1 : -1));

function expectItemsMatchSource(items: ParsedItem[], reader: string): void {
  expect(items.map((i) => i.title), reader).toEqual(EXPECTED.map((p) => p.title));
  for (const [n, item] of items.entries()) {
    const source = EXPECTED[n]!;
    const where = `${reader}: ${source.file}`;
    const slug = source.file.replace(/^\d{4}-\d{2}-\d{2}-/, "").replace(/\.md$/, "");
    expect(item.link, where).toMatch(/^https:\/\/finews\.withounder\.com\//);
    expect(decodeURIComponent(new URL(item.link!).pathname), where).toMatch(new RegExp(`/${slug}\\.html$`));
    expect(new Date(item.date!).toISOString(), where).toBe(source.instant);
    expect(item.content, where).toContain(source.sentence);
  }
}

describe.each(["feeds/rss.xml", "feeds/atom.xml"])("%s read back", (file) => {
  it("by rss-parser: titles, https links, dates and content match the source posts", async () => {
    expectItemsMatchSource((await parseWithRssParser(readText(out, file))).items, "rss-parser");
  });

  it("by @rowanmanning/feed-parser: titles, https links, dates and content match the source posts", async () => {
    expectItemsMatchSource((await parseWithRowanmanning(readText(out, file))).items, "@rowanmanning/feed-parser");
  });

  describe("by Python feedparser", () => {
    needs("feedparser");

    it("titles, https links, dates and content match the source posts", async () => {
      const parsed = await parseWithFeedparser(readText(out, file));
      const items: ParsedItem[] = parsed.entries.map((e) => ({
        id: e.id,
        // feedparser hands back the titles it takes for HTML with & < > escaped.
        title: e.title === null ? null : unescapeHtml(e.title),
        link: e.link,
        date: e.published,
        content: e.content,
      }));
      expectItemsMatchSource(items, "feedparser");
    });
  });
});
