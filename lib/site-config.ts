import type { FeedKind } from "./feeds/model.js";
import type { Limits } from "./limits.js";

// The parsed site configuration's shape, apart from the parser (lib/config.ts), so the modules
// that read posts can name it without importing the parser, which itself uses their helpers.

export interface Person {
  name: string;
  email?: string;
  url?: string;
}

export interface SiteConfig {
  title: string;
  description: string;
  /** Scheme and host, no trailing slash: "https://example.com". */
  url: string;
  /** "" or a path starting with "/" and without a trailing slash. */
  baseurl: string;
  timezone: string;
  lang: string;
  author?: Person;
  feeds: FeedsConfig;
}

export interface FeedsConfig {
  /** Items per feed, where `limitByKind` does not say otherwise (itemLimit). */
  limit: number;
  /**
   * `feeds.limit` as a mapping: the kinds of feed whose length differs from `limit`; absent when
   * none does, so the configuration's hash is what it was without it.
   */
  limitByKind?: Partial<Record<FeedKind, number>>;
  /** Jekyll permalink pattern, already expanded from the built-in style names. */
  permalink: string;
  /** Display titles by feed name (feedNameOf: NFC, lower-case), as `feeds.categories` gives them. */
  categories: Record<string, string>;
  /** Display titles by feed name (feedNameOf), as `feeds.tags` gives them. */
  tags: Record<string, string>;
  /**
   * Display titles of author feeds by feed name (feedNameOf), as `feeds.authors` gives them;
   * present only when it names one, so the configuration's hash is what it was without it.
   */
  authors?: Record<string, string>;
  /** Characters of the plain-text summary. */
  summaryLength: number;
  /** Where the feeds/ folder is served from (CloudFront or a custom domain); defaults to url + baseurl. */
  url: string;
  /** What one post may cost: `feeds.limits`, over the defaults in lib/limits.ts. */
  limits: Limits;
  /** `feeds.icon`, absolute: a square image (Atom icon, JSON Feed icon and favicon). */
  icon?: string;
  /** `feeds.logo`, absolute: a wide image (Atom logo, RSS channel image). */
  logo?: string;
  /**
   * `feeds.websub`, present only when it names at least one hub: the configuration is hashed
   * whole into the index state, so a site without hubs keeps the hash (and the bytes) it had.
   */
  websub?: WebSubConfig;
  /**
   * The kinds of feed whose items carry their summary only (`feeds.content`), in FEED_KINDS
   * order; absent when every feed has full content (the default), so the hash stays as it was.
   */
  excerpt?: FeedKind[];
  /**
   * `feeds.archive`, present only when archives are on: every feed links to RFC 5005 archive pages
   * of its older posts, `pageSize` of them to a page on average (lib/feeds/archive.ts).
   */
  archive?: ArchiveConfig;
}

export interface ArchiveConfig {
  pageSize: number;
}

/** Posts per archive page on average, when `feeds.archive` is `true` or names no `page_size`. */
export const DEFAULT_ARCHIVE_PAGE_SIZE = 50;

export interface WebSubConfig {
  /** Absolute http(s) URLs of the WebSub hubs every feed names and each change is announced to. */
  hubs: string[];
}

/** Items per feed unless `feeds.limit` says otherwise. */
export const DEFAULT_FEED_LIMIT = 50;
/** The most `feeds.limit` allows any feed: about 10 MB per file at the seed's article size. */
export const MAX_FEED_LIMIT = 1_000;

/** How many items a feed of this kind shows. */
export function itemLimit(feeds: FeedsConfig, kind: FeedKind): number {
  return feeds.limitByKind?.[kind] ?? feeds.limit;
}

/** The longest any feed is: a reserve of twice this refills every feed after as many removals. */
export function longestFeed(feeds: FeedsConfig): number {
  return Math.max(feeds.limit, ...Object.values(feeds.limitByKind ?? {}));
}
