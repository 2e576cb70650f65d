import { Feed, type Extension } from "feed";
import { escapeHtml } from "../posts/text.js";
import type { FeedDocument } from "./model.js";
import { xmlJsText } from "./xml-js-text.js";
import { zonedDate } from "./zoned-date.js";

/** RSS 2.0 with content:encoded, dc:creator and an atom:link to itself. Pure. */
export function renderRss(doc: FeedDocument): string {
  const tz = doc.timeZone;
  const feed = new Feed({
    title: xmlJsText(doc.title),
    description: xmlJsText(doc.description || doc.title),
    id: doc.links.atom,
    link: doc.homeUrl,
    language: doc.language,
    updated: zonedDate(doc.updated, tz),
    generator: "feedpub",
    feedLinks: { rss: doc.links.rss },
  });
  for (const item of doc.items) {
    const extensions: Extension[] = [
      // As a text node rather than the package's CDATA section: its CDATA writer splits only
      // the first "]]>" of a string, so a title holding two would end the section early.
      { name: "title", objects: { _text: xmlJsText(item.title) } },
    ];
    // RSS <author> must hold an email address; a bare name belongs in dc:creator.
    if (item.author) extensions.push({ name: "dc:creator", objects: { _text: xmlJsText(item.author.name) } });
    feed.addItem({
      title: item.title,
      id: item.id,
      link: item.url,
      date: zonedDate(item.updated, tz),
      published: zonedDate(item.published, tz),
      // RSS descriptions are HTML; the summary is plain text, so it is escaped once.
      description: escapeHtml(item.summary),
      // The package declares the dc: namespace only for items with content, so there always is some.
      content: item.html || "<p></p>",
      category: item.categories.map((c) => ({ name: xmlJsText(c.label) })),
      ...(item.author?.email ? { author: [{ name: xmlJsText(item.author.name), email: xmlJsText(item.author.email) }] } : {}),
      extensions,
    });
  }
  return `${feed.rss2()}\n`;
}
