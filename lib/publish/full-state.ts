import type { SiteConfig } from "../config.js";
import { feedsOf, type ChosenFeed } from "../feeds/choose.js";
import { OPML_FILE, type FeedItem } from "../feeds/model.js";
import type { OutputFile } from "../feeds/render-feed.js";
import { isLive, type PostSummary } from "../posts/post.js";
import { toStoredItem, type FeedState } from "./feed-state.js";
import type { StateWrite } from "./journal.js";
import { configHash, membershipHash, limitsHash, renderHash, feedStateKey, schedule, shardKey, shardOf, SITE_STATE_KEY, STATE_VERSION, type PostRecord, type PostShard, type SiteState } from "./state-store.js";
import { sha256 } from "./write-files.js";

export interface FullBuild {
  feeds: ChosenFeed[];
  items: Map<string, FeedItem>;
  /** SHA-256 of every file written, by key. */
  hashes: Map<string, string>;
  posts: PostSummary[];
  now: Date;
  config: SiteConfig;
  cacheControl: string;
}

/** The complete index state that matches a full build, as objects to write. Pure. */
export function fullState(build: FullBuild): StateWrite[] {
  const hashes = build.hashes;
  const writes: StateWrite[] = [];
  for (const chosen of build.feeds) {
    const state: FeedState = {
      feed: chosen.feed,
      total: chosen.total,
      items: chosen.posts.flatMap((p) => {
        const item = build.items.get(p.key);
        return item ? [toStoredItem(p.key, item)] : [];
      }),
      reserve: chosen.reserve.map((p) => ({ key: p.key, date: p.date.getTime() })),
      hashes: Object.fromEntries(
        [...hashes].filter(([key]) => key !== OPML_FILE.key && key.slice(0, key.lastIndexOf("/")) === chosen.feed.dir),
      ),
    };
    writes.push({ key: feedStateKey(chosen.feed.dir), body: JSON.stringify(state) });
  }

  const shards = new Map<string, PostShard>();
  const site: SiteState = {
    version: STATE_VERSION,
    config: configHash(build.config),
    membership: membershipHash(build.config),
    limits: limitsHash(build.config),
    render: renderHash(build.config),
    cacheControl: build.cacheControl,
    feeds: build.feeds.map((f) => f.feed.dir),
    scheduled: {},
    ...(hashes.has(OPML_FILE.key) ? { opml: hashes.get(OPML_FILE.key)! } : {}),
  };
  for (const post of build.posts) {
    if (post.draft) continue;
    if (!isLive(post, build.now)) {
      schedule(site, post.key, post.date.getTime(), post.wall);
      continue;
    }
    const shard = shardOf(post.key);
    if (!shards.has(shard)) shards.set(shard, {});
    shards.get(shard)![post.key] = postRecord(post);
  }
  for (const [shard, records] of shards) writes.push({ key: shardKey(shard), body: JSON.stringify(records) });
  writes.push({ key: SITE_STATE_KEY, body: JSON.stringify(site) });
  return writes;
}

/** What the index keeps of a live post. */
export function postRecord(post: PostSummary): PostRecord {
  return { feeds: feedsOf(post).map((f) => f.dir), date: post.date.getTime(), wall: post.wall ?? null };
}

/** Whether a post's record is the one the index holds: same feeds, date and date as written. */
export function sameRecord(a: PostRecord, b: PostRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
