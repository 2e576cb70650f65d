import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { SiteConfig } from "../../lib/config.js";
import { InputError, LimitError, PostError } from "../../lib/errors.js";
import { parsePost } from "../../lib/posts/parse-post.js";
import { readPost } from "../../lib/posts/read-post.js";
import { postText, readFixture, siteConfig } from "./site.js";

const config = siteConfig();
const KEY = "2022-05-20-jiangxi-bank.md";
const encode = (text: string) => new TextEncoder().encode(text);

/** The PostError readPost throws for `text`, after checking the other part rejects it alike. */
function rejection(text: string | Uint8Array, options: { key?: string; config?: SiteConfig } = {}): PostError {
  const key = options.key ?? KEY;
  const bytes = typeof text === "string" ? encode(text) : text;
  const errors = (["whole", "head"] as const).map((part) => {
    try {
      readPost(key, bytes, options.config ?? config, part);
    } catch (error) {
      return error;
    }
    throw new Error(`expected ${key} to be refused (${part})`);
  });
  for (const error of errors) {
    expect(error).toBeInstanceOf(PostError);
    expect((error as PostError).key).toBe(key);
    expect((error as PostError).message).toBe(`${key}: ${(error as PostError).reason}`);
  }
  expect((errors[1] as PostError).reason).toBe((errors[0] as PostError).reason);
  return errors[0] as PostError;
}

/** The limit key a rejection was for. */
const limitOf = (error: PostError) => (error.cause instanceof LimitError ? error.cause.limit : undefined);

describe("readPost", () => {
  it("reads the seed post as parsePost reads its text", () => {
    const text = readFixture(KEY);
    expect(readPost(KEY, encode(text), config)).toEqual(parsePost(KEY, text, config));
  });

  it('with "head" gives the same Post but for the body, which is ""', () => {
    const text = readFixture(KEY);
    const whole = readPost(KEY, encode(text), config);
    expect(whole.body.length).toBeGreaterThan(1000);
    expect(readPost(KEY, encode(text), config, "head")).toEqual({ ...whole, body: "" });
  });

  it.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
    ["CR", "\r"],
  ])('with "head" decodes only the front matter (%s)', (_, eol) => {
    const text = `\uFEFF---${eol}title: 江西银行${eol}---${eol}${"<p>正文</p>".repeat(1000)}`;
    const decode = vi.spyOn(TextDecoder.prototype, "decode");
    try {
      expect(readPost(KEY, encode(text), config, "head").title).toBe("江西银行");
      expect(decode).toHaveBeenCalledTimes(1);
      expect((decode.mock.calls[0]![0] as Uint8Array).length).toBe(encode(text.slice(0, text.indexOf("---", 4) + 3)).length);
    } finally {
      decode.mockRestore();
    }
  });
});

describe("readPost from a post's start", () => {
  it('with "head", reads the same Post from the start that holds the front matter as from the whole', () => {
    const whole = encode(readFixture(KEY));
    const start = whole.subarray(0, 4096);
    expect(readPost(KEY, start, config, "head", whole.length)).toEqual({ ...readPost(KEY, whole, config), body: "" });
  });

  it("holds the whole post's size, not the start's, to feeds.limits.post_bytes", () => {
    const whole = encode(postText("title: x", "a".repeat(200_000)));
    expect(() => readPost(KEY, whole.subarray(0, 4096), config, "head", whole.length)).toThrow("post is 200,017 bytes; feeds.limits.post_bytes allows 131,072");
  });
});

describe("readPost: line endings and BOM, as Jekyll accepts them", () => {
  const lf = postText('title: "江西银行"\ndate: 2022-05-20 00:01:40 +0800\ncategories: [beijingshangbao]\ntags: 北京商报新闻', "<p>一</p>\n\n<p>二</p>\n");
  const variants: [string, string][] = [
    ["CRLF", lf.replace(/\n/g, "\r\n")],
    ["lone CR", lf.replace(/\n/g, "\r")],
    ["a BOM", `\uFEFF${lf}`],
    ["a BOM and CRLF", `\uFEFF${lf.replace(/\n/g, "\r\n")}`],
    ["mixed endings", lf.replace("\n", "\r\n").replace("\n", "\r")],
  ];

  it.each(variants)("%s gives the same Post as LF, whole and head", (_, text) => {
    const expected = readPost(KEY, encode(lf), config);
    expect(expected.body).toBe("<p>一</p>\n\n<p>二</p>\n");
    expect(readPost(KEY, encode(text), config)).toEqual(expected);
    expect(readPost(KEY, encode(text), config, "head")).toEqual({ ...expected, body: "" });
    expect(parsePost(KEY, text, config)).toEqual(expected);
  });

  it("drops one BOM only", () => {
    expect(rejection(`\uFEFF\uFEFF${lf}`).reason).toMatch(/no front matter/);
  });
});

describe("readPost: whole and head agree", () => {
  // Posts built from the pieces that matter to finding the fence, in any order.
  const pieces = ["---", "--", "-", "\n", "\r", "\r\n", " ", "\t", "title: x", "date: 2022-05-20", "é", "\uFEFF", "---yaml", "a---"];
  const text = fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((p) => p.join(""));

  it("give the same Post but for the body, or the same rejection, for any text", () => {
    fc.assert(
      fc.property(fc.oneof(text, text.map((t) => `---\ntitle: t\n${t}`)), (t) => {
        const outcome = (part: "whole" | "head") => {
          try {
            return { post: { ...readPost(KEY, encode(t), config, part), body: "" } };
          } catch (error) {
            if (!(error instanceof PostError)) throw error;
            return { reason: error.reason };
          }
        };
        expect(outcome("head")).toEqual(outcome("whole"));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("readPost: hostile posts are rejections naming the file and the reason", () => {
  const post = (frontMatter: string, body?: string) => postText(`title: x\n${frontMatter}`, body);

  it("a lone surrogate in a category or tag (not URIError)", () => {
    expect(rejection(post('categories: ["a\\ud800"]')).reason).toBe(
      'categories: "a\\ud800" cannot be a category name: it contains a lone surrogate (U+D800), which is not a character',
    );
    expect(rejection(post('tags: "\\udc00x"')).reason).toMatch(/^tags: .*lone surrogate \(U\+DC00\)/);
  });

  it("a lone surrogate in the file name, which would become the slug", () => {
    expect(rejection(post(""), { key: "2022-05-20-a\ud800.md" }).reason).toMatch(/^slug .* cannot be part of a URL: it contains a lone surrogate$/);
  });

  it("U+FFFE, U+FFFF and other noncharacters in a name", () => {
    expect(rejection(post('tags: ["a\\uFFFE"]')).reason).toMatch(/noncharacter \(U\+FFFE\)/);
    expect(rejection(post('categories: ["\\uFFFF"]')).reason).toMatch(/noncharacter \(U\+FFFF\)/);
    expect(rejection(post('tags: ["\\uFDD0"]')).reason).toMatch(/noncharacter \(U\+FDD0\)/);
    expect(rejection(post('tags: ["\\U0010FFFE"]')).reason).toMatch(/noncharacter \(U\+10FFFE\)/);
  });

  it("a category of 300 bytes and a tag of 1,100 bytes", () => {
    const category = rejection(post(`categories: ${"c".repeat(300)}`));
    expect(limitOf(category)).toBe("feeds.limits.name_bytes");
    expect(category.reason).toMatch(/^categories: category name "c{60}"… is 300 bytes; feeds\.limits\.name_bytes allows 200$/);
    const tag = rejection(post(`tags: [${"银".repeat(366)}xy]`)); // 1,098 + 2 bytes
    expect(limitOf(tag)).toBe("feeds.limits.name_bytes");
    expect(tag.reason).toMatch(/^tags: tag name "银{60}"… is 1,100 bytes; feeds\.limits\.name_bytes allows 200$/);
  });

  it.each(["rss.xml", "atom.xml", "feed.json", "index.opml", "index.html", "INDEX.OPML", "Rss.Xml"])("a category or tag named like an output file: %s", (name) => {
    expect(rejection(post(`categories: ${name}`)).reason).toMatch(/cannot be a category name: .* one of the output's own files/);
    expect(rejection(post(`tags: ${name}`)).reason).toMatch(/cannot be a tag name: .* one of the output's own files/);
  });

  it("a category named like an output folder, in any case", () => {
    expect(rejection(post("categories: Tags")).reason).toMatch(/"Tags" cannot be a category name: feeds\/tags\//);
    expect(rejection(post("category: AUTHORS")).reason).toMatch(/"AUTHORS" cannot be a category name: feeds\/authors\//);
  });

  it("a YAML alias bomb in tags, in well under a second, by the node budget", () => {
    const bomb = [
      "a: &a [x,x,x,x,x,x,x,x,x]",
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
      "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
      "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]",
      "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]",
      "tags: *i",
    ].join("\n");
    const started = performance.now();
    const error = rejection(post(bomb));
    expect(performance.now() - started).toBeLessThan(250);
    expect(limitOf(error)).toBe("feeds.limits.yaml_nodes");
    expect(error.reason).toBe("front matter has more than 10,000 values (an alias counts each time it is used); feeds.limits.yaml_nodes allows 10,000");
  });

  it("a 20 MB body, checked before it is decoded", () => {
    const bytes = new Uint8Array(20 * 1024 * 1024).fill(0x61);
    bytes.set(encode(post("")));
    const started = performance.now();
    const error = rejection(bytes);
    expect(performance.now() - started).toBeLessThan(100);
    expect(limitOf(error)).toBe("feeds.limits.post_bytes");
    expect(error.reason).toBe("post is 20,971,520 bytes; feeds.limits.post_bytes allows 131,072");
    expect(() => parsePost(KEY, "a".repeat(131_073), config)).toThrow("post is 131,073 bytes; feeds.limits.post_bytes allows 131,072");
  });

  it("front matter over 64 KiB", () => {
    const error = rejection(post(`description: ${"d".repeat(70_000)}`));
    expect(limitOf(error)).toBe("feeds.limits.front_matter_bytes");
    expect(error.reason).toBe("front matter is 70,023 bytes; feeds.limits.front_matter_bytes allows 65,536");
  });

  it("more than 50 categories and tags together", () => {
    const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(" ");
    expect(readPost(KEY, encode(post(`categories: ${names("c", 25)}\ntags: ${names("t", 25)}`)), config).tags).toHaveLength(25);
    const error = rejection(post(`categories: ${names("c", 25)}\ntags: ${names("t", 26)}`));
    expect(limitOf(error)).toBe("feeds.limits.names_per_post");
    expect(error.reason).toBe("post has 51 categories and tags; feeds.limits.names_per_post allows 50");
  });

  it("counts names that are one feed once", () => {
    const post_ = readPost(KEY, encode(post(`tags: [${Array.from({ length: 60 }, (_, i) => (i % 2 ? "IPO" : "ipo")).join(", ")}]`)), config);
    expect(post_.tags).toEqual(["ipo"]);
  });

  it("10,000 tags, by the node budget", () => {
    const error = rejection(post(`tags: [${Array.from({ length: 10_000 }, (_, i) => `t${i}`).join(",")}]`));
    expect(limitOf(error)).toBe("feeds.limits.yaml_nodes");
  });

  it("deep nesting, by the depth limit, also past the YAML parser's stack", () => {
    expect(limitOf(rejection(post(`x: ${"[".repeat(25)}${"]".repeat(25)}`)))).toBe("feeds.limits.yaml_depth");
    expect(limitOf(rejection(post(`x: ${"[".repeat(30_000)}${"]".repeat(30_000)}`)))).toBe("feeds.limits.yaml_depth");
    expect(limitOf(rejection(post(`x:\n${"- ".repeat(30_000)}y`)))).toBe("feeds.limits.yaml_depth");
  });

  it("a self-referential anchor", () => {
    expect(rejection(post("tags: &t [a, *t]")).cause).toBeInstanceOf(LimitError);
  });

  it("a permalink or author.url that is not a URL (not TypeError: Invalid URL)", () => {
    expect(rejection(post('permalink: "https://exa mple.com/x"')).reason).toBe('permalink "https://exa mple.com/x" is not a valid absolute URL');
    expect(rejection(post("author:\n  name: 张三\n  url: example.com/zhang")).reason).toMatch(/^author\.url "example\.com\/zhang" is not an absolute http\(s\) URL$/);
    expect(rejection(post('id: "http://"')).reason).toMatch(/^id "http:\/\/" looks like a URI/);
  });

  it("quotes at most ~60 characters of any value", () => {
    const long = "長".repeat(20_000);
    for (const fm of [`date: ${long}`, `categories: ["${long}?"]`, `published: ${long}`, `tags: [{ a: "${long}" }]`, `title: [${long}]`]) {
      expect(rejection(post(fm)).reason.length).toBeLessThan(200);
    }
  });
});

describe("readPost: limits follow feeds.limits", () => {
  const limited = (yaml: string) => siteConfig(`feeds:\n  limits:\n${yaml}`);
  const text = postText("title: 江西银行\ncategories: [a, b]\ntags: [c]\nauthor: { name: x }");

  it.each([
    ["post_bytes", `    post_bytes: ${encode(text).length}\n`, `    post_bytes: ${encode(text).length + 1}\n`],
    ["front_matter_bytes", "    front_matter_bytes: 69\n", "    front_matter_bytes: 70\n"],
    ["names_per_post", "    names_per_post: 2\n", "    names_per_post: 3\n"],
    ["name_bytes", "    name_bytes: 1\n", "    name_bytes: 2\n"],
    ["yaml_nodes", "    yaml_nodes: 7\n", "    yaml_nodes: 8\n"],
    ["yaml_depth", "    yaml_depth: 1\n", "    yaml_depth: 2\n"],
  ])("%s: refuses above the override, accepts at it", (key, tight, enough) => {
    // Names are one byte but for "ab"; the front matter is 70 bytes and has 8 values
    // (4 keys, 2 + 1 names, 1 author name), 2 levels deep.
    const subject = text.replace("[a, b]", "[ab, b]");
    expect(limitOf(rejection(subject, { config: limited(tight) }))).toBe(`feeds.limits.${key}`);
    expect(readPost(KEY, encode(subject), limited(enough)).title).toBe("江西银行");
  });
});

describe("readPost: a bug is not a rejection", () => {
  const bytes = encode(postText("title: x\ndate: 2022-05-20 10:00"));

  it("lets a TypeError from a broken config through as it is", () => {
    const broken = { ...config, feeds: { ...config.feeds, limits: undefined } } as unknown as SiteConfig;
    for (const part of ["whole", "head"] as const) {
      expect(() => readPost(KEY, bytes, broken, part)).toThrow(TypeError);
      expect(() => readPost(KEY, bytes, broken, part)).not.toThrow(PostError);
    }
    expect(() => parsePost(KEY, "---\ntitle: x\n---\n", broken)).toThrow(TypeError);
  });

  it("lets an error thrown by a dependency through as it is", () => {
    const bug = new TypeError("zone lookup broke");
    const throwing = Object.defineProperty({ ...config }, "timezone", {
      get() {
        throw bug;
      },
    }) as SiteConfig;
    let caught: unknown;
    try {
      readPost(KEY, bytes, throwing);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(bug);
  });

  it("turns only InputError into PostError, keeping it as the cause", () => {
    const error = rejection(postText("title: x\ndate: someday"));
    expect(error.cause).toBeInstanceOf(InputError);
    expect(error.reason).toBe('date: "someday" is not a date; use a form like "2022-05-20 00:01:40 +0800" or "2022-05-20"');
  });
});
