import MarkdownIt from "markdown-it";
import sanitizeHtml from "sanitize-html";
import { absolutize } from "../urls.js";
import type { Post } from "../posts/post.js";
import { stripXmlForbidden, truncateGraphemes } from "../text.js";

// Inline HTML passes through, as kramdown treats it; the sanitizer below decides what survives.
const markdown = new MarkdownIt({ html: true, linkify: false, typographer: false });

const URL_ATTRIBUTES = ["href", "src", "poster", "cite", "longdesc"] as const;

/** The post body as safe HTML with absolute URLs, and a plain-text summary. */
export interface RenderedBody {
  html: string;
  summary: string;
}

/**
 * Renders a post body for feeds: Markdown to HTML, then sanitised (no scripts, event handlers or
 * `javascript:` URLs) with every relative and protocol-relative URL made absolute, because a feed
 * reader has no page to resolve them against.
 */
export function renderBody(post: Post, summaryLength: number): RenderedBody {
  // Stripped here rather than at parse time: only posts that enter a feed pay for the scan.
  const body = stripXmlForbidden(post.body);
  const raw = post.format === "markdown" ? markdown.render(body) : body;
  // Again after sanitising: it decodes character references, and "&#x1;" or "&#xFFFE;" would
  // become characters no XML document may hold.
  const html = stripXmlForbidden(sanitizeHtml(raw, sanitizeOptions(post.url))).trim();
  return { html, summary: post.description !== undefined ? summaryOf(post.description, summaryLength) : summaryOfBody(html, summaryLength) };
}

/** Plain text of `source` (HTML or text), cut to `length` characters. */
function summaryOf(source: string, length: number): string {
  return truncateGraphemes(stripXmlForbidden(htmlToText(source)), length);
}

/**
 * summaryOf a sanitised body, turning only its start into text when that is enough: a summary
 * is ~200 characters of a body of ~10 KB. The start ends before a tag; sanitize-html escapes
 * every "<" that starts no tag, so the text before it comes out as it does from the whole body,
 * and the start's text is the start of the whole's. A summary cut short within it is then the
 * whole's (where it is cut depends only on what comes before, and on the character after);
 * one that is not may go on past the start, and is made from the whole body.
 */
function summaryOfBody(html: string, length: number): string {
  const end = html.indexOf("<", 8 * length);
  if (end !== -1) {
    const text = stripXmlForbidden(htmlToText(html.slice(0, end)));
    const summary = truncateGraphemes(text, length);
    if (summary !== text) return summary;
  }
  return summaryOf(html, length);
}

function sanitizeOptions(baseUrl: string): sanitizeHtml.IOptions {
  return {
    allowedTags: [
      ...sanitizeHtml.defaults.allowedTags,
      "img", "picture", "source", "figure", "figcaption", "video", "audio", "track", "del", "ins", "s", "u",
    ],
    allowedAttributes: {
      a: ["href", "title", "name"],
      img: ["src", "srcset", "sizes", "alt", "title", "width", "height"],
      source: ["src", "srcset", "sizes", "type", "media"],
      video: ["src", "poster", "controls", "width", "height", "loop", "muted"],
      audio: ["src", "controls", "loop", "muted"],
      track: ["src", "kind", "srclang", "label"],
      blockquote: ["cite"],
      q: ["cite"],
      del: ["cite", "datetime"],
      ins: ["cite", "datetime"],
      td: ["colspan", "rowspan", "align"],
      th: ["colspan", "rowspan", "align", "scope"],
      ol: ["start", "type", "reversed"],
      "*": ["lang", "dir"],
    },
    allowedSchemes: ["http", "https", "mailto", "tel"],
    allowedSchemesByTag: { img: ["http", "https", "data"] },
    allowProtocolRelative: true,
    transformTags: {
      "*": (tagName, attribs) => ({ tagName, attribs: absolutizeAttributes(attribs, baseUrl) }),
    },
  };
}

function absolutizeAttributes(attribs: sanitizeHtml.Attributes, baseUrl: string): sanitizeHtml.Attributes {
  const out = { ...attribs };
  for (const name of URL_ATTRIBUTES) {
    const value = out[name];
    if (value !== undefined) out[name] = absolutize(value, baseUrl);
  }
  if (out.srcset !== undefined) {
    out.srcset = parseSrcset(out.srcset)
      .map(({ url, descriptors }) => (descriptors ? `${absolutize(url, baseUrl)} ${descriptors}` : absolutize(url, baseUrl)))
      .join(", ");
  }
  return out;
}

/**
 * Splits a srcset as the HTML standard does: a URL runs to the next white space (so a data: URL
 * keeps its commas), a comma ending it ends the candidate, otherwise descriptors run to the next comma.
 */
export function parseSrcset(srcset: string): { url: string; descriptors: string }[] {
  const candidates: { url: string; descriptors: string }[] = [];
  let rest = srcset;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, "");
    if (rest === "") return candidates;
    const url = /^\S+/.exec(rest)![0];
    rest = rest.slice(url.length);
    if (url.endsWith(",")) {
      candidates.push({ url: url.replace(/,+$/, ""), descriptors: "" });
      continue;
    }
    const comma = rest.indexOf(",");
    const descriptors = (comma === -1 ? rest : rest.slice(0, comma)).trim();
    rest = comma === -1 ? "" : rest.slice(comma + 1);
    candidates.push({ url, descriptors });
  }
}

const BLOCK_TAG = /<\/?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|pre|tr|td|th|table|figure|figcaption|section|article|header|footer|hr|dd|dt)\b[^>]*>/gi;

/** Plain text of an HTML fragment: entities decoded, block boundaries become spaces, whitespace folded. */
export function htmlToText(html: string): string {
  // A space at each block boundary, so "end.</p><p>Start" does not read "end.Start".
  const spaced = html.replace(BLOCK_TAG, " $&");
  // With no tags allowed, the sanitizer drops markup (and script/style content) and decodes every
  // entity, then re-escapes only these five, which are undone here.
  const escaped = sanitizeHtml(spaced, { allowedTags: [], allowedAttributes: {} });
  return escaped
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
