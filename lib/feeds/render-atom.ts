import { formatRfc3339 } from "./dates.js";
import type { Person } from "../config.js";
import { imageType } from "./lead-image.js";
import type { DocumentItem, FeedDocument } from "./model.js";
import { cdata, element, empty, escapeText, normalUrl, parent, xmlDocument } from "./xml.js";

/**
 * Atom 1.0 (RFC 4287) with full content (unless excerpts) and summaries, and links to its WebSub
 * hubs and its archives (RFC 5005). Titles and summaries are plain text (type="text"), so every
 * reader shows them exactly as the post wrote them; the content is HTML. Pure.
 */
export function renderAtom(doc: FeedDocument): string {
  const text = (name: string, value: string) => element(name, escapeText(value));
  const feed = [
    text("id", doc.links.atom),
    text("title", doc.title),
    text("updated", formatRfc3339(doc.updated, doc.timeZone)),
    text("generator", "feedpub"),
    ...person("author", doc.author),
    empty("link", { rel: "alternate", href: normalUrl(doc.homeUrl) }),
    empty("link", { rel: "self", href: normalUrl(doc.links.atom) }),
    ...(doc.hubs ?? []).map((hub) => empty("link", { rel: "hub", href: hub })),
    ...(doc.archive?.current ? [empty("link", { rel: "current", href: normalUrl(doc.archive.current.links.atom) }), empty("fh:archive", {})] : []),
    ...(doc.archive?.prev ? [empty("link", { rel: "prev-archive", href: normalUrl(doc.archive.prev.links.atom) })] : []),
    ...(doc.description ? [text("subtitle", doc.description)] : []),
    ...(doc.logo ? [text("logo", doc.logo)] : []),
    ...(doc.icon ? [text("icon", doc.icon)] : []),
    ...doc.items.flatMap((item) => renderEntry(item, doc)),
  ];
  const fh = doc.archive?.current ? { "xmlns:fh": "http://purl.org/syndication/history/1.0" } : {};
  return xmlDocument(parent("feed", feed, { xmlns: "http://www.w3.org/2005/Atom", ...fh, "xml:lang": doc.language }));
}

function renderEntry(item: DocumentItem, doc: FeedDocument): string[] {
  const image = item.image;
  const type = image && imageType(image.url);
  return parent("entry", [
    element("title", escapeText(item.title), { type: "text" }),
    element("id", escapeText(normalUrl(item.id))),
    empty("link", { href: normalUrl(item.url) }),
    ...(image ? [empty("link", { rel: "enclosure", href: image.url, type: type || undefined, title: image.alt })] : []),
    element("updated", formatRfc3339(item.updated, doc.timeZone)),
    ...(item.summary ? [element("summary", escapeText(item.summary), { type: "text" })] : []),
    // An excerpt is its summary alone: RFC 4287 allows an entry without content that links to its page.
    ...(!doc.excerpt && item.html ? [element("content", cdata(item.html), { type: "html" })] : []),
    ...(item.author ? person("author", item.author) : []),
    // The term is the name as the post wrote it, the label the display title of its feed.
    ...item.categories.map((c) => empty("category", { label: c.label, term: c.term })),
    element("published", formatRfc3339(item.published, doc.timeZone)),
  ]);
}

function person(name: string, p: Person): string[] {
  return parent(name, [
    element("name", escapeText(p.name)),
    ...(p.email ? [element("email", escapeText(p.email))] : []),
    ...(p.url ? [element("uri", escapeText(normalUrl(p.url)))] : []),
  ]);
}
