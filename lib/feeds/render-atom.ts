import { Feed } from "feed";
import { escapeHtml } from "../posts/text.js";
import type { FeedDocument } from "./model.js";
import { isSafeXmlJsAttribute, xmlJsText } from "./xml-js-text.js";
import { zonedDate } from "./zoned-date.js";

/** Atom 1.0 (RFC 4287) with full content and summaries. Pure. */
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
  });
  for (const item of doc.items) {
    feed.addItem({
      // The package marks titles and summaries type="html", so plain text is escaped once.
      title: escapeHtml(item.title),
      id: item.id,
      link: item.url,
      date: zonedDate(item.updated, tz),
      published: zonedDate(item.published, tz),
      description: escapeHtml(item.summary),
      content: item.html,
      // The label is optional in Atom; one the package would write unescaped is left out.
      category: item.categories.map((c) => ({ term: c.term, ...(isSafeXmlJsAttribute(c.label) ? { name: c.label } : {}) })),
      ...(item.author ? { author: [personOf(item.author)] } : {}),
    });
  }
  // The package has no option for the feed's language; xml:lang on the root carries it.
  return `${feed.atom1().replace('<feed xmlns="http://www.w3.org/2005/Atom">', `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeHtml(doc.language)}">`)}\n`;
}

function personOf(p: FeedDocument["author"]) {
  return { name: xmlJsText(p.name), ...(p.email ? { email: xmlJsText(p.email) } : {}), ...(p.url ? { link: p.url } : {}) };
}
