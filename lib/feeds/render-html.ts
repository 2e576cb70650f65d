import { createHash } from "node:crypto";
import { formatRfc3339 } from "./dates.js";
import type { DocumentItem, FeedDocument } from "./model.js";
import { escapeAttribute as esc } from "./xml.js";

/**
 * The page a person sees in place of a feed's XML or JSON: its items (title, time in the site's
 * zone, summary, link), subscribe links for the three formats, and on the site feed's page every
 * feed of the site. Every value is escaped; the page carries no script and a Content-Security-Policy
 * that allows none, so hostile post text can neither run nor load anything. Written as
 * well-formed markup (void elements closed, only the XML entities), so it is checked as XML is
 * before it is written (check-document.ts). Pure.
 */
export function renderPage(doc: FeedDocument): string {
  const a = (href: string, text: string, extra = "") => `<a href="${esc(href)}"${extra}>${esc(text)}</a>`;
  // An archive page offers the feed it belongs to, to subscribe and to discover: an archive is not for subscribing.
  const feed = doc.archive?.current ? { ...doc, links: doc.archive.current.links } : doc;
  return [
    "<!DOCTYPE html>",
    `<html lang="${esc(doc.language)}">`,
    "<head>",
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}"/>`,
    '<meta name="referrer" content="strict-origin-when-cross-origin"/>',
    `<title>${esc(doc.title)}</title>`,
    renderAutodiscovery(feed).trimEnd(),
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>${esc(doc.title)}</h1>`,
    ...(doc.description ? [`<p>${esc(doc.description)}</p>`] : []),
    `<p class="subscribe">${formatLinks(feed.links)}</p>`,
    doc.archive?.current ? `<p class="hint">${esc(ARCHIVE_HINT)} ${a(doc.archive.current.page, "Newest items")}</p>` : `<p class="hint">${esc(HINT)}</p>`,
    `<nav>${a(doc.homeUrl, doc.homeUrl)} · ${a(doc.feeds ? "#feeds" : doc.pages.index, "All feeds")} · ${a(doc.pages.opml, "OPML", ' download=""')}</nav>`,
    "</header>",
    "<main>",
    ...(doc.items.length ? doc.items.map((item) => renderItem(item, doc)) : ['<p class="empty">No items yet.</p>']),
    "</main>",
    ...(doc.archive?.prev ? [`<nav class="older">${a(doc.archive.prev.page, "Older items")}</nav>`] : []),
    ...(doc.feeds ? renderFeedList(doc) : []),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/**
 * The autodiscovery links of one feed, one per format, for the `<head>` of the site's own pages
 * (and of the feed's page): how browsers and readers find the feeds of a page they are shown.
 */
export function renderAutodiscovery(doc: FeedDocument): string {
  const link = (type: string, href: string) => `<link rel="alternate" type="${type}" title="${esc(doc.title)}" href="${esc(href)}"/>`;
  return [
    link("application/rss+xml", doc.links.rss),
    link("application/atom+xml", doc.links.atom),
    link("application/feed+json", doc.links.json),
    "",
  ].join("\n");
}

const HINT = "Copy a link into your feed reader to subscribe.";
const ARCHIVE_HINT = "Older items of this feed, archived; the links above subscribe to the feed itself.";

function renderItem(item: DocumentItem, doc: FeedDocument): string {
  const time = `<time datetime="${formatRfc3339(item.published, doc.timeZone)}">${esc(humanTime(item.published, doc))}</time>`;
  const by = item.author ? ` · ${esc(item.author.name)}` : "";
  return [
    "<article>",
    `<h2><a href="${esc(item.url)}">${esc(item.title || item.url)}</a></h2>`,
    `<p class="meta">${time}${by}</p>`,
    ...(item.summary ? [`<p>${esc(item.summary)}</p>`] : []),
    "</article>",
  ].join("\n");
}

/** Links to a feed's three formats. */
function formatLinks(l: FeedDocument["links"]): string {
  return `<a href="${esc(l.rss)}">RSS</a> <a href="${esc(l.atom)}">Atom</a> <a href="${esc(l.json)}">JSON Feed</a>`;
}

function renderFeedList(doc: FeedDocument): string[] {
  return [
    '<section id="feeds">',
    "<h2>All feeds</h2>",
    "<ul>",
    ...(doc.feeds ?? []).map((f) => `<li><a href="${esc(f.page)}">${esc(f.title)}</a> <span class="formats">${formatLinks(f.links)}</span></li>`),
    "</ul>",
    `<p>Every feed in one subscription list: <a href="${esc(doc.pages.opml)}" download="">OPML</a></p>`,
    "</section>",
  ];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The instant as a person in the site's zone reads it, in the site's language (English when the
 * runtime does not know it), then the zone's offset: "2022年5月20日 00:01 (UTC+08:00)".
 */
function humanTime(date: Date, doc: FeedDocument): string {
  const key = `${doc.language} ${doc.timeZone}`;
  let format = formatters.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions = { timeZone: doc.timeZone, dateStyle: "long", timeStyle: "short", hourCycle: "h23" };
    try {
      format = new Intl.DateTimeFormat(doc.language || "en", options);
    } catch {
      format = new Intl.DateTimeFormat("en", options);
    }
    formatters.set(key, format);
  }
  return `${format.format(date)} (UTC${formatRfc3339(date, doc.timeZone).slice(-6)})`;
}

// Readable on a phone (one column, the viewport's width) and in dark mode; no "<" or "&", so the page stays well-formed.
const STYLE = [
  ":root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.5}",
  "body{max-width:42rem;margin:0 auto;padding:1rem;overflow-wrap:anywhere}",
  "h1{font-size:1.6rem;margin:.5rem 0}",
  "h2{font-size:1.15rem;margin:0}",
  "article{padding:.75rem 0;border-top:1px solid #8884}",
  ".meta,.hint,nav{font-size:.9rem;opacity:.8;margin:.25rem 0}",
  ".subscribe a,.formats a{display:inline-block;padding:.2rem .6rem;margin:.1rem .2rem .1rem 0;border:1px solid currentColor;border-radius:.4rem;text-decoration:none}",
  "#feeds{margin-top:2rem;border-top:2px solid #8886}",
  "#feeds li{margin:.5rem 0}",
].join("");

// No script at all, no plugins, no frames, no loads but the inline style, whose hash is the only one allowed.
const CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; base-uri 'none'; form-action 'none'`;
