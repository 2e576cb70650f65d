import type { Person } from "../config.js";
import type { PostImage } from "../posts/post.js";

/**
 * One entry as every format shows it; built once per post and shared by all its feeds. It
 * depends on the post and on the settings renderHash names, never on display titles: those are
 * given to its categories and tags by each document (DocumentItem), so a new display title
 * re-renders feeds without reading a post again.
 */
export interface FeedItem {
  id: string;
  url: string;
  title: string;
  published: Date;
  /** Last change; equals `published` unless the post says otherwise. */
  updated: Date;
  /** Plain text. */
  summary: string;
  /** Sanitised HTML with absolute URLs. */
  html: string;
  /** The post's categories and tags, as it wrote them. */
  categories: string[];
  tags: string[];
  author?: Person;
  /**
   * The lead image: the front matter's `image:`, else the body's first http(s) image. Plain
   * strings, absent when there is none, so items stored as JSON stay as they were without one.
   */
  image?: PostImage;
}

/** An item as a document shows it: each category and tag once, by the name the post wrote (term) and its display title (label). */
export interface DocumentItem extends Omit<FeedItem, "categories" | "tags"> {
  categories: { term: string; label: string }[];
}

/** Which feed: the whole site, one category, one tag, or one author. */
export interface FeedDefinition {
  kind: FeedKind;
  /** Category, tag or author name, folded (feedNameOf); "" for the site feed. */
  name: string;
  /** Storage folder of the feed's three files: "feeds", "feeds/<category>", "feeds/tags/<tag>", "feeds/authors/<author>". */
  dir: string;
}

export type FeedKind = "site" | "category" | "tag" | "author";

/** Everything a renderer needs; renderers are pure functions of this. */
export interface FeedDocument {
  title: string;
  description: string;
  homeUrl: string;
  links: { rss: string; atom: string; json: string };
  language: string;
  timeZone: string;
  /** The newest item's last change, never the build time, so unchanged content gives identical bytes. */
  updated: Date;
  /** Who the feed is by: the site's author, else the site itself (Atom requires one). */
  author: Person;
  /** The site's `author` when the configuration names one: RSS names only a real one. */
  siteAuthor?: Person;
  /** Absolute URLs of `feeds.icon` (square) and `feeds.logo` (wide), when configured. */
  icon?: string;
  logo?: string;
  /** WebSub hubs (`feeds.websub.hubs`), when configured: each format names them beside its self link. */
  hubs?: string[];
  /**
   * `feeds.content` is excerpt for this feed: items carry their summary only, never the full
   * HTML. Absent for full content, so a site that does not set it renders as it always did.
   */
  excerpt?: true;
  items: DocumentItem[];
  /**
   * RFC 5005 links, when the feed has archives (`feeds.archive`): `prev` to the next older page,
   * and on an archive page `current`, the feed it belongs to, which also marks the document as an
   * archive. JSON Feed has only `next_url`, the older page. Each names the three formats and the
   * page a person reads.
   */
  archive?: { prev?: FolderLinks; current?: FolderLinks };
  /** Absolute URLs of the feed's own page (PAGE_FILE) and of the list of every feed (feeds/index.html, the site feed's page). */
  pages: { self: string; index: string; opml: string };
  /**
   * Every feed of the site, for the site feed's page, which is also the list of all feeds; given
   * only to the site feed's document, and only by callers that know the feed list.
   */
  feeds?: FeedListing[];
}

/** One feed as the list of every feed shows it. */
export interface FeedListing extends FolderLinks {
  kind: FeedKind;
  title: string;
}

/** Absolute URLs of one folder's three formats and of its page. */
export interface FolderLinks {
  page: string;
  links: FeedDocument["links"];
}

/**
 * `contentType` is what a file is stored with; `publicType` is what readers get through CloudFront.
 * CloudFront compresses neither application/atom+xml nor application/feed+json, so those two are
 * stored as plain XML and JSON and infra/edge/feed-response.js restores their own types (README,
 * "Compressed delivery").
 */
export const FEED_FILES = {
  rss: { name: "rss.xml", contentType: "application/rss+xml; charset=utf-8", publicType: "application/rss+xml; charset=utf-8" },
  atom: { name: "atom.xml", contentType: "application/xml", publicType: "application/atom+xml; charset=utf-8" },
  json: { name: "feed.json", contentType: "application/json", publicType: "application/feed+json; charset=utf-8" },
} as const;

export const OPML_FILE = { key: "feeds/index.opml", contentType: "text/x-opml; charset=utf-8" } as const;

/**
 * The page a person reads in each feed folder, beside the three formats: CloudFront shows it for a
 * browser's navigation to any of them (infra/edge/feed-request.js). The site feed's page,
 * feeds/index.html, also lists every feed. Not a feed: no WebSub topic, not in FEED_FILES.
 */
export const PAGE_FILE = { name: "index.html", contentType: "text/html; charset=utf-8" } as const;

/** The autodiscovery `<link rel="alternate">` lines of each feed, an HTML fragment the site's own pages can include. */
export const SNIPPET_FILE = { name: "autodiscovery.html", contentType: "text/html; charset=utf-8" } as const;

/** The names of the files of one document: its three formats and its page (an archive page's folder holds these). */
export const DOCUMENT_FILES: readonly string[] = [...Object.values(FEED_FILES).map((f) => f.name), PAGE_FILE.name];

/** The names of every file a feed folder holds (renderFeedFiles writes them all), for deleting a feed whole. */
export const FEED_FOLDER_FILES: readonly string[] = [...DOCUMENT_FILES, SNIPPET_FILE.name];

/** The names of every output file: a feed folder's, and the OPML's. */
export const OUTPUT_NAMES: ReadonlySet<string> = new Set([...FEED_FOLDER_FILES, OPML_FILE.key.slice(OPML_FILE.key.lastIndexOf("/") + 1)]);
