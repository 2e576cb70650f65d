/**
 * Each renderer, called directly on a feed model, against golden files under
 * test/fixtures/golden/: the seed post, the escaping cases, and empty feeds. A change to a
 * renderer's bytes shows here as a diff to review; `npx vitest run test/feeds/golden.test.ts -u`
 * rewrites the files once the change is meant. Every golden document also passes the validators,
 * so a golden file cannot hold a broken feed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { toArchiveDocument, toFeedDocument, toFeedItem } from "../../lib/feeds/feed-document.js";
import type { FeedDefinition, FeedDocument, FeedItem } from "../../lib/feeds/model.js";
import { renderAtom } from "../../lib/feeds/render-atom.js";
import { checkDocument } from "../../lib/feeds/check-document.js";
import { renderAutodiscovery, renderPage } from "../../lib/feeds/render-html.js";
import { renderJsonFeed } from "../../lib/feeds/render-json.js";
import { renderRss } from "../../lib/feeds/render-rss.js";
import { readPost } from "../../lib/posts/read-post.js";
import { checkAtomWithJing, checkJsonFeed, checkRssWithFeedparser, checkXmlWellFormed } from "../support/validators.js";
import { needs, SLOW_TOOL_TIMEOUT } from "./helpers.js";

const config = parseConfig(
  [
    "title: 财经新闻网",
    "description: 北京商报、证券时报等财经媒体的最新新闻",
    "url: https://finews.withounder.com",
    "timezone: Asia/Shanghai",
    "lang: zh-CN",
    "feeds:",
    "  categories:",
    "    beijingshangbao: 北京商报新闻",
    "    bank: '银行<新闻> & \"评论\"'",
    "  tags:",
    "    ipo: 新股 IPO",
    "",
  ].join("\n"),
);
const SITE: FeedDefinition = { kind: "site", name: "", dir: "feeds" };
const CATEGORY: FeedDefinition = { kind: "category", name: "beijingshangbao", dir: "feeds/beijingshangbao" };
const TAG: FeedDefinition = { kind: "tag", name: "ipo", dir: "feeds/tags/ipo" };
const AUTHOR: FeedDefinition = { kind: "author", name: "记者 张三", dir: "feeds/authors/记者 张三" };

const seedPost = readPost(
  "2022-05-20-jiangxi-bank.md",
  readFileSync(new URL("../fixtures/posts/2022-05-20-jiangxi-bank.md", import.meta.url)),
  config,
  "whole",
);

/** Text that breaks naive escaping in every format: markup, entities as text, CDATA ends, quotes. */
const HOSTILE = `A & B <c> ]]> "quoted" 'single' &amp; &lt;`;
const escapingItems: FeedItem[] = [
  {
    id: "urn:uuid:00000000-0000-5000-8000-000000000001",
    url: "https://news.example.com/a/2022/05/20/x.html?a=1&b=2",
    title: HOSTILE,
    published: new Date("2022-05-20T00:01:40+08:00"),
    updated: new Date("2022-05-21T09:30:00+08:00"),
    summary: HOSTILE,
    html: `<p>${"]]>"} twice ${"]]>"} and &amp; &lt;b&gt;</p>`,
    // A display title that needs escaping; a tag named as a category is shown once; a tag
    // written "IPO" is labelled by the display title of its feed, "ipo".
    categories: ["bank", "银行"],
    tags: ["银行", "IPO"],
    author: { name: `Ann & "Bo" <ed>`, email: "ann@news.example.com", url: "https://news.example.com/ann" },
    image: { url: "https://img.example.com/a%20b.jpg?w=1&h=2", alt: `alt & "quoted" <x>` },
  },
  {
    id: "urn:uuid:00000000-0000-5000-8000-000000000002",
    url: "https://news.example.com/b.html",
    title: "无摘要、无正文",
    published: new Date("2022-05-19T23:00:00Z"),
    updated: new Date("2022-05-19T23:00:00Z"),
    summary: "",
    html: "",
    categories: [],
    tags: [],
    author: { name: "记者 张三" },
    image: { url: "https://img.example.com/plain" },
  },
];

/** The escaping cases with every feed-level option on: hubs, icon and logo, a site author. */
function escapingDocument(): FeedDocument {
  return {
    ...toFeedDocument(CATEGORY, escapingItems, config),
    hubs: ["https://hub.example.com/?a=1&b=2", "https://pubsubhubbub.appspot.com/"],
    icon: "https://news.example.com/icon.png",
    logo: "https://news.example.com/logo&wide.png",
    siteAuthor: { name: `编辑部 & "Desk"` },
  };
}

const CASES: Record<string, () => FeedDocument> = {
  // The site feed's page lists every feed it is given, in its own order: site, categories, tags, authors.
  seed: () => toFeedDocument(SITE, [toFeedItem(seedPost, config)], config, [AUTHOR, TAG, CATEGORY, SITE]),
  escaping: escapingDocument,
  "escaping-excerpt": () => ({ ...escapingDocument(), excerpt: true, siteAuthor: { name: "Desk", email: "desk@news.example.com" } }),
  empty: () => toFeedDocument(SITE, [], config),
  "empty-excerpt": () => ({ ...toFeedDocument(CATEGORY, [], config), excerpt: true }),
  // A feed with archives links its newest page; a page links the feed and its next older page, and says it is an archive.
  "with-archive": () => toFeedDocument(CATEGORY, [toFeedItem(seedPost, config)], config, undefined, "open"),
  archive: () => toArchiveDocument(CATEGORY, "open", [toFeedItem(seedPost, config)], config, "0123456789abcdef0123456789abcdef"),
  "oldest-archive": () => toArchiveDocument(TAG, "fedcba9876543210fedcba9876543210", [], { ...config, feeds: { ...config.feeds, websub: { hubs: ["https://hub.example.com/"] } } }),
};

const golden = (name: string) => new URL(`../fixtures/golden/${name}`, import.meta.url).pathname;

describe.each(Object.entries(CASES))("the %s feed", (name, doc) => {
  it("renders RSS 2.0 as its golden file", async () => {
    await expect(renderRss(doc())).toMatchFileSnapshot(golden(`${name}.rss.xml`));
  });
  it("renders Atom 1.0 as its golden file", async () => {
    await expect(renderAtom(doc())).toMatchFileSnapshot(golden(`${name}.atom.xml`));
  });
  it("renders JSON Feed 1.1 as its golden file", async () => {
    await expect(renderJsonFeed(doc())).toMatchFileSnapshot(golden(`${name}.feed.json`));
  });
  it("renders the page a person reads as its golden file, and it passes the check every file is put through", async () => {
    const page = renderPage(doc());
    await expect(page).toMatchFileSnapshot(golden(`${name}.index.html`));
    expect(checkDocument({ key: "feeds/index.html", body: page })).toBeNull();
  });
  it("renders the autodiscovery snippet as its golden file", async () => {
    const snippet = renderAutodiscovery(doc());
    await expect(snippet).toMatchFileSnapshot(golden(`${name}.autodiscovery.html`));
    expect(checkDocument({ key: "feeds/autodiscovery.html", body: snippet })).toBeNull();
  });
  it("gives the same bytes every time, leaving its model as it was", () => {
    const model = doc();
    const before = structuredClone(model);
    expect([renderRss(model), renderAtom(model), renderJsonFeed(model), renderPage(model)]).toEqual([renderRss(doc()), renderAtom(doc()), renderJsonFeed(doc()), renderPage(doc())]);
    expect(model).toEqual(before);
  });
  it("renders JSON Feed that the 1.1 schema accepts", async () => {
    expect(await checkJsonFeed(renderJsonFeed(doc()))).toEqual({ ok: true, problems: [] });
  });
  describe("with the XML validators", () => {
    needs("xmllint", "jing", "feedparser");
    it("renders well-formed RSS that feedparser reads as RSS 2.0", { timeout: SLOW_TOOL_TIMEOUT }, async () => {
      const rss = renderRss(doc());
      expect(await checkXmlWellFormed(rss)).toEqual({ ok: true, problems: [] });
      expect(await checkRssWithFeedparser(rss)).toEqual({ ok: true, problems: [] });
    });
    it("renders Atom that the RFC 4287 schema accepts", { timeout: SLOW_TOOL_TIMEOUT }, async () => {
      expect(await checkAtomWithJing(renderAtom(doc()))).toEqual({ ok: true, problems: [] });
    });
  });
});
