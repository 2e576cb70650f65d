import type { SiteConfig } from "../config.js";
import { toFeedDocument } from "./feed-document.js";
import { FEED_FILES, OPML_FILE, type FeedDefinition, type FeedDocument, type FeedItem } from "./model.js";
import { renderAtom } from "./render-atom.js";
import { renderJsonFeed } from "./render-json.js";
import { renderOpml } from "./render-opml.js";
import { renderRss } from "./render-rss.js";

/** A file to be written, relative to the output root. */
export interface OutputFile {
  key: string;
  body: string;
  contentType: string;
}

/** The three files of one feed, all from the same document. Pure. */
export function renderFeedFiles(doc: FeedDocument, feed: FeedDefinition): OutputFile[] {
  return [
    { key: `${feed.dir}/${FEED_FILES.rss.name}`, body: renderRss(doc), contentType: FEED_FILES.rss.contentType },
    { key: `${feed.dir}/${FEED_FILES.atom.name}`, body: renderAtom(doc), contentType: FEED_FILES.atom.contentType },
    { key: `${feed.dir}/${FEED_FILES.json.name}`, body: renderJsonFeed(doc), contentType: FEED_FILES.json.contentType },
  ];
}

/** Renders one feed from its items (newest first). Pure. */
export function renderFeed(feed: FeedDefinition, items: FeedItem[], config: SiteConfig): OutputFile[] {
  return renderFeedFiles(toFeedDocument(feed, items, config), feed);
}

/** The OPML subscription list: the site feed, then every category feed by folder. Pure. */
export function renderIndex(feeds: FeedDefinition[], config: SiteConfig): OutputFile {
  const listed = feeds
    .filter((f) => f.kind !== "tag")
    .sort((a, b) => (a.kind === b.kind ? (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0) : a.kind === "site" ? -1 : 1))
    .map((f) => toFeedDocument(f, [], config));
  return { key: OPML_FILE.key, body: renderOpml(config.title, listed), contentType: OPML_FILE.contentType };
}
