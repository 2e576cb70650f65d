import { Feed, type Extension } from "feed";
import { escapeHtml } from "../posts/text.js";
import { addHubLinks } from "./hub-links.js";
import { imageType } from "./lead-image.js";
import type { FeedDocument, FeedItem } from "./model.js";
import { xmlJsText } from "./xml-js-text.js";
import { zonedDate } from "./zoned-date.js";

const MEDIA_RSS = "http://search.yahoo.com/mrss/";
const DUBLIN_CORE = "http://purl.org/dc/elements/1.1/";

/** RSS 2.0 with content:encoded (none for excerpts: the description is the item), dc:creator, Media RSS images, and atom:links to itself and its WebSub hubs. Pure. */
export function renderRss(doc: FeedDocument): string {
  const tz = doc.timeZone;
  const image = doc.logo ?? doc.icon;
  const feed = new Feed({
    title: xmlJsText(doc.title),
    description: xmlJsText(doc.description || doc.title),
    id: doc.links.atom,
    link: doc.homeUrl,
    language: doc.language,
    updated: zonedDate(doc.updated, tz),
    generator: "feedpub",
    feedLinks: { rss: doc.links.rss },
    // The channel <image>, with the channel's title and link as RSS 2.0 requires.
    ...(image ? { image: xmlJsText(image) } : {}),
  });
  // The package writes channel extensions after the items (RSS 2.0 sets no order) and has no
  // option for either element: managingEditor must be an email address, so a name alone is dc:creator.
  const editor = doc.siteAuthor;
  if (editor?.email) feed.addExtension({ name: "managingEditor", objects: { _text: xmlJsText(`${editor.email} (${editor.name})`) } });
  else if (editor) feed.addExtension({ name: "dc:creator", objects: { _text: xmlJsText(editor.name) } });
  for (const item of doc.items) {
    const extensions: Extension[] = [
      // As a text node rather than the package's CDATA section: its CDATA writer splits only
      // the first "]]>" of a string, so a title holding two would end the section early.
      { name: "title", objects: { _text: xmlJsText(item.title) } },
    ];
    // RSS <author> must hold an email address; a bare name belongs in dc:creator.
    if (item.author) extensions.push({ name: "dc:creator", objects: { _text: xmlJsText(item.author.name) } });
    if (item.image) extensions.push(...mediaRss(item.image));
    const type = item.image && imageType(item.image.url);
    feed.addItem({
      title: item.title,
      id: item.id,
      link: item.url,
      date: zonedDate(item.updated, tz),
      published: zonedDate(item.published, tz),
      // RSS descriptions are HTML; the summary is plain text, so it is escaped once.
      description: escapeHtml(item.summary),
      // The package declares the dc: namespace only for items with content, so a full item always
      // has some; an excerpt has none, its description is all of it (see declareNamespaces).
      ...(doc.excerpt ? {} : { content: item.html || "<p></p>" }),
      category: item.categories.map((c) => ({ name: xmlJsText(c.label) })),
      ...(item.author?.email ? { author: [{ name: xmlJsText(item.author.name), email: xmlJsText(item.author.email) }] } : {}),
      // RSS 2.0 requires the length in bytes, which only fetching the image would tell; the RSS
      // Advisory Board's profile says to write 0 then, and the feed validator accepts it.
      ...(item.image && type ? { enclosure: { url: item.image.url, type, length: 0 } } : {}),
      extensions,
    });
  }
  const xml = addHubLinks(feed.rss2(), /<atom:link [^>]*rel="self"/, doc.hubs, (href) => `<atom:link href="${href}" rel="hub"/>`);
  return `${declareNamespaces(xml, doc)}\n`;
}

/**
 * Media RSS's image elements. Attribute values the package writes are escaped for '"' only, so
 * they are escaped here; the URL, serialised by the URL parser, holds no other character to
 * escape but "&". The alt text has no place: media:description and media:title are read by
 * common parsers (feedparser) as the item's own summary and title.
 */
function mediaRss(image: NonNullable<FeedItem["image"]>): Extension[] {
  const type = imageType(image.url);
  return [
    { name: "media:content", objects: { _attributes: { url: escapeHtml(image.url), medium: "image", ...(type ? { type } : {}) } } },
    { name: "media:thumbnail", objects: { _attributes: { url: escapeHtml(image.url) } } },
  ];
}

/**
 * Declares on the root the namespaces the package does not know it needs: media: for item
 * images, and dc: for dc:creator (the channel's or an item's) where the package writes no
 * content:encoded, beside which alone it declares dc: (a feed without items, or of excerpts).
 * The root element is the first "<rss " of the document.
 */
function declareNamespaces(xml: string, doc: FeedDocument): string {
  const add: string[] = [];
  if (doc.items.some((i) => i.image)) add.push(`xmlns:media="${MEDIA_RSS}"`);
  const usesDc = (doc.siteAuthor !== undefined && !doc.siteAuthor.email) || doc.items.some((i) => i.author);
  const packageDeclaresDc = !doc.excerpt && doc.items.length > 0;
  if (usesDc && !packageDeclaresDc) add.push(`xmlns:dc="${DUBLIN_CORE}"`);
  return add.length ? xml.replace("<rss version=\"2.0\"", `<rss version="2.0" ${add.join(" ")}`) : xml;
}
