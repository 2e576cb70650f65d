import { createHash } from "node:crypto";
import type { SiteConfig } from "../config.js";
import type { FeedDefinition } from "../feeds/model.js";
import type { FileStamp, FsStorage } from "../storage/fs.js";
import { bestEffort, readCheckedMap, writeCheckedMap } from "./checked-file.js";
import { mapLimit } from "./map-limit.js";
import { RACY_MS, stampOf } from "./scan-cache.js";

/**
 * Each feed's files as an earlier local build wrote them, so that a build whose feed shows the
 * same posts, unchanged, under the same settings and code, copies its files (the kernel's work)
 * instead of reading its posts and rendering, encoding and parsing back a few MB of text: at 10k
 * posts that is 117 MB and most of a warm build's time.
 *
 * A feed's entry is found by a key naming all its files are made of: the code, the settings, the
 * feed, the site's other feeds (the site feed's page lists them), and each shown post's key and file
 * stamp (FileStamp, as the scan cache knows a post unchanged). A post changed less than RACY_MS
 * before the build started may change again within its time stamp, so a feed that shows one is
 * neither looked up nor kept. An entry's files are known by their own stamps, taken when they
 * were kept: a file changed since, cut short or replaced makes the whole entry a miss. So the
 * folder can be deleted, or its files changed, at any time. Keeping is best effort: a folder that
 * cannot be written (full, read-only, a file in its place) costs the next build its copies, never
 * this build its feeds.
 */

export interface FeedCacheOptions {
  /** A folder of its own: pruning removes every file in it that no entry names. */
  store: FsStorage;
  /** Names the code that renders, such as a hash of the running bundle. */
  code: string;
  /** The store is this site's alone: a build removes the entries it did not use. */
  prune?: boolean;
  /** The clock, in ms since the epoch; tests move it. */
  now?: () => number;
}

/** One kept file: where it goes in the output, and the SHA-256 of its bytes. */
export interface KeptFile {
  key: string;
  sha256: string;
  /** Where the cache holds it. */
  storeKey: string;
}

export interface FeedCache {
  /**
   * The key of `feed`'s files when it shows `posts` (newest first, each with its file's stamp) and
   * links the archive page `prevArchive`, or null when a post's file has no stamp or changed too
   * recently to be told apart. An archive page is keyed as a feed whose folder is the page's.
   */
  keyOf(feed: FeedDefinition, posts: { key: string; stamp: FileStamp | null }[], feeds: FeedDefinition[], prevArchive?: string): string | null;
  /**
   * The files kept under `key` when every one of them is still as it was kept, and what `keep`
   * was told the feed uses; else null.
   */
  files(key: string): { files: KeptFile[]; uses: string[] } | null;
  /** Copies a kept file to its place in `output`. */
  copy(file: KeptFile, output: FsStorage): Promise<void>;
  /**
   * Keeps copies of a feed's files just written to (or found unchanged in) `output`, under `key`,
   * with `uses`: what else the feed is made of that must outlive it (its items' render cache entries).
   */
  keep(key: string, output: FsStorage, files: Omit<KeptFile, "storeKey">[], uses: string[]): Promise<void>;
  /** Writes the index when it changed, and with `prune` removes every file no entry used by this build names. */
  save(): Promise<void>;
}

const FORMAT = "feedpub feed cache";
const VERSION = 1;
const INDEX = "index.json";

/** A kept file as the index records it: KeptFile and the file's stamp when kept. */
type FileRecord = KeptFile & { stamp: string };

/** A feed's entry in the index. */
interface Entry {
  files: FileRecord[];
  uses: string[];
}

export async function openFeedCache({ store, code, prune = false, now = Date.now }: FeedCacheOptions, config: SiteConfig): Promise<FeedCache> {
  const started = now();
  const settings = createHash("sha256").update(JSON.stringify({ format: FORMAT, version: VERSION, code, config })).digest("hex");
  const entries = readIndex((await bestEffort(() => store.get(INDEX))) ?? null, settings);
  const used = new Map<string, Entry>();
  let changed = false;

  return {
    keyOf(feed, posts, feeds, prevArchive) {
      // prevArchive undefined is left out by JSON.stringify: keys without archives are as they were.
      const hash = createHash("sha256").update(JSON.stringify({ settings, feed, feeds: feed.kind === "site" ? feeds : [], prevArchive }));
      for (const { key, stamp } of posts) {
        if (!stamp || stamp.changedMs > started - RACY_MS) return null;
        hash.update(JSON.stringify([key, stamp.id]));
      }
      return hash.digest("hex");
    },
    files(key) {
      const entry = entries.get(key);
      if (!entry || !entry.files.every((r) => stampOf(store, r.storeKey)?.id === r.stamp)) return null;
      used.set(key, entry);
      return { files: entry.files.map(({ stamp: _stamp, ...file }) => file), uses: entry.uses };
    },
    copy(file, output) {
      return output.copyFrom(file.key, store, file.storeKey);
    },
    async keep(key, output, files, uses) {
      const records = await bestEffort(() =>
        mapLimit(files, 5, async (file) => {
          const storeKey = `${key.slice(0, 2)}/${key}/${file.key.slice(file.key.lastIndexOf("/") + 1)}`;
          await store.copyFrom(storeKey, output, file.key);
          return { ...file, storeKey, stamp: store.stamp(storeKey)?.id ?? "" };
        }),
      );
      if (!records) return;
      used.set(key, { files: records, uses });
      changed = true;
    },
    async save() {
      if (changed || used.size !== entries.size) {
        await bestEffort(() => store.put(INDEX, writeCheckedMap({ format: FORMAT, version: VERSION, settings }, used), { contentType: "application/json" }));
      }
      if (!prune) return;
      const named = new Set([INDEX, ...[...used.values()].flatMap((e) => e.files.map((r) => r.storeKey))]);
      const unused = (await bestEffort(() => store.list(""))) ?? [];
      await mapLimit(unused.filter((key) => !named.has(key)), 16, (key) => bestEffort(() => store.delete(key)));
    },
  };
}

/** The index's entries when it was written for `settings` and is whole, else none. */
function readIndex(bytes: Uint8Array | null, settings: string): Map<string, Entry> {
  // Written by this code for these settings and checked whole: its shape is the one written.
  return readCheckedMap(bytes, (head) => head.format === FORMAT && head.version === VERSION && head.settings === settings) as Map<string, Entry>;
}
