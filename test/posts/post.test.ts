import { describe, expect, it } from "vitest";
import { parsePost } from "../../lib/posts/parse-post.js";
import { summarise, summariser } from "../../lib/posts/post.js";
import { postText, siteConfig } from "./site.js";

const config = siteConfig();
const parse = (key: string, frontMatter: string) => parsePost(key, postText(frontMatter), config);

describe("summariser", () => {
  it("gives what summarise gives", () => {
    const summarise_ = summariser();
    for (const post of [
      parse("2022-05-20-a.md", "title: a\ndate: 2022-05-20 10:00\ncategories: [银行, Bank]\ntags: 北京商报新闻\nauthor: 张三"),
      parse("2022-05-21-b.md", "title: b\ndate: 2022-05-21T10:00:00+08:00\npublished: false"),
      parse("2022-05-22-c.md", "title: c"),
    ]) {
      expect(summarise_(post)).toEqual(summarise(post));
    }
  });

  it("keeps one string for a name, and one frozen array for a list, however many posts give it, and the post's own key", () => {
    const summarise_ = summariser();
    const a = summarise_(parse("2022-05-20-a.md", "title: a\ncategories: 北京商报新闻银行\ntags: [北京商报新闻, x]\nauthor: 张三丰"));
    const b = summarise_(parse("2022-05-21-b.md", "title: b\ncategories: [其他, 北京商报新闻银行]\ntags: 北京商报新闻\nauthor: 张三丰"));
    expect(b.categories[1]).toBe(a.categories[0]);
    expect(b.tags[0]).toBe(a.tags[0]);
    expect(b.authorFeed).toBe(a.authorFeed);
    const c = summarise_(parse("2022-05-22-c.md", "title: c\ncategories: [其他, 北京商报新闻银行]\ntags: 北京商报新闻"));
    expect([c.categories, c.tags]).toEqual([b.categories, b.tags]);
    expect(c.categories).toBe(b.categories);
    expect(c.tags).toBe(b.tags);
    expect(Object.isFrozen(c.categories)).toBe(true);
    expect(() => c.tags.push("x")).toThrow(TypeError);
    const key = "2022-05-23-d.md";
    expect(summarise_(parse(key, "title: c")).key).toBe(key);
  });
});
