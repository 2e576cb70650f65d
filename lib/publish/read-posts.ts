import type { SiteConfig } from "../config.js";
import { PostBugError, PostError, StorageError } from "../errors.js";
import { toFeedItem } from "../feeds/feed-document.js";
import type { FeedItem } from "../feeds/model.js";
import { parsePost } from "../posts/parse-post.js";
import type { Post } from "../posts/post.js";
import { assertValidKey } from "../storage/keys.js";
import type { Storage } from "../storage/types.js";

/**
 * Reads one post under content/ for every path (full build, upload, refill): null when it is not
 * there. A post that cannot be published throws PostError; any other failure while handling it is
 * a bug, not the post's fault, and throws PostBugError naming the post.
 */
export async function loadPost(content: Storage, key: string, config: SiteConfig, part: "whole" | "head" = "whole"): Promise<Post | null> {
  // An event can name a key no storage can hold ("a//b.md", "./x.md"): that post, not the batch, fails.
  try {
    assertValidKey("get", key);
  } catch (error) {
    const detail = error instanceof StorageError && error.cause instanceof Error ? error.cause.message : String(error);
    throw new PostError(key, `the file cannot be read: ${detail}`);
  }
  const bytes = await content.get(key);
  if (!bytes) return null;
  return withPostKey(key, () => parsePost(key, part === "head" ? frontMatterOf(bytes) : decode(bytes), config));
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

function decode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/**
 * The front matter alone (through its closing "---" line), so the scan decodes ~300 bytes, not the
 * ~9 KB body it would drop. Falls back to the whole text whenever the first fence is not a plain one.
 */
export function frontMatterOf(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const opening = buf.indexOf(10);
  const fence = opening === -1 ? -1 : buf.indexOf("\n---", opening);
  if (fence === -1) return buf.toString("utf8");
  let eol = buf.indexOf(10, fence + 4);
  if (eol === -1) eol = buf.length;
  if (!/^[ \t]*\r?$/.test(buf.toString("latin1", fence + 4, eol))) return buf.toString("utf8");
  return buf.toString("utf8", 0, eol);
}
