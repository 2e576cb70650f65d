import type { SiteConfig } from "../config.js";
import { itemLimit, longestFeed } from "../site-config.js";
import { DateFormatError, PostBugError, PostError, StorageError } from "../errors.js";
import { feedOfDir, feedsOf, SITE_FEED } from "../feeds/choose.js";
import { FEED_FILES, OPML_FILE } from "../feeds/model.js";
import { renderFeed, renderIndex, type OutputFile } from "../feeds/render-feed.js";
import { isPostKey } from "../posts/parse-post.js";
import { isLive } from "../posts/post.js";
import { prefixStorage } from "../storage/prefix.js";
import type { Storage } from "../storage/types.js";
import { compareRefs, fromStoredItem, join, leave, refillPlan, toStoredItem, type FeedState, type Ref, type StoredItem } from "./feed-state.js";
import { applyStateWrites, clearJournal, encodeWrites, readJournal, writeJournal } from "./journal.js";
import { loadConfig } from "./load-config.js";
import { mapLimit } from "./map-limit.js";
import { loadPost, renderItem } from "./read-posts.js";
import { configHash, limitsHash, loadSiteState, membershipHash, renderHash, schedule, shardOf, STATE_VERSION, unschedule, type SiteState } from "./state-store.js";
import { postRecord } from "./full-state.js";
import { parseDate } from "../posts/dates.js";
import { createWorkingState, type WorkingState } from "./working-state.js";
import { DEFAULT_CACHE_CONTROL, executeWrites, planWrites, type FilePlan, type InvalidFile, type WriteOutcome } from "./write-files.js";
import { CONTENT_PREFIX } from "../layout.js";
import { compareKeys } from "../storage/keys.js";
import { dirOfFile, liveItem, planFeeds, type FeedsPlan, type Run } from "./plan-feeds.js";
import { ArchiveStateError } from "./archive-state.js";
import { markUntrusted, newRescanId, writeSite, RESCAN_STEP, runRescan, sameCursor, settleJournal, type RescanContext, type RescanCursor, type RescanResult } from "./rescan.js";

/**
 * A post that was written or removed under content/; `key` is relative to content/. `removed` is
 * what the event said; the bucket has the last word (see publishChanges).
 */
export interface Change {
  key: string;
  removed: boolean;
}

/**
 * "deferred": kept in the site state and applied later: when a rescan of an untrusted index ends,
 * or, held back from a full batch, with the changes queued behind it (PublishRequest.more).
 */
export type ChangeOutcome = "published" | "scheduled" | "draft" | "removed" | "rejected" | "ignored" | "deferred";

export interface ChangeResult {
  key: string;
  outcome: ChangeOutcome;
  reason?: string;
  ms: number;
}

export interface PublishResult {
  results: ChangeResult[];
  /** Index of the first change that could not be applied (a transient storage failure or a bug); it and every later change were not. */
  failedAt?: number;
  failure?: StorageError | PostBugError;
  writes: WriteOutcome[];
  invalid: InvalidFile[];
  /** A rescan of content/ ran in this call (the state was missing or could not serve the change, or one was asked for). */
  rebuilt: boolean;
  /** The rescan is not finished: deliver this continuation (through the same queue, after this batch). */
  next?: RescanCursor;
  /** A configuration change was followed by rendering every feed again from its state. */
  rerendered?: boolean;
  /** ...and, the zone or feed length being new, by choosing every feed again from the post records. */
  reindexed?: boolean;
  /** Changes were held back (see PublishRequest.more): send a flush behind what is queued, which publishes them. */
  flush?: boolean;
}

export interface PublishOptions {
  /** The bucket root: content/, feeds/ and state/ live under it. */
  bucket: Storage;
  now: Date;
  cacheControl?: string;
  reserveSize?: number;
  /** Work a rescan may do in this call (RESCAN_STEP.work by default; Infinity runs it to the end). */
  rescanWork?: number;
}

/**
 * What one invocation asks of the core: the posts that changed (none on a tick), a rescan of
 * content/ (`rebuild`), or the next step of a rescan under way (`rescan`, its continuation).
 */
export interface PublishRequest {
  changes: Change[];
  rebuild?: boolean;
  rescan?: RescanCursor;
  /**
   * More changes wait in the queue behind these (the batch was full). They may then be held back
   * and published with those, so a burst renders each feed once for many posts, not once a batch.
   */
  more?: boolean;
}

/**
 * Posts held back at most before they are published anyway. A hundred posts of a burst touch most
 * of a site's busy feeds once, in one call well within the function's time and memory.
 */
export const HOLD_LIMIT = 100;

/**
 * The core's one entry: every caller (the function, `npm run dev`, `npm run rebuild`) hands it a
 * request, and it decides between an incremental publish, a re-render or re-choice of the feeds
 * after a configuration change, and a rescan of content/ in steps (rescan.ts).
 */
export async function publish(options: PublishOptions, request: PublishRequest): Promise<PublishResult> {
  if (request.rescan) return continueRescan(options, request.rescan);
  if (request.rebuild) return startRescan(options, request.changes, true);
  if (request.more && request.changes.length > 0) {
    const held = await holdChanges(options, request.changes);
    if (held) return held;
  }
  return publishChanges(options, request.changes);
}

/**
 * Keeps a full batch's changes in the site state (pendingChanges, which every incremental run
 * applies first) instead of publishing them now, while at most HOLD_LIMIT wait. The first
 * changes held ask for a flush: a message sent behind those already queued, so the burst is
 * published once it has been read, by whichever call comes first. Null when the changes
 * must go the usual way: no index to hold them in, a killed run's journal to settle first, a
 * rescan under way (it keeps its own), or too many waiting already.
 */
async function holdChanges(options: PublishOptions, changes: Change[]): Promise<PublishResult | null> {
  // A journal left by a killed run holds a site state that replaces this one when it is settled.
  const [journal, site] = await Promise.all([readJournal(options.bucket), loadSiteState(options.bucket)]);
  if (journal || !site || site.rescan || site.version !== STATE_VERSION) return null;
  const before = site.pendingChanges ?? [];
  const pending = [...new Set([...before, ...changes.map((c) => c.key).filter(isPostKey)])];
  if (pending.length > HOLD_LIMIT) return null;
  if (pending.length !== before.length) {
    site.pendingChanges = pending;
    await writeSite(options.bucket, site);
  }
  const results = deferredOf(changes, "held back, to be published with the changes queued behind it");
  // Nothing new held: most likely this batch again, after a call that died before its flush went out.
  const flush = pending.length > 0 && (before.length === 0 || pending.length === before.length);
  return { results, writes: [], invalid: [], rebuilt: false, ...(flush ? { flush: true } : {}) };
}

/**
 * Applies uploads and deletions under content/ to the feeds, touching only the feeds those posts
 * were or are in. Reads the changed posts, their index records and the affected feeds' state; never
 * lists or reads the rest of the site, unless the state is missing or a feed has run out of
 * remembered posts, in which case it rebuilds everything once. Posts whose date has come since the
 * last run are published along the way.
 *
 * Crash-safe: before anything is written, a journal names the state objects and output files the
 * run will write. A run killed at any point leaves either nothing changed or that journal, and
 * the next run finishes the state and re-checks each listed file against the storage, so the
 * feeds converge whatever happens to the posts in between.
 */
export async function publishChanges(options: PublishOptions, changes: Change[]): Promise<PublishResult> {
  const { bucket, now } = options;
  const content = prefixStorage(bucket, CONTENT_PREFIX);
  // Independent reads go out together; the site state is read again only after replaying a journal.
  const [journal, config, loadedSite] = await Promise.all([readJournal(bucket), loadConfig(content), loadSiteState(bucket)]);
  if (journal) await applyStateWrites(bucket, journal.writes);
  const site = journal ? await loadSiteState(bucket) : loadedSite;
  if (site?.rescan) {
    // A step the rescan was killed in: its files are checked now, so the mark written next is the last word.
    if (!journal) return deferToRescan(options, site, changes);
    await settleJournal(await rescanContext(options));
    return deferToRescan(options, (await loadSiteState(bucket))!, changes);
  }
  // A changed _config.yml changes every feed, and a new Cache-Control must reach every feed object.
  // When the change leaves every feed's posts as they are (a title, a URL, a display title), the
  // feeds are rendered again from the posts they show; a new zone or feed length chooses every
  // feed again from the post records; only new input limits (which posts are rejected) need a full
  // build from content/. A full build also settles any journal.
  const cacheControl = options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  const hash = configHash(config);
  const changed = site !== null && (site.config !== hash || site.cacheControl !== cacheControl);
  const reorder = changed && site.membership !== membershipHash(config);
  // Archives are kept in step with uploads, but set up from content/: a new configuration changes
  // every page (its titles, URLs or cut), and a page renders every post it holds.
  const archive = config.feeds.archive?.pageSize;
  if (!site || site.version !== STATE_VERSION || (reorder && site.limits !== limitsHash(config)) || site.archive !== archive || (changed && archive !== undefined)) {
    // Over a sound index whose items render as this configuration does, the archive steps reuse them.
    const items = site && site.version === STATE_VERSION && site.archive !== undefined && site.render === renderHash(config) ? site.render : undefined;
    return startRescan(options, changes, false, items);
  }

  // Files a killed run may have left half-written: their feeds are rendered again from the state.
  const verify = new Set(journal?.files ?? []);
  const verifyDirs = [...new Set([...verify].map(dirOfFile))].filter((dir) => site.feeds.includes(dir));
  // Shown posts the configuration change found dated otherwise than the feeds place them (see renderShown).
  let moved: string[] = [];
  const start = async (): Promise<Run | null> => {
    const state = createWorkingState(bucket, structuredClone(site));
    await state.load([], verifyDirs);
    for (const dir of verifyDirs) state.touchFeed(dir);
    const run: Run = {
      content, config, now, state,
      reserveSize: options.reserveSize ?? 2 * longestFeed(config.feeds),
      force: site.cacheControl !== cacheControl,
      rerendered: false,
      // Only a Cache-Control, feed length or input limit change keeps the stored items as rendering would make them.
      itemsCurrent: site.render === renderHash(config),
      touched: new Map(),
    };
    if (changed) {
      const found = await (reorder ? reindexAll(run) : rerenderAll(run));
      if (!found) return null;
      moved = found;
      // `limits` stays as the last full build wrote it: only a full build knows every record carries its date as written.
      Object.assign(run.state.site, { config: hash, membership: membershipHash(config), render: renderHash(config), cacheControl });
      run.rerendered = true;
    }
    return run;
  };

  let run = await start();
  if (!run) return startRescan(options, changes, false);
  // After a new zone the scheduled dates are the state's, read again, not the ones first loaded.
  const due = Object.entries(run.state.site.scheduled)
    .filter(([key, date]) => date <= now.getTime() && !changes.some((c) => c.key === key))
    .map(([key]) => ({ key, removed: false }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  // Changes kept while a rescan ran or held back come first: they happened before this call's.
  // Before them, the posts found moved: every other post joins feeds in date order again.
  const carried = [...new Set([...moved, ...(run.state.site.pendingChanges ?? [])])].map((key) => ({ key, removed: false }));
  const all = [...carried, ...changes, ...due];
  let applied = await applyChanges(run, all);
  if (applied.failure instanceof PostBugError) {
    // A bug may strike half-way through a change (rendering is lazy), so what it did to the state
    // is undone by starting again from the stored state with only the changes before it.
    const failed = applied;
    run = await start();
    if (!run) return startRescan(options, changes, false);
    applied = await applyChanges(run, all.slice(0, failed.failedAt));
    if (applied.failedAt === undefined) applied = { ...applied, failedAt: failed.failedAt, failure: failed.failure };
  }
  const { results, failure } = applied;
  const { state } = run;
  // Carried changes not applied stay in the site state for the next call; a failure among them
  // fails every change of this call too, so the order of changes is kept.
  const left = applied.failedAt !== undefined && applied.failedAt < carried.length ? carried.slice(applied.failedAt).map((c) => c.key) : [];
  if (left.length > 0) state.site.pendingChanges = left;
  else delete state.site.pendingChanges;
  const failedAt = applied.failedAt === undefined ? undefined : Math.max(0, applied.failedAt - carried.length);

  if (!(await refillFeeds(run))) return startRescan(options, changes, false);
  let plan: FeedsPlan;
  try {
    plan = await planFeeds(run, bucket, verify, true);
  } catch (error) {
    // The archive state does not fit what the run found: it is behind content/.
    if (!(error instanceof ArchiveStateError)) throw error;
    return startRescan(options, changes, false);
  }
  const writes = encodeWrites(state.writes());
  const journaled = plan.files.length > 0 || writes.length > 0;
  if (journaled) await writeJournal(bucket, { writes, files: plan.files });
  // The journal holds both halves, so they need no order between them: a run killed part-way
  // is finished by the next one whichever half got further.
  const [outcomes] = await Promise.all([plan.execute(cacheControl), applyStateWrites(bucket, writes)]);
  if (journaled || journal) await clearJournal(bucket);
  return {
    results,
    ...(failedAt !== undefined ? { failedAt, failure: failure! } : {}),
    writes: outcomes,
    invalid: plan.invalid,
    rebuilt: false,
    rerendered: run.rerendered,
    reindexed: run.rerendered && reorder,
  };
}

/**
 * After a configuration change that keeps every feed's posts (see membershipHash), renders the
 * items of every feed again, reading each shown post once: a few thousand reads, not the whole
 * site. Gives the shown posts found moved (renderShown), whose changes must be applied first; null
 * when a shown post is gone or no longer live (its event is still on its way): then only a full
 * build knows the feeds.
 */
async function rerenderAll(run: Run): Promise<string[] | null> {
  const { state } = run;
  await state.load([], state.site.feeds);
  const placed = new Map<string, number[]>();
  for (const dir of state.site.feeds) for (const i of state.feed(dir).items) placed.set(i.key, [...(placed.get(i.key) ?? []), i.published]);
  const shown = await renderShown(run, placed);
  if (!shown) return null;
  for (const dir of state.site.feeds) {
    const feed = state.feed(dir);
    feed.items = feed.items.map((i) => placedAt(shown.items.get(i.key)!, i.published));
    state.touchFeed(dir);
  }
  return shown.moved;
}

/**
 * The item, dated as its place in a feed says: a moved post (see renderShown) keeps, until its
 * change is applied in the same call, the date the feed orders it by, so that every other post,
 * moved or joining, is placed among items in date order.
 */
function placedAt(item: StoredItem, date: number): StoredItem {
  return item.published === date ? item : { ...item, published: date };
}

/**
 * The items of the posts the feeds show, each rendered once; the stored ones are reused while
 * they are current. `placed` gives each post's dates as the feeds place it. `memberOf`, when
 * given, names the feeds each post's record says it belongs to: only their copies are reused.
 * Undefined when a post to render is not live as the state says (see liveItem).
 *
 * `moved` names the posts read again whose date is no longer one they are placed by: changed since
 * their last change was applied (held back, or still on its way). Each feed keeps its items in
 * date order and places a joining post by them, so such an item keeps the date of its place
 * (placedAt) until its change, applied first, moves it: otherwise a post joining before that would
 * be placed by a date out of order, for good.
 */
async function renderShown(
  run: Run,
  placed: ReadonlyMap<string, readonly number[]>,
  memberOf?: (key: string) => readonly string[] | undefined,
): Promise<{ items: Map<string, StoredItem>; moved: string[] } | undefined> {
  const items = new Map<string, StoredItem>();
  if (run.itemsCurrent) {
    // Every feed showing a post holds the same item for it, but while a rescan on request corrects
    // the feeds a step at a time, a feed it has not reached yet may hold an older one: where copies
    // differ, none is trusted, and the post is read again. Such a feed may even be one the post
    // has left (its event, applied meanwhile, took it for a new post and left the feed to the
    // rescan), and be the only one holding an item for it: so where the records are at hand, a
    // feed's copy counts only if the post is a member of that feed.
    const differing = new Set<string>();
    for (const dir of run.state.site.feeds) {
      for (const item of run.state.feed(dir).items) {
        if (memberOf && !memberOf(item.key)?.includes(dir)) continue;
        const held = items.get(item.key);
        if (held === undefined && !differing.has(item.key)) items.set(item.key, item);
        else if (held !== undefined && !sameItem(held, item)) {
          items.delete(item.key);
          differing.add(item.key);
        }
      }
    }
  }
  let complete = true;
  const moved: string[] = [];
  // 64 in flight: after a new zone every shown post is read again, some 2,000 GETs at 10k posts.
  await mapLimit([...placed.keys()].filter((key) => !items.has(key)), 64, async (key) => {
    const item = await liveItem(run, key);
    if (!item) complete = false;
    else {
      items.set(key, item);
      if (placed.get(key)!.some((date) => date !== item.published)) moved.push(key);
    }
  });
  return complete ? { items, moved: moved.sort(compareKeys) } : undefined;
}

function sameItem(a: StoredItem, b: StoredItem): boolean {
  // The body first: most of an item, and compared without copying it.
  return a.html === b.html && JSON.stringify({ ...a, html: "" }) === JSON.stringify({ ...b, html: "" });
}

/**
 * After a new zone or feed length, chooses every feed again from the post records: each date
 * written without an offset is read again in the new zone (a post may become scheduled, or come
 * due), and the shown posts are rendered again, each read once. At most 256 shard reads and the
 * shown posts, not the whole site. Gives the shown posts found moved, as rerenderAll does; null
 * when a shown post is not live as recorded, or a date cannot be read in the new zone: then only a
 * full build knows the feeds.
 */
async function reindexAll(run: Run): Promise<string[] | null> {
  const { state, config, now } = run;
  const { site } = state;
  const shardIds = await state.listShards();
  await state.load(shardIds, site.feeds);
  // null: the date cannot be placed in the new zone (unknown as written, or out of range there).
  const dated = (date: number, wall: string | null | undefined): number | null => {
    if (wall === undefined) return null;
    if (wall === null) return date;
    try {
      return parseDate(wall, config.timezone).getTime();
    } catch (error) {
      if (error instanceof DateFormatError) return null;
      throw error;
    }
  };
  // The scheduled posts first: those the records move there below are already dated in the new zone.
  for (const [key, date] of Object.entries(site.scheduled)) {
    const moved = dated(date, site.scheduledWall?.[key]);
    if (moved === null) return null;
    site.scheduled[key] = moved; // come due: published below with the changes
  }
  const byDir = new Map<string, Ref[]>(site.feeds.map((dir) => [dir, []]));
  for (const id of shardIds) {
    const shard = state.shard(id);
    state.touchShard(id); // written only if it changed
    for (const [key, record] of Object.entries(shard)) {
      const date = dated(record.date, record.wall);
      if (date === null) return null;
      if (date > now.getTime()) {
        delete shard[key];
        schedule(site, key, date, record.wall);
        continue;
      }
      record.date = date;
      for (const dir of record.feeds) {
        if (!byDir.has(dir)) byDir.set(dir, []);
        byDir.get(dir)!.push({ key, date });
      }
    }
  }

  await state.load([], [...byDir.keys()]);
  for (const refs of byDir.values()) refs.sort(compareRefs);
  const limitOf = (dir: string) => itemLimit(config.feeds, feedOfDir(dir).kind);
  const placed = new Map([...byDir].flatMap(([dir, refs]) => refs.slice(0, limitOf(dir)).map((r) => [r.key, [r.date]] as const)));
  const shown = await renderShown(run, placed, (key) => state.shard(shardOf(key))[key]?.feeds);
  if (!shown) return null;
  for (const [dir, refs] of byDir) {
    const feed = state.feed(dir);
    const limit = limitOf(dir);
    feed.items = refs.slice(0, limit).map((r) => placedAt(shown.items.get(r.key)!, r.date));
    feed.reserve = refs.slice(limit, limit + run.reserveSize);
    feed.total = refs.length;
    state.touchFeed(dir);
  }
  return shown.moved;
}

interface Applied {
  results: ChangeResult[];
  /** Index of the first change that could not be applied; it and every later one were not. */
  failedAt?: number;
  failure?: StorageError | PostBugError;
}

/** Applies changes in order until one cannot be applied: a transient storage failure or a bug. */
async function applyChanges(run: Run, changes: Change[]): Promise<Applied> {
  const results: ChangeResult[] = [];
  for (const [index, change] of changes.entries()) {
    const started = performance.now();
    try {
      const { outcome, reason } = await applyChange(run, change);
      results.push({ key: change.key, outcome, ...(reason ? { reason } : {}), ms: Math.round(performance.now() - started) });
    } catch (error) {
      // A bug met on one post fails that change (and, to keep the order, every later one), not the batch.
      if (!((error instanceof StorageError && error.transient) || error instanceof PostBugError)) throw error;
      return { results, failedAt: index, failure: error };
    }
  }
  return { results };
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
  const [read] = await Promise.all([
    loadPost(run.content, change.key, config).catch((error: unknown) => {
      if (error instanceof PostError) return error;
      throw error;
    }),
    state.load([shardId], []),
  ]);
  const post = read instanceof PostError ? undefined : (read ?? undefined);
  const rejection = read instanceof PostError ? read.reason : undefined;
  const shard = state.shard(shardId);
  const before = shard[change.key]?.feeds ?? [];
  const live = post !== undefined && isLive(post, now);
  const after = live ? feedsOf(post!).map((f) => f.dir) : [];
  await state.load([], [...before, ...after]);

  let item: StoredItem | undefined;
  const itemOf = () => (item ??= toStoredItem(post!.key, renderItem(post!, config)));
  run.touched.set(change.key, live ? itemOf : undefined);
  // With archives every live post is shown or archived, so it is rendered either way: here, where a
  // bug in it fails only this change.
  if (live && config.feeds.archive) itemOf();
  // A feed the post stays in that holds it at its date (shown, or next in line) keeps it in its
  // place, and a shown item is rendered again. Leaving and joining again would not be the same: a
  // post last in what a feed remembers (its reserve cut short) cannot be placed again once it has
  // left, and would be lost from the feed until a rescan; and a change applied twice (after a
  // rescan that read it) must change nothing. Anywhere else, or at another date, the post leaves
  // and joins: the feed's own placement is what counts, since a rescan under way corrects the
  // records before it reaches the feeds.
  const date = post?.date.getTime();
  const staying = new Set(live ? after.filter((dir) => before.includes(dir)) : []);
  const kept = new Set<string>();
  for (const dir of before) {
    const feed = state.feed(dir);
    if (staying.has(dir)) {
      const shownAt = feed.items.findIndex((i) => i.key === change.key && i.published === date);
      if (shownAt !== -1) {
        feed.items[shownAt] = itemOf();
        state.touchFeed(dir);
      }
      if (shownAt !== -1 || feed.reserve.some((r) => r.key === change.key && r.date === date)) {
        kept.add(dir);
        continue;
      }
    }
    leave(feed, change.key);
    state.touchFeed(dir);
  }
  for (const dir of after) {
    if (kept.has(dir)) continue;
    const feed = state.feed(dir);
    join(feed, { key: change.key, date: date! }, itemOf, itemLimit(config.feeds, feed.feed.kind), run.reserveSize);
    state.touchFeed(dir);
  }
  // An archived post's page is found through its feeds' archives, so each of them is looked at.
  if (config.feeds.archive) for (const dir of new Set([...before, ...after])) state.touchFeed(dir);
  if (before.length > 0 || live) state.touchShard(shardId);
  if (live) shard[change.key] = postRecord(post!);
  else delete shard[change.key];

  if (post !== undefined && !post.draft && !live) schedule(state.site, change.key, post.date.getTime(), post.wall);
  else unschedule(state.site, change.key);

  if (rejection) return { outcome: "rejected", reason: rejection };
  if (!post) return { outcome: "removed" };
  return { outcome: live ? "published" : post.draft ? "draft" : "scheduled" };
}

/**
 * Feeds that lost shown items take the next posts in line. Past what the state remembers, only a
 * full rebuild knows the order: returns false then (rarely: many deletions in a row).
 *
 * A post in line found dated otherwise than its place says (changed, its event still on its way)
 * is not promoted by the old date: its change is applied now, which places it by its new one, and
 * the feeds are refilled again, so their items stay in date order (see renderShown).
 */
async function refillFeeds(run: Run): Promise<boolean> {
  for (let round = 0; round < REFILL_ROUNDS; round++) {
    const moved = new Set<string>();
    for (const dir of run.state.changedFeeds) {
      const feed = run.state.feed(dir);
      const plan = refillPlan(feed, itemLimit(run.config.feeds, feed.feed.kind));
      if (plan.rescan) return false;
      // A post in line that is gone, now rejected or no longer live means the state is out of date.
      const promoted = await mapLimit(plan.promote, 8, (ref) => liveItem(run, ref.key));
      if (promoted.some((p) => p === undefined)) return false;
      const redated = plan.promote.filter((ref, i) => promoted[i]!.published !== ref.date);
      if (redated.length > 0) {
        for (const ref of redated) moved.add(ref.key);
        continue;
      }
      feed.items.push(...(promoted as StoredItem[]));
      feed.reserve.splice(0, promoted.length);
    }
    if (moved.size === 0) return true;
    const applied = await applyChanges(run, [...moved].sort(compareKeys).map((key) => ({ key, removed: false })));
    if (applied.failure) throw applied.failure;
  }
  // Posts that keep moving while they are read: only a rescan, which checks each against its record, settles them.
  return false;
}

/** Rounds of refilling and moving re-dated posts before a refill gives up for a rescan. */
const REFILL_ROUNDS = 4;

/**
 * Starts a rescan of content/. Asked for over an index that can be trusted, the index stays in
 * use and the rescan only corrects it; otherwise the site state is marked, and the changes of
 * this call wait in the mark until the rescan commits. Runs as many steps as this call's work
 * allows; the result's `next` says where to continue.
 */
async function startRescan(options: PublishOptions, changes: Change[], requested: boolean, items?: string): Promise<PublishResult> {
  const ctx = await rescanContext(options);
  const site = await loadSiteState(options.bucket);
  if (site?.rescan) return deferToRescan(options, site, changes);
  // With archives the index is not kept in use: a rescan's archive steps cut every feed's posts as
  // the records stand, which uploads between its steps would move.
  if (requested && site !== null && trusts(site, ctx) && !ctx.config.feeds.archive) {
    const first = await publishChanges(options, changes);
    if (first.rebuilt) return first; // the index could not serve the changes: an untrusted rescan has begun
    const rescan = await runRescan(ctx, { id: newRescanId(ctx.now, site), phase: "scan", after: null });
    return merge(first, rescanResult(rescan));
  }
  const mark = await markUntrusted(ctx, site, changes.map((c) => c.key).filter(isPostKey), items);
  return finishRescan(options, ctx, await runRescan(ctx, mark.rescan!.cursor), changes);
}

/** One continuation: the step it names, if that is where the rescan stands. */
async function continueRescan(options: PublishOptions, cursor: RescanCursor): Promise<PublishResult> {
  const ctx = await rescanContext(options);
  await settleJournal(ctx);
  const site = await loadSiteState(options.bucket);
  if (!site) return startRescan(options, [], false);
  const progress = site.rescan;
  if (progress) {
    if (progress.cursor.id !== cursor.id) return nothing();
    if (progress.config !== configHash(ctx.config) || progress.cacheControl !== ctx.cacheControl) {
      // What was read so far may have been read under other settings: start again, keeping what waits.
      const mark = await markUntrusted(ctx, site, []);
      return finishRescan(options, ctx, await runRescan(ctx, mark.rescan!.cursor), []);
    }
    if (sameCursor(progress.cursor, cursor)) return finishRescan(options, ctx, await runRescan(ctx, cursor), []);
    // This step was done, and its continuation may have been lost with the invocation: send it again.
    if (sameCursor(progress.previous, cursor)) return { ...nothing(), rebuilt: true, next: progress.cursor };
    return nothing();
  }
  // A late copy of the finished rescan's message; changes it left waiting (a failure after it
  // committed) are applied now rather than at the next event.
  if (site.rescanDone === cursor.id) return site.pendingChanges ? publishChanges(options, []) : nothing();
  if (!trusts(site, ctx)) {
    // A configuration change came in between: it is applied the usual way first.
    const first = await publishChanges(options, []);
    const after = await loadSiteState(options.bucket);
    if (first.rebuilt || !after || !trusts(after, ctx)) return first;
  }
  return rescanResult(await runRescan(ctx, cursor));
}

/**
 * While an untrusted rescan runs, changes wait in its mark. Every call also sends the rescan's
 * continuation again: the invocation that started it or ran its last step may have died before
 * sending it. FIFO deduplication drops the copy while the first is in flight, and a step already
 * done ignores a late copy (see continueRescan), so the copies do not multiply.
 */
async function deferToRescan(options: PublishOptions, site: SiteState, changes: Change[]): Promise<PublishResult> {
  const progress = site.rescan!;
  const pending = [...new Set([...progress.pending, ...changes.map((c) => c.key).filter(isPostKey)])].sort(compareKeys);
  if (pending.length !== progress.pending.length) {
    progress.pending = pending;
    await writeSite(options.bucket, site);
  }
  return { results: deferredOf(changes), writes: [], invalid: [], rebuilt: false, next: progress.cursor };
}

/** After steps of an untrusted rescan: once it has committed, the changes that waited are applied. */
async function finishRescan(options: PublishOptions, ctx: RescanContext, rescan: RescanResult, changes: Change[]): Promise<PublishResult> {
  const result = rescanResult(rescan);
  if (!rescan.pending) {
    const waiting = new Set(changes.map((c) => c.key));
    return { ...result, results: [...deferredOf(changes), ...result.results.filter((r) => !waiting.has(r.key))] };
  }
  // The changes that waited are in the site state now (pendingChanges): the next incremental call
  // applies them before anything else, so none is lost if this one fails. Should applying them
  // start another rescan, it takes one step here and goes on through the queue: a rescan never
  // starts the next within one call, so no fault can keep a call rescanning until its timeout.
  const applied = await publishChanges({ ...options, now: ctx.now, rescanWork: 0 }, []);
  // Each change of this call reported once: by what applying it gave.
  const named = new Set(applied.results.map((r) => r.key));
  return merge({ ...result, results: result.results.filter((r) => !named.has(r.key)) }, applied);
}

/** Each change kept for later, for `reason` (a rescan under way unless said); a key that is no post is ignored. */
function deferredOf(changes: Change[], reason = "a rescan of content/ is under way; the change is applied when it ends"): ChangeResult[] {
  return changes.map((c) =>
    isPostKey(c.key)
      ? { key: c.key, outcome: "deferred", reason, ms: 0 }
      : { key: c.key, outcome: "ignored", reason: "not a post file", ms: 0 },
  );
}

/** A site state incremental runs may use as it is, with this configuration and Cache-Control. */
function trusts(site: SiteState, ctx: RescanContext): boolean {
  return (
    !site.rescan &&
    site.version === STATE_VERSION &&
    site.config === configHash(ctx.config) &&
    site.cacheControl === ctx.cacheControl &&
    site.limits === limitsHash(ctx.config) &&
    site.archive === ctx.config.feeds.archive?.pageSize
  );
}

async function rescanContext(options: PublishOptions): Promise<RescanContext> {
  const content = prefixStorage(options.bucket, CONTENT_PREFIX);
  const config = await loadConfig(content);
  return {
    bucket: options.bucket,
    content,
    config,
    now: options.now,
    cacheControl: options.cacheControl ?? DEFAULT_CACHE_CONTROL,
    reserveSize: options.reserveSize ?? 2 * longestFeed(config.feeds),
    work: options.rescanWork ?? RESCAN_STEP.work,
  };
}

function rescanResult(rescan: RescanResult): PublishResult {
  return {
    results: rescan.rejected.map((e) => ({ key: e.key, outcome: "rejected" as const, reason: e.reason, ms: 0 })),
    writes: rescan.writes,
    invalid: rescan.invalid,
    rebuilt: true,
    ...(rescan.next ? { next: rescan.next } : {}),
  };
}

function merge(a: PublishResult, b: PublishResult): PublishResult {
  const failure = a.failedAt !== undefined ? { failedAt: a.failedAt, failure: a.failure! } : b.failedAt !== undefined ? { failedAt: b.failedAt, failure: b.failure! } : {};
  return {
    results: [...a.results, ...b.results],
    writes: [...a.writes, ...b.writes],
    invalid: [...a.invalid, ...b.invalid],
    rebuilt: a.rebuilt || b.rebuilt,
    ...failure,
    ...(b.next ?? a.next ? { next: (b.next ?? a.next)! } : {}),
  };
}

function nothing(): PublishResult {
  return { results: [], writes: [], invalid: [], rebuilt: false };
}
