import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { checkDocument } from "../../lib/feeds/check-document.js";
import { SITE_FEED } from "../../lib/feeds/choose.js";
import { toFeedItem } from "../../lib/feeds/feed-document.js";
import { firstBodyImage, imageType } from "../../lib/feeds/lead-image.js";
import { renderBody } from "../../lib/feeds/render-body.js";
import { renderFeed } from "../../lib/feeds/render-feed.js";
import { parseImage } from "../../lib/posts/image.js";
import type { Post } from "../../lib/posts/post.js";
import { postOf as basePost } from "./post-fixture.js";

const config = parseConfig("title: 测试站\nurl: https://news.example.com\n");

// Posts here name no category, unlike the shared fixture.
const postOf = (body: string, extra: Partial<Post> = {}): Post => basePost(body, { categories: [], ...extra });

/** The lead image found in a body, after rendering it as every feed does. */
const bodyImage = (body: string, format: Post["format"] = "html") => firstBodyImage(renderBody(postOf(body, { format }), 200).html);

describe("the body's first image", () => {
  it("is the first <img>, its src made absolute against the post's URL, with its alt", () => {
    expect(bodyImage('<p>文</p><img src="../chart.png" alt="走势 &amp; “预期”"><img src="/second.jpg">')).toEqual({
      url: "https://news.example.com/bank/2022/05/chart.png",
      alt: "走势 & “预期”",
    });
  });

  it("comes from Markdown too, protocol-relative made https", () => {
    expect(bodyImage("正文\n\n![图 1](//cdn.example.com/a.jpg)\n", "markdown")).toEqual({ url: "https://cdn.example.com/a.jpg", alt: "图 1" });
  });

  it("skips a data: image and one without src for the first with an http(s) one", () => {
    expect(bodyImage('<img src="data:image/gif;base64,R0lGOD" alt="pixel"><img srcset="/a.jpg 2x"><img src="/b.gif">')).toEqual({
      url: "https://news.example.com/b.gif",
    });
  });

  it("keeps a query's & and decodes the attribute's escapes once", () => {
    expect(bodyImage('<img src="/i.jpg?a=1&amp;b=&quot;2&quot;" alt="&lt;b&gt;">')).toEqual({
      url: "https://news.example.com/i.jpg?a=1&b=%222%22",
      alt: "<b>",
    });
  });

  it("is none when a script URL or an escaped tag is all there is", () => {
    expect(bodyImage('<img src="javascript:alert(1)"><p>&lt;img src="https://evil.example.com/x.jpg"&gt;</p>')).toBeUndefined();
    expect(bodyImage("<p>没有图片</p>")).toBeUndefined();
    expect(bodyImage('<script><img src="/in-script.jpg"></script><textarea><img src="/in-textarea.jpg"></textarea>')).toBeUndefined();
  });
});

describe("imageType", () => {
  it.each([
    ["https://h.example.com/a.jpg", "image/jpeg"],
    ["https://h.example.com/a.JPEG", "image/jpeg"],
    ["https://h.example.com/a.png?x=1.gif", "image/png"],
    ["https://h.example.com/a.gif#f.png", "image/gif"],
    ["https://h.example.com/a.webp", "image/webp"],
    ["https://h.example.com/a.avif", "image/avif"],
    ["https://h.example.com/a.svg", "image/svg+xml"],
    ["https://h.example.com/a.bmp", undefined],
    ["https://h.example.com/photo", undefined],
    ["https://h.example.com/v1.2/photo", undefined],
    ["https://h.example.com/", undefined],
  ])("%s is %s", (url, type) => {
    expect(imageType(url)).toBe(type);
  });
});

describe("the item's image", () => {
  it("is the front matter's, else the body's", () => {
    const body = '<img src="/body.jpg">';
    expect(toFeedItem(postOf(body, { image: { url: "https://cdn.example.com/fm.png", alt: "封面" } }), config).image).toEqual({
      url: "https://cdn.example.com/fm.png",
      alt: "封面",
    });
    expect(toFeedItem(postOf(body), config).image).toEqual({ url: "https://news.example.com/body.jpg" });
  });

  it("is left out when there is none, so a stored item's JSON is as it was", () => {
    const item = toFeedItem(postOf("<p>无图</p>"), config);
    expect(Object.keys(item)).not.toContain("image");
  });

  it("is plain JSON: it survives a round trip through JSON unchanged", () => {
    const { image } = toFeedItem(postOf('<img src="/a.jpg" alt="甲">'), config);
    expect(JSON.parse(JSON.stringify(image))).toEqual(image);
  });
});

describe("no image value makes a document its readers cannot parse", () => {
  // Pieces that have broken URL handling or XML somewhere: schemes, escapes, quotes, markup,
  // XML-forbidden and non-BMP characters, white space a URL parser drops.
  const pieces = [
    "https://", "http:", "//", "/", "../", "javascript:", "data:image/png;base64,", "a.jpg", ".svg", "?", "#", "&", "&amp;",
    "\"", "'", "<", ">", "]]>", " ", "\t", "\n", "\u0008", "\u001D", "\uFFFE", "\uD800", "😀", "图", "%", "%zz", "[::1", "@", "\\",
  ];
  const piece = fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 }));
  const text = fc.array(piece, { maxLength: 10 }).map((p) => p.join(""));
  const value = fc.oneof(text, fc.record({ url: text, alt: text }), fc.record({ path: text, alt: fc.anything() }), fc.anything());

  it("parseImage never throws, and every format it renders parses back", () => {
    const site = { url: config.url, baseurl: "/news" };
    fc.assert(
      fc.property(value, text, (image, body) => {
        const parsed = parseImage(image, site);
        const post = postOf(`<p>${body}</p><img src="${body}" alt="${body}">`, parsed ? { image: parsed } : {});
        const item = toFeedItem(post, config);
        for (const file of renderFeed(SITE_FEED, [item], config)) expect(checkDocument(file), file.key).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});
