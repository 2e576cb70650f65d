import { ARCHIVE_FOLDER, cutArchive, PAGE_NAME } from "../feeds/archive.js";
import { STATE_PREFIX } from "../layout.js";
import { compareRefs, type Ref, type StoredItem } from "./feed-state.js";

// What the index state keeps of a feed's archive (feeds.archive), so an upload changes the pages
// its posts fall in without reading the rest: a small index of the pages, and a state object per
// page holding its posts and their rendered items.

/** A feed's archive pages, newest first, each by the post it begins with (its newest) and its size. */
export interface ArchiveIndex {
  pages: PageEntry[];
}

export interface PageEntry {
  name: string;
  newest: Ref;
  count: number;
}

/**
 * One page: its posts in order, as the post records place them, and the rendered items of those
 * that could be read (a post gone before its event arrived is left out until the event takes it
 * off), with the hashes of the page's files as last written.
 */
export interface PageState {
  refs: Ref[];
  items: StoredItem[];
  hashes: Record<string, string>;
}

/** `state/<feed dir>/archive.json`: beside the feed's state.json, never a page's name. */
export function archiveIndexKey(dir: string): string {
  return `${STATE_PREFIX}${dir}/${ARCHIVE_FOLDER}.json`;
}

/** `state/<feed dir>/archive/<page>.json`. */
export function pageStateKey(dir: string, page: string): string {
  return `${STATE_PREFIX}${dir}/${ARCHIVE_FOLDER}/${page}.json`;
}

/** Which kind of archive state object a key under state/ is, and of which feed. */
export function parseArchiveStateKey(key: string): { feedDir: string; page?: string } | null {
  if (!key.startsWith(STATE_PREFIX)) return null;
  const path = key.slice(STATE_PREFIX.length);
  const page = new RegExp(`^(.+)/${ARCHIVE_FOLDER}/(${PAGE_NAME})\\.json$`).exec(path);
  if (page) return { feedDir: page[1]!, page: page[2]! };
  const index = new RegExp(`^(.+)/${ARCHIVE_FOLDER}\\.json$`).exec(path);
  return index ? { feedDir: index[1]! } : null;
}

/**
 * A change does not fit the archive state: a post to take off a page is not on it, or one to add
 * is already there. The state is then behind content/, and only a rescan can set it right.
 */
export class ArchiveStateError extends Error {
  constructor(readonly feedDir: string, reason: string) {
    super(`archive of ${feedDir}: ${reason}`);
    this.name = "ArchiveStateError";
  }
}

/** The posts that leave and join a feed's archive in one run, and archived posts rendered again in place. */
export interface ArchiveChange {
  removes: Ref[];
  adds: StoredItem[];
  edits: StoredItem[];
}

export interface Recut {
  pages: PageEntry[];
  /** Pages whose files must be rendered again: new, with other posts or items, or linking another older page. */
  changed: { name: string; state: PageState; older?: string }[];
  /** Pages that no longer exist. */
  removed: string[];
}

const refOf = (item: StoredItem): Ref => ({ key: item.key, date: item.published });
const sameRef = (a: Ref, b: Ref) => a.key === b.key && a.date === b.date;

/**
 * Applies a change to a feed's archive the way cutting all its posts again would, touching only
 * the pages the change falls in: those pages are cut again, and the run grows newer, a page at a
 * time, until it ends where it ended before (page ends after it then stay where they were, since
 * where a page ends depends only on the posts since the last end). Throws ArchiveStateError when
 * the change does not fit the pages.
 */
export async function recutArchive(
  dir: string,
  index: ArchiveIndex,
  loadPages: (names: string[]) => Promise<Map<string, PageState | null>>,
  change: ArchiveChange,
  pageSize: number,
): Promise<Recut> {
  const { pages } = index;
  const refs = [...change.removes, ...change.adds.map(refOf), ...change.edits.map(refOf)];
  if (refs.length === 0) return { pages, changed: [], removed: [] };
  // A post belongs to the newest page whose first post is newer than or equal to it, or to the newest page.
  const pageOf = (ref: Ref) => {
    let at = 0;
    for (let i = 1; i < pages.length && compareRefs(pages[i]!.newest, ref) <= 0; i++) at = i;
    return at;
  };
  const at = refs.map(pageOf);
  let lo = Math.min(...at);
  const hi = pages.length === 0 ? -1 : Math.max(...at);
  for (;;) {
    const names = pages.slice(lo, hi + 1).map((p) => p.name);
    const loaded = await loadPages(names);
    const lost = names.find((name) => !loaded.get(name));
    if (lost) throw new ArchiveStateError(dir, `the state of page ${lost} is missing`);
    const before = names.map((name) => loaded.get(name)!);
    const region = before.flatMap((p) => p.refs);
    const items = new Map(before.flatMap((p) => p.items.map((i) => [i.key, i] as const)));
    for (const ref of change.removes) {
      const found = region.findIndex((r) => sameRef(r, ref));
      if (found === -1) throw new ArchiveStateError(dir, `${ref.key} is not on the page its date falls in`);
      region.splice(found, 1);
      items.delete(ref.key);
    }
    for (const item of change.adds) {
      if (region.some((r) => r.key === item.key)) throw new ArchiveStateError(dir, `${item.key} is archived already`);
      region.push(refOf(item));
      items.set(item.key, item);
    }
    for (const item of change.edits) {
      if (!region.some((r) => sameRef(r, refOf(item)))) throw new ArchiveStateError(dir, `${item.key} is not on the page its date falls in`);
      items.set(item.key, item);
    }
    region.sort(compareRefs);
    const cut = cutArchive(region, pageSize);
    const first = cut[0];
    if (lo > 0 && !(first?.closed && sameRef(first.posts[0]!, pages[lo]!.newest))) {
      lo--;
      continue;
    }
    const entries = cut.map((p) => ({ name: p.name, newest: p.posts[0]!, count: p.posts.length }));
    const after = [...pages.slice(0, lo), ...entries, ...pages.slice(hi + 1)];
    const olderBefore = new Map(pages.map((p, i) => [p.name, pages[i + 1]?.name]));
    const stateBefore = new Map(names.map((name, i) => [name, before[i]!]));
    const changed = cut.flatMap((p, k) => {
      const older = after[lo + k + 1]?.name;
      const old = stateBefore.get(p.name);
      const state: PageState = { refs: p.posts, items: p.posts.flatMap((r) => items.get(r.key) ?? []), hashes: old?.hashes ?? {} };
      const same = old && olderBefore.get(p.name) === older && JSON.stringify([old.refs, old.items]) === JSON.stringify([state.refs, state.items]);
      return same ? [] : [{ name: p.name, state, ...(older ? { older } : {}) }];
    });
    const kept = new Set(entries.map((e) => e.name));
    return { pages: after, changed, removed: names.filter((name) => !kept.has(name)) };
  }
}
