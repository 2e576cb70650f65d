import { describe, expect, it } from "vitest";
import { LimitError, NameError } from "../lib/errors.js";
import { DEFAULT_LIMITS } from "../lib/limits.js";
import { authorFeedName, checkName, feedNameOf, parseNameList as parse, RESERVED_NAMES } from "../lib/names.js";

const limits = DEFAULT_LIMITS;
const parseNameList = (value: unknown, field: string, kind: "category" | "tag" = "tag") => parse(value, field, kind, limits);

/** The error checkName throws, failing the test if it accepts the name. */
function refusal(name: string, kind: "category" | "tag" = "tag", field?: string): Error {
  try {
    checkName(name, kind, limits, field);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error(`expected ${JSON.stringify(name)} to be refused`);
}

describe("checkName", () => {
  it.each(["beijingshangbao", "北京商报新闻", "c++", "node.js", "a-b_c", "2022", "Ünïcode", "IPO", "👨‍👩‍👧", "tags"])("accepts %j as a tag", (name) => {
    expect(checkName(name, "tag", limits)).toBe(name);
  });

  it.each([
    ["empty", "", /must not be empty/],
    ["current folder", ".", /relative path segment/],
    ["parent folder", "..", /relative path segment/],
    ["a slash", "a/b", /path separator/],
    ["a leading slash", "/etc", /path separator/],
    ["a backslash", "a\\b", /path separator/],
    ["NUL", "a\u0000b", /control character \(U\+0000\)/],
    ["a tab", "a\tb", /control character \(U\+0009\)/],
    ["a line feed", "a\nb", /control character \(U\+000A\)/],
    ["U+001D", "a\u001Db", /control character \(U\+001D\)/],
    ["DEL", "a\u007Fb", /control character \(U\+007F\)/],
    ["a C1 control", "a\u0085b", /control character \(U\+0085\)/],
    ["a lone high surrogate", "a\uD800b", /lone surrogate \(U\+D800\)/],
    ["a lone low surrogate", "\uDC00", /lone surrogate \(U\+DC00\)/],
    ["U+FFFE", "a\uFFFEb", /noncharacter \(U\+FFFE\)/],
    ["U+FFFF", "a\uFFFF", /noncharacter \(U\+FFFF\)/],
    ["U+FDD0", "a\uFDD0", /noncharacter \(U\+FDD0\)/],
    ["U+FDEF", "a\uFDEF", /noncharacter \(U\+FDEF\)/],
    ["U+1FFFE", "a\u{1FFFE}", /noncharacter \(U\+1FFFE\)/],
    ["U+10FFFF", "a\u{10FFFF}", /noncharacter \(U\+10FFFF\)/],
    ["angle brackets", "<script>", /reserved character </],
    ["a double quote", 'a"b', /reserved character "/],
    ["a question mark", "a?b", /reserved character \?/],
    ["a hash", "a#b", /reserved character #/],
    ["a percent sign", "100%", /reserved character %/],
  ])("refuses a name with %s, saying why", (_, name, why) => {
    const error = refusal(name);
    expect(error).toBeInstanceOf(NameError);
    expect(error.message).toMatch(why);
    expect(error.message).toMatch(/cannot be a tag name/);
  });

  it("accepts the characters next to the refused ranges", () => {
    for (const name of ["a\u00A0b", "a\uFDCFb", "a\uFDF0b", "a\uFFFDb", "a\u{1FFFD}b", "a\u{10000}b", "😀"]) expect(checkName(name, "tag", limits)).toBe(name);
  });

  it("shows invisible characters as escapes and starts with the field when given one", () => {
    expect(refusal("a\u007Fb", "tag", "tags").message).toBe('tags: "a\\u{7F}b" cannot be a tag name: it contains a control character (U+007F)');
    expect(refusal("a\uD800", "tag", "tags").message).toBe('tags: "a\\ud800" cannot be a tag name: it contains a lone surrogate (U+D800), which is not a character');
  });

  it("returns the NFC form, so a decomposed name is the composed one", () => {
    expect(checkName("e\u0301", "tag", limits)).toBe("é");
    expect(checkName("Cafe\u0301", "category", limits)).toBe("Café");
  });

  describe("length", () => {
    it("allows name_bytes bytes of UTF-8, not characters", () => {
      expect(checkName("a".repeat(200), "tag", limits)).toHaveLength(200);
      expect(checkName("银".repeat(66), "tag", limits)).toHaveLength(66); // 198 bytes
      const error = refusal("银".repeat(67), "tag", "tags");
      expect(error).toBeInstanceOf(LimitError);
      expect((error as LimitError).limit).toBe("feeds.limits.name_bytes");
      expect(error.message).toMatch(/^tags: tag name "银+"… is 201 bytes; feeds\.limits\.name_bytes allows 200$/);
    });

    it("measures the folder name too, which lower-casing can lengthen", () => {
      // U+0130 is 2 bytes; lower-cased it is "i" + U+0307, 3 bytes.
      expect(checkName("\u0130".repeat(66), "tag", limits)).toHaveLength(66); // 132 bytes, 198 folded
      const error = refusal(`${"\u0130".repeat(100)}`, "tag", "tags");
      expect(error).toBeInstanceOf(LimitError);
      expect(error.message).toMatch(/^tags: tag name "İ+"… is 300 bytes lower-cased, as its folder; feeds\.limits\.name_bytes allows 200$/);
    });

    it("measures the NFC form", () => {
      // 100 × "e" + U+0301 is 300 bytes decomposed, 200 composed.
      expect(checkName("e\u0301".repeat(100), "tag", limits)).toBe("é".repeat(100));
    });

    it("quotes at most ~60 characters of a long name", () => {
      expect(refusal("x".repeat(1_100)).message.length).toBeLessThan(150);
    });

    it("follows the limit given", () => {
      expect(() => checkName("abcd", "tag", { ...limits, nameBytes: 3 })).toThrow(/is 4 bytes; feeds\.limits\.name_bytes allows 3/);
    });
  });

  describe("reserved names", () => {
    it.each(["rss.xml", "atom.xml", "feed.json", "index.opml", "index.html", "autodiscovery.html", "RSS.xml", "Index.OPML", "FEED.JSON"])(
      "refuses %j as a category and as a tag, ignoring case",
      (name) => {
        expect(refusal(name, "category").message).toMatch(/one of the output's own files/);
        expect(refusal(name, "tag").message).toMatch(/one of the output's own files/);
      },
    );

    it("refuses tags and authors as categories only, ignoring case", () => {
      expect(refusal("tags", "category").message).toMatch(/feeds\/tags\/ holds the tag feeds/);
      expect(refusal("TAGS", "category").message).toMatch(/"TAGS" cannot be a category name: feeds\/tags\//);
      expect(refusal("Authors", "category").message).toMatch(/feeds\/authors\/ holds the author feeds/);
      expect(checkName("tags", "tag", limits)).toBe("tags");
      expect(checkName("authors", "tag", limits)).toBe("authors");
    });

    it("are the output's file names and folders, lower-case", () => {
      expect([...RESERVED_NAMES.tag].sort()).toEqual(["atom.xml", "autodiscovery.html", "feed.json", "index.html", "index.opml", "rss.xml"]);
      expect([...RESERVED_NAMES.category].sort()).toEqual(["atom.xml", "authors", "autodiscovery.html", "feed.json", "index.html", "index.opml", "rss.xml", "tags"]);
    });
  });
});

describe("feedNameOf", () => {
  it("folds case, locale-independently", () => {
    expect(feedNameOf("Finance")).toBe("finance");
    expect(feedNameOf("IPO")).toBe("ipo");
    expect(feedNameOf("ÉTÉ")).toBe("été");
    expect(feedNameOf("北京商报")).toBe("北京商报");
    expect(feedNameOf("I")).toBe("i"); // not the Turkish dotless ı
  });

  it("gives decomposed and composed names one feed name", () => {
    expect(feedNameOf("e\u0301")).toBe(feedNameOf("é"));
    expect(feedNameOf("E\u0301")).toBe("é");
  });

  it("is stable: folding twice is folding once", () => {
    for (const name of ["İstanbul", "ΟΔΟΣ", "Straße", "e\u0301"]) expect(feedNameOf(feedNameOf(name))).toBe(feedNameOf(name));
  });
});

describe("parseNameList", () => {
  it("reads a YAML list", () => {
    expect(parseNameList(["财经", "银行", "理财"], "tags")).toEqual(["财经", "银行", "理财"]);
  });

  it("reads a space-separated string, any run of whitespace", () => {
    expect(parseNameList("财经  银行\t理财\n股市", "categories", "category")).toEqual(["财经", "银行", "理财", "股市"]);
  });

  it("reads a single name", () => {
    expect(parseNameList("beijingshangbao", "categories", "category")).toEqual(["beijingshangbao"]);
  });

  it("reads numbers as names", () => {
    expect(parseNameList(2022, "tags")).toEqual(["2022"]);
    expect(parseNameList([2022, "a"], "tags")).toEqual(["2022", "a"]);
  });

  it("keeps the first of repeated names, in order", () => {
    expect(parseNameList(["b", "a", "b", "a"], "tags")).toEqual(["b", "a"]);
    expect(parseNameList("b a b", "tags")).toEqual(["b", "a"]);
  });

  it("keeps the first spelling of names that are one feed: case and NFC", () => {
    expect(parseNameList(["Finance", "finance", "FINANCE", "ipo", "IPO"], "tags")).toEqual(["Finance", "ipo"]);
    expect(parseNameList(["e\u0301t\u00E9", "\u00E9te\u0301"], "tags")).toEqual(["été"]);
  });

  it("trims list items and drops empty ones", () => {
    expect(parseNameList([" a ", "", "  "], "tags")).toEqual(["a"]);
  });

  it("gives no names for a missing or empty field", () => {
    expect(parseNameList(undefined, "tags")).toEqual([]);
    expect(parseNameList(null, "tags")).toEqual([]);
    expect(parseNameList("", "tags")).toEqual([]);
    expect(parseNameList("   ", "tags")).toEqual([]);
    expect(parseNameList([], "tags")).toEqual([]);
  });

  it("refuses a mapping, naming the field", () => {
    expect(() => parseNameList({ a: 1 }, "categories", "category")).toThrow(/categories must be a list or a space-separated string/);
  });

  it("refuses a list holding something other than names, naming the field", () => {
    expect(() => parseNameList(["a", { b: 1 }], "tags")).toThrow(/tags must hold names, found a mapping/);
    expect(() => parseNameList([["a"]], "tags")).toThrow(/tags must hold names, found a list/);
    expect(() => parseNameList([true], "tags")).toThrow(/tags must hold names, found "true"/);
  });

  it("checks every name, naming the field", () => {
    expect(() => parseNameList(["ok", "rss.xml"], "tags")).toThrow(/^tags: "rss\.xml" cannot be a tag name/);
    expect(() => parseNameList("ok ..", "category", "category")).toThrow(/^category: "\.\." cannot be a category name/);
  });

  it("never stringifies a huge value into its message", () => {
    let nested: unknown = "x";
    for (let i = 0; i < 9; i++) nested = Array.from({ length: 9 }, () => nested); // 9^9 leaves if expanded
    const started = performance.now();
    expect(() => parseNameList([nested], "tags")).toThrow(/^tags must hold names, found a list$/);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe("authorFeedName", () => {
  it("folds an author's name as a category's or tag's, spaces and all", () => {
    expect(authorFeedName("Jane Doe", limits)).toBe("jane doe");
    expect(authorFeedName("Cafe\u0301 Team", limits)).toBe("caf\u00e9 team");
    expect(authorFeedName("证券时报记者 陈立", limits)).toBe("证券时报记者 陈立");
    // Only the output's own files are reserved for authors: the folders are a category's concern.
    expect(authorFeedName("Tags", limits)).toBe("tags");
  });

  it("is undefined, never an error, for a name no feed folder can hold", () => {
    for (const name of ["A/B", "..", "a\\b", "Q&A?", "50%", "a\u0085b", "RSS.XML", "index.html", "\ud800x", "名".repeat(67)]) {
      expect(authorFeedName(name, limits), JSON.stringify(name)).toBeUndefined();
    }
    expect(authorFeedName("名".repeat(66), limits)).toBe("名".repeat(66));
  });
});
