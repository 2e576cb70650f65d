import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { PostError } from "../../lib/errors.js";
import { isPostKey, parsePost } from "../../lib/posts/parse-post.js";
import { postText, readFixture, siteConfig } from "./site.js";

const config = siteConfig();
const KEY = "2022-05-20-jiangxi-bank.md";

const pwned = () => (globalThis as Record<string, unknown>).__pwned;

afterEach(() => {
  delete (globalThis as Record<string, unknown>).__pwned;
});

/** Parses and returns the PostError thrown, failing the test if none is. */
function postError(key: string, text: string): PostError {
  try {
    parsePost(key, text, config);
  } catch (error) {
    expect(error).toBeInstanceOf(PostError);
    const e = error as PostError;
    expect(e.name).toBe("PostError");
    expect(e.key).toBe(key);
    expect(e.message.startsWith(`${key}: `)).toBe(true);
    return e;
  }
  throw new Error(`expected ${key} to be refused`);
}

describe("parsePost: the seed post", () => {
  const realConfig = parseConfig(readFileSync(new URL("../../content/_config.yml", import.meta.url), "utf8"));
  const post = parsePost(KEY, readFixture(KEY), realConfig);

  it("reads title, date, categories and tags", () => {
    expect(post.title).toBe("江西银行全力写好“强攻二季度、确保双过半”文章");
    expect(post.date.toISOString()).toBe("2022-05-19T16:01:40.000Z");
    expect(post.categories).toEqual(["beijingshangbao"]);
    expect(post.tags).toEqual(["北京商报新闻"]);
  });

  it("is a live HTML-in-markdown post with its URL on the site's day", () => {
    expect(post.key).toBe(KEY);
    expect(post.draft).toBe(false);
    expect(post.format).toBe("markdown");
    expect(post.url).toBe("https://finews.withounder.com/beijingshangbao/2022/05/20/jiangxi-bank.html");
    expect(post.updated).toBeUndefined();
    expect(post.author).toBeUndefined();
  });

  it("keeps the body without the front matter", () => {
    expect(post.body.startsWith("<p>“以昂扬斗志全力强攻二季度")).toBe(true);
    expect(post.body).not.toContain("layout: post");
    expect(post.body).toContain("[返回首页](//finews.withounder.com/)");
  });

  it("reads every sample post under content/", () => {
    const dir = new URL("../../content/", import.meta.url);
    const keys = readdirSync(dir).filter(isPostKey);
    expect(keys.length).toBeGreaterThanOrEqual(13);
    for (const key of keys) {
      const p = parsePost(key, readFileSync(new URL(key, dir), "utf8"), realConfig);
      expect(p.title).not.toBe("");
      expect(p.date.getTime()).toBeGreaterThanOrEqual(Date.parse("2022-05-19T16:00:00Z"));
      expect(p.url.startsWith("https://finews.withounder.com/")).toBe(true);
      expect(p.draft).toBe(false);
    }
  });
});

describe("parsePost: title", () => {
  it("is required, and the error names the file and says the title is missing", () => {
    const e = postError("2022-05-20-untitled.md", postText("date: 2022-05-20"));
    expect(e.message).toMatch(/title is missing/);
    expect(e.message).toContain("2022-05-20-untitled.md");
  });

  it("is missing when blank", () => {
    expect(postError(KEY, postText('title: "   "')).message).toMatch(/title is missing/);
    expect(postError(KEY, postText("title:")).message).toMatch(/title is missing/);
  });

  it("must be text", () => {
    expect(postError(KEY, postText("title: [a, b]")).message).toMatch(/title must be text/);
  });

  it("is trimmed, and a number is read as text", () => {
    expect(parsePost(KEY, postText('title: "  江西银行  "'), config).title).toBe("江西银行");
    expect(parsePost(KEY, postText("title: 2022"), config).title).toBe("2022");
  });

  it("loses the XML-forbidden characters U+0008 and U+001D", () => {
    expect(parsePost(KEY, postText("title: 江西\u0008银行\u001D文章"), config).title).toBe("江西银行文章");
  });
});

describe("parsePost: categories and tags", () => {
  const read = (fm: string) => parsePost(KEY, postText(`title: x\n${fm}`), config);

  it("reads categories as a list or a space-separated string", () => {
    expect(read("categories: [财经, 银行]").categories).toEqual(["财经", "银行"]);
    expect(read("categories:\n  - 财经\n  - 银行").categories).toEqual(["财经", "银行"]);
    expect(read("categories: 财经 银行").categories).toEqual(["财经", "银行"]);
  });

  it("reads the singular category", () => {
    expect(read("category: beijingshangbao").categories).toEqual(["beijingshangbao"]);
  });

  it("reads tags as a list or a space-separated string, and the singular tag", () => {
    expect(read("tags: [北京商报新闻, 银行]").tags).toEqual(["北京商报新闻", "银行"]);
    expect(read("tags: 北京商报新闻 银行").tags).toEqual(["北京商报新闻", "银行"]);
    expect(read("tag: 理财").tags).toEqual(["理财"]);
  });

  it("gives empty lists when there are none", () => {
    const post = read("");
    expect(post.categories).toEqual([]);
    expect(post.tags).toEqual([]);
  });

  it("keeps Chinese names as written", () => {
    const post = read("categories: 北京商报\ntags: [银行理财, 现金管理]");
    expect(post.categories).toEqual(["北京商报"]);
    expect(post.tags).toEqual(["银行理财", "现金管理"]);
  });

  it("drops repeated names", () => {
    expect(read("categories: a b a\ncategory: b").categories).toEqual(["a", "b"]);
  });

  it.each([
    ["a parent-folder category", 'categories: [".."]', /relative path segment/],
    ["a category with a slash", 'categories: ["a/b"]', /path separator/],
    ["a category with a backslash", 'category: "a\\\\b"', /path separator/],
    ["a category with a control character", 'categories: ["a\\x01b"]', /control character \(U\+0001\)/],
    ["a tag with a tab", 'tags: ["a\\tb"]', /control character \(U\+0009\)/],
    ["a tag with DEL", 'tags: ["a\\x7Fb"]', /control character \(U\+007F\)/],
    ["a parent-folder tag", "tags: [ok, ..]", /relative path segment/],
    ["a category mapping", "categories: { a: 1 }", /categories must be a list/],
  ])("refuses %s, naming the file", (_, fm, reason) => {
    expect(postError("news/2022-05-20-bad.md", postText(`title: x\n${fm}`)).message).toMatch(reason);
  });

  it('refuses a category named "tags", in either field', () => {
    expect(postError(KEY, postText("title: x\ncategories: [财经, tags]")).message).toMatch(/"tags" cannot be a category name/);
    expect(postError(KEY, postText("title: x\ncategory: tags")).message).toMatch(/"tags" cannot be a category name/);
  });
});

describe("parsePost: dates", () => {
  it("reads the front-matter date in the site zone", () => {
    const post = parsePost("post.md", postText("title: x\ndate: 2022-05-20 00:01:40"), config);
    expect(post.date.toISOString()).toBe("2022-05-19T16:01:40.000Z");
  });

  it("takes a missing date from the file name's YYYY-MM-DD- prefix, at midnight in the site zone", () => {
    expect(parsePost(KEY, postText("title: x"), config).date.toISOString()).toBe("2022-05-19T16:00:00.000Z");
    expect(parsePost("news/2022-06-01-rate-cut.html", postText("title: x"), config).date.toISOString()).toBe(
      "2022-05-31T16:00:00.000Z",
    );
  });

  it("prefers the front-matter date to the file name", () => {
    const post = parsePost(KEY, postText("title: x\ndate: 2022-05-21 08:00:00 +0800"), config);
    expect(post.date.toISOString()).toBe("2022-05-21T00:00:00.000Z");
  });

  it("refuses a post with neither a date nor a dated file name", () => {
    expect(postError("jiangxi-bank.md", postText("title: x")).message).toMatch(/date is missing/);
    expect(postError("2022-13-45-bad-prefix.md", postText("title: x")).message).toMatch(/date is missing/);
  });

  it("refuses an invalid date, naming the field and the value", () => {
    const e = postError(KEY, postText("title: x\ndate: 2022-02-30"));
    expect(e.message).toMatch(/^2022-05-20-jiangxi-bank\.md: date: /);
    expect(e.message).toContain('"2022-02-30"');
    expect(postError(KEY, postText("title: x\ndate: yesterday")).message).toContain('"yesterday"');
  });

  it("reads updated and last_modified_at", () => {
    const a = parsePost(KEY, postText("title: x\ndate: 2022-05-20 00:01:40 +0800\nupdated: 2022-05-21 09:00"), config);
    expect(a.updated?.toISOString()).toBe("2022-05-21T01:00:00.000Z");
    const b = parsePost(KEY, postText("title: x\nlast_modified_at: 2022-05-22T10:00:00+08:00"), config);
    expect(b.updated?.toISOString()).toBe("2022-05-22T02:00:00.000Z");
  });

  it("prefers last_modified_at to updated", () => {
    const post = parsePost(KEY, postText("title: x\nupdated: 2022-05-21\nlast_modified_at: 2022-05-22"), config);
    expect(post.updated?.toISOString()).toBe("2022-05-21T16:00:00.000Z");
  });

  it("ignores an update time that is not after the date", () => {
    const post = parsePost(KEY, postText("title: x\ndate: 2022-05-20 12:00\nupdated: 2022-05-20 12:00"), config);
    expect(post.updated).toBeUndefined();
  });

  it("refuses an invalid update time, naming the field", () => {
    expect(postError(KEY, postText("title: x\nupdated: soon")).message).toMatch(/updated: "soon"/);
  });
});

describe("parsePost: drafts", () => {
  it("marks published: false as a draft", () => {
    expect(parsePost(KEY, postText("title: x\npublished: false"), config).draft).toBe(true);
  });

  it("does not mark published: true or a missing published as a draft", () => {
    expect(parsePost(KEY, postText("title: x\npublished: true"), config).draft).toBe(false);
    expect(parsePost(KEY, postText("title: x"), config).draft).toBe(false);
  });

  it("refuses a published value that is not true or false", () => {
    expect(postError(KEY, postText('title: x\npublished: "no"')).message).toMatch(/published must be true or false/);
  });
});

describe("parsePost: author, description, permalink and id", () => {
  it("reads an author name", () => {
    expect(parsePost(KEY, postText("title: x\nauthor: 张静"), config).author).toEqual({ name: "张静" });
  });

  it("reads an author mapping with email and url", () => {
    const post = parsePost(KEY, postText("title: x\nauthor:\n  name: 张静\n  email: zj@example.com\n  url: https://example.com/zj"), config);
    expect(post.author).toEqual({ name: "张静", email: "zj@example.com", url: "https://example.com/zj" });
    const uri = parsePost(KEY, postText("title: x\nauthor: { name: 张静, uri: https://example.com/zj }"), config);
    expect(uri.author).toEqual({ name: "张静", url: "https://example.com/zj" });
  });

  it("refuses an author mapping without a name", () => {
    expect(postError(KEY, postText("title: x\nauthor:\n  email: zj@example.com")).message).toMatch(/author\.name is missing/);
  });

  it("reads description, else excerpt", () => {
    expect(parsePost(KEY, postText("title: x\ndescription: 摘要"), config).description).toBe("摘要");
    expect(parsePost(KEY, postText("title: x\nexcerpt: 节选"), config).description).toBe("节选");
    expect(parsePost(KEY, postText("title: x\ndescription: 摘要\nexcerpt: 节选"), config).description).toBe("摘要");
    expect(parsePost(KEY, postText("title: x"), config).description).toBeUndefined();
  });

  it("uses a front-matter permalink for the URL", () => {
    expect(parsePost(KEY, postText("title: x\npermalink: /news/jiangxi/"), config).url).toBe("https://finews.example.com/news/jiangxi/");
  });

  it("uses a front-matter slug in the URL", () => {
    expect(parsePost(KEY, postText("title: x\nslug: jx-bank"), config).url).toBe("https://finews.example.com/2022/05/20/jx-bank.html");
  });

  it("uses an id or guid that is an absolute URI as is", () => {
    expect(parsePost(KEY, postText("title: x\nid: tag:finews.example.com,2022:jiangxi"), config).id).toBe("tag:finews.example.com,2022:jiangxi");
    expect(parsePost(KEY, postText('title: x\nguid: "https://old.example.com/?p=123"'), config).id).toBe("https://old.example.com/?p=123");
  });

  it("turns an id that is not a URI into a stable urn:uuid of its own", () => {
    const plain = parsePost(KEY, postText("title: x"), config).id;
    const a = parsePost(KEY, postText("title: x\nid: post-123"), config).id;
    const b = parsePost("2022-05-21-other.md", postText("title: y\nid: post-123"), config).id;
    expect(a).toMatch(/^urn:uuid:/);
    expect(a).not.toBe(plain);
    expect(b).toBe(a);
  });
});

describe("parsePost: files that are not posts", () => {
  it("reads .md, .markdown and .html", () => {
    expect(parsePost("2022-05-20-a.markdown", postText("title: x"), config).format).toBe("markdown");
    expect(parsePost("2022-05-20-a.html", postText("title: x"), config).format).toBe("html");
    expect(parsePost("2022-05-20-a.MD", postText("title: x"), config).format).toBe("markdown");
  });

  it("refuses other file endings", () => {
    expect(postError("2022-05-20-a.txt", postText("title: x")).message).toMatch(/not a post/);
    expect(postError("2022-05-20-a", postText("title: x")).message).toMatch(/not a post/);
  });

  it("says clearly when there is no front matter", () => {
    expect(postError(KEY, "<p>正文</p>\n").message).toMatch(/no front matter/);
  });

  it("says clearly when the front matter is not closed", () => {
    expect(postError(KEY, "---\ntitle: x\n<p>正文</p>\n").message).toMatch(/not closed/);
  });

  it("refuses invalid YAML, naming the file", () => {
    const e = postError(KEY, postText('title: "unclosed\ndate: 2022-05-20'));
    expect(e.cause).toBeInstanceOf(Error);
    expect(postError(KEY, postText("title: x\n  bad: indent\n- item")).message).toContain(KEY);
  });

  it("refuses front matter that is a list, naming the file", () => {
    expect(postError(KEY, postText("- a\n- b")).message).toMatch(/mapping/);
  });
});

describe("parsePost: front matter is data, never code", () => {
  it.each(["js", "javascript"])("refuses ---%s front matter without running it", (language) => {
    const e = postError(KEY, `---${language}\n{ title: (globalThis.__pwned = 1, "x") }\n---\nbody\n`);
    expect(e.message).toMatch(/not accepted/);
    expect(pwned()).toBeUndefined();
  });

  it("refuses !!js/function tags in a YAML block without running them", () => {
    const text = '---\ntitle: x\nrun: !!js/function "function () { globalThis.__pwned = 1; return 1 }"\n---\nbody\n';
    const e = postError(KEY, text);
    expect(e.message).toMatch(/js\/function/);
    expect(pwned()).toBeUndefined();
  });
});

describe("isPostKey", () => {
  it("accepts post files, in folders too", () => {
    expect(isPostKey(KEY)).toBe(true);
    expect(isPostKey("2022-05-25-银行理财.md")).toBe(true);
    expect(isPostKey("news/2022-05-20-a.html")).toBe(true);
  });

  it("refuses the config, hidden files, underscore folders and other endings", () => {
    expect(isPostKey("_config.yml")).toBe(false);
    expect(isPostKey(".2022-05-20-a.md")).toBe(false);
    expect(isPostKey("_drafts/2022-05-20-a.md")).toBe(false);
    expect(isPostKey(".git/2022-05-20-a.md")).toBe(false);
    expect(isPostKey("2022-05-20-a.txt")).toBe(false);
    expect(isPostKey("images/logo.png")).toBe(false);
  });
});
