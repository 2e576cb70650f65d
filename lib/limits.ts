import { LimitError } from "./errors.js";

/**
 * What one post may cost. Posts are scraped from other sites, so each bound keeps a hostile post
 * to a rejection that takes milliseconds, in a function that has 512 MB.
 */
export interface Limits {
  /** Bytes of the whole file, checked before it is decoded. */
  postBytes: number;
  /** Bytes of the YAML between the two "---" lines, checked before it is parsed. */
  frontMatterBytes: number;
  /** Distinct categories and tags together: each is a feed the post is written to. */
  namesPerPost: number;
  /** UTF-8 bytes of one category or tag name: a folder name and part of every key under it. */
  nameBytes: number;
  /** Values met walking the parsed front matter, an alias counted each time it is expanded. */
  yamlNodes: number;
  /** Collections nested in the front matter, the top-level mapping being 1. */
  yamlDepth: number;
}

/**
 * The defaults: the only place they are written. Overrides go under `feeds.limits` in _config.yml.
 * - post_bytes: real posts are ~10 KB; 128 KiB is thirteen times that. Rendering a hostile body
 *   grows faster than its size (on a 2-core VM: 200,000 nested <div> take 61 s at 1 MB, 3-7 s at
 *   256 KiB, under 1 s at 128 KiB; "*a" repeated takes 3 s and 350 MB at 1 MB, 0.5 s and 55 MB at
 *   128 KiB), and a 512 MB function has about a third of a core.
 * - front_matter_bytes: real front matter is ~300 bytes; 64 KiB is two hundred times that.
 * - names_per_post: each name is one more feed rewritten on every upload of the post.
 * - name_bytes: 200 keeps a folder under the 255 bytes most filesystems allow per path segment,
 *   and the longest key, `state/feeds/tags/<name>/state.json` (28 + name bytes), far under S3's 1,024.
 * - yaml_nodes: real front matter has ~20 values; 10,000 walks in about a millisecond.
 * - yaml_depth: real front matter nests 2 deep (author: {name}); js-yaml recurses per level.
 */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  postBytes: 128 * 1024,
  frontMatterBytes: 64 * 1024,
  namesPerPost: 50,
  nameBytes: 200,
  yamlNodes: 10_000,
  yamlDepth: 20,
});

/** Each limit's key under `feeds.limits`. */
export const LIMIT_KEYS: Readonly<Record<keyof Limits, string>> = Object.freeze({
  postBytes: "post_bytes",
  frontMatterBytes: "front_matter_bytes",
  namesPerPost: "names_per_post",
  nameBytes: "name_bytes",
  yamlNodes: "yaml_nodes",
  yamlDepth: "yaml_depth",
});

/** The full config key of a limit: "feeds.limits.post_bytes". */
export function limitKey(limit: keyof Limits): string {
  return `feeds.limits.${LIMIT_KEYS[limit]}`;
}

/**
 * Throws LimitError when `found` is above the limit; `what` says what was measured, given the
 * number: checkLimit(limits, "postBytes", 20_971_520, (n) => `post is ${n} bytes`) throws
 * "post is 20,971,520 bytes; feeds.limits.post_bytes allows 1,000,000".
 */
export function checkLimit(limits: Limits, limit: keyof Limits, found: number, what: (found: string) => string): void {
  if (found > limits[limit]) {
    throw new LimitError(limitKey(limit), `${what(formatCount(found))}; ${limitKey(limit)} allows ${formatCount(limits[limit])}`);
  }
}

/**
 * For a count that stopped at the limit, so only "more than" is known:
 * "front matter has more than 10,000 values; feeds.limits.yaml_nodes allows 10,000".
 */
export function overLimit(limits: Limits, limit: keyof Limits, what: string, unit: string): LimitError {
  const max = formatCount(limits[limit]);
  return new LimitError(limitKey(limit), `${what} more than ${max} ${unit}; ${limitKey(limit)} allows ${max}`);
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
