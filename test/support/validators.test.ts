import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import {
  INSTALL_HINT,
  type ParsedFeed,
  type ToolName,
  type ToolStatus,
  checkAtomWithFeedparser,
  checkAtomWithJing,
  checkJsonFeed,
  checkRssWithFeedparser,
  checkXmlWellFormed,
  missingToolMessage,
  parseWithFeedparser,
  parseWithRowanmanning,
  parseWithRssParser,
  requireTool,
} from "./validators.js";

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), "utf8");
}

/** Skips the tests of this block when the tool is missing locally; fails them under CI. */
function needs(tool: ToolName): void {
  beforeEach((ctx) => {
    ctx.skip(!requireTool(tool), missingToolMessage(tool));
  });
}

const RSS_ITEM = {
  id: "https://finews.withounder.com/beijingshangbao/2022/05/20/jiangxi-bank.html",
  title: "江西银行全力写好“强攻二季度、确保双过半”文章",
  link: "https://finews.withounder.com/beijingshangbao/2022/05/20/jiangxi-bank.html",
  date: "2022-05-19T16:01:40.000Z",
  content: '<p>江西银行召开党委会会议&nbsp;部署二季度工作。</p><p class="em_media">（文章来源：北京商报）</p>',
};

const ATOM_ITEM = {
  id: "https://finews.withounder.com/zhengquanshibao/2022/05/22/a-share-rebound.html",
  title: "A股三大指数集体反弹 北向资金单周净买入超百亿元",
  link: "https://finews.withounder.com/zhengquanshibao/2022/05/22/a-share-rebound.html",
  date: "2022-05-22T02:15:00.000Z",
  content: '<p>A股市场震荡回升，三大指数周线集体收红。</p><p class="em_media">（文章来源：证券时报）</p>',
};

// @rowanmanning/feed-parser decodes HTML entities inside content (&nbsp; becomes U+00A0); rss-parser does not.
function decodeNbsp(feed: ParsedFeed): ParsedFeed {
  return { ...feed, items: feed.items.map((item) => ({ ...item, content: item.content?.replaceAll("&nbsp;", "\u00a0") ?? null })) };
}

describe("checkXmlWellFormed (xmllint)", () => {
  needs("xmllint");

  it.each(["rss-good.xml", "atom-good.xml"])("accepts %s", async (name) => {
    expect(await checkXmlWellFormed(fixture(name))).toEqual({ ok: true, problems: [] });
  });

  it("rejects mismatched tags", async () => {
    const result = await checkXmlWellFormed(fixture("rss-malformed.xml"));
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toMatch(/Opening and ending tag mismatch/);
  });

  it("rejects an HTML entity that XML does not define", async () => {
    const result = await checkXmlWellFormed(fixture("rss-undefined-entity.xml"));
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toMatch(/Entity 'nbsp' not defined/);
  });
});

describe("checkAtomWithJing (RFC 4287 RELAX NG)", () => {
  needs("jing");

  it("accepts a valid Atom feed, without the launcher's jar warnings as problems", async () => {
    expect(await checkAtomWithJing(fixture("atom-good.xml"))).toEqual({ ok: true, problems: [] });
  });

  it("rejects an entry without <id>, reporting line and column", async () => {
    const result = await checkAtomWithJing(fixture("atom-entry-without-id.xml"));
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^\d+:\d+: error: .*missing required element "id"/)]);
  });

  it("rejects a document that is not Atom", async () => {
    const result = await checkAtomWithJing(fixture("rss-good.xml"));
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toMatch(/element "rss" not allowed here/);
  });
});

describe("feedparser (Python)", () => {
  needs("feedparser");

  it("accepts RSS 2.0 and Atom 1.0 as what they are", async () => {
    expect(await checkRssWithFeedparser(fixture("rss-good.xml"))).toEqual({ ok: true, problems: [] });
    expect(await checkAtomWithFeedparser(fixture("atom-good.xml"))).toEqual({ ok: true, problems: [] });
  });

  it("rejects malformed XML and undefined entities (bozo)", async () => {
    for (const name of ["rss-malformed.xml", "rss-undefined-entity.xml"]) {
      const result = await checkRssWithFeedparser(fixture(name));
      expect(result.ok, name).toBe(false);
      expect(result.problems[0], name).toMatch(/^bozo: /);
    }
  });

  it("rejects a feed of the other format", async () => {
    expect((await checkRssWithFeedparser(fixture("atom-good.xml"))).problems).toEqual([
      'version: expected "rss20", feedparser detected "atom10"',
    ]);
    expect((await checkAtomWithFeedparser(fixture("rss-good.xml"))).problems).toEqual([
      'version: expected "atom10", feedparser detected "rss20"',
    ]);
  });

  it("reads back the RSS channel and item, with the raw pubDate", async () => {
    const result = await parseWithFeedparser(fixture("rss-good.xml"));
    expect(result.feed).toMatchObject({ title: "财经新闻网", language: "zh-CN", link: "https://finews.withounder.com/" });
    expect(result.entries).toEqual([
      {
        id: RSS_ITEM.id,
        title: RSS_ITEM.title,
        link: RSS_ITEM.link,
        published: "Fri, 20 May 2022 00:01:40 +0800",
        updated: "Fri, 20 May 2022 00:01:40 +0800",
        content: RSS_ITEM.content,
      },
    ]);
  });

  it("reads back the Atom feed and entry, with the raw published date", async () => {
    const result = await parseWithFeedparser(fixture("atom-good.xml"));
    expect(result.feed).toMatchObject({ title: "财经新闻网", language: "zh-CN", id: "https://finews.withounder.com/" });
    expect(result.entries).toEqual([
      {
        id: ATOM_ITEM.id,
        title: ATOM_ITEM.title,
        link: ATOM_ITEM.link,
        published: "2022-05-22T10:15:00+08:00",
        updated: "2022-05-22T10:15:00+08:00",
        content: ATOM_ITEM.content,
      },
    ]);
  });
});

describe("checkJsonFeed", () => {
  it("accepts a JSON Feed 1.1", async () => {
    expect(await checkJsonFeed(fixture("jsonfeed-good.json"))).toEqual({ ok: true, problems: [] });
  });

  it("rejects version 1, which the schema alone would allow", async () => {
    expect(await checkJsonFeed(fixture("jsonfeed-version-1.json"))).toEqual({
      ok: false,
      problems: ['/version must be "https://jsonfeed.org/version/1.1", got "https://jsonfeed.org/version/1"'],
    });
  });

  it("rejects a feed without items", async () => {
    const result = await checkJsonFeed(fixture("jsonfeed-missing-items.json"));
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/must have required property 'items'/)]);
  });

  it("rejects relative URLs and dates without an offset", async () => {
    const feed = JSON.parse(fixture("jsonfeed-good.json")) as { items: Record<string, unknown>[] };
    const item = feed.items[0];
    if (!item) throw new Error("fixture has no item");
    item["url"] = "//finews.withounder.com/diyicaijing/2022/05/23/pmi-outlook.html";
    item["date_published"] = "2022-05-23 08:00:00";
    const result = await checkJsonFeed(JSON.stringify(feed));
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(/^\/items\/0\/url must match format "uri"/),
      expect.stringMatching(/^\/items\/0\/date_published must match format "date-time"/),
    ]);
  });

  it("rejects text that is not JSON", async () => {
    const result = await checkJsonFeed("{");
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatch(/^not JSON: /);
  });
});

describe.each([
  ["rss-parser", parseWithRssParser],
  ["@rowanmanning/feed-parser", parseWithRowanmanning],
])("%s reads back", (_name, parse) => {
  it("the RSS item's title, link, date and content", async () => {
    const feed = decodeNbsp(await parse(fixture("rss-good.xml")));
    expect(feed).toEqual(decodeNbsp({ title: "财经新闻网", items: [RSS_ITEM] }));
  });

  it("the Atom entry's title, link, date and content", async () => {
    expect(await parse(fixture("atom-good.xml"))).toEqual({ title: "财经新闻网", items: [ATOM_ITEM] });
  });
});

describe("requireTool", () => {
  const present: ToolStatus = { xmllint: true, jing: true, feedparser: true };
  const missing: ToolStatus = { xmllint: false, jing: false, feedparser: false };

  it("is true when the tool is present, in CI or not", () => {
    expect(requireTool("jing", { env: { CI: "true" }, status: present })).toBe(true);
    expect(requireTool("jing", { env: {}, status: present })).toBe(true);
  });

  it("fails the run in CI when the tool is missing, with the install command", () => {
    expect(() => requireTool("feedparser", { env: { CI: "true" }, status: missing })).toThrow(INSTALL_HINT);
  });

  it.each([{}, { CI: "false" }, { CI: "" }])("returns false outside CI (env %j) so the test can skip", (env) => {
    expect(requireTool("xmllint", { env, status: missing })).toBe(false);
  });
});
