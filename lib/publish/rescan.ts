import type { SiteConfig } from "../config.js";
import { itemLimit } from "../site-config.js";
import { PostError } from "../errors.js";
import { feedOfDir, SITE_FEED } from "../feeds/choose.js";
import { FEED_FOLDER_FILES, OPML_FILE, OUTPUT_NAMES } from "../feeds/model.js";
import { renderIndex } from "../feeds/render-feed.js";
import { FEEDS_PREFIX, STATE_PREFIX } from "../layout.js";
import { isPostKey } from "../posts/parse-post.js";
import type { Post } from "../posts/post.js";
import { compareKeys } from "../storage/keys.js";
import type { Storage } from "../storage/types.js";
import { compareRefs, type Ref, type StoredItem } from "./feed-state.js";
import { postRecord, sameRecord } from "./full-state.js";
import { applyStateWrites, clearJournal, encodeWrites, readJournal, writeJournal, type EncodedWrite } from "./journal.js";
import { mapLimit } from "./map-limit.js";
import { dirOfFile, liveItem, planFeeds, planPages, type Run } from "./plan-feeds.js";
import { archiveDir, cutArchive } from "../feeds/archive.js";
import { archiveIndexKey, pageStateKey, parseArchiveStateKey, type ArchiveIndex, type PageState } from "./archive-state.js";
import { pageFiles, type PageRender } from "./plan-archives.js";
import { loadPost } from "./read-posts.js";
import { configHash, limitsHash, loadSiteState, membershipHash, renderHash, schedule, shardOf, SITE_STATE_KEY, STATE_VERSION, unschedule, type PostRecord, type SiteState } from "./state-store.js";
import { createWorkingState, type WorkingState } from "./working-state.js";
import { executeWrites, planWrites, type InvalidFile, type WriteOutcome } from "./write-files.js";

/**
 * A rescan reads every post under content/ and makes the index and every feed agree with it: after
 * a lost or unreadable index, a state format change, new input limits, or on request. At 100,000
 * posts that is more than one invocation can do, so it goes in steps, each bounded by a budget of
 * work, and each ending with a cursor that the caller delivers back as a continuation message
 * through the same FIFO queue as uploads, keeping one writer and the order of changes.
 *
 * Phases: `scan` walks content/ a listing page at a time in key order and makes the post records
 * of that key range agree with the posts (records of posts that are gone are dropped), writing only
 * the shards that differ; `render` chooses every feed from the records and renders feeds in folder
 * order, a few per step, writing only the files and feed states that differ; `commit` removes
 * what no feed owns any more and writes the OPML and the site state. Over unchanged content a
 * rescan writes nothing.
 *
 * Two modes. When the index is trusted (a rescan on request over a valid state) it stays in use:
 * uploads keep taking the incremental path between steps, and the steps only correct what
 * disagrees with content/. When it is not, the site state is replaced by a mark carrying the
 * rescan's progress, no run trusts the index meanwhile, and changes that arrive are kept in the
 * mark and applied incrementally once the rescan commits. Every step is idempotent: a retried
 * step does the same work again, and a step whose work was committed but whose continuation was
 * lost re-sends it.
 */

/** A rescan's phases, in order (see above; archive only with feeds.archive). */
export const RESCAN_PHASES = ["scan", "render", "archive", "commit"] as const;

/** Where a rescan has got to: what a continuation message carries. */
export interface RescanCursor {
  /** Names one rescan, so messages of another one are told apart. */
  id: string;
  phase: (typeof RESCAN_PHASES)[number];
  /**
   * scan: the last content/ key read; render: the last feed folder rendered; archive: the feed
   * folder and, after a line break, how many of its pages are done; null at a phase's start.
   */
  after: string | null;
}

/** Kept in the site state while a rescan runs over an index no run may trust. */
export interface RescanProgress {
  cursor: RescanCursor;
  /** The cursor before the last step: a redelivered message for it re-sends the continuation. */
  previous?: RescanCursor;
  /** Posts changed while the rescan ran, by key under content/: applied incrementally after it. */
  pending: string[];
  /** When the last step committed (ms since the epoch): how long a rescan has been waiting shows in the state. */
  at: number;
  /** configHash and Cache-Control the rescan is working with: a change to either starts it again. */
  config: string;
  cacheControl: string;
  /**
   * renderHash of the items the archive pages' states hold, when the archive steps may take a
   * post's item from them rather than read and render it again: a rescan started by a new
   * configuration over a sound index, whose items are as rendering would make them (their events
   * applied). Absent otherwise: a rescan on request or after a lost index checks every post.
   */
  items?: string;
}

/** Sizes of a step, defined once. A step spends at most `work` units, and does at least one thing. */
export const RESCAN_STEP = {
  /** Units one invocation may spend on rescan steps: a post read is 1, a post rendered RENDER_COST. */
  work: 5_000,
  /** Rendering a shown post (Markdown, sanitising, three formats) against reading its front matter. */
  renderCost: 8,
  /** Putting an item already rendered into an archive page's files. */
  pageItemCost: 2,
  /** Keys asked of one listing request (S3 gives at most 1,000); a scan step lists as many pages as its work allows. */
  listPage: 1_000,
};

export interface RescanContext {
  bucket: Storage;
  content: Storage;
  config: SiteConfig;
  now: Date;
  cacheControl: string;
  reserveSize: number;
  /** Work units this invocation may still spend (see RESCAN_STEP). */
  work: number;
}

export interface RescanResult {
  /** Posts met that could not be published. */
  rejected: PostError[];
  writes: WriteOutcome[];
  invalid: InvalidFile[];
  /** The continuation to deliver, when the rescan is not finished. */
  next?: RescanCursor;
  /** The posts that changed while an untrusted rescan ran, when it committed in this call (now the site state's pendingChanges). */
  pending?: string[];
}

export function sameCursor(a: RescanCursor | undefined, b: RescanCursor): boolean {
  return a !== undefined && a.id === b.id && a.phase === b.phase && a.after === b.after;
}

/**
 * A rescan id: its start time, and a count when that would repeat the id of the rescan the site
 * state names (under way or last committed), so their messages are never taken for each other's.
 */
export function newRescanId(now: Date, site: SiteState | null): string {
  const taken = [site?.rescan?.cursor.id, site?.rescanDone].filter((id): id is string => id !== undefined);
  const base = now.getTime().toString(36);
  let id = base;
  for (let n = 1; taken.includes(id); n++) id = `${base}.${n}`;
  return id;
}

/**
 * Replaces the site state with a mark that no incremental run accepts, carrying the rescan's
 * progress. The Cache-Control the objects were written with is kept, so the steps know whether
 * they must rewrite equal bytes. Any journal is dropped: every file is checked against the bucket
 * by the render steps, and every state object is rewritten or removed.
 */
export async function markUntrusted(ctx: RescanContext, previous: SiteState | null, pending: string[], items?: string): Promise<SiteState> {
  const mark: SiteState = {
    version: STATE_VERSION,
    config: "rescanning",
    cacheControl: writtenWith(previous, ctx.cacheControl),
    feeds: [],
    scheduled: {},
    rescan: {
      cursor: { id: newRescanId(ctx.now, previous), phase: "scan", after: null },
      pending: [...new Set([...(previous?.rescan?.pending ?? []), ...(previous?.pendingChanges ?? []), ...pending])].sort(compareKeys),
      at: ctx.now.getTime(),
      config: configHash(ctx.config),
      cacheControl: ctx.cacheControl,
      ...(items !== undefined ? { items } : {}),
    },
  };
  await writeSite(ctx.bucket, mark);
  await clearJournal(ctx.bucket);
  return mark;
}

/**
 * The Cache-Control every feed object has, as far as the state knows. A rescan started again
 * part-way may have written some objects with its own value and left the rest with the old one:
 * then no value describes them all, and the new rescan writes every object.
 */
function writtenWith(previous: SiteState | null, current: string): string {
  if (!previous) return current;
  if (!previous.rescan || previous.rescan.cacheControl === previous.cacheControl) return previous.cacheControl;
  return "(mixed)";
}

/**
 * Runs steps from `cursor` until the rescan is finished or this invocation's work is spent. The
 * site state is read before each step, so a step always starts from what the last one committed.
 */
export async function runRescan(ctx: RescanContext, cursor: RescanCursor): Promise<RescanResult> {
  const result: RescanResult = { rejected: [], writes: [], invalid: [] };
  let at: RescanCursor | undefined = cursor;
  let work = ctx.work;
  while (at) {
    const site = await loadSiteState(ctx.bucket);
    if (!site) throw new Error(`[rescan] the site state vanished during rescan ${at.id}`);
    const state = createWorkingState(ctx.bucket, site);
    const step: Step =
      at.phase === "scan" ? await scanStep(ctx, state, at, work)
      : at.phase === "render" ? await renderStep(ctx, state, at, work)
      : at.phase === "archive" ? await archiveStep(ctx, state, at, work)
      : await commitStep(ctx, state, at);
    result.rejected.push(...step.rejected);
    result.writes.push(...step.writes);
    result.invalid.push(...step.invalid);
    if (step.pending) result.pending = step.pending;
    work -= step.used;
    at = step.next;
    if (at && work <= 0) return { ...result, next: at };
  }
  return result;
}

interface Step extends RescanResult {
  used: number;
}

/**
 * Lists content/ after the cursor, a page at a time, as far as the work allows, reads those posts'
 * front matter and makes the records of that key range agree with them: one pass over the shards
 * for the whole range.
 */
async function scanStep(ctx: RescanContext, state: WorkingState, cursor: RescanCursor, work: number): Promise<Step> {
  const { content, config, now } = ctx;
  const budget = Math.max(1, work);
  const keys: string[] = [];
  let end = false;
  while (keys.length < budget) {
    const after = keys.at(-1) ?? cursor.after;
    const limit = Math.min(RESCAN_STEP.listPage, budget - keys.length);
    const page = await content.list("", { ...(after !== null ? { after } : {}), limit });
    keys.push(...page);
    if (page.length < limit) {
      end = true;
      break;
    }
  }
  // The range this step answers for: (after, last key], or everything after `after` once the listing ends.
  const upper = end ? null : keys.at(-1)!;
  const inRange = (key: string) => (cursor.after === null || compareKeys(key, cursor.after) > 0) && (upper === null || compareKeys(key, upper) <= 0);

  const rejected: PostError[] = [];
  const posts = (
    await mapLimit(keys.filter(isPostKey), 32, async (key) => {
      try {
        return await loadPost(content, key, config, "head");
      } catch (error) {
        if (!(error instanceof PostError)) throw error;
        rejected.push(error);
        return null;
      }
    })
  ).filter((p): p is Post => p !== null && !p.draft);

  const live = new Map(posts.filter((p) => p.date.getTime() <= now.getTime()).map((p) => [p.key, p]));
  const shardIds = [...new Set([...(await state.listShards()), ...[...live.keys()].map(shardOf)])];
  await state.load(shardIds, []);
  for (const id of shardIds) {
    const shard = state.shard(id);
    for (const key of Object.keys(shard)) if (inRange(key) && !live.has(key)) delete shard[key];
    state.touchShard(id); // written only if it changed
  }
  for (const post of live.values()) {
    // Written back only if it changed: the working state compares what it writes with what it read.
    state.shard(shardOf(post.key))[post.key] = postRecord(post);
  }
  const { site } = state;
  for (const key of Object.keys(site.scheduled)) if (inRange(key)) unschedule(site, key);
  for (const post of posts) if (!live.has(post.key)) schedule(site, post.key, post.date.getTime(), post.wall);
  sortScheduled(site);

  const next: RescanCursor = end ? { id: cursor.id, phase: "render", after: null } : { ...cursor, after: upper };
  advance(site, cursor, next, now);
  await commitState(ctx.bucket, encodeWrites(state.writes()));
  return { rejected: rejected.sort((a, b) => compareKeys(a.key, b.key)), writes: [], invalid: [], next, used: Math.max(1, keys.length) };
}

/**
 * Chooses every feed from the post records and renders the feeds after the cursor, in folder
 * order, as many as the work allows (at least one). Each file is compared with what the bucket
 * holds, not with a remembered hash, and the step is journaled as an incremental run is.
 */
async function renderStep(ctx: RescanContext, state: WorkingState, cursor: RescanCursor, work: number): Promise<Step> {
  const { config } = ctx;
  const { site } = state;
  const { shardIds, records, byDir } = await readRecords(state);
  const dirs = [...new Set([SITE_FEED.dir, ...byDir.keys(), ...site.feeds])].sort();
  const todo = dirs.filter((dir) => cursor.after === null || dir > cursor.after);
  const run = stepRun(ctx, state);
  const items = new Map<string, StoredItem>();
  const limitOf = (dir: string) => itemLimit(config.feeds, feedOfDir(dir).kind);
  const pageSize = config.feeds.archive?.pageSize;
  const filled = new Set<string>();
  const again = new Set<string>();
  /** Chooses and renders one feed's items from the records, dropping the records of shown posts that are gone. */
  const fill = async (dir: string) => {
    const refs = () => (byDir.get(dir) ?? []).sort(compareRefs);
    const limit = limitOf(dir);
    // A shown post that is gone, no longer live, or changed since its record was made (its event
    // is still on its way, or waits for the rescan to end) leaves the records now, and every feed
    // it was in is filled again in this step, whether the rescan has reached it or not: its event
    // will take it for a new post, so nothing else would take it out of the feeds it has left.
    // The event puts it back where it belongs.
    for (;;) {
      const missing = refs().slice(0, limit).filter((r) => !items.has(r.key));
      const found = await mapLimit(missing, 16, async (r) => [r.key, await recordedItem(run, records, r.key)] as const);
      const gone = found.filter(([, item]) => item === undefined).map(([key]) => key);
      for (const [key, item] of found) if (item) items.set(key, item);
      if (gone.length === 0) break;
      for (const key of gone) {
        const { feeds } = records.get(key)!;
        delete state.shard(shardOf(key))[key];
        for (const d of feeds) {
          byDir.set(d, byDir.get(d)!.filter((r) => r.key !== key));
          if (d !== dir) again.add(d);
        }
      }
    }
    const chosen = refs();
    await state.load([], [dir]);
    if (pageSize !== undefined) {
      // The pages the archive steps render; the feed links the newest.
      const pages = cutArchive(chosen.slice(limit), pageSize).map((p) => ({ name: p.name, newest: p.posts[0]!, count: p.posts.length }));
      await state.loadObjects([archiveIndexKey(dir)]);
      state.setObject(archiveIndexKey(dir), pages.length > 0 ? { pages } : null);
    }
    const feed = state.feed(dir);
    feed.items = chosen.slice(0, limit).map((r) => items.get(r.key)!);
    feed.reserve = chosen.slice(limit, limit + ctx.reserveSize);
    feed.total = chosen.length;
    state.touchFeed(dir);
    filled.add(dir);
  };

  let used = 0;
  const chunk: string[] = [];
  for (const dir of todo) {
    const cost = (byDir.get(dir) ?? []).sort(compareRefs).slice(0, limitOf(dir)).filter((r) => !items.has(r.key)).length * RESCAN_STEP.renderCost;
    if (chunk.length > 0 && used + cost > work) break;
    used += Math.max(1, cost);
    await fill(dir);
    chunk.push(dir);
  }
  // The other feeds of posts found gone, rendered again without them.
  for (const dir of again) {
    again.delete(dir);
    await fill(dir);
  }
  for (const id of shardIds) state.touchShard(id);

  const verify = new Set([...filled].flatMap((dir) => FEED_FOLDER_FILES.map((name) => `${dir}/${name}`)));
  const plan = await planFeeds(run, ctx.bucket, verify, false);
  const next: RescanCursor =
    chunk.length < todo.length ? { ...cursor, after: chunk[chunk.length - 1]! } : { id: cursor.id, phase: config.feeds.archive ? "archive" : "commit", after: null };
  advance(site, cursor, next, ctx.now);
  const writes = encodeWrites(state.writes());
  if (plan.files.length > 0) await writeJournal(ctx.bucket, { writes, files: plan.files });
  const outcomes = await plan.execute(ctx.cacheControl);
  await commitState(ctx.bucket, writes);
  if (plan.files.length > 0) await clearJournal(ctx.bucket);
  return { rejected: [], writes: outcomes, invalid: plan.invalid, next, used };
}

/**
 * Renders the archive pages (feeds.archive) after the cursor, feed by feed in folder order and
 * each feed's pages newest first, as many as the work allows (at least one), cutting each feed's
 * archived posts from the records as the render steps did. Each page's posts are read and
 * rendered (or their items taken from the page's state, when the mark allows: RescanProgress.items),
 * and its state and files written, journaled as a render step's.
 */
async function archiveStep(ctx: RescanContext, state: WorkingState, cursor: RescanCursor, work: number): Promise<Step> {
  const { config } = ctx;
  const { site } = state;
  const pageSize = config.feeds.archive!.pageSize;
  const { records, byDir } = await readRecords(state);
  const run = stepRun(ctx, state);
  const [fromDir, fromPage] = cursor.after === null ? [null, 0] : [cursor.after.slice(0, cursor.after.lastIndexOf("\n")), Number(cursor.after.slice(cursor.after.lastIndexOf("\n") + 1))];
  const items = new Map<string, Promise<StoredItem | undefined>>();
  // A post whose record no longer matches it is left off its pages: its event, waiting for the rescan to end, corrects them.
  const itemOf = (key: string) => {
    if (!items.has(key)) items.set(key, recordedItem(run, records, key));
    return items.get(key)!;
  };
  // The items a page's state holds from before, by post, when they are as rendering would make them.
  const reuse = site.rescan?.items !== undefined && site.rescan.items === renderHash(config);
  const storedItems = async (dir: string, name: string): Promise<Map<string, StoredItem>> => {
    if (!reuse) return new Map();
    await state.loadObjects([pageStateKey(dir, name)]);
    return new Map((state.object<PageState>(pageStateKey(dir, name))?.items ?? []).map((i) => [i.key, i]));
  };
  const pages: PageRender[] = [];
  let used = 0;
  let next: RescanCursor = { id: cursor.id, phase: "commit", after: null };
  outer: for (const dir of site.feeds) {
    if (fromDir !== null && dir < fromDir) continue;
    const feed = feedOfDir(dir);
    const cut = cutArchive((byDir.get(dir) ?? []).sort(compareRefs).slice(itemLimit(config.feeds, feed.kind)), pageSize);
    for (let i = dir === fromDir ? fromPage : 0; i < cut.length; i++) {
      const page = cut[i]!;
      const stored = await storedItems(dir, page.name);
      const kept = (r: Ref) => (stored.get(r.key)?.published === r.date ? stored.get(r.key) : undefined);
      const fresh = page.posts.filter((r) => !kept(r)).length;
      // A kept item still goes into the page's four files.
      const cost = fresh * RESCAN_STEP.renderCost + (page.posts.length - fresh) * RESCAN_STEP.pageItemCost;
      if (pages.length > 0 && used + cost > work) {
        next = { ...cursor, after: `${dir}\n${i}` };
        break outer;
      }
      used += Math.max(1, cost);
      const read = await mapLimit(page.posts, 16, async (r) => kept(r) ?? itemOf(r.key));
      pages.push({ feed, name: page.name, ...(cut[i + 1] ? { older: cut[i + 1]!.name } : {}), state: { refs: page.posts, items: read.filter((i): i is StoredItem => i !== undefined), hashes: {} } });
    }
  }
  // Loaded first, so a page state that is already right is not written again.
  await state.loadObjects(pages.map((p) => pageStateKey(p.feed.dir, p.name)));
  const verify = new Set(pages.flatMap((p) => pageFiles(p.feed, p.name)));
  const { plans, invalid } = await planPages(run, ctx.bucket, pages, verify);
  plans.sort((a, b) => (a.file.key < b.file.key ? -1 : 1));
  advance(site, cursor, next, ctx.now);
  const writes = encodeWrites(state.writes());
  const files = plans.filter((p) => p.action === "write").map((p) => p.file.key);
  if (files.length > 0) await writeJournal(ctx.bucket, { writes, files });
  const outcomes = await executeWrites(ctx.bucket, plans, { cacheControl: ctx.cacheControl });
  await commitState(ctx.bucket, writes);
  if (files.length > 0) await clearJournal(ctx.bucket);
  return { rejected: [], writes: outcomes, invalid, next, used: Math.max(1, used) };
}

/**
 * Removes the files and feed states of folders no feed owns any more (a lost index may not have
 * named them), writes the OPML, and makes the site state say the index can be trusted.
 */
async function commitStep(ctx: RescanContext, state: WorkingState, cursor: RescanCursor): Promise<Step> {
  const { bucket, config, cacheControl } = ctx;
  const { site } = state;
  const feeds = new Set(site.feeds);
  const pageSize = config.feeds.archive?.pageSize;
  // The archive pages the render steps cut: every other page's files and state are left over.
  if (pageSize !== undefined) await state.loadObjects(site.feeds.map(archiveIndexKey));
  const pageDirs = new Set(
    pageSize === undefined ? [] : site.feeds.flatMap((dir) => (state.object<ArchiveIndex>(archiveIndexKey(dir))?.pages ?? []).map((p) => archiveDir(feedOfDir(dir), p.name))),
  );
  const [outputs, states] = await Promise.all([bucket.list(FEEDS_PREFIX), bucket.list(STATE_PREFIX)]);
  const staleFiles = outputs.filter((key) => key !== OPML_FILE.key && OUTPUT_NAMES.has(key.slice(key.lastIndexOf("/") + 1)) && !feeds.has(dirOfFile(key)) && !pageDirs.has(dirOfFile(key)));
  const feedStateSuffix = "/state.json";
  const staleStates = states.filter((key) => {
    const archived = parseArchiveStateKey(key);
    if (archived) {
      if (archived.page === undefined) return pageSize === undefined || !feeds.has(archived.feedDir);
      return !pageDirs.has(archiveDir(feedOfDir(archived.feedDir), archived.page));
    }
    if (!key.startsWith(`${STATE_PREFIX}${FEEDS_PREFIX}`) || !key.endsWith(feedStateSuffix)) return false;
    return !feeds.has(key.slice(STATE_PREFIX.length, -feedStateSuffix.length));
  });

  const force = site.cacheControl !== cacheControl;
  const plans = await planWrites(bucket, [renderIndex(site.feeds.map(feedOfDir), config)], { force });
  const opml = plans[0]!;
  const invalid: InvalidFile[] = opml.action === "invalid" ? [{ key: opml.file.key, reason: opml.reason!, posts: [] }] : [];
  const kept = opml.action === "invalid" ? opml.stored : opml.sha256;
  if (kept) site.opml = kept;
  else delete site.opml;

  const pending = site.rescan?.pending;
  if (site.rescan) {
    Object.assign(site, { config: configHash(config), membership: membershipHash(config), limits: limitsHash(config), render: renderHash(config), cacheControl, rescanDone: cursor.id });
    if (pageSize !== undefined) site.archive = pageSize;
    else delete site.archive;
    // Kept until an incremental run has applied them: the index is trusted again from here on.
    if (site.rescan.pending.length > 0) site.pendingChanges = site.rescan.pending;
    delete site.rescan;
  }
  const outcomes = await executeWrites(bucket, plans, { cacheControl });
  await mapLimit([...staleFiles, ...staleStates], 8, (key) => bucket.delete(key));
  await commitState(bucket, encodeWrites(state.writes()));
  return {
    rejected: [],
    writes: [...outcomes, ...staleFiles.map((key) => ({ key, outcome: "deleted" as const }))],
    invalid,
    used: 1,
    ...(pending ? { pending } : {}),
  };
}

/** Every post record, and each feed's posts as the records place them (unsorted). */
async function readRecords(state: WorkingState): Promise<{ shardIds: string[]; records: Map<string, PostRecord>; byDir: Map<string, Ref[]> }> {
  const shardIds = await state.listShards();
  await state.load(shardIds, []);
  const records = new Map<string, PostRecord>();
  const byDir = new Map<string, Ref[]>();
  for (const id of shardIds) {
    for (const [key, record] of Object.entries(state.shard(id))) {
      records.set(key, record);
      for (const dir of record.feeds) {
        if (!byDir.has(dir)) byDir.set(dir, []);
        byDir.get(dir)!.push({ key, date: record.date });
      }
    }
  }
  return { shardIds, records, byDir };
}

/** The run a render or archive step renders with: every file compared with the bucket, no feed's stored items trusted. */
function stepRun(ctx: RescanContext, state: WorkingState): Run {
  return {
    content: ctx.content, config: ctx.config, now: ctx.now, state, reserveSize: ctx.reserveSize,
    force: state.site.cacheControl !== ctx.cacheControl, itemsCurrent: false, rerendered: false, touched: new Map(),
  };
}

/** A post's item, or undefined when it is gone, not live, or no longer as its record says (its event is on its way). */
function recordedItem(run: Run, records: ReadonlyMap<string, PostRecord>, key: string): Promise<StoredItem | undefined> {
  return liveItem(run, key, (post) => sameRecord(postRecord(post), records.get(key)!));
}

/** Records an untrusted rescan's step in its progress; a trusted one keeps its cursor in the message only. */
function advance(site: SiteState, from: RescanCursor, to: RescanCursor, now: Date): void {
  if (!site.rescan) return;
  site.rescan.previous = from;
  site.rescan.cursor = to;
  site.rescan.at = now.getTime();
}

/** Scheduled posts in key order, so the site state's bytes do not depend on the order they were met in. */
function sortScheduled(site: SiteState): void {
  const sorted = Object.keys(site.scheduled).sort(compareKeys);
  if (sorted.join("\n") === Object.keys(site.scheduled).join("\n")) return;
  site.scheduled = Object.fromEntries(sorted.map((key) => [key, site.scheduled[key]!]));
  if (site.scheduledWall) site.scheduledWall = Object.fromEntries(sorted.map((key) => [key, site.scheduledWall![key] ?? null]));
}

/** State writes with the site state last: its progress says the rest is done. */
async function commitState(bucket: Storage, writes: EncodedWrite[]): Promise<void> {
  await applyStateWrites(bucket, writes.filter((w) => w.key !== SITE_STATE_KEY));
  await applyStateWrites(bucket, writes.filter((w) => w.key === SITE_STATE_KEY));
}

export async function writeSite(bucket: Storage, site: SiteState): Promise<void> {
  await applyStateWrites(bucket, encodeWrites([{ key: SITE_STATE_KEY, body: JSON.stringify(site) }]));
}


/**
 * Finishes what a killed step or run left in the journal: applies its state writes, then renders
 * the files it listed again from that state and compares them with the bucket. Then the step it
 * belonged to can be redelivered safely.
 */
export async function settleJournal(ctx: RescanContext): Promise<void> {
  const journal = await readJournal(ctx.bucket);
  if (!journal) return;
  await applyStateWrites(ctx.bucket, journal.writes);
  const site = await loadSiteState(ctx.bucket);
  if (site) {
    const state = createWorkingState(ctx.bucket, site);
    const verify = new Set(journal.files);
    const dirs = [...new Set(journal.files.map(dirOfFile))].filter((dir) => site.feeds.includes(dir));
    await state.load([], dirs);
    for (const dir of dirs) state.touchFeed(dir);
    const run: Run = { content: ctx.content, config: ctx.config, now: ctx.now, state, reserveSize: ctx.reserveSize, force: false, itemsCurrent: true, rerendered: false, touched: new Map() };
    const plan = await planFeeds(run, ctx.bucket, verify, false);
    await plan.execute(ctx.cacheControl);
    await commitState(ctx.bucket, encodeWrites(state.writes()));
  }
  await clearJournal(ctx.bucket);
}
