/**
 * feeds.content: excerpt. Items carry their summary only: RSS has no content:encoded (the
 * description is the item), Atom no <content>, JSON Feed content_text and no content_html.
 * A reader subscribed to such a feed never sees the full article, and every validator still passes.
 */
import { describe, expect, it } from "vitest";
import { checkDocument } from "../../lib/feeds/check-document.js";
import {
  checkAtomWithFeedparser,
  checkAtomWithJing,
  checkJsonFeed,
  checkRssWithFeedparser,
  checkXmlWellFormed,
  parseWithFeedparser,
  parseWithRowanmanning,
  parseWithRssParser,
} from "../support/validators.js";
import { build, children, configYaml, elements, makeSite, needs, parseXml, post, readText, readTree, removedAfterAll, SLOW_TOOL_TIMEOUT, textOfElement } from "./helpers.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const tempDirs = removedAfterAll();

// Only in the full article: the summary (20 characters) ends long before it.
const TAIL = "这一句只在全文里出现";
const BODY = `<p>银行理财产品净值表现有所修复，多家机构表示将继续加大配置力度。</p>\n<p>${TAIL}。<img src="/img/a.jpg" alt="图"></p>\n`;
const POSTS: Record<string, string> = {
  "2022-05-20-a.md": post(["title: A & <甲>", "date: 2022-05-20 09:00:00 +0800", "author: 记者 张三", "categories: bank", "tags: [银行]"], BODY),
  "2022-05-21-b.md": post(["title: B", "date: 2022-05-21 09:00:00 +0800", "description: 编辑写的摘要 & 说明", "tags: [银行]"], BODY),
  // No author, no image, no text at all: an excerpt with an empty summary.
  "2022-05-22-c.md": post(["title: C", "date: 2022-05-22 09:00:00 +0800", "categories: bank"], ""),
};
const FEEDS = "feeds:\n  summary_length: 20\n";

async function buildSite(content: string, withAuthor = true) {
  const site = await makeSite({ "_config.yml": configYaml(`${withAuthor ? "author: 编辑部\n" : ""}${FEEDS}${content}`), ...POSTS });
  const { out } = await build(site, NOW);
  tempDirs.push(site, out);
  return out;
}

type JsonItem = { title: string; summary: string; content_html?: string; content_text?: string };
const jsonItems = (out: string, dir: string) => (JSON.parse(readText(out, `${dir}/feed.json`)) as { items: JsonItem[] }).items;

/** Whether each format of the feed in `dir` carries full content (true) or excerpts (false); throws on a mix. */
function isFull(out: string, dir: string): boolean {
  const rss = readText(out, `${dir}/rss.xml`);
  const atom = readText(out, `${dir}/atom.xml`);
  const json = readText(out, `${dir}/feed.json`);
  const full = [rss.includes("<content:encoded>"), atom.includes("<content "), json.includes('"content_html"'), rss.includes(TAIL) || atom.includes(TAIL) || json.includes(TAIL)];
  expect(new Set(full).size, dir).toBe(1);
  return full[0]!;
}

describe("feeds.content: excerpt", () => {
  it("leaves the full article out of every format of every feed, each item carrying its summary", async () => {
    const out = await buildSite("  content: excerpt\n");
    const dirs = ["feeds", "feeds/bank", "feeds/tags/银行", "feeds/authors/记者 张三"];
    for (const dir of dirs) expect(isFull(out, dir), dir).toBe(false);

    const items = jsonItems(out, "feeds");
    expect(items.map((i) => [i.title, i.content_text, "content_html" in i])).toEqual([
      ["C", "", false],
      ["B", "编辑写的摘要 & 说明", false],
      ["A & <甲>", "银行理财产品净值表现有所修复，多家机构表…", false],
    ]);
    for (const item of items) expect(item.summary).toBe(item.content_text);

    const rssItems = elements(parseXml(readText(out, "feeds/rss.xml")), "item");
    expect(rssItems.map((i) => textOfElement(children(i, "description")[0]))).toEqual([undefined, "编辑写的摘要 &amp; 说明", "银行理财产品净值表现有所修复，多家机构表…"]);
    const entries = elements(parseXml(readText(out, "feeds/atom.xml")), "entry");
    expect(entries.map((e) => [children(e, "content").length, textOfElement(children(e, "summary")[0])])).toEqual([
      [0, undefined],
      // Plain text in Atom (type="text"), HTML in RSS.
      [0, "编辑写的摘要 & 说明"],
      [0, "银行理财产品净值表现有所修复，多家机构表…"],
    ]);
  });

  it("keeps the lead image, the author and the categories, and declares every namespace it uses", async () => {
    for (const withAuthor of [true, false]) {
      const out = await buildSite("  content: excerpt\n", withAuthor);
      const rss = readText(out, "feeds/rss.xml");
      expect(checkDocument({ key: "feeds/rss.xml", body: rss })).toBeNull();
      expect(checkDocument({ key: "feeds/atom.xml", body: readText(out, "feeds/atom.xml") })).toBeNull();
      const a = elements(parseXml(rss), "item")[2]!;
      expect(children(a, "dc:creator").map((c) => textOfElement(c))).toEqual(["记者 张三"]);
      expect(children(a, "media:content").map((c) => c.attribs.url)).toEqual(["https://news.example.com/img/a.jpg"]);
      expect(children(a, "category").map((c) => textOfElement(c))).toEqual(["bank", "银行"]);
      expect(rss).not.toContain("xmlns:content=");
    }
  });

  it("can be set by kind of feed, the others keeping full content", async () => {
    const out = await buildSite("  content:\n    tags: excerpt\n    authors: excerpt\n");
    expect(isFull(out, "feeds")).toBe(true);
    expect(isFull(out, "feeds/bank")).toBe(true);
    expect(isFull(out, "feeds/tags/银行")).toBe(false);
    expect(isFull(out, "feeds/authors/记者 张三")).toBe(false);
    const inverse = await buildSite("  content:\n    default: excerpt\n    site: full\n");
    expect(isFull(inverse, "feeds")).toBe(true);
    expect(isFull(inverse, "feeds/bank")).toBe(false);
  });

  it("written as full, or left out, gives the same bytes as before the setting existed", async () => {
    const absent = await readTree(await buildSite(""));
    expect(await readTree(await buildSite("  content: full\n"))).toEqual(absent);
    expect(await readTree(await buildSite("  content:\n    default: full\n    site: full\n"))).toEqual(absent);
    expect(isFull(await buildSite(""), "feeds")).toBe(true);
  });

  describe("validated", () => {
    needs("xmllint", "jing", "feedparser");

    it("passes every validator, and every reader finds the summary as the item's content", async () => {
      for (const withAuthor of [true, false]) {
        const out = await buildSite("  content: excerpt\n", withAuthor);
        for (const dir of ["feeds", "feeds/bank", "feeds/tags/银行", "feeds/authors/记者 张三"]) {
          const rss = readText(out, `${dir}/rss.xml`);
          const atom = readText(out, `${dir}/atom.xml`);
          expect(await checkXmlWellFormed(rss), dir).toEqual({ ok: true, problems: [] });
          expect(await checkRssWithFeedparser(rss), dir).toEqual({ ok: true, problems: [] });
          expect(await checkXmlWellFormed(atom), dir).toEqual({ ok: true, problems: [] });
          expect(await checkAtomWithJing(atom), dir).toEqual({ ok: true, problems: [] });
          expect(await checkAtomWithFeedparser(atom), dir).toEqual({ ok: true, problems: [] });
          expect(await checkJsonFeed(readText(out, `${dir}/feed.json`)), dir).toEqual({ ok: true, problems: [] });
          const summaries = new Map(jsonItems(out, dir).map((i) => [i.title, i.content_text]));
          for (const xml of [rss, atom]) {
            const read = [await parseWithRssParser(xml), await parseWithRowanmanning(xml), await parseWithFeedparser(xml)];
            for (const items of read.map((r) => ("items" in r ? r.items : r.entries))) {
              for (const item of items) {
                expect(item.content ?? "", `${dir} ${item.title}`).not.toContain(TAIL);
                expect(item.content ?? "", `${dir} ${item.title}`).toContain(summaries.get(item.title!.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">"))!.slice(0, 6));
              }
            }
          }
        }
      }
    }, SLOW_TOOL_TIMEOUT);
  });
});
