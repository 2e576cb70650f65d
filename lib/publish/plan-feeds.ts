import type { SiteConfig } from "../config.js";
import { PostError } from "../errors.js";
import { feedOfDir, SITE_FEED } from "../feeds/choose.js";
import { FEED_FOLDER_FILES, OPML_FILE } from "../feeds/model.js";
import { renderArchivePage, renderFeed, renderIndex, type OutputFile } from "../feeds/render-feed.js";
import { OPEN_PAGE, parseArchiveDir } from "../feeds/archive.js";
import { archiveIndexKey, pageStateKey, type ArchiveIndex } from "./archive-state.js";
import { planArchives, type PageRender } from "./plan-archives.js";
import { isLive, type Post } from "../posts/post.js";
import type { Storage } from "../storage/types.js";
import { fromStoredItem, toStoredItem, type FeedState, type StoredItem } from "./feed-state.js";
import { mapLimit } from "./map-limit.js";
import { loadPost, renderItem } from "./read-posts.js";
import type { WorkingState } from "./working-state.js";
import { executeWrites, planWrites, type FilePlan, type InvalidFile, type WriteOutcome } from "./write-files.js";

// What an incremental run and a rescan step share: the run's context, reading a shown post's
// item, and turning the feeds a run changed into a plan of file writes.

/** What one run works with. */
export interface Run {
  content: Storage;
  config: SiteConfig;
  now: Date;
  state: WorkingState;
  reserveSize: number;
  /** Write every rendered file even when its bytes are unchanged: a new Cache-Control must reach it. */
  force: boolean;
  /** The items stored in the feed states are rendered with this configuration. */
  itemsCurrent: boolean;
  rerendered: boolean;
  /**
   * Posts this run applied a change to, each with its item when it is live (rendered once, when
   * first asked for): the archives compare these posts' records before and after the run.
   */
  touched: Map<string, (() => StoredItem) | undefined>;
}


/**
 * The rendered item of a post the state says is live, or undefined when it is gone, now rejected,
 * not live any more, or not as `expected` says (a rescan checks it against its record): the state
 * is then behind content/.
 */
export async function liveItem(run: Run, key: string, expected: (post: Post) => boolean = () => true): Promise<StoredItem | undefined> {
  const post = await loadPost(run.content, key, run.config).catch((error: unknown) => {
    if (error instanceof PostError) return null;
    throw error;
  });
  return post && isLive(post, run.now) && expected(post) ? toStoredItem(post.key, renderItem(post, run.config)) : undefined;
}


export interface FeedsPlan {
  /** Output files the plan writes or deletes, for the journal. */
  files: string[];
  invalid: InvalidFile[];
  execute(cacheControl: string): Promise<WriteOutcome[]>;
}

/**
 * Renders every changed feed and decides which files to write or delete, updating the state's
 * file hashes and feed list as if that succeeds; nothing is written until `execute`. Files in
 * `verify` are compared with the storage instead of the remembered hashes. With `archives`, the
 * archives of the feeds the run changed are updated and their changed pages planned (planArchives).
 */
export async function planFeeds(run: Run, bucket: Storage, verify: ReadonlySet<string>, archives: boolean): Promise<FeedsPlan> {
  const { state, config } = run;
  const site = state.site;
  const feedsBefore = site.feeds.join("\n");
  const deletes = new Set<string>();
  const rendered: { feed: FeedState; files: OutputFile[] }[] = [];
  // The site feed's page lists every feed, so a new or removed feed renders it again.
  const gone = (dir: string) => dir !== SITE_FEED.dir && state.feed(dir).total === 0;
  const feedsAfter = [...new Set([...site.feeds, ...state.changedFeeds])].filter((dir) => !state.changedFeeds.has(dir) || !gone(dir)).sort();
  if (feedsAfter.join("\n") !== feedsBefore && !state.changedFeeds.has(SITE_FEED.dir)) {
    await state.load([], [SITE_FEED.dir]);
    state.touchFeed(SITE_FEED.dir);
  }
  const archivePlan = await planArchives(run, verify, archives);
  for (const key of archivePlan.deletes) deletes.add(key);
  // The page each feed links as its newest archive: from the index just updated, or set by a rescan step.
  const pageSize = config.feeds.archive?.pageSize;
  if (pageSize !== undefined) await state.loadObjects([...state.changedFeeds].map(archiveIndexKey));
  const newestPage = (dir: string) => (pageSize === undefined ? undefined : state.object<ArchiveIndex>(archiveIndexKey(dir))?.pages[0]?.name);
  for (const dir of [...state.changedFeeds].sort()) {
    const feed = state.feed(dir);
    if (gone(dir)) {
      // Every file the feed can have, not only those remembered: a killed run may have written one.
      for (const name of FEED_FOLDER_FILES) deletes.add(`${dir}/${name}`);
      site.feeds = site.feeds.filter((d) => d !== dir);
      state.dropFeed(dir);
      continue;
    }
    if (!site.feeds.includes(dir)) site.feeds = [...site.feeds, dir].sort();
    rendered.push({ feed, files: renderFeed(feed.feed, feed.items.map(fromStoredItem), config, feedsAfter.map(feedOfDir), newestPage(dir)) });
  }
  // Archive pages' files are planArchives' to keep or delete.
  for (const key of verify) if (key !== OPML_FILE.key && !site.feeds.includes(dirOfFile(key)) && !parseArchiveDir(dirOfFile(key))) deletes.add(key);

  const invalid: InvalidFile[] = [];
  const plans: FilePlan[] = [];
  await Promise.all(
    rendered.map(async ({ feed, files }) => {
      for (const plan of await planWrites(bucket, files, { hashes: feed.hashes, verify, force: run.force })) {
        remember(feed.hashes, plan);
        if (plan.action === "invalid") invalid.push({ key: plan.file.key, reason: plan.reason!, posts: feed.items.map((i) => i.key) });
        plans.push(plan);
      }
    }),
  );
  const pages = await planPages(run, bucket, archivePlan.pages, verify);
  plans.push(...pages.plans);
  invalid.push(...pages.invalid);
  if (site.feeds.join("\n") !== feedsBefore || verify.has(OPML_FILE.key) || run.rerendered) {
    const hashes: Record<string, string> = site.opml ? { [OPML_FILE.key]: site.opml } : {};
    // Without a remembered hash (a first publish, or a rescan's mark, which keeps none) the bucket is asked: its bytes are most likely the same.
    const known = site.opml ? { hashes } : {};
    for (const plan of await planWrites(bucket, [renderIndex(site.feeds.map(feedOfDir), config)], { ...known, verify, force: run.force })) {
      remember(hashes, plan);
      if (hashes[OPML_FILE.key]) site.opml = hashes[OPML_FILE.key];
      else delete site.opml;
      if (plan.action === "invalid") invalid.push({ key: plan.file.key, reason: plan.reason!, posts: [] });
      plans.push(plan);
    }
  }
  plans.sort((a, b) => (a.file.key < b.file.key ? -1 : 1));
  const deleted = [...deletes].sort();
  return {
    files: [...plans.filter((p) => p.action === "write").map((p) => p.file.key), ...deleted],
    invalid,
    async execute(cacheControl) {
      const outcomes = await executeWrites(bucket, plans, { cacheControl });
      await mapLimit(deleted, 8, (key) => bucket.delete(key));
      return [...outcomes, ...deleted.map((key) => ({ key, outcome: "deleted" as const }))];
    },
  };
}

/**
 * Renders archive pages from their state and decides which of their files to write, recording the
 * hashes in each page's state, which is set to be written.
 */
export async function planPages(run: Run, bucket: Storage, pages: PageRender[], verify: ReadonlySet<string>): Promise<{ plans: FilePlan[]; invalid: InvalidFile[] }> {
  const plans: FilePlan[] = [];
  const invalid: InvalidFile[] = [];
  await mapLimit(pages, 4, async ({ feed, name, older, state: page }) => {
    const files = renderArchivePage(feed, { name, closed: name !== OPEN_PAGE }, page.items.map(fromStoredItem), run.config, older);
    for (const plan of await planWrites(bucket, files, { hashes: page.hashes, verify, force: run.force })) {
      remember(page.hashes, plan);
      if (plan.action === "invalid") invalid.push({ key: plan.file.key, reason: plan.reason!, posts: page.items.map((i) => i.key) });
      plans.push(plan);
    }
    run.state.setObject(pageStateKey(feed.dir, name), page);
  });
  return { plans, invalid };
}

/**
 * Records the hash the file will have once the plan is carried out: the rendered one, or for a
 * file that is not written, what the storage holds (a verified file may differ from what was
 * remembered, and an invalid one keeps its last good bytes).
 */
function remember(hashes: Record<string, string>, plan: FilePlan): void {
  const key = plan.file.key;
  if (plan.action !== "invalid") hashes[key] = plan.sha256;
  else if (plan.stored) hashes[key] = plan.stored;
  else delete hashes[key];
}

/** The feed folder an output file belongs to: "feeds/x/rss.xml" → "feeds/x". */
export function dirOfFile(key: string): string {
  return key.slice(0, key.lastIndexOf("/"));
}

