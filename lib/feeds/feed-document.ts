import type { SiteConfig } from "../config.js";
import type { Post } from "../posts/post.js";
import { feedNameOf } from "../names.js";
import { archiveDir } from "./archive.js";
import { SITE_FEED } from "./choose.js";
import { firstBodyImage } from "./lead-image.js";
import { renderBody } from "./render-body.js";
import { FEED_FILES, OPML_FILE, PAGE_FILE, type DocumentItem, type FeedDefinition, type FeedDocument, type FeedItem, type FeedListing, type FolderLinks } from "./model.js";

/**
 * Display title of a category, tag or author: the configured one, else its feed name. Only the
 * feed's folder decides it, never the posts it shows, so the OPML list (which knows the folders
 * alone) and the feed itself always agree, whichever spelling the newest post used.
 */
export function displayTitle(feed: FeedDefinition, config: SiteConfig): string {
  if (feed.kind === "category") return config.feeds.categories[feed.name] ?? feed.name;
  if (feed.kind === "tag") return `#${config.feeds.tags[feed.name] ?? feed.name}`;
  if (feed.kind === "author") return config.feeds.authors?.[feed.name] ?? feed.name;
  return config.title;
}

/** Absolute URL of an output key ("feeds/…") where the feeds are served, each segment percent-encoded. */
export function publicUrl(key: string, config: SiteConfig): string {
  return `${config.feeds.url}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** Builds the item shown for a post in every feed; this is where the costly body rendering happens. */
export function toFeedItem(post: Post, config: SiteConfig): FeedItem {
  const { html, summary } = renderBody(post, config.feeds.summaryLength);
  const image = post.image ?? firstBodyImage(html);
  return {
    id: post.id,
    url: post.url,
    title: post.title,
    published: post.date,
    updated: post.updated ?? post.date,
    summary,
    html,
    categories: post.categories,
    tags: post.tags,
    ...(post.author ? { author: post.author } : {}),
    ...(image ? { image } : {}),
  };
}

/**
 * The item as documents show it: its categories then its tags, each labelled with the display
 * title of its feed if one is set, a label shown once (a category and a tag of one name are one).
 */
export function toDocumentItem({ categories: names, tags, ...item }: FeedItem, config: SiteConfig): DocumentItem {
  const categories: DocumentItem["categories"] = [];
  const seen = new Set<string>();
  const add = (term: string, label: string) => {
    if (seen.has(label)) return;
    seen.add(label);
    categories.push({ term, label });
  };
  for (const c of names) add(c, config.feeds.categories[feedNameOf(c)] ?? c);
  for (const t of tags) add(t, config.feeds.tags[feedNameOf(t)] ?? t);
  return { ...item, categories };
}

/**
 * The document one feed renders from. `items` are newest first. `feeds`, every feed of the site,
 * is listed on the site feed's page; other feeds ignore it. `newestPage` names the feed's newest
 * archive page (lib/feeds/archive.ts), when it has archives.
 */
export function toFeedDocument(feed: FeedDefinition, items: FeedItem[], config: SiteConfig, feeds?: FeedDefinition[], newestPage?: string): FeedDocument {
  const urls = folderUrls(feed.dir, config);
  const newest = items.reduce((max, i) => Math.max(max, i.updated.getTime()), 0);
  return {
    title: feed.kind === "site" ? config.title : `${config.title} - ${displayTitle(feed, config)}`,
    description: config.description,
    homeUrl: `${config.url}${config.baseurl}/`,
    links: urls.links,
    language: config.lang,
    timeZone: config.timezone,
    // An empty feed has no newest item; the epoch keeps the output independent of the clock.
    updated: new Date(newest),
    author: config.author ?? { name: config.title },
    ...(config.author ? { siteAuthor: config.author } : {}),
    ...(config.feeds.icon ? { icon: config.feeds.icon } : {}),
    ...(config.feeds.logo ? { logo: config.feeds.logo } : {}),
    ...(config.feeds.websub ? { hubs: config.feeds.websub.hubs } : {}),
    ...(config.feeds.excerpt?.includes(feed.kind) ? { excerpt: true as const } : {}),
    items: items.map((item) => toDocumentItem(item, config)),
    pages: { self: urls.page, index: folderUrls(SITE_FEED.dir, config).page, opml: publicUrl(OPML_FILE.key, config) },
    ...(feed.kind === "site" && feeds ? { feeds: listFeeds(feeds, config) } : {}),
    ...(newestPage !== undefined ? { archive: { prev: archivePageUrls(feed, newestPage, config) } } : {}),
  };
}

/** The document of one archive page: the feed's, at the page's own URLs. An archive is not a WebSub topic. */
export function toArchiveDocument(feed: FeedDefinition, page: string, items: FeedItem[], config: SiteConfig, olderPage?: string): FeedDocument {
  const own = archivePageUrls(feed, page, config);
  const { hubs: _hubs, ...doc } = toFeedDocument(feed, items, config);
  return {
    ...doc,
    links: own.links,
    pages: { ...doc.pages, self: own.page },
    archive: { current: folderUrls(feed.dir, config), ...(olderPage !== undefined ? { prev: archivePageUrls(feed, olderPage, config) } : {}) },
  };
}

const KIND_ORDER = { site: 0, category: 1, tag: 2, author: 3 } as const;

/** Every feed as the site feed's page lists it: the site feed, then categories, tags and authors, each by folder. */
function listFeeds(feeds: FeedDefinition[], config: SiteConfig): FeedListing[] {
  const unique = [...new Map(feeds.map((f) => [f.dir, f])).values()];
  unique.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return unique.map((f) => ({ kind: f.kind, title: displayTitle(f, config), ...folderUrls(f.dir, config) }));
}

/** Absolute URLs of one archive page's three formats and of its page for people. */
function archivePageUrls(feed: FeedDefinition, page: string, config: SiteConfig): FolderLinks {
  return folderUrls(archiveDir(feed, page), config);
}

/** Absolute URLs of a feed folder's three formats and of its page. */
function folderUrls(dir: string, config: SiteConfig): FolderLinks {
  const url = (name: string) => publicUrl(`${dir}/${name}`, config);
  return { links: { rss: url(FEED_FILES.rss.name), atom: url(FEED_FILES.atom.name), json: url(FEED_FILES.json.name) }, page: url(PAGE_FILE.name) };
}
