import type { SiteConfig } from "../config.js";
import { LimitError, PostBugError, PostError, StorageError, TooLargeError } from "../errors.js";
import { checkLimit } from "../limits.js";
import { toFeedItem } from "../feeds/feed-document.js";
import type { FeedItem } from "../feeds/model.js";
import { holdsFrontMatter } from "../posts/front-matter.js";
import { readPost } from "../posts/read-post.js";
import type { Post } from "../posts/post.js";
import type { FsStorage } from "../storage/fs.js";
import { assertValidKey } from "../storage/keys.js";
import type { Storage } from "../storage/types.js";
import type { RenderCache } from "./render-cache.js";

/**
 * Reads one post under content/ for every path (full build, upload, refill): null when it is not
 * there. A post that cannot be published throws PostError; any other failure while handling it is
 * a bug, not the post's fault, and throws PostBugError naming the post.
 */
export async function loadPost(content: Storage, key: string, config: SiteConfig, part: "whole" | "head" = "whole"): Promise<Post | null> {
  if (part === "head" && readsStart(content)) {
    const start = await boundedRead(key, config, (maxBytes) => content.getStart(key, START_BYTES, { maxBytes }));
    if (!start) return null;
    if (holdsFrontMatter(start.bytes, start.size)) return withPostKey(key, () => readPost(key, start.bytes, config, "head", start.size));
  }
  const bytes = await loadPostBytes(content, key, config);
  if (!bytes) return null;
  return withPostKey(key, () => readPost(key, bytes, config, part));
}

/**
 * Front matter is a few hundred bytes at the start of a post of ~10 KB: where the storage can read
 * a start alone (a folder), the scan reads this much, and the whole post only when its front matter
 * goes on past it.
 */
const START_BYTES = 4096;

const readsStart = (storage: Storage): storage is FsStorage => typeof (storage as Partial<FsStorage>).getStart === "function";

/** What loadItem gives: the item, and whether its body was rendered for it (not found in the cache). */
export interface LoadedItem {
  item: FeedItem;
  rendered: boolean;
}

/**
 * Reads one post and gives the item it shows in every feed: from `cache` when it holds one for the
 * post's bytes as they are now, else rendered (and then cached). Null when the post is not there;
 * throws as loadPost does.
 */
export async function loadItem(content: Storage, key: string, config: SiteConfig, cache?: RenderCache): Promise<LoadedItem | null> {
  const bytes = await loadPostBytes(content, key, config);
  if (!bytes) return null;
  let rendered = false;
  const render = () => {
    rendered = true;
    return renderItem(withPostKey(key, () => readPost(key, bytes, config, "whole")), config);
  };
  const item = cache ? await cache.item(key, bytes, render) : render();
  return { item, rendered };
}

/** The bytes of one post, refused unread when over feeds.limits.post_bytes; null when it is not there. */
function loadPostBytes(content: Storage, key: string, config: SiteConfig): Promise<Uint8Array | null> {
  return boundedRead(key, config, (maxBytes) => content.get(key, { maxBytes }));
}

/** Reads the post `key` with `read`, given the largest size a post may have: a key no storage can hold, or a post over that size, is the post's rejection. */
async function boundedRead<T>(key: string, config: SiteConfig, read: (maxBytes: number) => Promise<T>): Promise<T> {
  // An event can name a key no storage can hold ("a//b.md", "./x.md"): that post, not the batch, fails.
  try {
    assertValidKey("get", key);
  } catch (error) {
    const detail = error instanceof StorageError && error.cause instanceof Error ? error.cause.message : String(error);
    throw new PostError(key, `the file cannot be read: ${detail}`);
  }
  // Bounded before reading, so a huge upload costs a HEAD-sized answer, not its size in memory.
  return read(config.feeds.limits.postBytes).catch((error: unknown) => {
    if (!(error instanceof TooLargeError)) throw error;
    throw new PostError(key, tooLargeReason(error.size, config));
  });
}

/** The item a post shows in every feed: the costly body rendering, with failures named by post. */
export function renderItem(post: Post, config: SiteConfig): FeedItem {
  return withPostKey(post.key, () => toFeedItem(post, config));
}

/** Runs `fn` for one post: PostError and StorageError pass as they are; anything else names the post. */
function withPostKey<T>(key: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof PostError || error instanceof StorageError) throw error;
    throw new PostBugError(key, error);
  }
}

/** The reason readPost gives for a post over feeds.limits.post_bytes, for one refused unread. */
function tooLargeReason(size: number, config: SiteConfig): string {
  try {
    checkLimit(config.feeds.limits, "postBytes", size, (n) => `post is ${n} bytes`);
  } catch (error) {
    if (error instanceof LimitError) return error.message;
    throw error;
  }
  throw new RangeError(`a ${size}-byte object was refused under a limit it fits`);
}
