// XML 1.0 allows only #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// Lone surrogates are matched too, since they cannot be encoded as UTF-8.
const XML_FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes every character that XML 1.0 forbids, so no field can make a feed ill-formed. */
export function stripXmlForbidden(text: string): string {
  return text.replace(XML_FORBIDDEN, "");
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

// Characters that are always a grapheme cluster of their own and never extend the one before:
// printable ASCII, CJK ideographs and punctuation (less the combining tone marks U+302A–U+302F), fullwidth forms.
const SINGLE_CLUSTERS = /^[\x20-\x7e\u2010-\u2027\u3000-\u3029\u3030-\u303f\u4e00-\u9fff\uff01-\uff5e]*$/;

/**
 * Cuts `text` to at most `max` user-perceived characters (grapheme clusters), so CJK text,
 * emoji and combining marks are never split; adds an ellipsis when something was cut.
 */
export function truncateGraphemes(text: string, max: number): string {
  // Most summaries are ASCII and CJK text, where every code unit is a cluster: no segmenter needed.
  if (SINGLE_CLUSTERS.test(text.slice(0, max + 1))) return text.length > max ? `${text.slice(0, max).trimEnd()}…` : text;
  return truncateWhole(text, max);
}

function truncateWhole(text: string, max: number): string {
  let count = 0;
  for (const { index } of segmenter.segment(text)) {
    if (count === max) return `${text.slice(0, index).trimEnd()}…`;
    count++;
  }
  return text;
}

/**
 * A value for a message, quoted and cut to about `max` characters: untrusted values can be
 * megabytes long (or an alias bomb), and a message must cost nothing to build.
 */
export function quote(value: string, max = 60): string {
  const quoted = JSON.stringify(value.length > max ? value.slice(0, max) : value).replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);
  return value.length > max ? `${quoted}…` : quoted;
}

// Characters a reader of the message could not see: shown as escapes (JSON.stringify already escapes C0 and lone surrogates).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/gu;

/** What a parsed YAML value is, in a few words, without walking it. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return quote(value);
  return quote(String(value));
}
