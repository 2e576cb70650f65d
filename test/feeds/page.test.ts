/**
 * The page a person reads in each feed folder, as a browser would parse it (htmlparser2 in HTML
 * mode): hostile post text is shown as text and nothing else, no script can run, times are in the
 * site's zone, and the site feed's page lists every feed it is given.
 */
import { DomUtils, parseDocument } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { checkDocument } from "../../lib/feeds/check-document.js";
import { toFeedDocument } from "../../lib/feeds/feed-document.js";
import type { FeedDefinition, FeedItem } from "../../lib/feeds/model.js";
import { renderFeed } from "../../lib/feeds/render-feed.js";
import { renderAutodiscovery, renderPage } from "../../lib/feeds/render-html.js";
import { changedFeedUrls } from "../../lib/websub/changed-feeds.js";

const config = parseConfig("title: T & <b>\nurl: https://news.example.com\ntimezone: America/New_York\nlang: en-GB\n");
const SITE: FeedDefinition = { kind: "site", name: "", dir: "feeds" };
const TAG: FeedDefinition = { kind: "tag", name: "a b", dir: "feeds/tags/a b" };
const HOSTILE = `</title><script>alert(1)</script><img src=x onerror=alert(2)> & "q" 'a' ]]>`;

function item(n: number, overrides: Partial<FeedItem> = {}): FeedItem {
  const published = new Date(Date.UTC(2024, 6, n, 12, 0, 0));
  return {
    id: `urn:x:${n}`,
    url: `https://news.example.com/${n}.html?a=1&b=2`,
    title: `Post ${n}`,
    published,
    updated: published,
    summary: `Summary ${n}`,
    html: `<p>Body ${n}</p>`,
    categories: [],
    tags: [],
    ...overrides,
  };
}

const parse = (html: string) => parseDocument(html, { decodeEntities: true });
const all = (html: string, tag: string) => DomUtils.getElementsByTagName(tag, parse(html), true);

describe("a feed's page", () => {
  const hostile = item(2, { title: HOSTILE, summary: HOSTILE, author: { name: HOSTILE } });
  const page = renderPage(toFeedDocument(TAG, [hostile, item(1)], config));

  it("shows hostile post text as the very text the post wrote, with no element, attribute or script of its own", () => {
    const headings = all(page, "h2").map((h) => DomUtils.textContent(h));
    expect(headings).toEqual([HOSTILE, "Post 1"]);
    expect(all(page, "p").map((p) => DomUtils.textContent(p))).toContain(HOSTILE);
    expect(all(page, "script")).toEqual([]);
    expect(all(page, "img")).toEqual([]);
    const attributes = DomUtils.getElementsByTagName(() => true, parse(page), true).flatMap((el) => Object.keys(el.attribs));
    expect(attributes.filter((a) => a.startsWith("on"))).toEqual([]);
  });

  it("forbids every script with its Content-Security-Policy and allows only its own style", () => {
    const meta = all(page, "meta").find((m) => m.attribs["http-equiv"] === "Content-Security-Policy");
    expect(meta?.attribs.content).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; base-uri 'none'; form-action 'none'$/);
    expect(meta?.attribs.content).not.toMatch(/script-src|unsafe/);
  });

  it("is in the site's language, fits a phone's width, and lists the items newest first with times in the site's zone", () => {
    expect(all(page, "html")[0]?.attribs.lang).toBe("en-GB");
    expect(all(page, "meta").some((m) => m.attribs.name === "viewport" && m.attribs.content?.includes("width=device-width"))).toBe(true);
    const times = all(page, "time");
    // 12:00 UTC in July is 08:00 in New York (EDT, UTC-4).
    expect(times.map((t) => t.attribs.datetime)).toEqual(["2024-07-02T08:00:00-04:00", "2024-07-01T08:00:00-04:00"]);
    expect(DomUtils.textContent(times[0]!)).toBe("2 July 2024 at 08:00 (UTC-04:00)");
  });

  it("links each item, and the three formats to subscribe to, with the URLs as written", () => {
    const hrefs = all(page, "a").map((a) => a.attribs.href);
    expect(hrefs).toContain("https://news.example.com/1.html?a=1&b=2");
    for (const name of ["rss.xml", "atom.xml", "feed.json"]) expect(hrefs).toContain(`https://news.example.com/feeds/tags/a%20b/${name}`);
    expect(hrefs).toContain("https://news.example.com/feeds/index.html");
    expect(hrefs).toContain("https://news.example.com/feeds/index.opml");
  });

  it("carries the feed's autodiscovery links in its head, exactly the snippet written beside it", () => {
    const snippet = renderAutodiscovery(toFeedDocument(TAG, [], config));
    expect(page).toContain(snippet.trimEnd());
    expect(all(snippet, "link").map((l) => [l.attribs.type, l.attribs.title])).toEqual([
      ["application/rss+xml", "T & <b> - #a b"],
      ["application/atom+xml", "T & <b> - #a b"],
      ["application/feed+json", "T & <b> - #a b"],
    ]);
  });

  it("says so when the feed has no items", () => {
    expect(DomUtils.textContent(all(renderPage(toFeedDocument(TAG, [], config)), "main")[0]!).trim()).toBe("No items yet.");
  });
});

describe("the site feed's page, feeds/index.html", () => {
  it("also lists every feed it is given, site first, each with its page and three formats, and the OPML", () => {
    const page = renderPage(toFeedDocument(SITE, [item(1)], config, [TAG, SITE]));
    const list = all(page, "li").map((li) => DomUtils.getElementsByTagName("a", li, true).map((a) => a.attribs.href));
    expect(list).toEqual([
      ["https://news.example.com/feeds/index.html", "https://news.example.com/feeds/rss.xml", "https://news.example.com/feeds/atom.xml", "https://news.example.com/feeds/feed.json"],
      [
        "https://news.example.com/feeds/tags/a%20b/index.html",
        "https://news.example.com/feeds/tags/a%20b/rss.xml",
        "https://news.example.com/feeds/tags/a%20b/atom.xml",
        "https://news.example.com/feeds/tags/a%20b/feed.json",
      ],
    ]);
    expect(all(page, "a").filter((a) => a.attribs.href === "https://news.example.com/feeds/index.opml" && "download" in a.attribs)).toHaveLength(2);
  });

  it("is one of the files the site feed renders, beside its snippet; other feeds list no feeds", () => {
    const files = renderFeed(SITE, [item(1)], config, [SITE, TAG]);
    expect(files.map((f) => [f.key, f.contentType])).toEqual([
      ["feeds/rss.xml", "application/rss+xml; charset=utf-8"],
      ["feeds/atom.xml", "application/xml"],
      ["feeds/feed.json", "application/json"],
      ["feeds/index.html", "text/html; charset=utf-8"],
      ["feeds/autodiscovery.html", "text/html; charset=utf-8"],
    ]);
    expect(files[3]!.body).toContain('id="feeds"');
    expect(renderFeed(TAG, [item(1)], config, [SITE, TAG])[3]!.body).not.toContain('id="feeds"');
  });
});

describe("checking a page before it is written", () => {
  it("accepts the pages and snippets the renderer writes", () => {
    for (const file of renderFeed(SITE, [item(1, { title: HOSTILE })], config, [SITE])) expect(checkDocument(file), file.key).toBeNull();
  });

  it("refuses a page or snippet that is not well-formed, or a page that is not whole", () => {
    expect(checkDocument({ key: "feeds/index.html", body: "<!DOCTYPE html>\n<html><head></head>\n<body><p>x</body>\n</html>\n" })).toMatch(/not well-formed markup/);
    expect(checkDocument({ key: "feeds/autodiscovery.html", body: '<link rel="alternate">\n' })).toMatch(/not well-formed markup/);
    expect(checkDocument({ key: "feeds/index.html", body: "<!DOCTYPE html>\n<p>x</p>\n" })).toBe("not a whole HTML page");
  });
});

describe("a page is no feed", () => {
  it("is never announced to WebSub hubs, written or deleted: only the three formats are topics", () => {
    const outcomes = ["feeds/index.html", "feeds/autodiscovery.html", "feeds/tags/a b/index.html", "feeds/tags/a b/autodiscovery.html"].flatMap((key) => [
      { key, outcome: "written" },
      { key, outcome: "deleted" },
    ]);
    expect(changedFeedUrls(outcomes, config)).toEqual([]);
    expect(changedFeedUrls([...outcomes, { key: "feeds/rss.xml", outcome: "written" }], config)).toEqual(["https://news.example.com/feeds/rss.xml"]);
  });
});
