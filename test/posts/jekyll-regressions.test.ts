// Cases where an earlier version differed from Jekyll or let bad input through; kept as regressions.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { DateFormatError } from "../../lib/errors.js";
import { parseDate } from "../../lib/posts/dates.js";
import { parsePost } from "../../lib/posts/parse-post.js";
import { postText, siteConfig } from "./site.js";

const config = siteConfig();
const KEY = "2022-05-20-jiangxi-bank.md";
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

describe("forbidden characters written as YAML escapes", () => {
  // A YAML escape ("\b", "\x1D") produces the character after stripping, and the RSS and Atom
  // renderers put it into the feed as is: the feed is no longer well-formed XML.
  it("removes U+0008 and U+001D written as YAML escapes in the title", () => {
    const post = parsePost(KEY, postText('title: "江西\\b银行\\x1D文章"'), config);
    expect(post.title).toBe("江西银行文章");
  });

  it("removes them from the description and author too", () => {
    const post = parsePost(KEY, postText('title: x\ndescription: "摘\\x01要"\nauthor: "张\\x1D静"'), config);
    expect(post.description).not.toMatch(XML_FORBIDDEN);
    expect(post.author?.name).not.toMatch(XML_FORBIDDEN);
  });
});

describe("a tag named \"tags\"", () => {
  // Tag feeds live in feeds/tags/<tag>/, so only a category called "tags" collides;
  // the message itself says "cannot be a category name".
  it("accepts the tag", () => {
    expect(parsePost(KEY, postText("title: x\ntags: [tags, 银行]"), config).tags).toEqual(["tags", "银行"]);
  });

  it("accepts a display title for it in _config.yml", () => {
    expect(parseConfig("title: x\nurl: https://a.example.com\nfeeds:\n  tags:\n    tags: 标签\n").feeds.tags).toEqual({ tags: "标签" });
  });
});

describe("post URLs as Jekyll publishes them", () => {
  it("lower-cases categories in :categories, as Jekyll's UrlDrop#categories does", () => {
    const post = parsePost(KEY, postText("title: x\ncategories: [Finance, Banks]"), config);
    expect(post.url).toBe("https://finews.example.com/finance/banks/2022/05/20/jiangxi-bank.html");
  });

  it("expands placeholders in a front-matter permalink, as Jekyll does", () => {
    const post = parsePost(KEY, postText("title: x\ncategories: beijingshangbao\npermalink: /news/:year/:month/:title/"), config);
    expect(post.url).toBe("https://finews.example.com/news/2022/05/jiangxi-bank/");
  });
});

describe("blank required settings", () => {
  // The emptiness check runs before trim(), so "  " passes as present and then becomes "".
  it('refuses title: "  "', () => {
    expect(() => parseConfig('title: "  "\nurl: https://a.example.com\n')).toThrow(/title is required/);
  });

  it('refuses url: "  " (post URLs would become relative paths)', () => {
    expect(() => parseConfig('title: x\nurl: "  "\n')).toThrow(/url is required/);
  });
});

describe("dates at the edges", () => {
  it("refuses offset minutes above 59", () => {
    // Read today as +09:39.
    expect(() => parseDate("2022-05-20 00:01:40 +08:99", "UTC")).toThrow(DateFormatError);
  });

  it("keeps years below 100 when the date has an offset", () => {
    // Date.UTC maps years 0-99 to 1900-1999; the no-offset path keeps 0099.
    expect(parseDate("0099-05-20 10:00 +0000", "UTC").getUTCFullYear()).toBe(99);
  });
});
