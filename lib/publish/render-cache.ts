import { createHash, type Hash } from "node:crypto";
import type { SiteConfig } from "../config.js";
import type { FeedItem } from "../feeds/model.js";
import type { Storage } from "../storage/types.js";
import { fromStoredItem, toStoredItem, type StoredItem } from "./feed-state.js";
import { bestEffort, isRecord, parseJson, readChecked, writeChecked } from "./checked-file.js";
import { mapLimit } from "./map-limit.js";

/**
 * Items rendered by earlier builds, so that a build renders only the posts that changed since.
 * An entry is found by a hash of all its item depends on: the post's key and bytes, the settings,
 * and the code that renders (a new renderer must not reuse an old one's items). What is read back
 * is checked, never trusted: an entry that is cut short or altered, was written by another version
 * or for another post, or does not parse, is a miss, and the item rendered again replaces it. So
 * the store can be deleted, or hold another version's entries, at any time; a store that fails
 * (bestEffort) only means rendering again.
 */

/** Where the entries live: any Storage (a local folder, a bucket prefix); pruning also lists and deletes. */
export type RenderCacheStore = Pick<Storage, "get" | "put"> & Partial<Pick<Storage, "list" | "delete">>;

export interface RenderCacheOptions {
  store: RenderCacheStore;
  /** Names the code that renders, such as a hash of the running bundle: entries of other code are never read. */
  code: string;
  /**
   * The store is this site's alone, so `prune` may remove what one build did not use. Without it
   * prune removes nothing: a store shared by sites holds entries another site still needs.
   */
  prune?: boolean;
}

export interface RenderCache {
  /**
   * The item of the post `key` read as `bytes`: the cached one when there is an entry to trust,
   * else `render()`'s, which is then stored. An error of `render` passes through, and nothing is stored.
   */
  item(key: string, bytes: Uint8Array, render: () => FeedItem): Promise<FeedItem>;
  /**
   * After a build has asked for every item its feeds show: removes every entry it did not read or
   * write (an edited post's old item, every item of an earlier configuration), so the store holds
   * about one entry per shown post. Only with `prune` set; returns how many entries went.
   */
  prune(): Promise<number>;
  /** The entry this build found or stored the item of the post `key` under. */
  entryOf(key: string): string | undefined;
  /** Counts entries as used by this build (the items of feeds it copied whole), so prune keeps them. */
  use(entries: readonly string[]): void;
}

const FORMAT = "feedpub render cache";
// Bumped when an entry's layout changes; the code hash already covers a change in rendering.
const VERSION = 1;

/** The cache for builds under `config`. */
export function openRenderCache({ store, code, prune = false }: RenderCacheOptions, config: SiteConfig): RenderCache {
  // Every setting but the feed lengths and archive pages, which only decide where posts are shown.
  // The input limits stay in: a cached item skips reading its post whole, where they may now reject it.
  const { limit: _limit, limitByKind: _byKind, archive: _archive, ...feeds } = config.feeds;
  const prefix = createHash("sha256").update(JSON.stringify({ format: FORMAT, version: VERSION, code, config: { ...config, feeds } }));
  const entryKey = (hash: string) => `${hash.slice(0, 2)}/${hash}.json`;
  const used = new Set<string>();
  const byPost = new Map<string, string>();

  return {
    async item(key, bytes, render) {
      const hash = hashOf(prefix, key, bytes);
      used.add(entryKey(hash));
      byPost.set(key, entryKey(hash));
      const cached = readEntry((await bestEffort(() => store.get(entryKey(hash)))) ?? null, hash, key);
      if (cached) return cached;
      const item = render();
      await bestEffort(() => store.put(entryKey(hash), writeEntry(hash, toStoredItem(key, item)), { contentType: "text/plain; charset=utf-8" }));
      return item;
    },
    entryOf: (key) => byPost.get(key),
    use(entries) {
      for (const entry of entries) used.add(entry);
    },
    async prune() {
      const { list, delete: remove } = store;
      if (!prune || !list || !remove) return 0;
      // Only what has an entry's name: nothing else in the store is the cache's to remove.
      const unused = ((await bestEffort(() => list.call(store, ""))) ?? []).filter((key) => ENTRY_KEY.test(key) && !used.has(key));
      await mapLimit(unused, 16, (key) => bestEffort(() => remove.call(store, key)));
      return unused.length;
    },
  };
}

const ENTRY_KEY = /^[0-9a-f]{2}\/[0-9a-f]{64}\.json$/;

/**
 * An entry: the item as JSON, under a head (checked-file.ts) that names the hash it is stored
 * under (an entry copied to another key is a miss) and carries the SHA-256 of the item (an entry
 * cut short or changed by a single bit is a miss).
 */
function writeEntry(hash: string, item: StoredItem): Buffer {
  return writeChecked({ format: FORMAT, version: VERSION, hash }, JSON.stringify(item));
}

function readEntry(bytes: Uint8Array | null, hash: string, key: string): FeedItem | null {
  const body = readChecked(bytes, (head) => head.format === FORMAT && head.version === VERSION && head.hash === hash);
  const item = body && parseJson(body);
  return isStoredItem(item) && item.key === key ? fromStoredItem(item) : null;
}

function hashOf(prefix: Hash, key: string, bytes: Uint8Array): string {
  // The key's length first, so no key and body can be mistaken for another key and body.
  return prefix.copy().update(`${key.length}:${key}`).update(bytes).digest("hex");
}

/**
 * What the cache itself relies on. The rest of the item is what this same code rendered: the code
 * is part of the hash the entry is stored under, and the checksum proves the bytes are as written.
 */
function isStoredItem(v: unknown): v is StoredItem {
  return isRecord(v) && typeof v.key === "string" && Number.isFinite(v.published) && Number.isFinite(v.updated);
}
