import { formatRfc3339 } from "./dates.js";
import type { FeedDocument } from "./model.js";

/**
 * JSON Feed 1.1. Written here rather than by the `feed` package, whose JSON output is version 1.0
 * (single `author`, UTC dates); the format is plain data, so an object literal says it exactly.
 * The 1.0 `author` is written beside 1.1's `authors`, as the 1.1 spec allows for compatibility:
 * readers built on 1.0 parsers (gofeed 1.1.3, for one) show no author otherwise.
 */
export function renderJsonFeed(doc: FeedDocument): string {
  const tz = doc.timeZone;
  const authorOf = (p: FeedDocument["author"]) => ({ name: p.name, ...(p.url ? { url: p.url } : {}) });
  const feed = {
    version: "https://jsonfeed.org/version/1.1",
    title: doc.title,
    home_page_url: doc.homeUrl,
    // The feed's identity: an archive page is a page of its feed, as next_url pages are in JSON Feed.
    feed_url: doc.archive?.current?.links.json ?? doc.links.json,
    ...(doc.description ? { description: doc.description } : {}),
    // Both want a square image: icon large (a timeline's avatar), favicon small (a source list).
    ...(doc.icon ? { icon: doc.icon, favicon: doc.icon } : {}),
    language: doc.language,
    authors: [authorOf(doc.author)],
    author: authorOf(doc.author),
    // WebSub's topic is the self link, feed_url here; the hub is told of each change to it.
    ...(doc.hubs?.length ? { hubs: doc.hubs.map((url) => ({ type: "WebSub", url })) } : {}),
    // The next items, older ones: the archive page RSS and Atom call prev-archive.
    ...(doc.archive?.prev ? { next_url: doc.archive.prev.links.json } : {}),
    items: doc.items.map((item) => ({
      id: item.id,
      url: item.url,
      title: item.title,
      // JSON Feed requires content_html or content_text: an excerpt's content is its summary, as text.
      ...(doc.excerpt ? { content_text: item.summary } : { content_html: item.html }),
      summary: item.summary,
      ...(item.image ? { image: item.image.url } : {}),
      date_published: formatRfc3339(item.published, tz),
      ...(item.updated.getTime() !== item.published.getTime() ? { date_modified: formatRfc3339(item.updated, tz) } : {}),
      ...(item.author ? { authors: [authorOf(item.author)], author: authorOf(item.author) } : {}),
      ...(item.categories.length ? { tags: item.categories.map((c) => c.label) } : {}),
    })),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}
