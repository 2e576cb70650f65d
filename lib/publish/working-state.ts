import { feedOfDir } from "../feeds/choose.js";
import type { Storage } from "../storage/types.js";
import { emptyFeedState, type FeedState } from "./feed-state.js";
import type { StateWrite } from "./journal.js";
import {
  feedStateKey,
  readStateText,
  shardKey,
  SHARD_IDS,
  SHARDS_PREFIX,
  SITE_STATE_KEY,
  type PostShard,
  type SiteState,
} from "./state-store.js";

/**
 * The index state one run works on: pieces are loaded on first use, changed in memory, and at the
 * end turned into the writes that differ from what was loaded, so a replayed event writes nothing.
 */
export interface WorkingState {
  site: SiteState;
  /** The ids of the post-record shards that exist: one listing, so a small site does not ask for all 256. */
  listShards(): Promise<string[]>;
  /** Loads, once each, the post-record shards and feed states not loaded yet. */
  load(shardIds: string[], dirs: string[]): Promise<void>;
  shard(id: string): PostShard;
  feed(dir: string): FeedState;
  /** Feed folders changed so far. */
  readonly changedFeeds: Set<string>;
  touchFeed(dir: string): void;
  touchShard(id: string): void;
  /** Feed folders whose state should be removed (the feed no longer exists). */
  dropFeed(dir: string): void;
  /** Loads, once each, other state objects by key (archive indexes and pages): null when absent. */
  loadObjects(keys: string[]): Promise<void>;
  object<T>(key: string): T | null;
  /** Sets a loaded object to write at the end (null removes it). */
  setObject(key: string, value: unknown): void;
  /** A loaded object (or shard or feed state) as it was read, before this run changed it: null when absent. */
  original<T>(key: string): T | null;
  /** The state objects to commit. */
  writes(): StateWrite[];
}

export function createWorkingState(bucket: Storage, site: SiteState): WorkingState {
  const shards = new Map<string, PostShard>();
  const feeds = new Map<string, FeedState>();
  const baseline = new Map<string, string>([[SITE_STATE_KEY, JSON.stringify(site)]]);
  const changedShards = new Set<string>();
  const changedFeeds = new Set<string>();
  const dropped = new Set<string>();
  const objects = new Map<string, unknown>();
  const setObjects = new Set<string>();
  // The text as read is the baseline: the state was written by JSON.stringify, which gives it
  // back unchanged for an unchanged object, so a 0.5 MB feed state is not serialised once more
  // only to be compared. (Text in another key order only costs one needless write.)
  const loaded = <T>(key: string, text: string | null, missing: () => T): T => {
    const value = text === null ? missing() : (JSON.parse(text) as T);
    baseline.set(key, text ?? JSON.stringify(value));
    return value;
  };

  return {
    site,
    async listShards() {
      const keys = new Set(await bucket.list(SHARDS_PREFIX));
      return SHARD_IDS.filter((id) => keys.has(shardKey(id)));
    },
    async load(shardIds, dirs) {
      const newShards = [...new Set(shardIds)].filter((id) => !shards.has(id));
      const newDirs = [...new Set(dirs)].filter((dir) => !feeds.has(dir));
      const [loadedShards, loadedFeeds] = await Promise.all([
        Promise.all(newShards.map((id) => readStateText(bucket, shardKey(id)))),
        Promise.all(newDirs.map((dir) => readStateText(bucket, feedStateKey(dir)))),
      ]);
      newShards.forEach((id, i) => shards.set(id, loaded<PostShard>(shardKey(id), loadedShards[i]!, () => ({}))));
      newDirs.forEach((dir, i) => feeds.set(dir, loaded<FeedState>(feedStateKey(dir), loadedFeeds[i]!, () => emptyFeedState(feedOfDir(dir)))));
    },
    async loadObjects(keys) {
      const fresh = [...new Set(keys)].filter((key) => !objects.has(key));
      const texts = await Promise.all(fresh.map((key) => readStateText(bucket, key)));
      fresh.forEach((key, i) => objects.set(key, loaded<unknown>(key, texts[i]!, () => null)));
    },
    object: <T>(key: string) => (objects.get(key) ?? null) as T | null,
    setObject(key, value) {
      objects.set(key, value);
      setObjects.add(key);
    },
    original: <T>(key: string) => JSON.parse(baseline.get(key) ?? "null") as T | null,
    shard: (id) => shards.get(id)!,
    feed: (dir) => feeds.get(dir)!,
    changedFeeds,
    touchFeed: (dir) => changedFeeds.add(dir),
    touchShard: (id) => changedShards.add(id),
    dropFeed: (dir) => dropped.add(dir),
    writes() {
      const all: StateWrite[] = [
        ...[...changedShards].map((id) => ({ key: shardKey(id), body: JSON.stringify(shards.get(id)) })),
        ...[...changedFeeds].map((dir) => ({ key: feedStateKey(dir), body: dropped.has(dir) ? null : JSON.stringify(feeds.get(dir)) })),
        ...[...setObjects].map((key) => ({ key, body: objects.get(key) === null ? null : JSON.stringify(objects.get(key)) })),
        { key: SITE_STATE_KEY, body: JSON.stringify(site) },
      ];
      // An object that was absent and is removed needs no write ("null" is how absence was read).
      return all.filter((w) => w.body !== baseline.get(w.key) && !(w.body === null && baseline.get(w.key) === "null"));
    },
  };
}
