import { archiveDir, parseArchiveDir } from "../feeds/archive.js";
import { feedOfDir } from "../feeds/choose.js";
import { DOCUMENT_FILES, type FeedDefinition } from "../feeds/model.js";
import { archiveIndexKey, pageStateKey, ArchiveStateError, recutArchive, type ArchiveChange, type ArchiveIndex, type PageState } from "./archive-state.js";
import type { FeedState, Ref, StoredItem } from "./feed-state.js";
import type { Run } from "./plan-feeds.js";
import { feedStateKey, shardKey, shardOf, type PostRecord, type PostShard } from "./state-store.js";

// How a run keeps the archives (feeds.archive) in step with the feeds it changed: the posts that
// left or joined each feed's archive, found by comparing the records and shown items as the run
// loaded them with what they are now, are applied to the pages their dates fall in.

/** An archive page to render again from its state. */
export interface PageRender {
  feed: FeedDefinition;
  name: string;
  older?: string;
  state: PageState;
}

export interface ArchivePlan {
  pages: PageRender[];
  /** Output files of pages that no longer exist. */
  deletes: string[];
}

/** The files an archive page's folder holds (renderArchivePage writes them all). */
export function pageFiles(feed: FeedDefinition, name: string): string[] {
  return DOCUMENT_FILES.map((file) => `${archiveDir(feed, name)}/${file}`);
}

/**
 * Updates the archive state of every feed the run changed and says which pages to render and
 * which files to delete; also renders again the pages of files in `verify` (a killed run may have
 * left them half-written), or deletes them when their page is gone. With `update` false only the
 * latter: a rescan step sets the archive indexes itself. Throws ArchiveStateError when a change
 * does not fit the archive state.
 */
export async function planArchives(run: Run, verify: ReadonlySet<string>, update: boolean): Promise<ArchivePlan> {
  const { state, config } = run;
  const plan: ArchivePlan = { pages: [], deletes: [] };
  const pageSize = config.feeds.archive?.pageSize;
  const verified = [...verify].flatMap((key) => {
    const page = parseArchiveDir(key.slice(0, key.lastIndexOf("/")));
    return page ? [{ key, ...page }] : [];
  });
  if (pageSize === undefined) {
    plan.deletes.push(...verified.map((v) => v.key));
    return plan;
  }
  const dirs = update ? [...state.changedFeeds].sort() : [];
  await state.loadObjects([...dirs, ...verified.map((v) => v.feedDir)].map(archiveIndexKey));
  const rendered = new Set<string>();
  const pageStates = async (dir: string, names: string[]) => {
    const keys = names.map((name) => pageStateKey(dir, name));
    await state.loadObjects(keys);
    return new Map(names.map((name, i) => [name, state.object<PageState>(keys[i]!)]));
  };

  // Each shard as loaded, parsed once for all the feeds: a burst's posts share few shards.
  const shardsBefore = new Map<string, PostShard | null>();
  const recordBefore = (key: string) => {
    const id = shardOf(key);
    if (!shardsBefore.has(id)) shardsBefore.set(id, state.original<PostShard>(shardKey(id)));
    return shardsBefore.get(id)?.[key];
  };
  for (const dir of dirs) {
    const index = state.object<ArchiveIndex>(archiveIndexKey(dir)) ?? { pages: [] };
    const recut = await recutArchive(dir, index, (names) => pageStates(dir, names), archiveChange(run, dir, recordBefore), pageSize);
    if (recut.changed.length === 0 && recut.removed.length === 0) continue;
    const feed = feedOfDir(dir);
    state.setObject(archiveIndexKey(dir), recut.pages.length > 0 ? { pages: recut.pages } : null);
    for (const name of recut.removed) {
      state.setObject(pageStateKey(dir, name), null);
      plan.deletes.push(...pageFiles(feed, name));
    }
    for (const page of recut.changed) {
      plan.pages.push({ feed, ...page });
      rendered.add(archiveDir(feed, page.name));
    }
  }

  for (const { key, feedDir, page } of verified) {
    const feed = feedOfDir(feedDir);
    if (rendered.has(archiveDir(feed, page))) continue;
    const pages = state.site.feeds.includes(feedDir) ? (state.object<ArchiveIndex>(archiveIndexKey(feedDir))?.pages ?? []) : [];
    const at = pages.findIndex((p) => p.name === page);
    const pageState = at === -1 ? null : (await pageStates(feedDir, [page])).get(page)!;
    if (!pageState) {
      plan.deletes.push(key);
      continue;
    }
    plan.pages.push({ feed, name: page, state: pageState, ...(pages[at + 1] ? { older: pages[at + 1]!.name } : {}) });
    rendered.add(archiveDir(feed, page));
  }
  plan.deletes.sort();
  return plan;
}

/**
 * The posts that left and joined a feed's archive in this run: a post is archived when the feed
 * holds it (its record names the feed) and does not show it. Only posts the run changed, and posts
 * shown before or after, can have moved; of the others nothing changed.
 */
function archiveChange(run: Run, dir: string, recordBefore: (key: string) => PostRecord | undefined): ArchiveChange {
  const { state } = run;
  const shown = (items: StoredItem[] | undefined) => new Map((items ?? []).map((i) => [i.key, i]));
  const shownBefore = shown(state.original<FeedState>(feedStateKey(dir))?.items);
  const shownAfter = shown(state.feed(dir).items);
  const change: ArchiveChange = { removes: [], adds: [], edits: [] };
  for (const key of new Set([...run.touched.keys(), ...shownBefore.keys(), ...shownAfter.keys()])) {
    let before: Ref | undefined;
    let after: Ref | undefined;
    if (run.touched.has(key)) {
      const was = recordBefore(key);
      const is = state.shard(shardOf(key))[key];
      if (was?.feeds.includes(dir) && !shownBefore.has(key)) before = { key, date: was.date };
      if (is?.feeds.includes(dir) && !shownAfter.has(key)) after = { key, date: is.date };
    } else {
      if (!shownBefore.has(key)) before = { key, date: shownAfter.get(key)!.published };
      if (!shownAfter.has(key)) after = { key, date: shownBefore.get(key)!.published };
    }
    if (before && after && before.date === after.date) {
      const item = run.touched.get(key)?.();
      if (!item) throw new ArchiveStateError(dir, `${key} is archived but not live`);
      change.edits.push(item);
      continue;
    }
    if (before) change.removes.push(before);
    if (after) {
      const item = run.touched.has(key) ? run.touched.get(key)?.() : shownBefore.get(key);
      if (!item || item.published !== after.date) throw new ArchiveStateError(dir, `${key} is archived at another date than its item's`);
      change.adds.push(item);
    }
  }
  return change;
}
