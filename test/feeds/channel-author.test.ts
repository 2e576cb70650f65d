/**
 * The site's author at channel level in RSS: managingEditor ("email (Name)", as RSS 2.0 writes
 * an address) when it has an email, dc:creator with the name when it has none, nothing when the
 * configuration names no author.
 */
import { describe, expect, it } from "vitest";
import RssParser from "rss-parser";
import { checkDocument } from "../../lib/feeds/check-document.js";
import { checkRssWithFeedparser, checkXmlWellFormed } from "../support/validators.js";
import { build, children, configYaml, elements, feedparserMedia, makeSite, needs, parseXml, post, readText, removedAfterAll, SLOW_TOOL_TIMEOUT, textOfElement } from "./helpers.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const tempDirs = removedAfterAll();

const POST = post(["title: 甲", "date: 2022-05-20 09:00:00 +0800", "author: 记者 张三", "tags: [银行]"]);

/** The RSS of a site with `author` YAML (or none), with one post unless `posts` says otherwise. */
async function rssOf(author: string, posts: Record<string, string> = { "2022-05-20-a.md": POST }): Promise<string> {
  const site = await makeSite({ "_config.yml": configYaml(author), ...posts });
  const { out } = await build(site, NOW);
  tempDirs.push(site, out);
  return readText(out, "feeds/rss.xml");
}

const channelOf = (xml: string) => elements(parseXml(xml), "channel")[0]!;
const channelChildren = (xml: string, name: string) => children(channelOf(xml), name).map((c) => textOfElement(c));

describe("a site author with an email", () => {
  const yaml = 'author:\n  name: "编辑部 & <夜班>"\n  email: desk@example.com\n';

  it("is the channel's managingEditor, written email (Name), and not a dc:creator", async () => {
    const xml = await rssOf(yaml);
    expect(channelChildren(xml, "managingEditor")).toEqual(["desk@example.com (编辑部 & <夜班>)"]);
    expect(channelChildren(xml, "dc:creator")).toEqual([]);
    // The item's own author is untouched.
    expect(children(elements(parseXml(xml), "item")[0]!, "dc:creator").map((c) => textOfElement(c))).toEqual(["记者 张三"]);
  });

  it("is read back by rss-parser as managingEditor", async () => {
    const feed = await new RssParser().parseString(await rssOf(yaml));
    expect((feed as { managingEditor?: string }).managingEditor).toBe("desk@example.com (编辑部 & <夜班>)");
  });

  describe("validated", () => {
    needs("xmllint", "feedparser");

    it("is well-formed, rss20 without bozo, and feedparser reads the name and email", async () => {
      const xml = await rssOf(yaml);
      expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
      expect(await checkRssWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
      const { feed } = feedparserMedia(xml);
      expect([feed.authorName, feed.authorEmail]).toEqual(["编辑部 & <夜班>", "desk@example.com"]);
    }, SLOW_TOOL_TIMEOUT);
  });
});

describe("a site author known by name only", () => {
  it("is the channel's dc:creator, with no managingEditor", async () => {
    const xml = await rssOf("author: 财经新闻网编辑部\n");
    expect(channelChildren(xml, "dc:creator")).toEqual(["财经新闻网编辑部"]);
    expect(channelChildren(xml, "managingEditor")).toEqual([]);
    expect((await new RssParser().parseString(xml)).creator).toBe("财经新闻网编辑部");
  });

  it("declares dc: even in a feed with no items, where nothing else needs it", async () => {
    // The only post is a draft: the site feed is empty.
    const xml = await rssOf("author:\n  name: 编辑部\n", {
      "2022-05-20-a.md": post(["title: 草稿", "date: 2022-05-20 09:00:00 +0800", "published: false"]),
    });
    expect(elements(parseXml(xml), "item")).toEqual([]);
    expect(channelChildren(xml, "dc:creator")).toEqual(["编辑部"]);
    expect(elements(parseXml(xml), "rss")[0]!.attribs["xmlns:dc"]).toBe("http://purl.org/dc/elements/1.1/");
    expect(checkDocument({ key: "feeds/rss.xml", body: xml })).toBeNull();
  });

  describe("validated", () => {
    needs("xmllint", "feedparser");

    it("is well-formed and rss20 without bozo, with items or without, and feedparser reads the name", async () => {
      const empty = await rssOf("author: 编辑部\n", { "2022-05-20-a.md": post(["title: 草稿", "date: 2022-05-20 09:00:00 +0800", "published: false"]) });
      for (const xml of [await rssOf("author: 编辑部\n"), empty]) {
        expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
        expect(await checkRssWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
        expect(feedparserMedia(xml).feed.author).toBe("编辑部");
      }
    }, SLOW_TOOL_TIMEOUT);
  });
});

describe("a site without an author", () => {
  it("names none in RSS: the site's title is no person", async () => {
    const xml = await rssOf("");
    expect(channelChildren(xml, "managingEditor")).toEqual([]);
    expect(channelChildren(xml, "dc:creator")).toEqual([]);
  });
});
