import type { SiteConfig } from "../config.js";
import { PostError, StorageError } from "../errors.js";
import { feedOfDir, feedsOf, SITE_FEED } from "../feeds/choose.js";
import { toFeedItem } from "../feeds/feed-document.js";
import { OPML_FILE } from "../feeds/model.js";
import { renderFeed, renderIndex, type OutputFile } from "../feeds/render-feed.js";
import { isPostKey, parsePost } from "../posts/parse-post.js";
import { isLive, type Post } from "../posts/post.js";
import { prefixStorage } from "../storage/prefix.js";
import type { Storage } from "../storage/types.js";
import { buildAll } from "./build-all.js";
import {
  emptyFeedState,
  fromStoredItem,
  join,
  leave,
  refillPlan,
  toStoredItem,
  type FeedState,
  type StoredItem,
} from "./feed-state.js";
import { commitState, recoverState, type StateWrite } from "./journal.js";
import { loadConfig } from "./load-config.js";
import { mapLimit } from "./map-limit.js";
import {
  feedStateKey,
  loadFeedState,
  loadShard,
  loadSiteState,
  shardKey,
  shardOf,
  configHash,
  SITE_STATE_KEY,
  STATE_VERSION,
  type PostShard,
  type SiteState,
} from "./state-store.js";
import { DEFAULT_CACHE_CONTROL, writeChanged, type WriteOutcome } from "./write-files.js";

/**
 * A post that was written or removed under content/; `key` is relative to content/. `removed` is
 * what the event said; the bucket has the last word (see publishChanges).
 */
export interface Change {
  key: string;
  removed: boolean;
}

export type ChangeOutcome = "published" | "scheduled" | "draft" | "removed" | "rejected" | "ignored";

export interface ChangeResult {
  key: string;
  outcome: ChangeOutcome;
  reason?: string;
  ms: number;
}

export interface PublishResult {
  results: ChangeResult[];
  /** Index of the first change that failed with a transient error; it and every later change were not applied. */
  failedAt?: number;
  failure?: StorageError;
  writes: WriteOutcome[];
  /** The state was missing or could not serve the change, so everything was rebuilt from content/. */
  rebuilt: boolean;
}

export interface PublishOptions {
  /** The bucket root: content/, feeds/ and state/ live under it. */
  bucket: Storage;
  now: Date;
  cacheControl?: string;
  reserveSize?: number;
}

/**
 * Applies uploads and deletions under content/ to the feeds, touching only the feeds those posts
 * were or are in. Reads the changed posts, their index records and the affected feeds' state; never
 * lists or reads the rest of the site, unless the state is missing or a feed has run out of
 * remembered posts, in which case it rebuilds everything once. Posts whose date has come since the
 * last run are published along the way.
 */
export async function publishChanges(options: PublishOptions, changes: Change[]): Promise<PublishResult> {
  const { bucket, now } = options;
  const content = prefixStorage(bucket, "content/");
  // Independent reads go out together; the site state is read again only after replaying a journal.
  const [recovered, config, loadedSite] = await Promise.all([recoverState(bucket), loadConfig(content), loadSiteState(bucket)]);
  const site = recovered ? await loadSiteState(bucket) : loadedSite;
  // A changed _config.yml (title, limit, timezone…) changes every feed, and a new Cache-Control must
  // reach every feed object: only a full build can follow either.
  const cacheControl = options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  if (!site || site.version !== STATE_VERSION || site.config !== configHash(config) || site.cacheControl !== cacheControl) {
    return rebuild(options, changes);
  }

  const reserveSize = options.reserveSize ?? 2 * config.feeds.limit;
  const feedStates = new Map<string, FeedState>();
  const shards = new Map<string, PostShard>();
  const dirtyShards = new Set<string>();
  const dirtyFeeds = new Set<string>();
  // State as loaded, to write back only what really changed: a replayed event must write nothing.
  const baseline = new Map<string, string>();
  const remember = <T>(key: string, value: T): T => {
    baseline.set(key, JSON.stringify(value));
    return value;
  };
  let siteDirty = false;

  const due = Object.entries(site.scheduled)
    .filter(([, date]) => date <= now.getTime())
    .map(([key]) => ({ key, removed: false }))
    .filter((c) => !changes.some((o) => o.key === c.key));
  const all = [...changes, ...due.sort((a, b) => (a.key < b.key ? -1 : 1))];

  const results: ChangeResult[] = [];
  let failedAt: number | undefined;
  let failure: StorageError | undefined;

  for (const [index, change] of all.entries()) {
    const started = performance.now();
    const done = (outcome: ChangeOutcome, reason?: string) =>
      results.push({ key: change.key, outcome, ...(reason ? { reason } : {}), ms: Math.round(performance.now() - started) });
    if (!isPostKey(change.key)) {
      done("ignored", "not a post file");
      continue;
    }
    try {
      // Every read for this change happens before any state is touched, so a failed read leaves
      // the state as if the change had not been seen and it can be retried as it is.
      // The post is read even for a deletion: events may arrive out of order (a delete after the
      // upload that replaced it), and S3 also reports expired old versions as deletions.
      const shardId = shardOf(change.key);
      const [bytes, loadedShard] = await Promise.all([content.get(change.key), shards.has(shardId) ? undefined : loadShard(bucket, shardId)]);
      let post: Post | undefined;
      let rejection: string | undefined;
      if (bytes) {
        try {
          post = parsePost(change.key, new TextDecoder().decode(bytes), config);
        } catch (error) {
          if (!(error instanceof PostError)) throw error;
          rejection = error.reason;
        }
      }
      const shard = shards.get(shardId) ?? remember(shardKey(shardId), loadedShard!);
      shards.set(shardId, shard);
      const before = shard[change.key];
      const live = post !== undefined && isLive(post, now);
      const after = live ? feedsOf(post!).map((f) => f.dir) : [];
      const missing = [...new Set([...(before?.feeds ?? []), ...after])].filter((dir) => !feedStates.has(dir));
      const loaded = await Promise.all(missing.map((dir) => loadFeedState(bucket, feedOfDir(dir))));
      missing.forEach((dir, i) => feedStates.set(dir, remember(feedStateKey(dir), loaded[i] ?? emptyFeedState(feedOfDir(dir)))));

      let item: StoredItem | undefined;
      const itemOf = () => (item ??= toStoredItem(post!.key, toFeedItem(post!, config)));
      for (const dir of before?.feeds ?? []) {
        leave(feedStates.get(dir)!, change.key);
        dirtyFeeds.add(dir);
      }
      for (const dir of after) {
        join(feedStates.get(dir)!, { key: change.key, date: post!.date.getTime() }, itemOf, config.feeds.limit, reserveSize);
        dirtyFeeds.add(dir);
      }
      if (before || live) dirtyShards.add(shardId);
      if (live) shard[change.key] = { feeds: after, date: post!.date.getTime() };
      else delete shard[change.key];

      const waiting = post !== undefined && !post.draft && !live;
      if (waiting !== change.key in site.scheduled || (waiting && site.scheduled[change.key] !== post!.date.getTime())) {
        if (waiting) site.scheduled[change.key] = post!.date.getTime();
        else delete site.scheduled[change.key];
        siteDirty = true;
      }
      if (rejection) done("rejected", rejection);
      else if (!post) done("removed");
      else done(live ? "published" : post.draft ? "draft" : "scheduled");
    } catch (error) {
      if (error instanceof StorageError && error.transient) {
        failedAt = index;
        failure = error;
        break;
      }
      throw error;
    }
  }

  // Feeds that lost shown items take the next posts in line; past what the state remembers,
  // only a full rebuild knows the order, so that is what happens (rarely: many deletions in a row).
  for (const dir of dirtyFeeds) {
    const state = feedStates.get(dir)!;
    const plan = refillPlan(state, config.feeds.limit);
    if (plan.rescan) return rebuild(options, changes, results);
    const promoted = await mapLimit(plan.promote, 8, async (ref) => {
      const bytes = await content.get(ref.key);
      const post = bytes ? tryParse(ref.key, bytes, config) : undefined;
      return post && isLive(post, now) ? toStoredItem(post.key, toFeedItem(post, config)) : undefined;
    });
    if (promoted.some((p) => p === undefined)) return rebuild(options, changes, results);
    state.items.push(...(promoted as StoredItem[]));
    state.reserve.splice(0, promoted.length);
  }

  const writes: WriteOutcome[] = [];
  const stateWrites: StateWrite[] = [];
  const feedsBefore = site.feeds.join("\n");
  const rendered: { state: FeedState; files: OutputFile[] }[] = [];
  for (const dir of [...dirtyFeeds].sort()) {
    const state = feedStates.get(dir)!;
    if (state.total === 0 && dir !== SITE_FEED.dir) {
      for (const key of Object.keys(state.hashes)) {
        await bucket.delete(key);
        writes.push({ key, outcome: "deleted" });
      }
      site.feeds = site.feeds.filter((d) => d !== dir);
      stateWrites.push({ key: feedStateKey(dir), body: null });
      continue;
    }
    if (!site.feeds.includes(dir)) site.feeds = [...site.feeds, dir].sort();
    rendered.push({ state, files: renderFeed(state.feed, state.items.map(fromStoredItem), config) });
  }
  // Every feed's files are written together rather than feed after feed.
  const feedWrites = await Promise.all(rendered.map(({ state, files }) => writeChanged(bucket, files, { cacheControl, hashes: state.hashes })));
  for (const [i, { state }] of rendered.entries()) {
    writes.push(...feedWrites[i]!);
    stateWrites.push({ key: feedStateKey(state.feed.dir), body: JSON.stringify(state) });
  }
  if (site.feeds.join("\n") !== feedsBefore) {
    siteDirty = true;
    const opml = renderIndex(site.feeds.map(feedOfDir), config);
    const hashes: Record<string, string> = site.opml ? { [OPML_FILE.key]: site.opml } : {};
    writes.push(...(await writeChanged(bucket, [opml], { cacheControl, hashes })));
    if (hashes[OPML_FILE.key]) site.opml = hashes[OPML_FILE.key];
  }
  for (const id of dirtyShards) stateWrites.push({ key: shardKey(id), body: JSON.stringify(shards.get(id)) });
  if (siteDirty) stateWrites.push({ key: SITE_STATE_KEY, body: JSON.stringify(site satisfies SiteState) });
  await commitState(bucket, stateWrites.filter((w) => w.body !== baseline.get(w.key)));

  return { results, ...(failedAt !== undefined ? { failedAt, failure: failure! } : {}), writes, rebuilt: false };
}

function tryParse(key: string, bytes: Uint8Array, config: SiteConfig): Post | undefined {
  try {
    return parsePost(key, new TextDecoder().decode(bytes), config);
  } catch {
    return undefined;
  }
}

async function rebuild(options: PublishOptions, changes: Change[], results: ChangeResult[] = []): Promise<PublishResult> {
  const report = await buildAll({
    content: prefixStorage(options.bucket, "content/"),
    output: options.bucket,
    state: options.bucket,
    now: options.now,
    ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}),
    ...(options.reserveSize ? { reserveSize: options.reserveSize } : {}),
  });
  const rejected = new Map(report.rejected.map((e) => [e.key, e.reason]));
  const byKey = new Map(report.posts.map((p) => [p.key, p]));
  const outcomes: ChangeResult[] = changes.map((c) => {
    if (!isPostKey(c.key)) return { key: c.key, outcome: "ignored", reason: "not a post file", ms: 0 };
    const post = byKey.get(c.key);
    const reason = rejected.get(c.key);
    const outcome: ChangeOutcome = reason ? "rejected" : !post ? "removed" : post.draft ? "draft" : isLive(post, options.now) ? "published" : "scheduled";
    return { key: c.key, outcome, ...(reason ? { reason } : {}), ms: results.find((r) => r.key === c.key)?.ms ?? 0 };
  });
  return {
    results: outcomes,
    writes: [
      ...report.writes,
      ...report.deleted.map((key) => ({ key, outcome: "deleted" as const })),
    ],
    rebuilt: true,
  };
}
