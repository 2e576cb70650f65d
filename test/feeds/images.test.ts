/**
 * Lead images (image: in front matter, else the body's first <img>) and the site's icon and logo,
 * in every format, checked by the validators and read back by three feed readers.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkAtomWithFeedparser,
  checkAtomWithJing,
  checkJsonFeed,
  checkRssWithFeedparser,
  checkXmlWellFormed,
  parseWithRssParser,
} from "../support/validators.js";
import { parseFeed } from "@rowanmanning/feed-parser";
import RssParser from "rss-parser";
import {
  SLOW_TOOL_TIMEOUT,
  build,
  children,
  configYaml,
  elements,
  feedparserMedia,
  makeSite,
  needs,
  parseXml,
  post,
  readText,
  readTree,
  textOfElement,
  type XmlElement,
} from "./helpers.js";

const SITE = "https://news.example.com";
const BS = "\u0008"; // forbidden in XML 1.0
const ALT = 'K 线图："A&B" <2022> ]]>';

/** Each post's title, its front matter beyond title and date, its body, and the image it must show. */
const POSTS: { title: string; lines: string[]; body?: string; file?: string; image?: { url: string; type?: string; alt?: string } }[] = [
  {
    title: "绝对地址",
    lines: ['image: "https://cdn.example.com/a.jpg?w=800&h=600"'],
    // The front matter's image wins over the body's.
    body: '<p><img src="/body-loses.png"></p>\n',
    image: { url: "https://cdn.example.com/a.jpg?w=800&h=600", type: "image/jpeg" },
  },
  {
    title: "映射",
    lines: ["image:", "  url: /images/b.png", `  alt: '${ALT.replace(/'/g, "''")}'`],
    image: { url: `${SITE}/news/images/b.png`, type: "image/png", alt: ALT },
  },
  { title: "相对路径", lines: ["image: images/c.webp"], image: { url: `${SITE}/news/images/c.webp`, type: "image/webp" } },
  { title: "协议相对", lines: ["image: //cdn.example.com/d.SVG"], image: { url: "https://cdn.example.com/d.SVG", type: "image/svg+xml" } },
  {
    title: "正文图片",
    lines: [],
    file: "html",
    body: '<p>图：</p><p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="像素"><img src="../figures/e.gif" alt="图 1"></p>\n',
    image: { url: `${SITE}/news/2022/05/figures/e.gif`, type: "image/gif", alt: "图 1" },
  },
  { title: "未知类型", lines: ['image: "https://cdn.example.com/photo?id=7&amp;x"'], image: { url: "https://cdn.example.com/photo?id=7&amp;x" } },
  {
    title: "禁用字符",
    lines: ["image:", `  url: "/img/\\bf.avif"`, `  alt: "替代${BS}文本"`],
    image: { url: `${SITE}/news/img/f.avif`, type: "image/avif", alt: "替代文本" },
  },
  { title: "脚本地址", lines: ['image: "javascript:alert(1)"'], body: '<p><img src="javascript:alert(2)"></p>\n' },
  { title: "数据地址", lines: ['image: "data:image/png;base64,iVBORw0KGgo="'] },
  { title: "列表", lines: ["image: [a.jpg, b.jpg]"] },
  { title: "数字", lines: ["image: 404"] },
  { title: "乱码", lines: ['image: "https://exa mple.com/x.jpg"'] },
  { title: "嵌套", lines: ["image:", "  url:", "    src: a.jpg", "  alt: 无用"] },
  { title: "没有图片", lines: [] },
];

// Newest first, as every feed lists them: the posts are dated a day apart in this order.
const NEWEST_FIRST = [...POSTS].reverse();
const ICON = `${SITE}/news/assets/icon.png`;
const LOGO = "https://cdn.example.com/logo.png?v=1&size=2";

const FILES: Record<string, string> = {
  "_config.yml": configYaml(`baseurl: /news\nfeeds:\n  icon: /assets/icon.png\n  logo: "${LOGO}"\n`),
  ...Object.fromEntries(
    POSTS.map((p, n) => [
      `2022-05-${String(10 + n)}-p${n}.${p.file ?? "md"}`,
      post([`title: ${p.title}`, `date: 2022-05-${String(10 + n)} 09:00:00 +0800`, "tags: [图]", ...p.lines], p.body),
    ]),
  ),
};

let site = "";
let out = "";

beforeAll(async () => {
  site = await makeSite(FILES);
  const built = await build(site, new Date("2026-01-01T00:00:00Z"));
  out = built.out;
  expect(built.report.rejected).toEqual([]);
});

afterAll(async () => {
  await Promise.all([site, out].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

const childText = (el: XmlElement, name: string) => textOfElement(children(el, name)[0]);
const rss = () => readText(out, "feeds/rss.xml");
const atom = () => readText(out, "feeds/atom.xml");
const json = () => JSON.parse(readText(out, "feeds/feed.json")) as { icon?: string; favicon?: string; items: { title: string; image?: string }[] };

it("every post is published, whatever its image: says", () => {
  expect(json().items.map((i) => i.title)).toEqual(NEWEST_FIRST.map((p) => p.title));
});

describe("RSS", () => {
  const items = () => elements(parseXml(rss()), "item");

  it("declares the Media RSS namespace on the root", () => {
    expect(elements(parseXml(rss()), "rss")[0]!.attribs["xmlns:media"]).toBe("http://search.yahoo.com/mrss/");
  });

  it("gives each image media:content (medium, type when known) and media:thumbnail, absolute", () => {
    for (const [n, item] of items().entries()) {
      const expected = NEWEST_FIRST[n]!;
      const content = children(item, "media:content").map((c) => c.attribs);
      const thumbnail = children(item, "media:thumbnail").map((c) => c.attribs);
      if (!expected.image) {
        expect([content, thumbnail], expected.title).toEqual([[], []]);
        continue;
      }
      const { url, type } = expected.image;
      expect(content, expected.title).toEqual([{ url, medium: "image", ...(type ? { type } : {}) }]);
      expect(thumbnail, expected.title).toEqual([{ url }]);
    }
  });

  it("adds an enclosure with length 0 only when the type is known", () => {
    for (const [n, item] of items().entries()) {
      const expected = NEWEST_FIRST[n]!;
      const enclosures = children(item, "enclosure").map((c) => c.attribs);
      if (expected.image?.type) expect(enclosures, expected.title).toEqual([{ url: expected.image.url, type: expected.image.type, length: "0" }]);
      else expect(enclosures, expected.title).toEqual([]);
    }
  });

  it("has a channel image with the logo, the channel's title and its link", () => {
    const channel = elements(parseXml(rss()), "channel")[0]!;
    const image = children(channel, "image")[0]!;
    expect([childText(image, "url"), childText(image, "title"), childText(image, "link")]).toEqual([LOGO, childText(channel, "title"), childText(channel, "link")]);
  });
});

describe("Atom", () => {
  it("links each image as an enclosure, typed when the type is known, titled with its alt", () => {
    const entries = elements(parseXml(atom()), "entry");
    for (const [n, entry] of entries.entries()) {
      const expected = NEWEST_FIRST[n]!;
      const links = children(entry, "link").filter((l) => l.attribs.rel === "enclosure").map((l) => l.attribs);
      if (!expected.image) {
        expect(links, expected.title).toEqual([]);
        continue;
      }
      const { url, type, alt } = expected.image;
      expect(links, expected.title).toEqual([{ rel: "enclosure", href: url, ...(type ? { type } : {}), ...(alt ? { title: alt } : {}) }]);
    }
  });

  it("has the icon and the logo", () => {
    const feed = elements(parseXml(atom()), "feed")[0]!;
    expect([childText(feed, "icon"), childText(feed, "logo")]).toEqual([ICON, LOGO]);
  });
});

describe("JSON Feed", () => {
  it("gives each item its image's URL, and none to the others", () => {
    expect(json().items.map((i) => i.image)).toEqual(NEWEST_FIRST.map((p) => p.image?.url));
  });

  it("has the icon as icon and favicon", () => {
    expect([json().icon, json().favicon]).toEqual([ICON, ICON]);
  });
});

describe("validity", () => {
  it("every JSON Feed is valid 1.1", async () => {
    for (const [key, bytes] of await readTree(out)) {
      if (key.endsWith(".json")) expect(await checkJsonFeed(bytes.toString("utf8")), key).toEqual({ ok: true, problems: [] });
    }
  });

  it("no output holds an XML-forbidden character, a javascript: or a data: URL from image:", async () => {
    for (const [key, bytes] of await readTree(out)) {
      const text = bytes.toString("utf8");
      expect(text, key).not.toMatch(/[\u0008]/);
      expect(text, key).not.toContain("javascript:");
      expect(text, key).not.toContain("iVBORw0KGgo");
    }
  });

  describe.concurrent("XML", () => {
    needs("xmllint", "jing", "feedparser");

    it.each(["feeds", "feeds/tags/图"])("%s/rss.xml is well-formed, and rss20 without bozo", async (dir) => {
      const xml = readText(out, `${dir}/rss.xml`);
      expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
      expect(await checkRssWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
    }, SLOW_TOOL_TIMEOUT);

    it.each(["feeds", "feeds/tags/图"])("%s/atom.xml is well-formed, valid against RFC 4287's schema, and atom10 without bozo", async (dir) => {
      const xml = readText(out, `${dir}/atom.xml`);
      expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
      expect(await checkAtomWithJing(xml)).toEqual({ ok: true, problems: [] });
      expect(await checkAtomWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
    }, SLOW_TOOL_TIMEOUT);
  });
});

describe("read back by Python feedparser", () => {
  needs("feedparser");

  it("RSS: enclosures, media:content and media:thumbnail, the channel image; summaries untouched", () => {
    const parsed = feedparserMedia(rss());
    expect(parsed.feed.image).toMatchObject({ href: LOGO, link: `${SITE}/news/` });
    const summaries = json().items.map((i) => (i as { summary?: string }).summary);
    for (const [n, entry] of parsed.entries.entries()) {
      const expected = NEWEST_FIRST[n]!;
      expect(entry.title).toBe(expected.title);
      // Media RSS elements feedparser would read as the summary (media:description) are not written.
      if (summaries[n]) expect(entry.summary, expected.title).toBe(summaries[n]);
      const image = expected.image;
      expect(entry.mediaContent.map((m) => m.url), expected.title).toEqual(image ? [image.url] : []);
      expect(entry.mediaThumbnail.map((m) => m.url), expected.title).toEqual(image ? [image.url] : []);
      expect(entry.enclosures.map((e) => [e.href, e.type, e.length]), expected.title).toEqual(image?.type ? [[image.url, image.type, "0"]] : []);
    }
  });

  it("Atom: enclosures with their types, the icon and the logo", () => {
    const parsed = feedparserMedia(atom());
    expect([parsed.feed.icon, parsed.feed.logo]).toEqual([ICON, LOGO]);
    for (const [n, entry] of parsed.entries.entries()) {
      const image = NEWEST_FIRST[n]!.image;
      // A link without a type is text/html to feedparser: an image of unknown type is not shown as one.
      expect(entry.enclosures.map((e) => [e.href, e.type]), NEWEST_FIRST[n]!.title).toEqual(image ? [[image.url, image.type ?? "text/html"]] : []);
    }
  });
});

describe("read back by rss-parser", () => {
  it("RSS: each typed image as the item's enclosure, the logo as the feed's image", async () => {
    const feed = await new RssParser().parseString(rss());
    expect(feed.image).toMatchObject({ url: LOGO, link: `${SITE}/news/` });
    expect(feed.items.map((i) => i.enclosure ?? null)).toEqual(
      NEWEST_FIRST.map((p) => (p.image?.type ? { url: p.image.url, type: p.image.type, length: "0" } : null)),
    );
  });

  it("Atom: titles still read back (the enclosure links do not disturb the entries)", async () => {
    expect((await parseWithRssParser(atom())).items.map((i) => i.title)).toEqual(NEWEST_FIRST.map((p) => p.title));
  });
});

describe("read back by @rowanmanning/feed-parser", () => {
  it("RSS: each item's image (from media:content when the type is unknown), and the feed's", () => {
    const feed = parseFeed(rss());
    expect(feed.image?.url).toBe(LOGO);
    expect(feed.items.map((i) => i.image?.url ?? null)).toEqual(NEWEST_FIRST.map((p) => p.image?.url ?? null));
  });

  it("Atom: each item's image of a known type, and the feed's", () => {
    const feed = parseFeed(atom());
    expect(feed.image?.url).toBe(LOGO);
    // An enclosure link without a type is not known to be an image.
    expect(feed.items.map((i) => i.image?.url ?? null)).toEqual(NEWEST_FIRST.map((p) => (p.image?.type ? p.image.url : null)));
  });
});

describe("a site without icon or logo", () => {
  it("has no channel image, icon, logo or favicon", async () => {
    const plain = await makeSite({ "_config.yml": configYaml(), "2022-05-20-a.md": post(["title: A", "date: 2022-05-20 09:00:00 +0800"]) });
    const { out: dir } = await build(plain, new Date("2026-01-01T00:00:00Z"));
    try {
      expect(children(elements(parseXml(readText(dir, "feeds/rss.xml")), "channel")[0]!, "image")).toEqual([]);
      expect(readText(dir, "feeds/rss.xml")).not.toContain("xmlns:media");
      const feed = elements(parseXml(readText(dir, "feeds/atom.xml")), "feed")[0]!;
      expect([children(feed, "icon"), children(feed, "logo")]).toEqual([[], []]);
      expect(Object.keys(JSON.parse(readText(dir, "feeds/feed.json")) as object)).not.toEqual(expect.arrayContaining(["icon"]));
      expect(readText(dir, "feeds/feed.json")).not.toMatch(/"(icon|favicon|image)"/);
    } finally {
      await Promise.all([plain, dir].map((d) => rm(d, { recursive: true, force: true })));
    }
  });
});

describe("a site with an icon and no logo", () => {
  it("uses the icon as the RSS channel image; Atom has an icon and no logo", async () => {
    const iconOnly = await makeSite({
      "_config.yml": configYaml("feeds:\n  icon: https://cdn.example.com/i.png\n"),
      "2022-05-20-a.md": post(["title: A", "date: 2022-05-20 09:00:00 +0800"]),
    });
    const { out: dir } = await build(iconOnly, new Date("2026-01-01T00:00:00Z"));
    try {
      const image = children(elements(parseXml(readText(dir, "feeds/rss.xml")), "channel")[0]!, "image")[0]!;
      expect(childText(image, "url")).toBe("https://cdn.example.com/i.png");
      const feed = elements(parseXml(readText(dir, "feeds/atom.xml")), "feed")[0]!;
      expect([childText(feed, "icon"), children(feed, "logo")]).toEqual(["https://cdn.example.com/i.png", []]);
    } finally {
      await Promise.all([iconOnly, dir].map((d) => rm(d, { recursive: true, force: true })));
    }
  });
});
