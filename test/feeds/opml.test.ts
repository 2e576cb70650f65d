/** feeds/index.opml: the site and category feeds, then the tag feeds grouped in one outline. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { SITE_FEED, categoryFeed, tagFeed } from "../../lib/feeds/choose.js";
import { renderIndex } from "../../lib/feeds/render-feed.js";
import { checkXmlWellFormed } from "../support/validators.js";
import { build, children, configYaml, elements, makeSite, needs, parseXml, post, readText, removedAfterAll } from "./helpers.js";

const config = parseConfig(configYaml('feeds:\n  tags:\n    "Q&A": "问答 <精选>"\n'));
const SITE = "https://news.example.com";
const opml = (...feeds: Parameters<typeof renderIndex>[0]) => renderIndex(feeds, config).body;
const bodyOf = (xml: string) => elements(parseXml(xml), "body")[0]!;

describe("renderIndex", () => {
  it("lists the site feed, the category feeds, then an outline Tags holding the tag feeds, each sorted by folder", () => {
    const xml = opml(tagFeed("银行"), categoryFeed("stock"), tagFeed("q&a"), SITE_FEED, categoryFeed("bank"), tagFeed("ipo"));
    const top = children(bodyOf(xml), "outline");
    expect(top.map((o) => o.attribs.xmlUrl ?? o.attribs.text)).toEqual([
      `${SITE}/feeds/rss.xml`,
      `${SITE}/feeds/bank/rss.xml`,
      `${SITE}/feeds/stock/rss.xml`,
      "Tags",
    ]);
    const tags = children(top[3]!, "outline");
    expect(tags.map((o) => [o.attribs.text, o.attribs.xmlUrl])).toEqual([
      ["测试站 - #ipo", `${SITE}/feeds/tags/ipo/rss.xml`],
      ["测试站 - #问答 <精选>", `${SITE}/feeds/tags/q%26a/rss.xml`],
      ["测试站 - #银行", `${SITE}/feeds/tags/%E9%93%B6%E8%A1%8C/rss.xml`],
    ]);
    for (const o of tags) expect([o.attribs.type, o.attribs.htmlUrl, o.attribs.language]).toEqual(["rss", `${SITE}/`, "zh-CN"]);
  });

  it("has no Tags outline when there is no tag feed, and is then as it always was", () => {
    expect(opml(SITE_FEED, categoryFeed("bank"))).toBe(
      [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        "  <head>",
        "    <title>测试站</title>",
        "  </head>",
        "  <body>",
        `    <outline type="rss" text="测试站" title="测试站" xmlUrl="${SITE}/feeds/rss.xml" htmlUrl="${SITE}/" language="zh-CN"/>`,
        `    <outline type="rss" text="测试站 - bank" title="测试站 - bank" xmlUrl="${SITE}/feeds/bank/rss.xml" htmlUrl="${SITE}/" language="zh-CN"/>`,
        "  </body>",
        "</opml>",
        "",
      ].join("\n"),
    );
  });

  it("does not depend on the order it is given the feeds in", () => {
    const feeds = [SITE_FEED, categoryFeed("b"), categoryFeed("a"), tagFeed("y"), tagFeed("x")];
    expect(opml(...feeds)).toBe(opml(...[...feeds].reverse()));
  });

  describe("validated", () => {
    needs("xmllint");

    it("is well-formed with a tag whose display title holds & and <", async () => {
      expect(await checkXmlWellFormed(opml(SITE_FEED, tagFeed("q&a")))).toEqual({ ok: true, problems: [] });
    });
  });
});

describe("a build's OPML", () => {
  const tempDirs = removedAfterAll();

  it("lists a tag feed while the tag has a published post, and drops the group when none is left", async () => {
    const site = await makeSite({
      "_config.yml": configYaml(),
      "2022-05-20-a.md": post(["title: A", "date: 2022-05-20 09:00:00 +0800", "categories: bank", "tags: [利率]"]),
    });
    tempDirs.push(site);
    const first = await build(site, new Date("2026-01-01T00:00:00Z"));
    tempDirs.push(first.out);
    const tagsOf = (out: string) =>
      children(bodyOf(readText(out, "feeds/index.opml")), "outline")
        .filter((o) => o.attribs.text === "Tags")
        .flatMap((g) => children(g, "outline").map((o) => o.attribs.xmlUrl));
    expect(tagsOf(first.out)).toEqual([`${SITE}/feeds/tags/%E5%88%A9%E7%8E%87/rss.xml`]);

    const untagged = await makeSite({
      "_config.yml": configYaml(),
      "2022-05-20-a.md": post(["title: A", "date: 2022-05-20 09:00:00 +0800", "categories: bank"]),
    });
    tempDirs.push(untagged);
    const second = await build(untagged, new Date("2026-01-01T00:00:00Z"));
    tempDirs.push(second.out);
    expect(tagsOf(second.out)).toEqual([]);
    expect(readText(second.out, "feeds/index.opml")).not.toContain("Tags");
  });
});
