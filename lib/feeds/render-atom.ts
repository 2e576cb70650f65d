import { Feed } from "feed";
import { escapeHtml } from "../posts/text.js";
import { addHubLinks } from "./hub-links.js";
import { imageType } from "./lead-image.js";
import type { FeedDocument, FeedItem } from "./model.js";
import { isSafeXmlJsAttribute, xmlJsText } from "./xml-js-text.js";
import { zonedDate } from "./zoned-date.js";

/** Atom 1.0 (RFC 4287) with full content (unless excerpts) and summaries, and links to its WebSub hubs. Pure. */
export function renderAtom(doc: FeedDocument): string {
  const tz = doc.timeZone;
  const feed = new Feed({
    title: xmlJsText(doc.title),
    description: doc.description ? xmlJsText(doc.description) : undefined,
    id: doc.links.atom,
    link: doc.homeUrl,
    updated: zonedDate(doc.updated, tz),
    generator: "feedpub",
    feedLinks: { atom: doc.links.atom },
    author: personOf(doc.author),
    // The package writes `image` as <logo> and `favicon` as <icon>.
    ...(doc.logo ? { image: xmlJsText(doc.logo) } : {}),
    ...(doc.icon ? { favicon: xmlJsText(doc.icon) } : {}),
  });
  for (const [n, item] of doc.items.entries()) {
    feed.addItem({
      // The package marks titles and summaries type="html", so plain text is escaped once.
      title: escapeHtml(item.title),
      id: item.id,
      link: item.url,
      date: zonedDate(item.updated, tz),
      published: zonedDate(item.published, tz),
      description: escapeHtml(item.summary),
      // An excerpt is its summary alone: RFC 4287 allows an entry without content that links to its page.
      ...(doc.excerpt ? {} : { content: item.html }),
      // The label is optional in Atom; one the package would write unescaped is left out.
      category: item.categories.map((c) => ({ term: c.term, ...(isSafeXmlJsAttribute(c.label) ? { name: c.label } : {}) })),
      ...(item.author ? { author: [personOf(item.author)] } : {}),
      ...(item.image ? { enclosure: { url: enclosureMark(n) } } : {}),
    });
  }
  // The package has no option for the feed's language; xml:lang on the root carries it.
  const xml = feed.atom1().replace('<feed xmlns="http://www.w3.org/2005/Atom">', `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeHtml(doc.language)}">`);
  const withHubs = addHubLinks(xml, /<link rel="self"/, doc.hubs, (href) => `<link rel="hub" href="${href}"/>`);
  return `${writeEnclosures(withHubs, doc.items)}\n`;
}

function personOf(p: FeedDocument["author"]) {
  return { name: xmlJsText(p.name), ...(p.email ? { email: xmlJsText(p.email) } : {}), ...(p.url ? { link: p.url } : {}) };
}

/**
 * The package writes an enclosure link's type as "image/" + whatever follows the URL's last dot
 * ("image/jpg", "image/svg", or worse when there is no dot) and its title unescaped. So each item's
 * link is written by the package at a placeholder address, on a host that cannot exist (.invalid,
 * RFC 2606), and replaced here by one with the type known from the extension and the alt text as
 * its title. No text of a post can match: titles and summaries are escaped, and sanitised HTML
 * has every "<" of its text escaped.
 */
const MARK = "https://enclosure.feedpub.invalid/";
const enclosureMark = (n: number) => `${MARK}${n}`;
const MARKED_LINK = /<link rel="enclosure" href="https:\/\/enclosure\.feedpub\.invalid\/(\d+)"[^>]*\/>/g;

function writeEnclosures(xml: string, items: FeedItem[]): string {
  return xml.replace(MARKED_LINK, (_, n: string) => {
    const image = items[Number(n)]!.image!;
    const type = imageType(image.url);
    return `<link rel="enclosure" href="${escapeHtml(image.url)}"${type ? ` type="${type}"` : ""}${image.alt ? ` title="${escapeHtml(image.alt)}"` : ""}/>`;
  });
}
