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
  type ParsedFeed,
} from "../support/validators.js";
import {
  SLOW_TOOL_TIMEOUT,
  build,
  children,
  configYaml,
  elements,
  FOLDER_FILES,
  htmlText,
  makeSite,
  needs,
  parseXml,
  post,
  readText,
  readTree,
  textOfElement,
  unescapeHtml,
  urlOf,
} from "./helpers.js";

const BS = "\u0008"; // backspace: forbidden in XML 1.0
const GS = "\u001D"; // group separator: forbidden in XML 1.0
const SITE = "https://news.example.com";

// Two "]]>" so a CDATA writer that splits only the first one would end its section early.
const TITLE_HTML = "AT&T <b>加息</b> ]]> 与 ]]> 之后";
const TITLE_MD = `“双引号” "quoted" & 'single' > <`;
const TEXT_HTML = `正文：AT&T <b>加息</b> ]]> 与 ]]> 之后 "引号" R&D 1 < 2。`;
const TEXT_MD = `正文 ]]> 与 ]]> 以及 AT&T 和 "引号" 结束`;

const FILES = {
  "_config.yml": configYaml('feeds:\n  categories:\n    "R&D": "研发 & 创新"\n').replace("title: 测试站", 'title: "AT&T 财经"'),
  // The forbidden characters are raw bytes in the file, in the title and in the body.
  "2022-05-20-rate-hike.html": post(
    [
      `title: "AT&T <b>加${BS}息</b> ]]> 与 ]]> 之${GS}后"`,
      "date: 2022-05-20 09:00:00 +0800",
      'categories: ["R&D", 银行]',
      'tags: ["A&B", 加息]',
    ],
    `<p>正文：AT&amp;T &lt;b&gt;加息&lt;/b&gt; ]]> 与 ]]> 之后 "引号" R&D 1 < 2${BS}${GS}。</p>\n`,
  ),
  "2022-05-21-quotes.md": post(
    [`title: '${TITLE_MD.replace(/'/g, "''")}${GS}'`, "date: 2022-05-21 09:00:00 +0800", "tags: [加息]"],
    `正文 \`]]>\` 与 ]]> 以及 AT&T 和 "引号" ${BS}${GS}结束\n`,
  ),
};

// Newest first.
const EXPECTED = [
  { title: TITLE_MD, text: TEXT_MD },
  { title: TITLE_HTML, text: TEXT_HTML },
];

// Each feed folder and the titles it must list, newest first.
const FEEDS: Record<string, string[]> = {
  feeds: [TITLE_MD, TITLE_HTML],
  "feeds/r&d": [TITLE_HTML],
  "feeds/tags/a&b": [TITLE_HTML],
  "feeds/tags/加息": [TITLE_MD, TITLE_HTML],
  "feeds/银行": [TITLE_HTML],
};
const DIRS = Object.keys(FEEDS);
const XML_FILES = DIRS.flatMap((d) => [`${d}/rss.xml`, `${d}/atom.xml`]).concat("feeds/index.opml");

let site = "";
let out = "";

beforeAll(async () => {
  site = await makeSite(FILES);
  ({ out } = await build(site, new Date("2026-01-01T00:00:00Z")));
});

afterAll(async () => {
  await Promise.all([site, out].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

it("the site produces the site, category and tag feeds, named as written", async () => {
  const keys = [...(await readTree(out)).keys()];
  expect(keys).toEqual(
    [...DIRS.flatMap((d) => FOLDER_FILES.map((name) => `${d}/${name}`)), "feeds/index.opml"].sort(),
  );
});

it("no output file contains U+0008 or U+001D", async () => {
  for (const [key, bytes] of await readTree(out)) expect(bytes.toString("utf8"), key).not.toMatch(/[\u0008\u001D]/);
});

describe.concurrent("every XML file is well-formed", () => {
  needs("xmllint");

  it.each(XML_FILES)("%s (xmllint)", async (file) => {
    expect(await checkXmlWellFormed(readText(out, file))).toEqual({ ok: true, problems: [] });
  });
});

describe.concurrent("and valid", () => {
  needs("jing", "feedparser");

  it.each(DIRS)("%s/rss.xml: feedparser rss20 without bozo", async (dir) => {
    expect(await checkRssWithFeedparser(readText(out, `${dir}/rss.xml`))).toEqual({ ok: true, problems: [] });
  }, SLOW_TOOL_TIMEOUT);

  it.each(DIRS)("%s/atom.xml: RFC 4287 schema (jing) and feedparser atom10 without bozo", async (dir) => {
    const xml = readText(out, `${dir}/atom.xml`);
    expect(await checkAtomWithJing(xml)).toEqual({ ok: true, problems: [] });
    expect(await checkAtomWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
  }, SLOW_TOOL_TIMEOUT);
});

it.each(DIRS)("%s/feed.json is valid JSON Feed 1.1 with the exact titles", async (dir) => {
  const text = readText(out, `${dir}/feed.json`);
  expect(await checkJsonFeed(text)).toEqual({ ok: true, problems: [] });
  expect((JSON.parse(text) as { items: { title: string }[] }).items.map((i) => i.title)).toEqual(FEEDS[dir]);
});

interface Reading {
  /** How a reader's title string becomes the text a person sees. */
  title?: (title: string) => string;
  /** How a reader's content string becomes the text a person sees. */
  text?: (content: string) => string;
}

function expectExact(feed: ParsedFeed, reader: string, { title = (t) => t, text = htmlText }: Reading = {}): void {
  expect(feed.items.map((i) => title(i.title ?? "")), reader).toEqual(EXPECTED.map((e) => e.title));
  for (const [n, item] of feed.items.entries()) expect(text(item.content ?? ""), reader).toContain(EXPECTED[n]!.text);
}

describe.each(["feeds/rss.xml", "feeds/atom.xml"])("%s read back", (file) => {
  it("by rss-parser: the exact title text and content", async () => {
    const feed = await parseWithRssParser(readText(out, file));
    expect(feed.title).toBe("AT&T 财经");
    // Atom titles are plain text (type="text"), so this reader, which hands back an HTML title as
    // it stands, reads both formats exactly.
    expectExact(feed, "rss-parser");
  });

  it("by @rowanmanning/feed-parser: the exact title text and content", async () => {
    // This reader decodes the entities in content itself ("&lt;b&gt;" comes back as "<b>"), so only
    // the markup the renderer wrote (<p>, <code>) is taken off.
    const text = (c: string) => c.replace(/<\/?(?:p|code)>/g, "");
    expectExact(await parseWithRowanmanning(readText(out, file)), "@rowanmanning/feed-parser", { text });
  });

  describe("by Python feedparser", () => {
    needs("feedparser");

    it("the exact title text and content", async () => {
      const parsed = await parseWithFeedparser(readText(out, file));
      expect(parsed.bozo).toBe(0);
      expect(parsed.feed.title).toBe("AT&T 财经");
      const items = parsed.entries.map((e) => ({ id: e.id, title: e.title, link: e.link, date: e.published, content: e.content }));
      // feedparser returns a title it takes for HTML with & < > escaped (the markup itself kept).
      expectExact({ title: parsed.feed.title, items }, "feedparser", { title: unescapeHtml });
    });
  });
});

describe("categories and tags with & and Chinese names", () => {
  it("the category feed's title uses the configured display title, read back exactly", async () => {
    expect((await parseWithRssParser(readText(out, "feeds/r&d/rss.xml"))).title).toBe("AT&T 财经 - 研发 & 创新");
    expect((await parseWithRowanmanning(readText(out, "feeds/r&d/atom.xml"))).title).toBe("AT&T 财经 - 研发 & 创新");
    expect((JSON.parse(readText(out, "feeds/r&d/feed.json")) as { title: string }).title).toBe("AT&T 财经 - 研发 & 创新");
  });

  it("RSS items carry the display names as <category>, Atom entries the names as term and label", () => {
    const rssItem = elements(parseXml(readText(out, "feeds/rss.xml")), "item")[1]!;
    expect(children(rssItem, "category").map((c) => textOfElement(c))).toEqual(["研发 & 创新", "银行", "A&B", "加息"]);
    const atomEntry = elements(parseXml(readText(out, "feeds/atom.xml")), "entry")[1]!;
    expect(children(atomEntry, "category").map((c) => [c.attribs.term, c.attribs.label])).toEqual([
      ["R&D", "研发 & 创新"],
      ["银行", "银行"],
      ["A&B", "A&B"],
      ["加息", "加息"],
    ]);
  });

  it.each([
    ["feeds/tags/a&b", `${SITE}/feeds/tags/a%26b`],
    ["feeds/tags/加息", `${SITE}/feeds/tags/%E5%8A%A0%E6%81%AF`],
    ["feeds/r&d", `${SITE}/feeds/r%26d`],
  ])("%s exists and links to itself percent-encoded (%s/…)", (dir, base) => {
    expect(urlOf(`${dir}/rss.xml`, SITE)).toBe(`${base}/rss.xml`);
    const rssSelf = elements(parseXml(readText(out, `${dir}/rss.xml`)), "atom:link").find((l) => l.attribs.rel === "self");
    expect(rssSelf?.attribs.href).toBe(`${base}/rss.xml`);
    const atomSelf = elements(parseXml(readText(out, `${dir}/atom.xml`)), "link").find((l) => l.attribs.rel === "self");
    expect(atomSelf?.attribs.href).toBe(`${base}/atom.xml`);
    expect((JSON.parse(readText(out, `${dir}/feed.json`)) as { feed_url: string }).feed_url).toBe(`${base}/feed.json`);
  });

  it.each(DIRS)("%s/rss.xml holds its posts, titles read back exactly by rss-parser", async (dir) => {
    expect((await parseWithRssParser(readText(out, `${dir}/rss.xml`))).items.map((i) => i.title)).toEqual(FEEDS[dir]);
  });

  it("the OPML list names the & category and tag feeds by their percent-encoded URLs and escaped titles", () => {
    const outlines = elements(parseXml(readText(out, "feeds/index.opml")), "outline").map((o) => [o.attribs.text, o.attribs.xmlUrl]);
    expect(outlines).toEqual([
      ["AT&T 财经", `${SITE}/feeds/rss.xml`],
      ["AT&T 财经 - 研发 & 创新", `${SITE}/feeds/r%26d/rss.xml`],
      ["AT&T 财经 - 银行", `${SITE}/feeds/%E9%93%B6%E8%A1%8C/rss.xml`],
      ["Tags", undefined],
      ["AT&T 财经 - #a&b", `${SITE}/feeds/tags/a%26b/rss.xml`],
      ["AT&T 财经 - #加息", `${SITE}/feeds/tags/%E5%8A%A0%E6%81%AF/rss.xml`],
    ]);
  });
});
