import type { SiteConfig } from "../config.js";
import { publicUrl } from "../feeds/feed-document.js";
import { parseArchiveDir } from "../feeds/archive.js";
import { FEED_FILES } from "../feeds/model.js";
import { FEEDS_PREFIX } from "../layout.js";

/** What a publish reports of each output file it looked at (the core's WriteOutcome, as far as it matters here). */
export interface FileOutcome {
  key: string;
  outcome: string;
}

const FEED_FILE_NAMES: ReadonlySet<string> = new Set(Object.values(FEED_FILES).map((f) => f.name));

/**
 * The public URLs of the feeds whose bytes changed: every feed file (RSS, Atom or JSON Feed, each
 * its own WebSub topic) that was written or deleted, as its self link names it. A deleted feed is
 * announced too, so the hub fetches it, finds it gone and tells its subscribers. The OPML list is
 * no feed, and an archive page is no topic (it names no hub; subscribers follow the feed). Sorted and without repeats, however many calls reported the same file. Pure.
 */
export function changedFeedUrls(outcomes: Iterable<FileOutcome>, config: SiteConfig): string[] {
  const keys = new Set<string>();
  for (const { key, outcome } of outcomes) {
    if (outcome !== "written" && outcome !== "deleted") continue;
    const at = key.lastIndexOf("/");
    if (key.startsWith(FEEDS_PREFIX) && FEED_FILE_NAMES.has(key.slice(at + 1)) && !parseArchiveDir(key.slice(0, at))) keys.add(key);
  }
  return [...keys].sort().map((key) => publicUrl(key, config));
}
