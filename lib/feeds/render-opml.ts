import { escapeHtml } from "../posts/text.js";
import type { FeedDocument } from "./model.js";

/**
 * OPML 2.0 listing the site feed and every category feed, so an aggregator can subscribe to all
 * of them at once. Pure; `docs` in the order they should appear.
 */
export function renderOpml(title: string, docs: FeedDocument[]): string {
  const outlines = docs.map(
    (d) =>
      `    <outline type="rss" text="${escapeHtml(d.title)}" title="${escapeHtml(d.title)}" xmlUrl="${escapeHtml(d.links.rss)}" htmlUrl="${escapeHtml(d.homeUrl)}" language="${escapeHtml(d.language)}"/>`,
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    "  <head>",
    `    <title>${escapeHtml(title)}</title>`,
    "  </head>",
    "  <body>",
    ...outlines,
    "  </body>",
    "</opml>",
    "",
  ].join("\n");
}
