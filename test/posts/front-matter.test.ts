import matter from "gray-matter";
import { afterEach, describe, expect, it } from "vitest";
import { parseFrontMatter } from "../../lib/posts/front-matter.js";

const pwned = () => (globalThis as Record<string, unknown>).__pwned;
// gray-matter's typings leave out its module-level cache of every string it parsed without options.
const grayMatterCache = () => (matter as unknown as { cache: Record<string, unknown> }).cache;

afterEach(() => {
  delete (globalThis as Record<string, unknown>).__pwned;
});

describe("parseFrontMatter", () => {
  it("splits YAML data from the body", () => {
    const { data, body } = parseFrontMatter('---\ntitle: "江西银行"\ncategories: [a, b]\n---\n<p>正文</p>\n');
    expect(data).toEqual({ title: "江西银行", categories: ["a", "b"] });
    expect(body).toBe("<p>正文</p>\n");
  });

  it("reads Windows line endings", () => {
    const { data, body } = parseFrontMatter("---\r\ntitle: x\r\n---\r\nbody\r\n");
    expect(data).toEqual({ title: "x" });
    expect(body.trim()).toBe("body");
  });

  it("accepts an explicit yaml or yml language", () => {
    expect(parseFrontMatter("---yaml\ntitle: x\n---\n").data).toEqual({ title: "x" });
    expect(parseFrontMatter("---yml\ntitle: y\n---\n").data).toEqual({ title: "y" });
  });

  it("keeps dates as the text written, so no YAML timestamp is read as UTC", () => {
    const { data } = parseFrontMatter("---\ndate: 2022-05-20 00:01:40\nupdated: 2022-05-21\n---\n");
    expect(data.date).toBe("2022-05-20 00:01:40");
    expect(data.updated).toBe("2022-05-21");
  });

  it("accepts an empty front matter block", () => {
    expect(parseFrontMatter("---\n---\nbody").data).toEqual({});
  });

  it("keeps a later --- line in the body", () => {
    const { body } = parseFrontMatter("---\ntitle: x\n---\nabove\n---\nbelow\n");
    expect(body).toBe("above\n---\nbelow\n");
  });

  it("removes XML-forbidden characters written in the YAML", () => {
    expect(parseFrontMatter("---\ntitle: 北京\u0008商报\u001D新闻\n---\n").data.title).toBe("北京商报新闻");
  });

  it("refuses a file without front matter", () => {
    expect(() => parseFrontMatter("<p>just a body</p>\n")).toThrow(/no front matter/);
    expect(() => parseFrontMatter("")).toThrow(/no front matter/);
    expect(() => parseFrontMatter(" ---\ntitle: x\n---\n")).toThrow(/no front matter/);
  });

  it("refuses front matter that is never closed", () => {
    expect(() => parseFrontMatter("---\ntitle: x\nbody without a closing line\n")).toThrow(/not closed/);
    expect(() => parseFrontMatter("---\ntitle: x")).toThrow(/not closed/);
  });

  it("refuses front matter that is not a mapping", () => {
    expect(() => parseFrontMatter("---\n- a\n- b\n---\n")).toThrow(/mapping/);
    expect(() => parseFrontMatter("---\njust text\n---\n")).toThrow(/mapping/);
  });

  it("refuses invalid YAML", () => {
    expect(() => parseFrontMatter('---\ntitle: "unclosed\n---\n')).toThrow();
    expect(() => parseFrontMatter("---\ntitle: [a, b\n---\n")).toThrow();
  });

  it.each(["js", "javascript", "JavaScript", "coffee", "json", "toml"])("refuses ---%s front matter without running it", (language) => {
    const text = `---${language}\n{ title: (globalThis.__pwned = 1, "x") }\n---\nbody\n`;
    expect(() => parseFrontMatter(text)).toThrow(/not accepted/);
    expect(pwned()).toBeUndefined();
  });

  it("refuses JavaScript tags in a YAML block without running them", () => {
    const text = '---\ntitle: x\nrun: !!js/function "function () { globalThis.__pwned = 1 }"\n---\n';
    expect(() => parseFrontMatter(text)).toThrow(/js\/function/);
    expect(pwned()).toBeUndefined();
  });

  it("does not grow gray-matter's module cache", () => {
    for (let i = 0; i < 100; i++) parseFrontMatter(`---\ntitle: post ${i}\n---\nbody ${i}\n`);
    expect(Object.keys(grayMatterCache())).toHaveLength(0);
  });
});
