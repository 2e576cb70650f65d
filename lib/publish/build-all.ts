import type { SiteConfig } from "../config.js";
import { longestFeed } from "../site-config.js";
import { PostError, StorageError } from "../errors.js";
import { chooseFeeds, type ChosenFeed } from "../feeds/choose.js";
import { OUTPUT_NAMES, type FeedDefinition, type FeedItem } from "../feeds/model.js";
import { archiveDir, cutArchive } from "../feeds/archive.js";
import { renderArchivePage, renderFeed, renderIndex, type OutputFile } from "../feeds/render-feed.js";
import { isPostKey } from "../posts/parse-post.js";
import { isLive, summariser, type PostSummary } from "../posts/post.js";
import type { FileStamp, FsStorage } from "../storage/fs.js";
import type { Storage } from "../storage/types.js";
import { openFeedCache, type FeedCache, type FeedCacheOptions, type KeptFile } from "./feed-cache.js";
import { fullState } from "./full-state.js";
import { encodeState, STATE_CONTENT_TYPE } from "./state-codec.js";
import { clearJournal, type StateWrite } from "./journal.js";
import { loadConfig } from "./load-config.js";
import { mapLimit } from "./map-limit.js";
import { loadItem, loadPost } from "./read-posts.js";
import { openItemPool } from "./item-pool.js";
import { openOutputHashes, type OutputHashesOptions } from "./output-hashes.js";
import { openRenderCache, type RenderCacheOptions } from "./render-cache.js";
import { openScanCache, stampOf, type ScanCacheOptions } from "./scan-cache.js";
import { loadSiteState, SITE_STATE_KEY, STATE_VERSION, type SiteState } from "./state-store.js";
import { DEFAULT_CACHE_CONTROL, executeWrites, planWrites, sha256, type InvalidFile, type WriteOutcome } from "./write-files.js";
import { FEEDS_PREFIX, STATE_PREFIX } from "../layout.js";

export interface BuildOptions {
  /** Root holding `_config.yml` and the posts. */
  content: Storage;
  /** Root the `feeds/` folder is written under. */
  output: Storage;
  now: Date;
  cacheControl?: string;
  concurrency?: number;
  /** Where to write the index state the incremental path needs (the bucket root); none locally. */
  state?: Storage;
  /** Posts remembered after each feed's items, to refill it when items leave. */
  reserveSize?: number;
  /** Items rendered by earlier builds, reused for posts whose bytes and settings are unchanged; none by default. */
  renderCache?: RenderCacheOptions;
  /** Summaries of posts read by earlier builds, reused for files unchanged since; only where `content` is a folder. */
  scanCache?: ScanCacheOptions;
  /**
   * Feeds' files written by earlier builds, copied for a feed whose posts and settings are
   * unchanged; only where `content` and `output` are folders and no state is written (a bucket's
   * state keeps every feed's items, so a rebuild reads them).
   */
  feedCache?: FeedCacheOptions;
  /** Hashes of the output's files as earlier builds read them, by file stamp; only where `output` is a folder. */
  outputHashes?: OutputHashesOptions;
}

export interface BuildReport {
  config: SiteConfig;
  /** Every post read, live or not, as much of it as choosing feeds needs. */
  posts: PostSummary[];
  live: number;
  drafts: number;
  scheduled: number;
  rejected: PostError[];
  feeds: ChosenFeed[];
  writes: WriteOutcome[];
  deleted: string[];
  /** Rendered files that did not parse back and were not written. */
  invalid: InvalidFile[];
  /** Items this build rendered a body for, each post's once however many feeds and archive pages show it. */
  rendered: number;
  /** Items that came from the render cache. */
  reused: number;
  /** Posts not read by the scan: their files were unchanged since the scan cache's last build. */
  known: number;
  /**
   * Feeds taken from the feed cache, their posts not read: their files copied, or left as they
   * were where the output held the same bytes.
   */
  fromCache: number;
  /** Archive pages (feeds.archive) of every feed, and how many of them the feed cache gave. */
  archivePages: { total: number; fromCache: number };
  /** Render cache entries removed because this build did not use them (RenderCacheOptions.prune). */
  pruned: number;
}

/**
 * Builds every feed from everything under `content`: the local build and the full rebuild of a
 * bucket. Front matter is read for every post; bodies are rendered only for posts that enter a feed,
 * and of those only the ones the render cache, when given, holds no item for.
 * Feeds that no longer have posts are deleted, so the output equals a build into an empty folder.
 */
export async function buildAll(options: BuildOptions): Promise<BuildReport> {
  const { content, now, concurrency = 32 } = options;
  const config = await loadConfig(content);
  const keys = (await content.list("")).filter(isPostKey);

  const rejected = new Map<string, PostError>();
  const rejecting = async <T>(key: string, load: () => Promise<T | null>): Promise<T | undefined> => {
    try {
      return (await load()) ?? undefined; // null: deleted while the build ran
    } catch (error) {
      if (!(error instanceof PostError)) throw error;
      // Once, though an archive page may ask again for a post a feed could not read.
      if (!rejected.has(key)) rejected.set(key, error);
      return undefined;
    }
  };

  // Only a summary of each post is kept, so memory grows as little as it can with the size of the site.
  const summarise = summariser();
  const scan = options.scanCache && (await openScanCache(options.scanCache, config));
  let known = 0;
  const posts = (await mapLimit(keys, concurrency, async (key) => {
    // Stamped before it is read: a change made while it is read gives the next build another stamp.
    const stamp = scan && stampOf(content, key);
    const summary = stamp && scan.known(key, stamp);
    if (summary) {
      known++;
      return summarise(summary);
    }
    const post = await rejecting(key, () => loadPost(content, key, config, "head"));
    if (!post) return undefined;
    const read = summarise(post);
    if (stamp) scan.remember(key, stamp, read);
    return read;
  })).filter((p): p is PostSummary => p !== undefined);
  await scan?.save();

  // A build that writes the index state writes no archives: the state it leaves holds no archive
  // state (SiteState.archive), so the first call of the function rescans content/ and builds both.
  const archive = options.state ? undefined : config.feeds.archive;
  const feeds = chooseFeeds(posts, config, now, options.state ? (options.reserveSize ?? 2 * longestFeed(config.feeds)) : 0, archive !== undefined);
  const all = feeds.map((f) => f.feed);
  const outputHashes = isFolder(options.output) && options.outputHashes ? await openOutputHashes(options.output, options.outputHashes) : undefined;
  const output = outputHashes?.storage ?? options.output;
  // Feeds and archive pages whose files an earlier build kept are copied, and their posts are not read.
  const feedCache = isFolder(output) && !options.state && options.feedCache ? await openFeedCache(options.feedCache, config) : undefined;
  const stamps = new Map<string, FileStamp | null>();
  const stamped = (key: string) => (stamps.has(key) ? stamps.get(key)! : stamps.set(key, stampOf(content, key)).get(key)!);
  const cacheKey = (feed: FeedDefinition, posts: PostSummary[], feeds: FeedDefinition[], prevArchive: string | undefined) =>
    feedCache?.keyOf(feed, posts.map((p) => ({ key: p.key, stamp: stamped(p.key) })), feeds, prevArchive) ?? null;
  const planned = feeds.map((f) => {
    const pages = archive ? cutArchive(f.older!, archive.pageSize) : [];
    const key = cacheKey(f.feed, f.posts, all, pages[0]?.name);
    return { chosen: f, pages, key, kept: key !== null ? feedCache!.files(key) : null };
  });
  const wanted = [...new Set(planned.flatMap((p) => (p.kept ? [] : p.chosen.posts.map((post) => post.key))))];
  const cache = options.renderCache && openRenderCache(options.renderCache, config);
  // A copied feed's items stay in the render cache: a post of it edited later needs the others.
  for (const { kept } of planned) if (kept) cache?.use(kept.uses);
  const items = new Map<string, FeedItem>();
  let rendered = 0;
  let reused = 0;
  const itemOf = async (key: string) => {
    const loaded = await rejecting(key, () => loadItem(content, key, config, cache));
    if (loaded?.rendered) rendered++;
    else if (loaded) reused++;
    return loaded?.item;
  };
  const loadItems = (keys: string[]) =>
    mapLimit(keys, concurrency, async (key) => {
      const item = await itemOf(key);
      if (item) items.set(key, item);
    });
  await loadItems(wanted);

  const cacheControl = options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  // Equal bytes are not rewritten, but a new Cache-Control must reach every object.
  const previous = options.state ? await loadSiteState(options.state) : null;
  const force = previous !== null && previous.cacheControl !== cacheControl;
  // Before the first write, the state is marked as being rebuilt, so a build killed half-way is
  // followed by another full build rather than by incremental runs trusting hashes it outdated.
  const beforeFirstWrite = once(async () => {
    if (options.state) await markRebuilding(options.state, previous, cacheControl);
  });
  // Each feed is rendered, written and let go, two at a time: one is rendered while the other's files
  // are written, and at 100k posts four at a time raised the peak RSS by 20–40 MB.
  const hashes = new Map<string, string>();
  const invalid: InvalidFile[] = [];
  const renderAndWrite = async (render: () => OutputFile[], shown: string[]) => {
    const plans = await planWrites(output, render(), { concurrency: 3, force });
    if (plans.some((p) => p.action === "write")) await beforeFirstWrite();
    const outcomes = await executeWrites(output, plans, { cacheControl, concurrency: 3 });
    for (const o of outcomes) {
      if (o.sha256) hashes.set(o.key, o.sha256);
      if (o.outcome === "invalid") invalid.push({ key: o.key, reason: o.reason!, posts: shown });
    }
    return outcomes;
  };
  // A kept file is copied unless the output holds its bytes already.
  const copyKept = (files: KeptFile[]) =>
    mapLimit(files, 3, async (file): Promise<WriteOutcome> => {
      hashes.set(file.key, file.sha256);
      if (!force && (await output.hash(file.key)) === file.sha256) return { key: file.key, outcome: "unchanged", sha256: file.sha256 };
      await beforeFirstWrite();
      const started = performance.now();
      await feedCache!.copy(file, output as FsStorage);
      return { key: file.key, outcome: "written", ms: Math.round(performance.now() - started), sha256: file.sha256 };
    });
  /**
   * Writes one document's files (a feed's, or an archive page's): copied when the feed cache kept
   * them, else rendered from the items of `keys` and kept. Kept only whole: a document without a
   * rejected post's item is rendered again, so the next build reports the post again.
   */
  const writeDocument = async (
    key: string | null,
    kept: ReturnType<FeedCache["files"]>,
    keys: string[],
    itemsOf: (keys: string[]) => Promise<FeedItem[]>,
    render: (items: FeedItem[]) => OutputFile[],
  ): Promise<{ outcomes: WriteOutcome[]; copied: boolean }> => {
    if (kept) {
      try {
        return { outcomes: await copyKept(kept.files), copied: true };
      } catch (error) {
        // A kept file removed since it was checked: the document is rendered after all.
        if (!(error instanceof StorageError && error.op === "get")) throw error;
      }
    }
    const shown = await itemsOf(keys);
    const outcomes = await renderAndWrite(() => render(shown), keys);
    if (key !== null && shown.length === keys.length && outcomes.every((o) => o.outcome !== "invalid")) {
      const uses = keys.flatMap((k) => cache?.entryOf(k) ?? []);
      await feedCache!.keep(key, output as FsStorage, outcomes.map((o) => ({ key: o.key, sha256: o.sha256! })), uses);
    }
    return { outcomes, copied: false };
  };
  const shownItems = async (keys: string[]) => {
    await loadItems(keys.filter((key) => !items.has(key)));
    return keys.flatMap((key) => items.get(key) ?? []);
  };
  let fromCache = 0;
  const writes = (
    await mapLimit(planned, 2, async ({ chosen: f, pages, key, kept }) => {
      const own = await writeDocument(key, kept, f.posts.map((p) => p.key), shownItems, (shown) => renderFeed(f.feed, shown, config, all, pages[0]?.name));
      if (own.copied) fromCache++;
      return own.outcomes;
    })
  ).flat();

  // Archive pages, of every feed together, newest first: an archived post is in a page of each of
  // its feeds, so its item is read once and let go after the last of them (ItemPool).
  const archivePages = planned.flatMap(({ chosen: f, pages }) =>
    pages.map((page, i) => {
      const older = pages[i + 1]?.name;
      // A page is a document of its own to the feed cache: its folder, its posts, and the page it links.
      const key = cacheKey({ ...f.feed, dir: archiveDir(f.feed, page.name) }, page.posts, [], older);
      return { feed: f.feed, page, older, key, kept: key !== null ? feedCache!.files(key) : null };
    }),
  );
  archivePages.sort((a, b) => b.page.posts[0]!.date.getTime() - a.page.posts[0]!.date.getTime() || (a.feed.dir < b.feed.dir ? -1 : 1));
  const uses = new Map<string, number>();
  for (const { page, kept } of archivePages) if (!kept) for (const p of page.posts) uses.set(p.key, (uses.get(p.key) ?? 0) + 1);
  const pool = openItemPool(uses, async (key) => items.get(key) ?? (await itemOf(key)), concurrency);
  for (const { kept } of archivePages) if (kept) cache?.use(kept.uses);
  let pagesFromCache = 0;
  const pageWrites = await mapLimit(archivePages, 2, async ({ feed, page, older, key, kept }) => {
    const keys = page.posts.map((p) => p.key);
    const written = await writeDocument(key, kept, keys, pool.items, (pageItems) => renderArchivePage(feed, page, pageItems, config, older));
    if (written.copied) pagesFromCache++;
    else pool.release(keys);
    return written.outcomes;
  });
  writes.push(...pageWrites.flat());
  writes.push(...(await renderAndWrite(() => [renderIndex(all, config)], [])));
  // Every shown and archived post has asked for its item: what no post asked for is left from earlier builds.
  const pruned = cache ? await cache.prune() : 0;
  const produced = new Set(writes.map((w) => w.key));
  const stale = (await output.list(FEEDS_PREFIX)).filter(
    (key) => !produced.has(key) && OUTPUT_NAMES.has(key.slice(key.lastIndexOf("/") + 1)),
  );
  if (stale.length > 0) await beforeFirstWrite();
  await feedCache?.save();
  await outputHashes?.save();
  await mapLimit(stale, concurrency, (key) => output.delete(key));
  if (options.state) {
    const state = fullState({ feeds, items, hashes, posts, now, config, cacheControl });
    await replaceState(options.state, state, concurrency, beforeFirstWrite);
  }

  return {
    config,
    posts,
    live: posts.filter((p) => isLive(p, now)).length,
    drafts: posts.filter((p) => p.draft).length,
    scheduled: posts.filter((p) => !p.draft && !isLive(p, now)).length,
    rejected: [...rejected.values()].sort((a, b) => (a.key < b.key ? -1 : 1)),
    feeds,
    writes,
    deleted: stale,
    invalid,
    rendered,
    reused,
    known,
    pruned,
    fromCache,
    archivePages: { total: archivePages.length, fromCache: pagesFromCache },
  };
}

/**
 * Writes a complete state and removes every state object it does not name, the journal included.
 * Objects whose bytes are already stored are not rewritten; the site state goes last, since its
 * presence says the rest is complete.
 */
async function replaceState(storage: Storage, writes: StateWrite[], concurrency: number, beforeFirstWrite: Once): Promise<void> {
  const keep = new Set(writes.map((w) => w.key));
  const stale = (await storage.list(STATE_PREFIX)).filter((key) => !keep.has(key));
  const encoded = writes.map((w) => {
    const body = encodeState(w.body!);
    return { key: w.key, body, sha256: sha256(body) };
  });
  const changed = (
    await mapLimit(encoded, concurrency, async (w) => ((await storage.hash(w.key)) === w.sha256 ? null : w))
  ).filter((w) => w !== null);
  if (changed.length === 0 && stale.length === 0 && !beforeFirstWrite.done) return;
  await beforeFirstWrite();
  const put = (w: (typeof encoded)[number]) => storage.put(w.key, w.body, { contentType: STATE_CONTENT_TYPE, sha256: w.sha256 });
  await mapLimit(changed.filter((w) => w.key !== SITE_STATE_KEY), concurrency, put);
  await mapLimit(stale, concurrency, (key) => storage.delete(key));
  // Always, once anything was written: the mark put there says a build is under way.
  await put(encoded.find((w) => w.key === SITE_STATE_KEY)!);
}

/**
 * Replaces the site state with one no run accepts (its configuration hash matches none), keeping
 * the Cache-Control the objects were written with, and drops any journal: its state writes are
 * outdated by this build, and no output was written since it was.
 */
async function markRebuilding(storage: Storage, previous: SiteState | null, cacheControl: string): Promise<void> {
  const mark: SiteState = { version: STATE_VERSION, config: "rebuilding", cacheControl: previous?.cacheControl ?? cacheControl, feeds: [], scheduled: {} };
  await storage.put(SITE_STATE_KEY, encodeState(JSON.stringify(mark)), { contentType: STATE_CONTENT_TYPE });
  await clearJournal(storage);
}

interface Once {
  (): Promise<void>;
  readonly done: boolean;
}

/** `fn` run the first time the result is called, and never again. */
function once(fn: () => Promise<void>): Once {
  let running: Promise<void> | undefined;
  const call = () => (running ??= fn());
  return Object.defineProperty(call, "done", { get: () => running !== undefined }) as Once;
}

/** A folder on this machine, which can copy files from another without reading them. */
function isFolder(storage: Storage): storage is FsStorage {
  return typeof (storage as Partial<FsStorage>).copyFrom === "function";
}
