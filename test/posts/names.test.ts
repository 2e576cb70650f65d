import { describe, expect, it } from "vitest";
import { checkCategoryName, checkNameSegment, parseNameList } from "../../lib/posts/names.js";

describe("checkNameSegment", () => {
  it.each(["beijingshangbao", "北京商报新闻", "c++", "node.js", "a-b_c", "2022", "Ünïcode"])("accepts %j", (name) => {
    expect(checkNameSegment(name)).toBeNull();
  });

  it.each([
    ["empty", ""],
    ["current folder", "."],
    ["parent folder", ".."],
    ["a slash", "a/b"],
    ["a leading slash", "/etc"],
    ["a backslash", "a\\b"],
    ["NUL", "a\u0000b"],
    ["a tab", "a\tb"],
    ["a line feed", "a\nb"],
    ["U+001D", "a\u001Db"],
    ["DEL", "a\u007Fb"],
    ["angle brackets", "<script>"],
    ["a double quote", 'a"b'],
    ["a question mark", "a?b"],
    ["a hash", "a#b"],
    ["a percent sign", "100%"],
  ])("refuses a name with %s", (_, name) => {
    const reason = checkNameSegment(name);
    expect(reason).toEqual(expect.any(String));
  });

  it("says why a path-like name is refused", () => {
    expect(checkNameSegment("..")).toMatch(/relative path segment/);
    expect(checkNameSegment("a/b")).toMatch(/path separator/);
    expect(checkNameSegment("a\u0001b")).toMatch(/control or reserved character/);
  });

  it('refuses "tags" as a category, the folder that holds the tag feeds, but not as a tag', () => {
    expect(checkCategoryName("tags")).toMatch(/feeds\/tags\//);
    expect(checkNameSegment("tags")).toBeNull();
  });
});

describe("parseNameList", () => {
  it("reads a YAML list", () => {
    expect(parseNameList(["财经", "银行", "理财"], "tags")).toEqual(["财经", "银行", "理财"]);
  });

  it("reads a space-separated string, any run of whitespace", () => {
    expect(parseNameList("财经  银行\t理财\n股市", "categories")).toEqual(["财经", "银行", "理财", "股市"]);
  });

  it("reads a single name", () => {
    expect(parseNameList("beijingshangbao", "categories")).toEqual(["beijingshangbao"]);
  });

  it("reads numbers as names", () => {
    expect(parseNameList(2022, "tags")).toEqual(["2022"]);
    expect(parseNameList([2022, "a"], "tags")).toEqual(["2022", "a"]);
  });

  it("keeps the first of repeated names, in order", () => {
    expect(parseNameList(["b", "a", "b", "a"], "tags")).toEqual(["b", "a"]);
    expect(parseNameList("b a b", "tags")).toEqual(["b", "a"]);
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
    expect(() => parseNameList({ a: 1 }, "categories")).toThrow(/categories must be a list or a space-separated string/);
  });

  it("refuses a list holding something other than names, naming the field", () => {
    expect(() => parseNameList(["a", { b: 1 }], "tags")).toThrow(/tags must hold names/);
    expect(() => parseNameList([["a"]], "tags")).toThrow(/tags must hold names/);
  });
});
