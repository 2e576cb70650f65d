import type { SiteConfig } from "../config.js";
import { PostError } from "../errors.js";
import { chooseFeeds, type ChosenFeed } from "../feeds/choose.js";
import { toFeedItem } from "../feeds/feed-document.js";
import { FEED_FILES, OPML_FILE, type FeedItem } from "../feeds/model.js";
import { renderFeed, renderIndex, type OutputFile } from "../feeds/render-feed.js";
import { isPostKey, parsePost } from "../posts/parse-post.js";
import { isLive, summarise, type Post, type PostSummary } from "../posts/post.js";
import type { Storage } from "../storage/types.js";
import { fullState } from "./full-state.js";
import { JOURNAL_KEY, type StateWrite } from "./journal.js";
import { loadConfig } from "./load-config.js";
import { mapLimit } from "./map-limit.js";
import { loadSiteState } from "./state-store.js";
import { DEFAULT_CACHE_CONTROL, writeChanged, type WriteOutcome } from "./write-files.js";

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
}

const OUTPUT_NAMES = new Set([...Object.values(FEED_FILES).map((f) => f.name), OPML_FILE.key.split("/").pop()]);

/**
 * Builds every feed from everything under `content`: the local build and the full rebuild of a
 * bucket. Front matter is read for every post; bodies are rendered only for posts that enter a feed.
 * Feeds that no longer have posts are deleted, so the output equals a build into an empty folder.
 */
export async function buildAll(options: BuildOptions): Promise<BuildReport> {
  const { content, output, now, concurrency = 32 } = options;
  const config = await loadConfig(content);
  const keys = (await content.list("")).filter(isPostKey);

  const rejected: PostError[] = [];
  const read = async (key: string, headOnly = false): Promise<Post | undefined> => {
    const bytes = await content.get(key);
    if (!bytes) return undefined; // deleted while the build ran
    try {
      return parsePost(key, headOnly ? frontMatterOf(bytes) : decode(bytes), config);
    } catch (error) {
      if (error instanceof PostError) {
        rejected.push(error);
        return undefined;
      }
      throw error;
    }
  };

  // Only a summary of each post is kept, so memory grows as little as it can with the size of the
  // site; a copy, so strings sliced from the front matter do not keep all of it alive.
  const posts = (await mapLimit(keys, concurrency, async (key) => {
    const post = await read(key, true);
    return post && structuredClone(summarise(post));
  })).filter((p): p is PostSummary => p !== undefined);

  const feeds = chooseFeeds(posts, config, now, options.state ? (options.reserveSize ?? 2 * config.feeds.limit) : 0);
  const wanted = [...new Set(feeds.flatMap((f) => f.posts.map((p) => p.key)))];
  const items = new Map<string, FeedItem>();
  await mapLimit(wanted, concurrency, async (key) => {
    const post = await read(key);
    if (post) items.set(key, toFeedItem(post, config));
  });

  const cacheControl = options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  // Equal bytes are not rewritten, but a new Cache-Control must reach every object.
  const previous = options.state ? await loadSiteState(options.state) : null;
  const force = previous !== null && previous.cacheControl !== cacheControl;
  // Each feed is rendered, written and let go, so at most a few feeds' files are in memory at once.
  const hashes = new Map<string, string>();
  const renderAndWrite = async (render: () => OutputFile[]) => {
    const outcomes = await writeChanged(output, render(), { cacheControl, concurrency: 3, force });
    for (const o of outcomes) hashes.set(o.key, o.sha256!);
    return outcomes;
  };
  const writes = (
    await mapLimit(feeds, 4, (f) => renderAndWrite(() => renderFeed(f.feed, f.posts.flatMap((p) => items.get(p.key) ?? []), config)))
  ).flat();
  writes.push(...(await renderAndWrite(() => [renderIndex(feeds.map((f) => f.feed), config)])));
  const produced = new Set(hashes.keys());
  const stale = (await output.list("feeds/")).filter(
    (key) => !produced.has(key) && OUTPUT_NAMES.has(key.slice(key.lastIndexOf("/") + 1)),
  );
  await mapLimit(stale, concurrency, (key) => output.delete(key));
  if (options.state) await replaceState(options.state, fullState({ feeds, items, hashes, posts, now, config, cacheControl }), concurrency);

  rejected.sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    config,
    posts,
    live: posts.filter((p) => isLive(p, now)).length,
    drafts: posts.filter((p) => p.draft).length,
    scheduled: posts.filter((p) => !p.draft && !isLive(p, now)).length,
    rejected,
    feeds,
    writes,
    deleted: stale,
  };
}

/** Writes a complete state and removes every state object it does not name, the journal included. */
async function replaceState(storage: Storage, writes: StateWrite[], concurrency: number): Promise<void> {
  const keep = new Set(writes.map((w) => w.key));
  const stale = (await storage.list("state/")).filter((key) => !keep.has(key) && key !== JOURNAL_KEY);
  await mapLimit(writes, concurrency, (w) => storage.put(w.key, w.body!, { contentType: "application/json" }));
  await mapLimit(stale, concurrency, (key) => storage.delete(key));
  await storage.delete(JOURNAL_KEY);
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
