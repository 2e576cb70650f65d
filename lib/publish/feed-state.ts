import type { FeedDefinition, FeedItem } from "../feeds/model.js";

/** A post's place in a feed's order: newest first, ties by key. */
export interface Ref {
  key: string;
  /** Publication instant, ms since the epoch. */
  date: number;
}

/** A feed item as stored: JSON-safe, with the post key it came from. */
export interface StoredItem extends Omit<FeedItem, "published" | "updated"> {
  key: string;
  published: number;
  updated: number;
}

/**
 * What the incremental path keeps per feed, so an upload never has to read the whole site:
 * the rendered items shown now, the order of the next posts in line (to refill the feed when an
 * item leaves), and how many live posts the feed has in all.
 */
export interface FeedState {
  feed: FeedDefinition;
  total: number;
  items: StoredItem[];
  /** The posts after `items`, in order; possibly cut short (then `total` says more exist). */
  reserve: Ref[];
  /** SHA-256 of each file as last written, so unchanged files are neither read nor written. */
  hashes: Record<string, string>;
}

export function emptyFeedState(feed: FeedDefinition): FeedState {
  return { feed, total: 0, items: [], reserve: [], hashes: {} };
}

export function compareRefs(a: Ref, b: Ref): number {
  return b.date - a.date || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export function toStoredItem(key: string, item: FeedItem): StoredItem {
  return { ...item, key, published: item.published.getTime(), updated: item.updated.getTime() };
}

export function fromStoredItem({ key: _key, ...item }: StoredItem): FeedItem {
  return { ...item, published: new Date(item.published), updated: new Date(item.updated) };
}

function removeMember(state: FeedState, key: string): void {
  state.items = state.items.filter((i) => i.key !== key);
  state.reserve = state.reserve.filter((r) => r.key !== key);
}

/** Removes a post that was a member of the feed, and uncounts it. */
export function leave(state: FeedState, key: string): void {
  removeMember(state, key);
  state.total = Math.max(0, state.total - 1);
}

/**
 * Counts in a post that joins the feed and places it. `item` is called only when the post lands
 * among the shown items, since rendering is the costly part.
 */
export function join(state: FeedState, ref: Ref, item: () => StoredItem, limit: number, reserveSize: number): void {
  // Judged before the post is counted: does the reserve hold every other post after the items?
  const complete = state.items.length + state.reserve.length >= state.total;
  state.total++;
  const shownAt = state.items.findIndex((i) => compareRefs(ref, { key: i.key, date: i.published }) < 0);
  // Below the shown items the post may still be shown while the feed is short, but only if it
  // sorts before every post in line after them, known (the reserve) or not (cut from it).
  const fitsAtEnd =
    state.items.length < limit &&
    (state.reserve.length > 0 ? compareRefs(ref, state.reserve[0]!) < 0 : complete);
  if (shownAt === -1 && !fitsAtEnd) {
    insertRef(state, ref, reserveSize, complete);
    return;
  }
  state.items.splice(shownAt === -1 ? state.items.length : shownAt, 0, item());
  if (state.items.length > limit) {
    const pushed = state.items.pop()!;
    state.reserve.unshift({ key: pushed.key, date: pushed.published });
    state.reserve.length = Math.min(state.reserve.length, reserveSize);
  }
}

function insertRef(state: FeedState, ref: Ref, reserveSize: number, complete: boolean): void {
  const at = state.reserve.findIndex((r) => compareRefs(ref, r) < 0);
  // Past the end of a cut-short reserve the order is unknown: leave the post to a later refill.
  if (at === -1 && !complete) return;
  state.reserve.splice(at === -1 ? state.reserve.length : at, 0, ref);
  state.reserve.length = Math.min(state.reserve.length, reserveSize);
}

/**
 * What the feed needs before it can be rendered: reserved posts to promote into the shown items,
 * or `rescan` when posts it must show are beyond what the reserve remembers.
 */
export function refillPlan(state: FeedState, limit: number): { promote: Ref[]; rescan: boolean } {
  const missing = Math.min(limit, state.total) - state.items.length;
  if (missing <= 0) return { promote: [], rescan: false };
  const promote = state.reserve.slice(0, missing);
  return { promote, rescan: promote.length < missing };
}
