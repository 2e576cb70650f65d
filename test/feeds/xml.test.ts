import { describe, expect, it } from "vitest";
import { cdata, escapeAttribute, escapeText } from "../../lib/feeds/xml.js";

const FAMILY = "👨‍👩‍👧";

describe("escapeAttribute", () => {
  it("escapes markup so it shows as text, quotes included", () => {
    expect(escapeAttribute('<a href="x">Tom & Jerry</a>')).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&lt;/a&gt;");
  });

  it("escapes an ampersand that already starts an entity, exactly once", () => {
    expect(escapeAttribute("&amp; &#x41;")).toBe("&amp;amp; &amp;#x41;");
  });

  it("leaves CJK text and emoji alone", () => {
    expect(escapeAttribute(`“强攻二季度、确保双过半” ${FAMILY}`)).toBe(`“强攻二季度、确保双过半” ${FAMILY}`);
  });
});

describe("escapeText", () => {
  it("leaves quotes, which character data does not need escaped", () => {
    expect(escapeText(`A & B <c> "q" 'a'`)).toBe(`A &amp; B &lt;c&gt; "q" 'a'`);
  });
});

describe("cdata", () => {
  it("splits every ]]> across two sections, so the text comes back exactly", () => {
    expect(cdata("a]]>b]]>c")).toBe("<![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>c]]>");
  });
});
