import { itemLimit, type SiteConfig } from "../site-config.js";
import { feedNameOf } from "../names.js";
import { compareNewestFirst, isLive, type PostSummary } from "../posts/post.js";
import type { FeedDefinition } from "./model.js";
import { FEEDS_PREFIX } from "../layout.js";

export const SITE_FEED: FeedDefinition = { kind: "site", name: "", dir: FEEDS_PREFIX.slice(0, -1) };

export function categoryFeed(name: string): FeedDefinition {
  return { kind: "category", name, dir: `${FEEDS_PREFIX}${name}` };
}

export function tagFeed(name: string): FeedDefinition {
  return { kind: "tag", name, dir: `${FEEDS_PREFIX}tags/${name}` };
}

export function authorFeed(name: string): FeedDefinition {
  return { kind: "author", name, dir: `${FEEDS_PREFIX}authors/${name}` };
}

/**
 * The feed whose files live in `dir` (the inverse of FeedDefinition.dir). No category may be
 * named "tags" or "authors" (names.ts), so those folders hold only tag and author feeds.
 */
export function feedOfDir(dir: string): FeedDefinition {
  if (dir === SITE_FEED.dir) return SITE_FEED;
  if (dir.startsWith(`${FEEDS_PREFIX}tags/`)) return tagFeed(dir.slice(`${FEEDS_PREFIX}tags/`.length));
  if (dir.startsWith(`${FEEDS_PREFIX}authors/`)) return authorFeed(dir.slice(`${FEEDS_PREFIX}authors/`.length));
  return categoryFeed(dir.slice(FEEDS_PREFIX.length));
}

/**
 * Every feed a post belongs in: the site's, one per category, one per tag, and its author's when
 * it names one that can name a feed. A feed is named by the folded name (feedNameOf), so "IPO"
 * and "ipo" are one feed on every filesystem.
 */
export function feedsOf(post: PostSummary): FeedDefinition[] {
  const feeds = [
    SITE_FEED,
    ...post.categories.map((c) => categoryFeed(feedNameOf(c))),
    ...post.tags.map((t) => tagFeed(feedNameOf(t))),
    ...(post.authorFeed !== undefined ? [authorFeed(post.authorFeed)] : []),
  ];
  return feeds.filter((f, i) => feeds.findIndex((g) => g.dir === f.dir) === i);
}

export interface ChosenFeed {
  feed: FeedDefinition;
  /** Newest first, at most `limit`. */
  posts: PostSummary[];
  /** The posts next in line after `posts`, at most `reserveSize`. */
  reserve: PostSummary[];
  /** How many live posts the feed has in all. */
  total: number;
  /** Every post after `posts`, newest first: its archive's (lib/feeds/archive.ts), when asked for. */
  older?: PostSummary[];
}

/**
 * Chooses the items of every feed: live posts only, newest first, at most the number configured for its kind,
 * and with `older` every post after those too.
 * The site feed is always present; a category, tag or author feed exists while it has a live post.
 * Ordered by folder, so output order never depends on input order.
 */
export function chooseFeeds(posts: Iterable<PostSummary>, config: SiteConfig, now: Date, reserveSize = 0, older = false): ChosenFeed[] {
  const live = [...posts].filter((p) => isLive(p, now)).sort(compareNewestFirst);
  const empty = (feed: FeedDefinition): ChosenFeed => ({ feed, posts: [], reserve: [], total: 0, ...(older ? { older: [] } : {}) });
  const byDir = new Map<string, ChosenFeed>([[SITE_FEED.dir, empty(SITE_FEED)]]);
  for (const post of live) {
    for (const feed of feedsOf(post)) {
      let chosen = byDir.get(feed.dir);
      if (!chosen) byDir.set(feed.dir, (chosen = empty(feed)));
      chosen.total++;
      if (chosen.posts.length < itemLimit(config.feeds, feed.kind)) chosen.posts.push(post);
      else {
        if (chosen.reserve.length < reserveSize) chosen.reserve.push(post);
        chosen.older?.push(post);
      }
    }
  }
  return [...byDir.values()].sort((a, b) => (a.feed.dir < b.feed.dir ? -1 : a.feed.dir > b.feed.dir ? 1 : 0));
}
