import { describe, expect, it } from "vitest";
import { siteUrl } from "../../lib/urls.js";
import { parseImage } from "../../lib/posts/image.js";
import { parsePost } from "../../lib/posts/parse-post.js";
import { postText, siteConfig } from "./site.js";

const SITE = { url: "https://finews.example.com", baseurl: "/news" };
const KEY = "2022-05-20-rate-cut.md";

describe("image: in front matter", () => {
  it.each([
    ["an absolute URL, serialised", "https://cdn.example.com/a.jpg?w=1&h=2", "https://cdn.example.com/a.jpg?w=1&h=2"],
    ["http kept as written", "http://cdn.example.com/a.jpg", "http://cdn.example.com/a.jpg"],
    ["a path under url + baseurl", "images/a.png", "https://finews.example.com/news/images/a.png"],
    ["a root-relative path, still under baseurl (Jekyll's absolute_url)", "/images/a.png", "https://finews.example.com/news/images/a.png"],
    ["a protocol-relative URL, made https", "//cdn.example.com/a.webp", "https://cdn.example.com/a.webp"],
    ["white space around it dropped", "  /a.gif \n", "https://finews.example.com/news/a.gif"],
    ["spaces and CJK percent-encoded", "/图片/a b.jpg", "https://finews.example.com/news/%E5%9B%BE%E7%89%87/a%20b.jpg"],
    ["an IDN host in punycode", "https://例子.测试/a.jpg", "https://xn--fsqu00a.xn--0zwm56d/a.jpg"],
    ["XML-forbidden characters removed, as in every field", "/a\u0008b\u001D.jpg", "https://finews.example.com/news/ab.jpg"],
  ])("a string: %s", (_, value, url) => {
    expect(parseImage(value, SITE)).toEqual({ url });
  });

  it("a mapping with url and alt, the alt on one line without XML-forbidden characters", () => {
    expect(parseImage({ url: "/a.png", alt: "  图表：\n  “A&B” <2022>\u0008 " }, SITE)).toEqual({
      url: "https://finews.example.com/news/a.png",
      alt: "图表： “A&B” <2022>",
    });
  });

  it("a mapping with path, as jekyll-seo-tag writes it; url wins over path", () => {
    expect(parseImage({ path: "/a.png", alt: 2022 }, SITE)).toEqual({ url: "https://finews.example.com/news/a.png", alt: "2022" });
    expect(parseImage({ url: "/u.png", path: "/p.png" }, SITE)).toEqual({ url: "https://finews.example.com/news/u.png" });
  });

  it("an alt that is not text, or empty, is left out and the image kept", () => {
    for (const alt of [["x"], { a: 1 }, null, true, "", "  \n "]) {
      expect(parseImage({ url: "/a.png", alt }, SITE), JSON.stringify(alt)).toEqual({ url: "https://finews.example.com/news/a.png" });
    }
  });

  it.each([
    ["javascript:", "javascript:alert(1)"],
    ["javascript: in mixed case with blanks", "  JaVaScRiPt:alert(1)"],
    ["javascript: split by a tab, which URL parsers drop", "java\tscript:alert(1)"],
    ["javascript: behind an XML-forbidden character", "\u0008javascript:alert(1)"],
    ["data:", "data:image/png;base64,iVBORw0KGgo="],
    ["vbscript:", "vbscript:msgbox(1)"],
    ["file:", "file:///etc/passwd"],
    ["mailto:", "mailto:a@example.com"],
    ["a scheme with no host", "http://"],
    ["a host with a space", "https://exa mple.com/a.jpg"],
    ["a bad IPv6 host", "http://[::1/a.jpg"],
    ["a fragment alone", "#top"],
    ["empty", ""],
    ["blank", "   "],
  ])("no image for %s", (_, value) => {
    expect(parseImage(value, SITE)).toBeUndefined();
    expect(parseImage({ url: value, alt: "x" }, SITE)).toBeUndefined();
  });

  it.each([
    ["a number", 42],
    ["a boolean", true],
    ["null", null],
    ["a list", ["/a.jpg"]],
    ["a mapping without url or path", { alt: "only words" }],
    ["a mapping whose url is a list", { url: ["/a.jpg"] }],
    ["a mapping whose url is a mapping", { url: { path: "/a.jpg" } }],
    ["a mapping whose url is a number", { url: 7 }],
  ])("no image for a value of the wrong type: %s", (_, value) => {
    expect(parseImage(value, SITE)).toBeUndefined();
  });
});

describe("parsePost: image", () => {
  const config = siteConfig("baseurl: /news\n");

  it("reads image: into the post", () => {
    const post = parsePost(KEY, postText("title: 降息\nimage:\n  url: /images/rate.jpg\n  alt: 利率走势"), config);
    expect(post.image).toEqual({ url: "https://finews.example.com/news/images/rate.jpg", alt: "利率走势" });
  });

  it("leaves image out of a post without one, so the post reads as before", () => {
    expect(Object.keys(parsePost(KEY, postText("title: 降息"), config))).not.toContain("image");
  });

  it.each([
    ["javascript:", 'image: "javascript:alert(1)"'],
    ["data:", 'image: "data:image/gif;base64,R0lGOD"'],
    ["a list", "image: [a.jpg, b.jpg]"],
    ["a nested mapping", "image:\n  url:\n    deeper: a.jpg"],
    ["a number", "image: 3.14"],
    ["garbage", 'image: "http://[oops"'],
    ["an empty mapping", "image: {}"],
    ["null", "image:"],
  ])("publishes the post without an image when image: is %s", (_, line) => {
    const post = parsePost(KEY, postText(`title: 降息\n${line}`), config);
    expect(post.title).toBe("降息");
    expect(post.image).toBeUndefined();
  });
});

describe("siteUrl", () => {
  it("resolves against url + baseurl with no baseurl too", () => {
    expect(siteUrl("/a.png", { url: "https://h.example.com", baseurl: "" })).toBe("https://h.example.com/a.png");
    expect(siteUrl("a.png", { url: "https://h.example.com", baseurl: "" })).toBe("https://h.example.com/a.png");
  });
});
