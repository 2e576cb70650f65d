import { escapeAttribute } from "./xml.js";
import type { FeedDocument } from "./model.js";

/** Feeds listed together under one outline of their own. */
export interface OpmlGroup {
  title: string;
  docs: FeedDocument[];
}

/**
 * OPML 2.0 listing the site feed and every category feed, then each group (the tag feeds, the
 * author feeds) in an outline of its own, so an aggregator can subscribe to all of them at once
 * and file the many tag and author feeds each in one folder. Pure; `docs` and each group's in the order they should appear; an
 * empty group is left out.
 */
export function renderOpml(title: string, docs: FeedDocument[], groups: OpmlGroup[] = []): string {
  const outline = (d: FeedDocument, indent: string) =>
    `${indent}<outline type="rss" text="${escapeAttribute(d.title)}" title="${escapeAttribute(d.title)}" xmlUrl="${escapeAttribute(d.links.rss)}" htmlUrl="${escapeAttribute(d.homeUrl)}" language="${escapeAttribute(d.language)}"/>`;
  const grouped = groups
    .filter((g) => g.docs.length > 0)
    .flatMap((g) => [
      `    <outline text="${escapeAttribute(g.title)}" title="${escapeAttribute(g.title)}">`,
      ...g.docs.map((d) => outline(d, "      ")),
      "    </outline>",
    ]);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    "  <head>",
    `    <title>${escapeAttribute(title)}</title>`,
    "  </head>",
    "  <body>",
    ...docs.map((d) => outline(d, "    ")),
    ...grouped,
    "  </body>",
    "</opml>",
    "",
  ].join("\n");
}
