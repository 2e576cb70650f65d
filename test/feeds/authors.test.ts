/**
 * Per-author feeds: a post that names its author is also in feeds/authors/<name>/, named as
 * categories and tags are (NFC, lower case); the site's own author makes no feed, and an author
 * name no folder can hold costs the post its author feed only.
 */
import { unlink } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { authorFeed, categoryFeed, feedOfDir, feedsOf, SITE_FEED, tagFeed } from "../../lib/feeds/choose.js";
import { renderIndex } from "../../lib/feeds/render-feed.js";
import { parsePost } from "../../lib/posts/parse-post.js";
import {
  checkAtomWithFeedparser,
  checkAtomWithJing,
  checkJsonFeed,
  checkRssWithFeedparser,
  checkXmlWellFormed,
  parseWithRowanmanning,
  parseWithRssParser,
} from "../support/validators.js";
import { build, children, configYaml, elements, makeSite, needs, parseXml, post, readText, readTree, removedAfterAll, SLOW_TOOL_TIMEOUT, writeFiles } from "./helpers.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const tempDirs = removedAfterAll();

const dated = (day: number) => `date: 2022-05-${String(day).padStart(2, "0")} 09:00:00 +0800`;

/** Posts by three authors, one by none, one the site's author would claim, and two bad names. */
const POSTS: Record<string, string> = {
  "2022-05-20-a.md": post(["title: A", dated(20), "author: Jane Doe", "categories: bank"]),
  // Another spelling of the same name: one feed, as "IPO" and "ipo" are one tag.
  "2022-05-21-b.md": post(["title: B", dated(21), "author: jane DOE", "tags: [银行]"]),
  "2022-05-22-c.md": post(["title: C", dated(22), "author:", "  name: 记者 张三", "  email: zhang@example.com", "  url: https://example.com/zhang"]),
  "2022-05-23-d.md": post(["title: D", dated(23)]),
  // Names no folder can hold: the posts are published, in no author feed.
  "2022-05-24-e.md": post(["title: E", dated(24), 'author: "A/B 编辑组"', "categories: bank"]),
  "2022-05-25-f.md": post(["title: F", dated(25), "author: RSS.xml"]),
  "2022-05-26-g.md": post(["title: G", dated(26), `author: ${"名".repeat(70)}`]),
};
const SITE_AUTHOR = "author:\n  name: 编辑部\n";

async function buildSite(extra = SITE_AUTHOR, posts = POSTS) {
  const site = await makeSite({ "_config.yml": configYaml(extra), ...posts });
  const { out, report } = await build(site, NOW);
  tempDirs.push(site, out);
  return { site, out, report };
}

const titlesIn = (out: string, dir: string) => (JSON.parse(readText(out, `${dir}/feed.json`)) as { items: { title: string }[] }).items.map((i) => i.title);
const authorDirs = async (out: string) => [...new Set([...(await readTree(out)).keys()].filter((k) => k.startsWith("feeds/authors/")).map((k) => path.posix.dirname(k)))];

describe("author feed definitions", () => {
  it("live in feeds/authors/<name>, and feedOfDir maps the folder back", () => {
    for (const feed of [SITE_FEED, categoryFeed("bank"), tagFeed("银行"), authorFeed("jane doe"), authorFeed("记者 张三"), categoryFeed("author")]) {
      expect(feedOfDir(feed.dir)).toEqual(feed);
    }
    expect(authorFeed("jane doe")).toEqual({ kind: "author", name: "jane doe", dir: "feeds/authors/jane doe" });
  });

  it("are among a post's feeds when it names an author whose name can name a feed, never the site's author", () => {
    const config = parseConfig(configYaml(SITE_AUTHOR));
    const dirsOf = (key: string) => feedsOf(parsePost(key, POSTS[key]!, config)).map((f) => f.dir);
    expect(dirsOf("2022-05-20-a.md")).toEqual(["feeds", "feeds/bank", "feeds/authors/jane doe"]);
    expect(dirsOf("2022-05-22-c.md")).toEqual(["feeds", "feeds/authors/记者 张三"]);
    expect(dirsOf("2022-05-23-d.md")).toEqual(["feeds"]);
    expect(dirsOf("2022-05-24-e.md")).toEqual(["feeds", "feeds/bank"]);
    expect(dirsOf("2022-05-25-f.md")).toEqual(["feeds"]);
    expect(dirsOf("2022-05-26-g.md")).toEqual(["feeds"]);
    // The item still names the author as written.
    expect(parsePost("2022-05-24-e.md", POSTS["2022-05-24-e.md"]!, config).author).toEqual({ name: "A/B 编辑组" });
  });

  it("are listed in the OPML in an outline Authors of their own, after the tags, by folder", () => {
    const config = parseConfig(configYaml("feeds:\n  authors:\n    Jane Doe: Jane Doe\n"));
    const body = elements(parseXml(renderIndex([authorFeed("记者 张三"), tagFeed("银行"), SITE_FEED, authorFeed("jane doe"), categoryFeed("bank")], config).body), "body")[0]!;
    const top = children(body, "outline");
    expect(top.map((o) => o.attribs.text)).toEqual(["测试站", "测试站 - bank", "Tags", "Authors"]);
    expect(children(top[3]!, "outline").map((o) => [o.attribs.text, o.attribs.xmlUrl])).toEqual([
      ["测试站 - Jane Doe", "https://news.example.com/feeds/authors/jane%20doe/rss.xml"],
      ["测试站 - 记者 张三", "https://news.example.com/feeds/authors/%E8%AE%B0%E8%80%85%20%E5%BC%A0%E4%B8%89/rss.xml"],
    ]);
  });
});

describe("a build's author feeds", () => {
  it("exist for each author a post names, holding that author's posts newest first; the rest of the site is as it was", async () => {
    const { out, report } = await buildSite();
    expect(report.rejected).toEqual([]);
    expect(await authorDirs(out)).toEqual(["feeds/authors/jane doe", "feeds/authors/记者 张三"]);
    expect(titlesIn(out, "feeds/authors/jane doe")).toEqual(["B", "A"]);
    expect(titlesIn(out, "feeds/authors/记者 张三")).toEqual(["C"]);
    // Every post is published, the bad names' included.
    expect(titlesIn(out, "feeds")).toEqual(["G", "F", "E", "D", "C", "B", "A"]);
    expect(titlesIn(out, "feeds/bank")).toEqual(["E", "A"]);
  });

  it("are titled site - author, the folded name unless feeds.authors gives a display title", async () => {
    const { out } = await buildSite(`${SITE_AUTHOR}feeds:\n  authors:\n    记者 张三: 张三\n`);
    const titleOf = (dir: string, file: string) => elements(parseXml(readText(out, `${dir}/${file}`)), "title")[0];
    expect(titleOf("feeds/authors/jane doe", "rss.xml")?.children.map((c) => ("data" in c ? c.data : "")).join("")).toBe("测试站 - jane doe");
    expect((JSON.parse(readText(out, "feeds/authors/记者 张三/feed.json")) as { title: string }).title).toBe("测试站 - 张三");
  });

  it("are not made from the site's author, nor when no post names one", async () => {
    const { out } = await buildSite(SITE_AUTHOR, { "2022-05-23-d.md": POSTS["2022-05-23-d.md"]! });
    expect(await authorDirs(out)).toEqual([]);
    expect(readText(out, "feeds/index.opml")).not.toContain("Authors");
  });

  it("lose a post whose author changes, and go when their last post does", async () => {
    const { site, out } = await buildSite(SITE_AUTHOR, { "2022-05-20-a.md": POSTS["2022-05-20-a.md"]!, "2022-05-22-c.md": POSTS["2022-05-22-c.md"]! });
    expect(await authorDirs(out)).toEqual(["feeds/authors/jane doe", "feeds/authors/记者 张三"]);
    // A moves from Jane Doe to 张三; Jane Doe has no post left.
    await writeFiles(site, { "2022-05-20-a.md": post(["title: A", dated(20), "author: 记者 张三", "categories: bank"]) });
    await build(site, NOW, out);
    expect(await authorDirs(out)).toEqual(["feeds/authors/记者 张三"]);
    expect(titlesIn(out, "feeds/authors/记者 张三")).toEqual(["C", "A"]);
    // C drops its author: it leaves the feed, which keeps A.
    await writeFiles(site, { "2022-05-22-c.md": post(["title: C", dated(22)]) });
    await build(site, NOW, out);
    expect(titlesIn(out, "feeds/authors/记者 张三")).toEqual(["A"]);
    await unlink(path.join(site, "2022-05-20-a.md"));
    await build(site, NOW, out);
    expect(await authorDirs(out)).toEqual([]);
    expect(readText(out, "feeds/index.opml")).not.toContain("Authors");
  });

  describe("validated", () => {
    needs("xmllint", "jing", "feedparser");

    it("pass every validator and read back with the author's posts", async () => {
      const { out } = await buildSite();
      for (const dir of await authorDirs(out)) {
        const rss = readText(out, `${dir}/rss.xml`);
        const atom = readText(out, `${dir}/atom.xml`);
        expect(await checkXmlWellFormed(rss), dir).toEqual({ ok: true, problems: [] });
        expect(await checkRssWithFeedparser(rss), dir).toEqual({ ok: true, problems: [] });
        expect(await checkXmlWellFormed(atom), dir).toEqual({ ok: true, problems: [] });
        expect(await checkAtomWithJing(atom), dir).toEqual({ ok: true, problems: [] });
        expect(await checkAtomWithFeedparser(atom), dir).toEqual({ ok: true, problems: [] });
        expect(await checkJsonFeed(readText(out, `${dir}/feed.json`)), dir).toEqual({ ok: true, problems: [] });
        const titles = titlesIn(out, dir);
        for (const xml of [rss, atom]) {
          expect((await parseWithRssParser(xml)).items.map((i) => i.title), dir).toEqual(titles);
          expect((await parseWithRowanmanning(xml)).items.map((i) => i.title), dir).toEqual(titles);
        }
      }
    }, SLOW_TOOL_TIMEOUT);
  });
});
