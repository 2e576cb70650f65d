import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { FrontMatterError, LimitError } from "../../lib/errors.js";
import { DEFAULT_LIMITS } from "../../lib/limits.js";
import { frontMatterEnd, holdsFrontMatter, normalisePostText, parseFrontMatter as parse } from "../../lib/posts/front-matter.js";

const pwned = () => (globalThis as Record<string, unknown>).__pwned;
const parseFrontMatter = (text: string, limits = DEFAULT_LIMITS) => parse(text, limits);

afterEach(() => {
  delete (globalThis as Record<string, unknown>).__pwned;
});

describe("parseFrontMatter", () => {
  it("splits YAML data from the body", () => {
    const { data, body } = parseFrontMatter('---\ntitle: "江西银行"\ncategories: [a, b]\n---\n<p>正文</p>\n');
    expect(data).toEqual({ title: "江西银行", categories: ["a", "b"] });
    expect(body).toBe("<p>正文</p>\n");
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

  it("accepts an empty front matter block, or one of comments only", () => {
    expect(parseFrontMatter("---\n---\nbody")).toEqual({ data: {}, body: "body" });
    expect(parseFrontMatter("---\n# nothing yet\n---\nbody")).toEqual({ data: {}, body: "body" });
  });

  it("keeps a later --- line in the body", () => {
    const { body } = parseFrontMatter("---\ntitle: x\n---\nabove\n---\nbelow\n");
    expect(body).toBe("above\n---\nbelow\n");
  });

  it("closes only at a line that is --- and blanks, not at ---- or ---x", () => {
    // A double-quoted YAML string may go on over lines, these at the start of a line included.
    const { data, body } = parseFrontMatter('---\ntitle: "x\n----\n---x"\n---  \t\nbody');
    expect(data).toEqual({ title: "x ---- ---x" });
    expect(body).toBe("body");
  });

  it("gives an empty body when the fence is the last line", () => {
    expect(parseFrontMatter("---\ntitle: x\n---").body).toBe("");
  });

  it("treats << as a plain key: the YAML merge type, which copies, is not in the schema", () => {
    expect(parseFrontMatter("---\na: &a { x: 1 }\nb:\n  <<: *a\n---\n").data.b).toEqual({ "<<": { x: 1 } });
  });

  it("removes XML-forbidden characters written in the YAML", () => {
    expect(parseFrontMatter("---\ntitle: 北京\u0008商报\u001D新闻\n---\n").data.title).toBe("北京商报新闻");
  });

  it("refuses a file without front matter", () => {
    expect(() => parseFrontMatter("<p>just a body</p>\n")).toThrow(/no front matter/);
    expect(() => parseFrontMatter("")).toThrow(/no front matter/);
    expect(() => parseFrontMatter("---")).toThrow(/no front matter/);
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

  it("refuses invalid YAML with a FrontMatterError keeping js-yaml's as its cause", () => {
    for (const text of ['---\ntitle: "unclosed\n---\n', "---\ntitle: [a, b\n---\n"]) {
      const error = caught(() => parseFrontMatter(text));
      expect(error).toBeInstanceOf(FrontMatterError);
      expect(error.message).toMatch(/^front matter is not valid YAML: /);
      expect((error as FrontMatterError).cause).toBeInstanceOf(Error);
    }
  });

  it.each(["js", "javascript", "JavaScript", "coffee", "json", "toml"])("refuses ---%s front matter without running it", (language) => {
    const text = `---${language}\n{ title: (globalThis.__pwned = 1, "x") }\n---\nbody\n`;
    const error = caught(() => parseFrontMatter(text));
    expect(error).toBeInstanceOf(FrontMatterError);
    expect(error.message).toMatch(/not accepted/);
    expect(pwned()).toBeUndefined();
  });

  it("quotes at most a few characters of a long language line", () => {
    const error = caught(() => parseFrontMatter(`---${"x".repeat(100_000)}\n---\n`));
    expect(error.message.length).toBeLessThan(120);
  });

  it("refuses JavaScript tags in a YAML block without running them", () => {
    const text = '---\ntitle: x\nrun: !!js/function "function () { globalThis.__pwned = 1 }"\n---\n';
    expect(() => parseFrontMatter(text)).toThrow(/js\/function/);
    expect(pwned()).toBeUndefined();
  });
});

describe("parseFrontMatter: limits", () => {
  const limits = { ...DEFAULT_LIMITS, frontMatterBytes: 100, yamlNodes: 10, yamlDepth: 3 };

  it("measures the front matter in UTF-8 bytes before parsing it", () => {
    // 33 three-byte characters (99 bytes), "title: " (7) and the line's newline (1): 107.
    const error = caught(() => parseFrontMatter(`---\ntitle: ${"银".repeat(33)}\n---\n`, limits));
    expect(error).toBeInstanceOf(LimitError);
    expect((error as LimitError).limit).toBe("feeds.limits.front_matter_bytes");
    expect(error.message).toBe("front matter is 107 bytes; feeds.limits.front_matter_bytes allows 100");
    expect(parseFrontMatter(`---\ntitle: ${"银".repeat(30)}\n---\n`, limits).data.title).toBe("银".repeat(30));
  });

  it("is not fooled into parsing YAML that is too large by an invalid block", () => {
    // Unparsable YAML larger than the limit is refused for its size: it was never parsed.
    const error = caught(() => parseFrontMatter(`---\ntitle: [${"a".repeat(200)}\n---\n`, limits));
    expect((error as LimitError).limit).toBe("feeds.limits.front_matter_bytes");
  });

  it("counts values, each use of an alias as many times as it is used", () => {
    expect(parseFrontMatter("---\na: &a [1, 2, 3]\nb: *a\n---\n", limits).data.b).toEqual([1, 2, 3]);
    const error = caught(() => parseFrontMatter("---\na: &a [1, 2, 3]\nb: *a\nc: *a\n---\n", limits));
    expect((error as LimitError).limit).toBe("feeds.limits.yaml_nodes");
    expect(error.message).toBe("front matter has more than 10 values (an alias counts each time it is used); feeds.limits.yaml_nodes allows 10");
  });

  it("limits nesting", () => {
    expect(parseFrontMatter("---\na: [[x]]\n---\n", limits).data.a).toEqual([["x"]]);
    const error = caught(() => parseFrontMatter("---\na: [[[x]]]\n---\n", limits));
    expect((error as LimitError).limit).toBe("feeds.limits.yaml_depth");
    expect(error.message).toBe("front matter nests more than 3 levels deep; feeds.limits.yaml_depth allows 3");
  });

  it("stops an anchor that contains itself", () => {
    const error = caught(() => parseFrontMatter("---\ntags: &a [x, *a]\n---\n"));
    expect(error).toBeInstanceOf(LimitError);
  });

  it("turns nesting too deep for the YAML parser's stack into the depth limit", () => {
    const deep = `---\na: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n---\n`;
    const error = caught(() => parseFrontMatter(deep, { ...DEFAULT_LIMITS, frontMatterBytes: 1_000_000 }));
    expect((error as LimitError).limit).toBe("feeds.limits.yaml_depth");
    const dashes = `---\na:\n${"- ".repeat(20_000)}x\n---\n`;
    expect((caught(() => parseFrontMatter(dashes, { ...DEFAULT_LIMITS, frontMatterBytes: 1_000_000 })) as LimitError).limit).toBe(
      "feeds.limits.yaml_depth",
    );
  });
});

describe("normalisePostText", () => {
  it("drops one leading BOM and turns CRLF and lone CR into LF, body included", () => {
    expect(normalisePostText("\uFEFF---\r\ntitle: x\r\n---\r\na\rb\r\n")).toBe("---\ntitle: x\n---\na\nb\n");
    expect(normalisePostText("\uFEFF\uFEFFx")).toBe("\uFEFFx");
    expect(normalisePostText("a\r\r\nb")).toBe("a\n\nb");
    expect(normalisePostText("plain\n")).toBe("plain\n");
  });
});

describe("frontMatterEnd", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const head = (text: string) => {
    const b = bytes(text);
    const end = frontMatterEnd(b);
    return end === -1 ? null : new TextDecoder("utf-8", { ignoreBOM: true }).decode(b.subarray(0, end));
  };

  it("ends after the closing fence, before its line ending, for LF, CRLF and CR", () => {
    expect(head("---\ntitle: 银行\n---\nbody\n")).toBe("---\ntitle: 银行\n---");
    expect(head("---\r\ntitle: 银行\r\n---\r\nbody\r\n")).toBe("---\r\ntitle: 银行\r\n---");
    expect(head("---\rtitle: 银行\r---\rbody\r")).toBe("---\rtitle: 银行\r---");
    expect(head("---\n---\n")).toBe("---\n---");
    expect(head("---\ntitle: x\n---  \t")).toBe("---\ntitle: x\n---  \t");
  });

  it("skips one BOM and refuses a second", () => {
    expect(head("\uFEFF---\ntitle: x\n---\nbody")).toBe("\uFEFF---\ntitle: x\n---");
    expect(head("\uFEFF\uFEFF---\ntitle: x\n---\nbody")).toBeNull();
  });

  it("skips --- that does not start a line or has more on its line", () => {
    expect(head("---\ntitle: a---b\n----\n--- x\n---\nbody")).toBe("---\ntitle: a---b\n----\n--- x\n---");
  });

  it("is -1 without an opening line or a closing fence", () => {
    expect(head("")).toBeNull();
    expect(head("---")).toBeNull();
    expect(head("--")).toBeNull();
    expect(head("<p>---\n---\n")).toBeNull();
    expect(head("---\ntitle: x\nbody")).toBeNull();
  });
});

describe("holdsFrontMatter", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const holds = (text: string, length: number) => holdsFrontMatter(bytes(text).subarray(0, length), bytes(text).length);

  it("holds when the fence and the end of its line are in the start, or the start is the whole", () => {
    expect(holds("---\ntitle: x\n---\nbody", 18)).toBe(true);
    expect(holds("---\ntitle: x\n---", 17)).toBe(true);
    expect(holds("---\ntitle: x\n---  \nbody", 20)).toBe(true);
  });

  it("does not when the start stops at or inside the fence, whose line may go on", () => {
    expect(holds("---\ntitle: x\n----\n---\nbody", 17)).toBe(false);
    expect(holds("---\ntitle: x\n--- x\n---\nbody", 17)).toBe(false);
    expect(holds("---\ntitle: x\n---  x\n---\nbody", 19)).toBe(false);
    expect(holds("---\ntitle: x\n---\nbody", 16)).toBe(false);
    expect(holds("---\ntitle: x\n---\nbody", 3)).toBe(false);
    expect(holds("<p>body</p>", 3)).toBe(false);
  });

  it("when it holds, the start's fence is the whole post's, for any text and any start", () => {
    const pieces = ["---", "--", "-", "\n", "\r", "\r\n", " ", "\t", "title: x", "é", "\uFEFF", "---yaml", "a---"];
    const text = fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((p) => p.join(""));
    fc.assert(
      fc.property(fc.oneof(text, text.map((t) => `---\ntitle: t\n${t}`)), fc.nat(), (t, n) => {
        const whole = bytes(t);
        const start = whole.subarray(0, n % (whole.length + 1));
        if (holdsFrontMatter(start, whole.length)) expect(frontMatterEnd(start)).toBe(frontMatterEnd(whole));
      }),
      { numRuns: 5000 },
    );
  });
});

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error("expected a throw");
}
