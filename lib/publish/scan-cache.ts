import { createHash } from "node:crypto";
import type { SiteConfig } from "../config.js";
import type { PostSummary } from "../posts/post.js";
import type { FileStamp, FsStorage } from "../storage/fs.js";
import { compareKeys } from "../storage/keys.js";
import type { Storage } from "../storage/types.js";
import { bestEffort, parseJson, readChecked, writeChecked } from "./checked-file.js";

/**
 * What the full build's scan learnt of each post (its summary: date, categories, tags, author,
 * draft), kept between local builds so that a post whose file is unchanged is not opened again:
 * 10,000 unchanged posts cost 10,000 stats instead of 10,000 reads and front-matter parses. A file
 * is known unchanged by its stamp (FileStamp: inode, size, modification and change times).
 *
 * The summaries are kept for one configuration and one version of the code (a new zone moves every
 * date; a new limit may reject a post): under others the file is not read. A file changed so
 * recently that a second change could share its time stamp (the kernel stamps files from a clock
 * that ticks every few milliseconds) is not remembered, as git does with its index. What is read
 * back is checked: a file cut short, altered or written for other settings is ignored whole, and
 * the build reads every post. Rejected posts are never remembered, so each build reports them again.
 */

/** Where the summaries live: any Storage (a local folder); get and put are all it uses. */
export type ScanCacheStore = Pick<Storage, "get" | "put">;

export interface ScanCacheOptions {
  store: ScanCacheStore;
  /** Names the code that reads posts, such as a hash of the running bundle. */
  code: string;
  /** The clock, in ms since the epoch; tests move it. */
  now?: () => number;
}

export interface ScanCache {
  /** The summary remembered for `key` when its file still has `stamp`. */
  known(key: string, stamp: FileStamp): PostSummary | undefined;
  /** Remembers what the scan read from `key`, stamped `stamp` before it was read. */
  remember(key: string, stamp: FileStamp, summary: PostSummary): void;
  /** Writes the summaries of this scan's posts, and only those, when they differ from the ones read. */
  save(): Promise<void>;
}

const FORMAT = "feedpub scan cache";
const VERSION = 1;
const KEY = "summaries.jsonl";
/** A file changed less than this long before the scan started may change again unseen within its time stamp. */
export const RACY_MS = 2_000;

/**
 * One post, one line: [key, stamp, date in ms, wall or null, categories, tags, authorFeed or null,
 * draft], the lines in key order (compareKeys). The scan asks for posts in that same order, so the
 * file is read as it is asked, one line at a time, and 100k posts cost its bytes (about 20 MB)
 * rather than a parsed copy beside the summaries the build keeps.
 */
type Row = [string, string, number, string | null, string[], string[], string | null, boolean];

export async function openScanCache({ store, code, now = Date.now }: ScanCacheOptions, config: SiteConfig): Promise<ScanCache> {
  const started = now();
  const settings = createHash("sha256").update(JSON.stringify({ format: FORMAT, version: VERSION, code, config })).digest("hex");
  let rows = readRows((await bestEffort(() => store.get(KEY))) ?? null, settings);
  // This scan's posts, each as the line to write next time: the old one when the post was known.
  let next: { key: string; line: Uint8Array }[] = [];
  let changed = false;

  return {
    known(key, stamp) {
      const found = rows.find(key);
      if (!found || found.row[1] !== stamp.id) return undefined;
      next.push({ key, line: found.line });
      const [, , date, wall, categories, tags, authorFeed, draft] = found.row;
      return { key, date: new Date(date), ...(wall !== null ? { wall } : {}), categories, tags, ...(authorFeed !== null ? { authorFeed } : {}), draft };
    },
    remember(key, stamp, s) {
      changed = true;
      if (stamp.changedMs > started - RACY_MS) return;
      const row: Row = [key, stamp.id, s.date.getTime(), s.wall ?? null, s.categories, s.tags, s.authorFeed ?? null, s.draft];
      next.push({ key, line: Buffer.from(`${JSON.stringify(row)}\n`) });
    },
    async save() {
      const same = !changed && next.length === rows.count;
      const lines = next.sort((a, b) => compareKeys(a.key, b.key)).map((n) => n.line);
      // What the build keeps of the posts is its own; the file's bytes are let go.
      rows = readRows(null, settings);
      next = [];
      if (same) return;
      await bestEffort(() => store.put(KEY, writeChecked({ format: FORMAT, version: VERSION, settings }, Buffer.concat(lines)), { contentType: "application/x-ndjson" }));
    },
  };
}

/** The rows of a file, read forward: each `find` moves past the lines of keys before its own. */
interface Rows {
  /** How many rows the file holds. */
  count: number;
  /** The row of `key` and its line, when the file holds one and no later key was asked for before. */
  find(key: string): { row: Row; line: Uint8Array } | undefined;
}

/** The rows of a file written for `settings`, or none when it is absent, cut short, altered or for other settings. */
function readRows(bytes: Uint8Array | null, settings: string): Rows {
  const body = readChecked(bytes, (head) => head.format === FORMAT && head.version === VERSION && head.settings === settings);
  if (!body) return { count: 0, find: () => undefined };
  let count = 0;
  for (let at = body.indexOf(10); at !== -1; at = body.indexOf(10, at + 1)) count++;

  let at = 0;
  let ahead: { row: Row; line: Uint8Array } | undefined;
  // Written by this code for these settings and checked whole: a line's shape is the one written.
  const advance = () => {
    const end = body.indexOf(10, at);
    if (end === -1) return (ahead = undefined);
    const line = body.subarray(at, end + 1);
    at = end + 1;
    const row = parseJson(line.subarray(0, -1));
    return (ahead = Array.isArray(row) && typeof row[0] === "string" ? { row: row as Row, line } : undefined);
  };
  advance();
  return {
    count,
    find(key) {
      while (ahead && compareKeys(ahead.row[0], key) < 0) advance();
      return ahead && ahead.row[0] === key ? ahead : undefined;
    },
  };
}

/**
 * The stamp of the post `key` in `content`, or null where the storage keeps none (a bucket) or
 * cannot give it: the post is then read, and its failure, if any, reported as reading reports it.
 */
export function stampOf(content: Storage, key: string): FileStamp | null {
  const stamp = (content as Partial<FsStorage>).stamp;
  if (typeof stamp !== "function") return null;
  try {
    return stamp.call(content, key);
  } catch {
    return null;
  }
}
