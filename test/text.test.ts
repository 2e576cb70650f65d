import { describe, expect, it } from "vitest";
import { stripXmlForbidden, truncateGraphemes } from "../lib/text.js";

const FAMILY = "👨‍👩‍👧‍👦"; // four people joined by zero-width joiners: one grapheme, 11 code units
const CHINA = "🇨🇳"; // two regional indicators: one grapheme
const E_ACUTE = "e\u0301"; // "e" + combining acute accent: one grapheme

const graphemes = (text: string) => [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].map((s) => s.segment);

describe("stripXmlForbidden", () => {
  it("removes the control characters XML 1.0 forbids", () => {
    expect(stripXmlForbidden("北京\u0008商报\u001D新闻")).toBe("北京商报新闻");
    expect(stripXmlForbidden("a\u0000b\u0001c\u000Bd\u000Ce\u001Ff")).toBe("abcdef");
  });

  it("removes U+FFFE, U+FFFF and lone surrogates", () => {
    expect(stripXmlForbidden("a\uFFFEb\uFFFFc")).toBe("abc");
    expect(stripXmlForbidden("a\uD83Db")).toBe("ab");
    expect(stripXmlForbidden("a\uDE00b")).toBe("ab");
    expect(stripXmlForbidden("a\uDE00\uD83D")).toBe("a");
  });

  it("keeps tab, line feed, carriage return, CJK, emoji and private-use characters", () => {
    const text = `a\tb\nc\r\n江西银行 ${FAMILY}${CHINA}😀 \uE000\uFFFD ${E_ACUTE}`;
    expect(stripXmlForbidden(text)).toBe(text);
  });
});

describe("truncateGraphemes", () => {
  it("cuts CJK text by characters and adds an ellipsis", () => {
    expect(truncateGraphemes("江西银行全力写好文章", 4)).toBe("江西银行…");
  });

  it("returns text that fits unchanged, without an ellipsis", () => {
    expect(truncateGraphemes("江西银行", 4)).toBe("江西银行");
    expect(truncateGraphemes("江西银行", 10)).toBe("江西银行");
    expect(truncateGraphemes("", 3)).toBe("");
    expect(truncateGraphemes(`${FAMILY}${CHINA}`, 2)).toBe(`${FAMILY}${CHINA}`);
  });

  it("never splits a zero-width-joiner emoji sequence", () => {
    expect(truncateGraphemes(`${FAMILY}${FAMILY}abc`, 1)).toBe(`${FAMILY}…`);
    expect(truncateGraphemes(`ab${FAMILY}cd`, 3)).toBe(`ab${FAMILY}…`);
  });

  it("never splits a flag", () => {
    expect(truncateGraphemes(`${CHINA}🇺🇸🇯🇵`, 2)).toBe(`${CHINA}🇺🇸…`);
    expect(truncateGraphemes(`中国${CHINA}后面`, 3)).toBe(`中国${CHINA}…`);
  });

  it("never separates a combining mark from its letter", () => {
    expect(truncateGraphemes(`${E_ACUTE}${E_ACUTE}${E_ACUTE}`, 2)).toBe(`${E_ACUTE}${E_ACUTE}…`);
    expect(truncateGraphemes(`caf${E_ACUTE} au lait`, 4)).toBe(`caf${E_ACUTE}…`);
  });

  it("keeps every grapheme of the kept part whole", () => {
    const text = `北京${FAMILY}商报${CHINA}新闻${E_ACUTE}😀`;
    const whole = graphemes(text);
    for (let max = 0; max <= whole.length; max++) {
      const cut = truncateGraphemes(text, max);
      const kept = cut.endsWith("…") ? cut.slice(0, -1) : cut;
      expect(graphemes(kept)).toEqual(whole.slice(0, max));
      expect(cut.endsWith("…")).toBe(max < whole.length);
    }
  });

  it("does not leave a space before the ellipsis", () => {
    expect(truncateGraphemes("ab cd", 3)).toBe("ab…");
  });
});
