import { createHash } from "node:crypto";
import type { SiteConfig } from "../config.js";
import type { FeedDefinition } from "../feeds/model.js";
import type { Storage } from "../storage/types.js";
import type { FeedState } from "./feed-state.js";
import type { RescanProgress } from "./rescan.js";
import { STATE_PREFIX } from "../layout.js";
import { decodeState } from "./state-codec.js";

/**
 * Index state kept beside the feeds so that an upload costs the same however large the site is.
 * All of it lives under `state/` in the bucket, as gzipped JSON (state-codec.ts):
 *
 * - `state/<feed dir>/state.json`: FeedState of one feed (items shown, reserve, total, file hashes).
 * - `state/posts/<xx>.json`: PostRecords of the live posts whose key hashes to shard `xx` (256
 *   shards), saying which feeds each post is in and when it is dated, so a deleted post can be taken
 *   out of them and a new zone or feed length applied without reading content/.
 * - `state/site.json`: SiteState: the feeds that exist, posts waiting for their date, OPML hash.
 *
 * A full rebuild writes all of it anew; the incremental path reads and writes only the pieces an
 * upload touches.
 */
// 2: stored items may carry a lead image. 3: post records list the post's author feed, which
// records of 2 never name. 4: stored items keep their categories and tags as written, without
// display titles. A state of another version is rescanned from content/.
export const STATE_VERSION = 4;

export interface PostRecord {
  /** Feed folders the post is a live member of. */
  feeds: string[];
  date: number;
  /**
   * Post.wall: the date as written when its instant depends on the zone, null when it names an
   * offset. Absent only from records written by a version that did not keep it: such a record
   * cannot follow a zone change, and the index is then rebuilt from content/.
   */
  wall?: string | null;
}

export interface SiteState {
  version: number;
  /** configHash of the configuration the state was built with. */
  config: string;
  /**
   * membershipHash of it: while this matches, a configuration change only changes how items are
   * rendered, and the feeds are rendered again from their state instead of rebuilt from content/.
   */
  membership?: string;
  /**
   * limitsHash of it: while this matches, the same posts are accepted, so a new zone or feed
   * length is applied by choosing every feed again from the post records, not by reading content/.
   * Absent from states whose records do not carry the dates as written.
   */
  limits?: string;
  /**
   * renderHash of it: while this matches, the items stored in the feed states are what rendering
   * the posts again would give, so they are reused. Absent from older states (items rendered again).
   */
  render?: string;
  /**
   * feeds.archive's page size the archive state (state/<feed>/archive.json and its pages) was cut
   * with; absent when the feeds have no archives. Set only by a rescan, which builds them.
   */
  archive?: number;
  /** Cache-Control the feed objects were written with. */
  cacheControl: string;
  /** Every feed folder that exists, sorted. */
  feeds: string[];
  /** Posts not yet due, by key: their publication instant in ms. */
  scheduled: Record<string, number>;
  /** Post.wall of every scheduled post, null when its date names an offset (as in PostRecord). */
  scheduledWall?: Record<string, string | null>;
  /** Hash of the OPML file as last written. */
  opml?: string;
  /** Present while a rescan runs over an index no run may trust (config is then "rescanning"). */
  rescan?: RescanProgress;
  /** The last such rescan that committed: its late messages are ignored. */
  rescanDone?: string;
  /** Posts changed while that rescan ran, by key, not yet applied: the next incremental run applies them first. */
  pendingChanges?: string[];
}

export type PostShard = Record<string, PostRecord>;

export function configHash(config: SiteConfig): string {
  return createHash("sha256").update(JSON.stringify(config)).digest("hex");
}

/**
 * The settings that decide which posts each feed holds and in what order: the zone (a date
 * without an offset is read in it), the feed length and the input limits (which posts are
 * rejected). Every other setting (titles, URLs, permalinks, display titles, summary length) only
 * changes how the same items are rendered.
 */
export function membershipHash(config: SiteConfig): string {
  const { timezone, feeds } = config;
  // limitByKind is undefined, and left out, unless feeds.limit is given by kind: the hash stays as it was.
  return createHash("sha256").update(JSON.stringify({ timezone, limit: feeds.limit, limitByKind: feeds.limitByKind, limits: feeds.limits })).digest("hex");
}

/**
 * The settings a rendered item (toFeedItem of readPost) depends on: the site's URL and base path
 * and the permalink pattern (its URL and the body's absolute links), the zone (its dates as
 * written, and the permalink's date parts) and the summary length. Titles, display titles,
 * authors, images, hubs and excerpts are applied when a feed is rendered, so changing them
 * re-renders the feeds from the stored items without reading a post.
 */
export function renderHash(config: SiteConfig): string {
  const { url, baseurl, timezone, feeds } = config;
  return createHash("sha256").update(JSON.stringify({ url, baseurl, timezone, permalink: feeds.permalink, summaryLength: feeds.summaryLength })).digest("hex");
}

/** The settings that decide which posts are rejected (see membershipHash). */
export function limitsHash(config: SiteConfig): string {
  return createHash("sha256").update(JSON.stringify(config.feeds.limits)).digest("hex");
}

/** Records a post as waiting for its date, with its date as written (every scheduled key has one). */
export function schedule(site: SiteState, key: string, date: number, wall: string | null | undefined): void {
  site.scheduled[key] = date;
  (site.scheduledWall ??= {})[key] = wall ?? null;
}

export function unschedule(site: SiteState, key: string): void {
  delete site.scheduled[key];
  if (site.scheduledWall) delete site.scheduledWall[key];
}

export const SITE_STATE_KEY = `${STATE_PREFIX}site.json`;

export function feedStateKey(dir: string): string {
  return `${STATE_PREFIX}${dir}/state.json`;
}

export function shardOf(postKey: string): string {
  return createHash("sha256").update(postKey).digest("hex").slice(0, 2);
}

/** Every shard id, "00" to "ff". */
export const SHARD_IDS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export const SHARDS_PREFIX = `${STATE_PREFIX}posts/`;

export function shardKey(shard: string): string {
  return `${SHARDS_PREFIX}${shard}.json`;
}

/** A state object's JSON text, or null when there is none. */
export async function readStateText(storage: Storage, key: string): Promise<string | null> {
  const bytes = await storage.get(key);
  return bytes ? decodeState(bytes) : null;
}

async function readJson<T>(storage: Storage, key: string): Promise<T | null> {
  const text = await readStateText(storage, key);
  return text === null ? null : (JSON.parse(text) as T);
}

export const loadSiteState = (s: Storage) => readJson<SiteState>(s, SITE_STATE_KEY);
export const loadFeedState = (s: Storage, feed: FeedDefinition) => readJson<FeedState>(s, feedStateKey(feed.dir));
