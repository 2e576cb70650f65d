import { createHash } from "node:crypto";
import type { FeedDefinition } from "./model.js";

// RFC 5005 archives: the posts of a feed older than those it shows, cut into pages an aggregator
// walks back through from the feed (prev-archive), each post on exactly one page.
//
// Where a page ends is decided by the posts themselves, not by counting: a post ends a page when
// the hash of its key says so (one post in `pageSize`, on average). Counting from the oldest
// post would move every later boundary when a post dated in the past arrives or leaves; with
// boundaries set by the posts, such a post changes the one page it is dated in (two when it ends
// a page itself: a split or a merge), and a new post changes at most the newest page. A page is
// named by the post that ends it, so its URL stays while posts come and go around it.

/** Folder, inside a feed's folder, of its archive pages: `<feed>/archive/<page>/` holds one page's files. */
export const ARCHIVE_FOLDER = "archive";

/**
 * The newest page while no post has ended it yet: it grows as posts leave the feed, so it is not
 * closed, and takes the name of the post that ends it once one does.
 */
export const OPEN_PAGE = "open";

/**
 * A page ends after this many times the average size even when no post's hash ends it: about one
 * page in 55 ((1 - 1/n)^(4n) ≈ e^-4), so a page cannot grow without bound on unlucky keys. Such an
 * end depends on the count since the page began, so a post added or removed before it moves it,
 * up to the next page a hash ends.
 */
export const PAGE_SIZE_CAP = 4;

export interface ArchivePage<T> {
  /** A page's folder name: 32 hex digits of the key hash of the post that ends it (its newest), or OPEN_PAGE. */
  name: string;
  /** Newest first, as a feed's items are. */
  posts: T[];
  /** Ended by a post: its posts and bytes change only when a post dated within it does. */
  closed: boolean;
}

/**
 * Cuts a feed's older posts (newest first, those after the ones the feed shows) into archive pages,
 * newest page first. Pure: the same posts give the same pages whatever order they came in.
 */
export function cutArchive<T extends { key: string }>(older: readonly T[], pageSize: number): ArchivePage<T>[] {
  const pages: ArchivePage<T>[] = [];
  let page: T[] = [];
  for (let i = older.length - 1; i >= 0; i--) {
    const post = older[i]!;
    page.push(post);
    const mark = keyMark(post.key);
    if (mark.ends(pageSize) || page.length >= pageSize * PAGE_SIZE_CAP) {
      pages.push({ name: mark.name, posts: page.reverse(), closed: true });
      page = [];
    }
  }
  if (page.length > 0) pages.push({ name: OPEN_PAGE, posts: page.reverse(), closed: false });
  return pages.reverse();
}

/** The folder of one archive page of a feed. */
export function archiveDir(feed: FeedDefinition, page: string): string {
  return `${feed.dir}/${ARCHIVE_FOLDER}/${page}`;
}

/** A page's name as a regular expression's source: what keyMark names a closed page, or OPEN_PAGE. */
export const PAGE_NAME = `[0-9a-f]{32}|${OPEN_PAGE}`;

/**
 * The feed folder and page name of an archive page's folder (the inverse of archiveDir), or null
 * when `dir` is no archive page's. Page names (32 hex digits or OPEN_PAGE) are never a feed's.
 */
export function parseArchiveDir(dir: string): { feedDir: string; page: string } | null {
  const match = new RegExp(`^(.+)/${ARCHIVE_FOLDER}/(${PAGE_NAME})$`).exec(dir);
  return match ? { feedDir: match[1]!, page: match[2]! } : null;
}

/**
 * What a post's key says of its place in an archive: whether it ends a page, and that page's name.
 * 128 bits of name: two pages of a feed named alike would share a folder, and keys are chosen by
 * whoever uploads, so finding two with the same name must be out of reach (2^64 tries), not just
 * unlikely by chance.
 */
function keyMark(key: string): { name: string; ends(pageSize: number): boolean } {
  const hex = createHash("sha256").update(key).digest("hex");
  return { name: hex.slice(0, 32), ends: (pageSize) => Number.parseInt(hex.slice(32, 40), 16) % pageSize === 0 };
}
