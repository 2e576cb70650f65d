import { describe, expect, it } from "vitest";
import { InputError } from "../../lib/errors.js";
import { parseDate } from "../../lib/posts/dates.js";
import { parsePost } from "../../lib/posts/parse-post.js";
import { postUrl, type PermalinkInput } from "../../lib/posts/permalink.js";
import { postText, siteConfig } from "./site.js";

const SITE = "https://finews.example.com";
// 2022-05-20 00:01:40 +0800 is still 19 May in UTC.
const SEED_DATE = parseDate("2022-05-20 00:01:40 +0800", "UTC");
const seed: PermalinkInput = { slug: "jiangxi-bank", categories: ["beijingshangbao"], date: SEED_DATE };

const style = (permalink: string, extra = "") => siteConfig(`${extra}feeds:\n  permalink: ${JSON.stringify(permalink)}\n`);

describe("postUrl: Jekyll's default date pattern", () => {
  it("is the default: /:categories/:year/:month/:day/:title:output_ext", () => {
    expect(postUrl(seed, siteConfig())).toBe(`${SITE}/beijingshangbao/2022/05/20/jiangxi-bank.html`);
  });

  it("takes the year, month and day in the site zone, not UTC", () => {
    expect(postUrl(seed, siteConfig())).toContain("/2022/05/20/");
    expect(postUrl(seed, siteConfig("", "UTC"))).toBe(`${SITE}/beijingshangbao/2022/05/19/jiangxi-bank.html`);
    expect(postUrl(seed, siteConfig("", "America/New_York"))).toContain("/2022/05/19/");
  });

  it("crosses a year boundary in the site zone", () => {
    const date = parseDate("2023-01-01 00:30:00 +0800", "UTC");
    expect(postUrl({ slug: "new-year", categories: [], date }, siteConfig())).toBe(`${SITE}/2023/01/01/new-year.html`);
  });

  it("joins several categories as folders", () => {
    expect(postUrl({ ...seed, categories: ["finance", "banks"] }, siteConfig())).toBe(`${SITE}/finance/banks/2022/05/20/jiangxi-bank.html`);
  });

  it("leaves no empty folder when there is no category", () => {
    expect(postUrl({ ...seed, categories: [] }, siteConfig())).toBe(`${SITE}/2022/05/20/jiangxi-bank.html`);
  });

  it("percent-encodes Chinese categories and slugs", () => {
    const url = postUrl({ slug: "银行理财", categories: ["财经"], date: parseDate("2022-05-25 14:20:00 +0800", "UTC") }, siteConfig());
    expect(url).toBe(`${SITE}/%E8%B4%A2%E7%BB%8F/2022/05/25/%E9%93%B6%E8%A1%8C%E7%90%86%E8%B4%A2.html`);
    expect(decodeURI(url)).toBe(`${SITE}/财经/2022/05/25/银行理财.html`);
  });

  it("percent-encodes characters that would break the path", () => {
    expect(postUrl({ ...seed, slug: "a b?c#d" }, siteConfig())).toBe(`${SITE}/beijingshangbao/2022/05/20/a%20b%3Fc%23d.html`);
  });
});

describe("postUrl: permalink styles from feeds.permalink", () => {
  it("pretty", () => {
    expect(postUrl(seed, style("pretty"))).toBe(`${SITE}/beijingshangbao/2022/05/20/jiangxi-bank/`);
  });

  it("none", () => {
    expect(postUrl(seed, style("none"))).toBe(`${SITE}/beijingshangbao/jiangxi-bank.html`);
  });

  it("ordinal: the day of the year in the site zone", () => {
    expect(postUrl(seed, style("ordinal"))).toBe(`${SITE}/beijingshangbao/2022/140/jiangxi-bank.html`);
    expect(postUrl({ ...seed, date: parseDate("2022-01-05", "UTC") }, style("ordinal"))).toBe(`${SITE}/beijingshangbao/2022/005/jiangxi-bank.html`);
  });

  it("weekdate: ISO week and short day name", () => {
    expect(postUrl(seed, style("weekdate"))).toBe(`${SITE}/beijingshangbao/2022/W20/Fri/jiangxi-bank.html`);
  });

  it("a custom pattern with unpadded and short placeholders", () => {
    const date = parseDate("2022-06-02 09:05:07 +0800", "UTC");
    const config = style("/:short_year/:i_month/:i_day/:hour:minute:second/:slug/");
    expect(postUrl({ slug: "loans", categories: ["x"], date }, config)).toBe(`${SITE}/22/6/2/090507/loans/`);
  });

  it("the real site's pattern", () => {
    expect(postUrl(seed, style("/:categories/:year/:month/:day/:title.html"))).toBe(`${SITE}/beijingshangbao/2022/05/20/jiangxi-bank.html`);
  });
});

describe("postUrl: baseurl", () => {
  it("prefixes the pattern's path", () => {
    expect(postUrl(seed, siteConfig('baseurl: "/blog"\n'))).toBe(`${SITE}/blog/beijingshangbao/2022/05/20/jiangxi-bank.html`);
  });

  it("prefixes a front-matter permalink", () => {
    expect(postUrl({ ...seed, permalink: "/about/jx/" }, siteConfig('baseurl: "/blog/"\n'))).toBe(`${SITE}/blog/about/jx/`);
  });
});

describe("postUrl: front-matter permalink", () => {
  it("collapses repeated slashes, as Jekyll does, also where a placeholder is empty", () => {
    expect(postUrl({ ...seed, categories: [], permalink: "/:categories//:title/" }, siteConfig())).toBe(`${SITE}/jiangxi-bank/`);
  });

  it("refuses values no URL can hold with an InputError, not URIError or TypeError", () => {
    expect(() => postUrl({ ...seed, slug: "a\uD800" }, siteConfig())).toThrow(InputError);
    expect(() => postUrl({ ...seed, categories: ["\uDC00"] }, siteConfig())).toThrow(/category "\\udc00" cannot be part of a URL/);
    expect(() => postUrl({ ...seed, permalink: "https://exa mple.com/" }, siteConfig())).toThrow(InputError);
    expect(() => postUrl({ ...seed, permalink: "http:" }, siteConfig())).toThrow(/permalink "http:" is not a valid absolute URL/);
  });

  const config = siteConfig();

  it("replaces the pattern with an absolute path", () => {
    expect(postUrl({ ...seed, permalink: "/news/jiangxi-bank/" }, config)).toBe(`${SITE}/news/jiangxi-bank/`);
  });

  it("reads a relative path from the site root", () => {
    expect(postUrl({ ...seed, permalink: "news/jiangxi-bank.html" }, config)).toBe(`${SITE}/news/jiangxi-bank.html`);
  });

  it("percent-encodes Chinese, and does not encode an already-encoded path twice", () => {
    expect(postUrl({ ...seed, permalink: "/新闻/一.html" }, config)).toBe(`${SITE}/%E6%96%B0%E9%97%BB/%E4%B8%80.html`);
    expect(postUrl({ ...seed, permalink: "/%E6%96%B0%E9%97%BB/%E4%B8%80.html" }, config)).toBe(`${SITE}/%E6%96%B0%E9%97%BB/%E4%B8%80.html`);
  });

  it("uses a full URL as is", () => {
    expect(postUrl({ ...seed, permalink: "https://other.example.com/x/y.html" }, siteConfig('baseurl: "/blog"\n'))).toBe(
      "https://other.example.com/x/y.html",
    );
  });

  it("is what parsePost uses, with baseurl", () => {
    const post = parsePost("2022-05-20-jiangxi-bank.md", postText("title: x\npermalink: news/jx.html"), siteConfig('baseurl: "/blog"\n'));
    expect(post.url).toBe(`${SITE}/blog/news/jx.html`);
  });
});

describe("parsePost: URLs from the file name", () => {
  it("uses the file name without its date prefix and ending as the title, with the day in the site zone", () => {
    const post = parsePost("2022-05-20-jiangxi-bank.md", postText("title: x\ndate: 2022-05-20 00:01:40 +0800\ncategories: beijingshangbao"), siteConfig());
    expect(post.url).toBe(`${SITE}/beijingshangbao/2022/05/20/jiangxi-bank.html`);
  });

  it("percent-encodes a Chinese file name and category", () => {
    const post = parsePost("2022-05-25-银行理财.md", postText("title: x\ndate: 2022-05-25 14:20:00 +0800\ncategories: 北京商报"), siteConfig());
    expect(post.url).toBe(`${SITE}/${encodeURIComponent("北京商报")}/2022/05/25/${encodeURIComponent("银行理财")}.html`);
  });

  it("builds a foldered post's URL from its file name alone", () => {
    const post = parsePost("news/2022-05-20-a.html", postText("title: x"), style("pretty"));
    expect(post.url).toBe(`${SITE}/2022/05/20/a/`);
  });
});
