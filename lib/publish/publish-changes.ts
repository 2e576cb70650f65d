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
import { fromStoredItem, join, leave, refillPlan, toStoredItem, type FeedState, type StoredItem } from "./feed-state.js";
import { commitState, recoverState } from "./journal.js";
import { loadConfig } from "./load-config.js";
import { mapLimit } from "./map-limit.js";
import { configHash, loadSiteState, shardOf, STATE_VERSION } from "./state-store.js";
import { createWorkingState, type WorkingState } from "./working-state.js";
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

  const state = createWorkingState(bucket, site);
  const run: Run = { content, config, now, state, reserveSize: options.reserveSize ?? 2 * config.feeds.limit };
  const due = Object.entries(site.scheduled)
    .filter(([key, date]) => date <= now.getTime() && !changes.some((c) => c.key === key))
    .map(([key]) => ({ key, removed: false }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));

  const results: ChangeResult[] = [];
  let failedAt: number | undefined;
  let failure: StorageError | undefined;
  for (const [index, change] of [...changes, ...due].entries()) {
    const started = performance.now();
    try {
      const { outcome, reason } = await applyChange(run, change);
      results.push({ key: change.key, outcome, ...(reason ? { reason } : {}), ms: Math.round(performance.now() - started) });
    } catch (error) {
      if (!(error instanceof StorageError && error.transient)) throw error;
      failedAt = index;
      failure = error;
      break;
    }
  }

  if (!(await refillFeeds(run))) return rebuild(options, changes, results);
  const writes = await writeFeeds(run, bucket, cacheControl);
  await commitState(bucket, state.writes());
  return { results, ...(failedAt !== undefined ? { failedAt, failure: failure! } : {}), writes, rebuilt: false };
}

/** What one run works with. */
interface Run {
  content: Storage;
  config: SiteConfig;
  now: Date;
  state: WorkingState;
  reserveSize: number;
}

/**
 * Applies one change to the working state. Every read happens before anything is changed, so a
 * failed read leaves the state as if the change had not been seen, and it can be retried as is.
 */
async function applyChange(run: Run, change: Change): Promise<{ outcome: ChangeOutcome; reason?: string }> {
  if (!isPostKey(change.key)) return { outcome: "ignored", reason: "not a post file" };
  const { state, config, now } = run;
  const shardId = shardOf(change.key);
  // The post is read even for a deletion: events may arrive out of order (a delete after the
  // upload that replaced it), and S3 also reports expired old versions as deletions.
  const [bytes] = await Promise.all([run.content.get(change.key), state.load([shardId], [])]);
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
  const shard = state.shard(shardId);
  const before = shard[change.key]?.feeds ?? [];
  const live = post !== undefined && isLive(post, now);
  const after = live ? feedsOf(post!).map((f) => f.dir) : [];
  await state.load([], [...before, ...after]);

  let item: StoredItem | undefined;
  const itemOf = () => (item ??= toStoredItem(post!.key, toFeedItem(post!, config)));
  for (const dir of before) {
    leave(state.feed(dir), change.key);
    state.touchFeed(dir);
  }
  for (const dir of after) {
    join(state.feed(dir), { key: change.key, date: post!.date.getTime() }, itemOf, config.feeds.limit, run.reserveSize);
    state.touchFeed(dir);
  }
  if (before.length > 0 || live) state.touchShard(shardId);
  if (live) shard[change.key] = { feeds: after, date: post!.date.getTime() };
  else delete shard[change.key];

  const { scheduled } = state.site;
  if (post !== undefined && !post.draft && !live) scheduled[change.key] = post.date.getTime();
  else delete scheduled[change.key];

  if (rejection) return { outcome: "rejected", reason: rejection };
  if (!post) return { outcome: "removed" };
  return { outcome: live ? "published" : post.draft ? "draft" : "scheduled" };
}

/**
 * Feeds that lost shown items take the next posts in line. Past what the state remembers, only a
 * full rebuild knows the order: returns false then (rarely: many deletions in a row).
 */
async function refillFeeds(run: Run): Promise<boolean> {
  for (const dir of run.state.changedFeeds) {
    const feed = run.state.feed(dir);
    const plan = refillPlan(feed, run.config.feeds.limit);
    if (plan.rescan) return false;
    const promoted = await mapLimit(plan.promote, 8, async (ref) => {
      const bytes = await run.content.get(ref.key);
      const post = bytes ? tryParse(ref.key, bytes, run.config) : undefined;
      return post && isLive(post, run.now) ? toStoredItem(post.key, toFeedItem(post, run.config)) : undefined;
    });
    if (promoted.some((p) => p === undefined)) return false;
    feed.items.push(...(promoted as StoredItem[]));
    feed.reserve.splice(0, promoted.length);
  }
  return true;
}

/** Renders and writes every changed feed (all at once), deletes emptied ones, and updates the OPML. */
async function writeFeeds(run: Run, bucket: Storage, cacheControl: string): Promise<WriteOutcome[]> {
  const { state, config } = run;
  const site = state.site;
  const feedsBefore = site.feeds.join("\n");
  const writes: WriteOutcome[] = [];
  const rendered: { feed: FeedState; files: OutputFile[] }[] = [];
  for (const dir of [...state.changedFeeds].sort()) {
    const feed = state.feed(dir);
    if (feed.total === 0 && dir !== SITE_FEED.dir) {
      await mapLimit(Object.keys(feed.hashes), 8, (key) => bucket.delete(key));
      writes.push(...Object.keys(feed.hashes).map((key) => ({ key, outcome: "deleted" as const })));
      site.feeds = site.feeds.filter((d) => d !== dir);
      state.dropFeed(dir);
      continue;
    }
    if (!site.feeds.includes(dir)) site.feeds = [...site.feeds, dir].sort();
    rendered.push({ feed, files: renderFeed(feed.feed, feed.items.map(fromStoredItem), config) });
  }
  const feedWrites = await Promise.all(rendered.map(({ feed, files }) => writeChanged(bucket, files, { cacheControl, hashes: feed.hashes })));
  writes.push(...feedWrites.flat());
  if (site.feeds.join("\n") !== feedsBefore) {
    const hashes: Record<string, string> = site.opml ? { [OPML_FILE.key]: site.opml } : {};
    writes.push(...(await writeChanged(bucket, [renderIndex(site.feeds.map(feedOfDir), config)], { cacheControl, hashes })));
    if (hashes[OPML_FILE.key]) site.opml = hashes[OPML_FILE.key];
  }
  return writes;
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
