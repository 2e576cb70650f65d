import type { SiteConfig } from "../config.js";
import { archiveDir, type ArchivePage } from "./archive.js";
import { toArchiveDocument, toFeedDocument } from "./feed-document.js";
import { FEED_FILES, OPML_FILE, PAGE_FILE, SNIPPET_FILE, type FeedDefinition, type FeedDocument, type FeedItem } from "./model.js";
import { renderAtom } from "./render-atom.js";
import { renderAutodiscovery, renderPage } from "./render-html.js";
import { renderJsonFeed } from "./render-json.js";
import { renderOpml } from "./render-opml.js";
import { renderRss } from "./render-rss.js";

/** A file to be written, relative to the output root. */
export interface OutputFile {
  key: string;
  body: string;
  contentType: string;
  /** A closed archive page's: its bytes never change, so caches may keep it without asking again (IMMUTABLE_CACHE_CONTROL). */
  immutable?: true;
}

/**
 * The files of one feed, all from the same document: the three formats, the page a person reads
 * (PAGE_FILE) and the autodiscovery snippet for the site's pages (SNIPPET_FILE). Pure.
 */
export function renderFeedFiles(doc: FeedDocument, feed: FeedDefinition): OutputFile[] {
  return [
    ...renderDocumentFiles(doc, feed.dir),
    { key: `${feed.dir}/${SNIPPET_FILE.name}`, body: renderAutodiscovery(doc), contentType: SNIPPET_FILE.contentType },
  ];
}

/** The three formats and the page of one document, in the folder `dir`. */
function renderDocumentFiles(doc: FeedDocument, dir: string): OutputFile[] {
  return [
    { key: `${dir}/${FEED_FILES.rss.name}`, body: renderRss(doc), contentType: FEED_FILES.rss.contentType },
    { key: `${dir}/${FEED_FILES.atom.name}`, body: renderAtom(doc), contentType: FEED_FILES.atom.contentType },
    { key: `${dir}/${FEED_FILES.json.name}`, body: renderJsonFeed(doc), contentType: FEED_FILES.json.contentType },
    { key: `${dir}/${PAGE_FILE.name}`, body: renderPage(doc), contentType: PAGE_FILE.contentType },
  ];
}

/**
 * Renders one feed from its items (newest first). `feeds`, every feed of the site, is listed on
 * the site feed's page. `newestPage` names the feed's newest archive page, when it has archives. Pure.
 */
export function renderFeed(feed: FeedDefinition, items: FeedItem[], config: SiteConfig, feeds?: FeedDefinition[], newestPage?: string): OutputFile[] {
  return renderFeedFiles(toFeedDocument(feed, items, config, feeds, newestPage), feed);
}

/**
 * Renders one archive page of a feed (cutArchive) from its items, newest first, linked to the feed
 * and to the next older page, `olderPage`, when there is one. A closed page's files are immutable. Pure.
 */
export function renderArchivePage(feed: FeedDefinition, page: Omit<ArchivePage<unknown>, "posts">, items: FeedItem[], config: SiteConfig, olderPage?: string): OutputFile[] {
  const files = renderDocumentFiles(toArchiveDocument(feed, page.name, items, config, olderPage), archiveDir(feed, page.name));
  return page.closed ? files.map((file) => ({ ...file, immutable: true as const })) : files;
}

/** Title of the OPML outline that holds the tag feeds. */
export const OPML_TAGS_TITLE = "Tags";
/** Title of the OPML outline that holds the author feeds. */
export const OPML_AUTHORS_TITLE = "Authors";

/**
 * The OPML subscription list: the site feed and every category feed by folder, then the tag
 * feeds and the author feeds by folder, each in an outline of their own. Pure.
 */
export function renderIndex(feeds: FeedDefinition[], config: SiteConfig): OutputFile {
  const byDir = (a: FeedDefinition, b: FeedDefinition) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0);
  const docs = (kind: FeedDefinition["kind"]) => feeds.filter((f) => f.kind === kind).sort(byDir).map((f) => toFeedDocument(f, [], config));
  const body = renderOpml(config.title, [...docs("site"), ...docs("category")], [
    { title: OPML_TAGS_TITLE, docs: docs("tag") },
    { title: OPML_AUTHORS_TITLE, docs: docs("author") },
  ]);
  return { key: OPML_FILE.key, body, contentType: OPML_FILE.contentType };
}
