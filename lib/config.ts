import { closest } from "./closest.js";
import { DEFAULT_ARCHIVE_PAGE_SIZE, DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT, type ArchiveConfig, type FeedsConfig, type Person, type SiteConfig, type WebSubConfig } from "./site-config.js";
import { ConfigError, InputError } from "./errors.js";
import { DEFAULT_LIMITS, LIMIT_KEYS, type Limits } from "./limits.js";
import { isKnownTimeZone } from "./zone.js";
import type { FeedKind } from "./feeds/model.js";
import { checkName, feedNameOf, type NameKind } from "./names.js";
import { isAbsoluteUrl, siteUrl } from "./urls.js";
import { describeValue, quote, stripXmlForbidden } from "./text.js";
import { loadYaml } from "./yaml.js";

export type { FeedsConfig, Person, SiteConfig, WebSubConfig };

export const CONFIG_FILE = "_config.yml";

// Jekyll's built-in permalink styles.
const PERMALINK_STYLES: Record<string, string> = {
  date: "/:categories/:year/:month/:day/:title:output_ext",
  pretty: "/:categories/:year/:month/:day/:title/",
  ordinal: "/:categories/:year/:y_day/:title:output_ext",
  weekdate: "/:categories/:year/W:week/:short_day/:title:output_ext",
  none: "/:categories/:title:output_ext",
};

/** Keys feedpub reads at the top of _config.yml. */
const SITE_KEYS = ["title", "description", "url", "baseurl", "timezone", "lang", "author", "feeds", "permalink"];
/** Keys under `feeds:`, feedpub's own section. */
const FEEDS_KEYS = ["limit", "permalink", "categories", "tags", "authors", "summary_length", "url", "limits", "icon", "logo", "websub", "content", "archive", "site_keys"];
const WEBSUB_KEYS = ["hubs"];
const ARCHIVE_KEYS = ["page_size"];
/**
 * Keys of `feeds.content` and `feeds.limit` as a mapping: the default, then one per kind of feed,
 * as the output's folders name them.
 */
const KIND_KEYS: Record<string, FeedKind> = { site: "site", categories: "category", tags: "tag", authors: "author" };
const BY_KIND_KEYS = ["default", ...Object.keys(KIND_KEYS)];
const CONTENT_MODES = ["full", "excerpt"] as const;
const FEED_KINDS: FeedKind[] = ["site", "category", "tag", "author"];
const AUTHOR_KEYS = ["name", "email", "url"];
/**
 * Jekyll's documented settings and those its common plugins read (jekyll-seo-tag, jekyll-feed,
 * jekyll-paginate and -v2, jekyll-archives, jekyll-github-metadata): a site's _config.yml is Jekyll's
 * too, so these are accepted at the top although feedpub does not read them.
 */
const JEKYLL_KEYS = [
  "source", "destination", "collections_dir", "cache_dir", "plugins_dir", "layouts_dir", "data_dir", "includes_dir",
  "sass", "collections", "safe", "disable_disk_cache", "ignore_theme_config", "include", "exclude", "keep_files",
  "encoding", "markdown_ext", "strict_front_matter", "show_drafts", "limit_posts", "future", "unpublished",
  "whitelist", "plugins", "gems", "markdown", "highlighter", "lsi", "excerpt_separator", "incremental", "detach",
  "port", "host", "show_dir_listing", "livereload", "livereload_port", "livereload_ignore", "livereload_min_delay",
  "livereload_max_delay", "open_url", "ssl_cert", "ssl_key", "skip_initial_build", "liquid", "kramdown", "defaults",
  "theme", "remote_theme", "paginate", "paginate_path", "pagination", "autopages", "jekyll-archives", "quiet",
  "verbose", "profile", "webrick", "email", "twitter", "facebook", "github", "github_username", "twitter_username",
  "social", "logo", "tagline", "locale", "webmaster_verifications", "google_site_verification", "google_analytics",
  "repository", "disqus", "comments", "sitemap", "feed", "seo", "header_pages", "footer", "navigation", "authors",
  "languages",
];

/**
 * Problems for keys nobody reads, each naming the key with the closest known one suggested.
 * `accepted` keys are left alone though not ours: at the top, Jekyll's and those of `feeds.site_keys`.
 */
function unknownKeys(obj: Record<string, unknown>, known: readonly string[], path: string, problems: string[], accepted: readonly string[] = []): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key) || accepted.includes(key)) continue;
    const guess = closest(key, [...known, ...accepted]);
    if (path === "") {
      // At the top, where a theme keeps its own settings, an unknown key may be one of those; or
      // one of feedpub's written outside `feeds:`.
      const misplaced = guess ? undefined : closest(key, FEEDS_KEYS);
      const declare = `if it is the site's own (a theme's or a plugin's), list it in feeds.site_keys`;
      if (guess || misplaced) problems.push(`${key} is not a setting; did you mean ${guess ?? `feeds.${misplaced}`}? Fix it, or ${declare}`);
      else problems.push(`${key} is not a setting of feedpub or Jekyll; check the spelling, or ${declare}`);
    } else if (guess) problems.push(`${path}${key} is not a setting; did you mean ${path}${guess}?`);
    else problems.push(`${path}${key} is not a setting; the settings here are ${known.join(", ")}`);
  }
}

/**
 * `feeds.site_keys`: the site's own top-level keys (a theme's or plugin's), which feedpub then
 * accepts without reading; any other key that neither feedpub nor Jekyll reads is a problem.
 */
function parseSiteKeys(v: unknown, problems: string[]): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.push(`feeds.site_keys must be a list of the site's own top-level keys, such as [google_analytics_id, menu], got ${describeValue(v)}`);
    return [];
  }
  const keys: string[] = [];
  for (const [n, item] of v.entries()) {
    const path = `feeds.site_keys[${n}]`;
    if (typeof item !== "string" || !item.trim()) problems.push(`${path} must be a top-level key of _config.yml, got ${describeValue(item)}`);
    else if (SITE_KEYS.includes(item)) problems.push(`${path}: ${item} is a setting feedpub reads; take it out of the list`);
    else keys.push(item);
  }
  return keys;
}

/** Parses and validates `_config.yml`, reporting every problem at once, each naming its key. */
export function parseConfig(text: string, file = CONFIG_FILE): SiteConfig {
  let raw: unknown;
  try {
    raw = loadYaml(stripXmlForbidden(text));
  } catch (error) {
    throw new ConfigError(file, [`not valid YAML: ${(error as Error).message}`]);
  }
  if (!isRecord(raw)) throw new ConfigError(file, ["must be a YAML mapping of keys to values"]);

  const problems: string[] = [];
  const siteKeys = isRecord(raw.feeds) ? parseSiteKeys(raw.feeds.site_keys, problems) : [];
  unknownKeys(raw, SITE_KEYS, "", problems, [...JEKYLL_KEYS, ...siteKeys]);
  const str = (obj: Record<string, unknown>, key: string, path: string, required: boolean): string | undefined => {
    const v = typeof obj[key] === "string" ? (obj[key] as string).trim() : obj[key];
    if (v === undefined || v === null || v === "") {
      if (required) problems.push(`${path} is required`);
      return undefined;
    }
    if (typeof v !== "string" && typeof v !== "number") {
      problems.push(`${path} must be a string`);
      return undefined;
    }
    return String(v).trim();
  };

  const title = str(raw, "title", "title", true) ?? "";
  const description = str(raw, "description", "description", false) ?? "";
  let url = str(raw, "url", "url", true) ?? "";
  let urlOk = false;
  if (url) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error("scheme");
      if (parsed.pathname !== "/" || parsed.search || parsed.hash) {
        problems.push(`url must be scheme and host only ("https://example.com"); put a path in baseurl`);
      }
      url = `${parsed.protocol}//${parsed.host}`;
      urlOk = true;
    } catch {
      problems.push(`url must be an absolute http(s) URL such as "https://example.com", got "${url}"`);
    }
  }
  let baseurl = str(raw, "baseurl", "baseurl", false) ?? "";
  if (baseurl && !baseurl.startsWith("/")) problems.push(`baseurl must start with "/" (or be empty), got "${baseurl}"`);
  baseurl = baseurl.replace(/\/+$/, "");
  const timezone = str(raw, "timezone", "timezone", false) ?? "UTC";
  const zoneProblem = timeZoneProblem(timezone);
  if (zoneProblem) problems.push(zoneProblem);
  const lang = str(raw, "lang", "lang", false) ?? "en";
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) {
    problems.push(`lang must be a language tag such as "zh-CN", got "${lang}"`);
  }

  let author: Person | undefined;
  const rawAuthor = raw.author;
  if (typeof rawAuthor === "string" && rawAuthor.trim()) author = { name: rawAuthor.trim() };
  else if (isRecord(rawAuthor)) {
    unknownKeys(rawAuthor, AUTHOR_KEYS, "author.", problems);
    const name = str(rawAuthor, "name", "author.name", true);
    const email = str(rawAuthor, "email", "author.email", false);
    const authorUrl = str(rawAuthor, "url", "author.url", false);
    if (email && !EMAIL.test(email)) problems.push(`author.email must be an email address, got "${email}"`);
    if (authorUrl && !isAbsoluteUrl(authorUrl, true)) problems.push(`author.url must be an absolute http(s) URL, got "${authorUrl}"`);
    if (name) author = { name, ...(email ? { email } : {}), ...(authorUrl ? { url: authorUrl } : {}) };
  } else if (rawAuthor !== undefined && rawAuthor !== null) {
    problems.push("author must be a name or a mapping with name and optional email and url");
  }

  const rawFeeds = raw.feeds ?? {};
  const feeds: FeedsConfig = {
    limit: DEFAULT_FEED_LIMIT,
    permalink: PERMALINK_STYLES.date!,
    categories: {},
    tags: {},
    summaryLength: 200,
    url: "",
    limits: { ...DEFAULT_LIMITS },
  };
  if (!isRecord(rawFeeds)) {
    problems.push("feeds must be a mapping");
  } else {
    unknownKeys(rawFeeds, FEEDS_KEYS, "feeds.", problems);
    feeds.limits = parseLimits(rawFeeds.limits, problems);
    const limit = parseLimit(rawFeeds.limit, problems);
    feeds.limit = limit.default;
    if (limit.byKind) feeds.limitByKind = limit.byKind;
    feeds.summaryLength = positiveInt(rawFeeds.summary_length, "feeds.summary_length", 200, problems);
    const permalink = str(rawFeeds, "permalink", "feeds.permalink", false) ?? str(raw, "permalink", "permalink", false);
    if (permalink) {
      const expanded = PERMALINK_STYLES[permalink] ?? permalink;
      if (!expanded.startsWith("/")) problems.push(`feeds.permalink must be a style name (${Object.keys(PERMALINK_STYLES).join(", ")}) or a pattern starting with "/", got "${permalink}"`);
      feeds.permalink = expanded;
    }
    const feedsUrl = str(rawFeeds, "url", "feeds.url", false);
    if (feedsUrl) {
      if (isAbsoluteUrl(feedsUrl, true) && !/[\s?#]/.test(feedsUrl)) feeds.url = new URL(feedsUrl).href.replace(/\/+$/, "");
      else problems.push(`feeds.url must be an absolute http(s) URL such as "https://feeds.example.com", got "${feedsUrl}"`);
    }
    for (const key of ["icon", "logo"] as const) {
      const value = str(rawFeeds, key, `feeds.${key}`, false);
      // Against a bad url the path cannot be resolved; that problem is reported already.
      if (value === undefined || !urlOk) continue;
      const absolute = siteUrl(value, { url, baseurl });
      if (absolute) feeds[key] = absolute;
      else problems.push(`feeds.${key} must be an http(s) URL or a path on the site such as "/images/logo.png", got ${quote(value)}`);
    }
    const websub = parseWebSub(rawFeeds.websub, problems);
    if (websub) feeds.websub = websub;
    feeds.categories = titleMap(rawFeeds.categories, "feeds.categories", "category", feeds.limits, problems);
    feeds.tags = titleMap(rawFeeds.tags, "feeds.tags", "tag", feeds.limits, problems);
    const authors = titleMap(rawFeeds.authors, "feeds.authors", "author", feeds.limits, problems);
    if (Object.keys(authors).length > 0) feeds.authors = authors;
    const excerpt = parseContent(rawFeeds.content, problems);
    if (excerpt.length > 0) feeds.excerpt = excerpt;
    const archive = parseArchive(rawFeeds.archive, problems);
    if (archive) feeds.archive = archive;
  }

  if (problems.length > 0) throw new ConfigError(file, problems);
  feeds.url ||= `${url}${baseurl}`;
  return { title, description, url, baseurl, timezone, lang, ...(author ? { author } : {}), feeds };
}

// What editors write for their zone, and the zones they mean: an abbreviation names no rules for
// daylight saving, and several name more than one zone (CST is China's, and US Central's too).
const ZONE_ABBREVIATIONS: Record<string, string> = {
  CST: "Asia/Shanghai (China) or America/Chicago (US Central)",
  HKT: "Asia/Hong_Kong",
  JST: "Asia/Tokyo",
  KST: "Asia/Seoul",
  SGT: "Asia/Singapore",
  IST: "Asia/Kolkata (India) or Europe/Dublin (Ireland)",
  GMT: "UTC or Europe/London",
  BST: "Europe/London",
  CET: "Europe/Paris or Europe/Berlin",
  EST: "America/New_York",
  EDT: "America/New_York",
  CDT: "America/Chicago",
  MST: "America/Denver or America/Phoenix",
  PST: "America/Los_Angeles",
  PDT: "America/Los_Angeles",
  AEST: "Australia/Sydney",
};

/**
 * A zone must be an IANA Area/Location name (or UTC): Intl also accepts abbreviations and legacy
 * names such as "CST" or "EST5EDT", which silently pick one of several zones an editor may mean.
 */
function timeZoneProblem(zone: string): string | undefined {
  const areaLocation = /^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)\/[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)?$/;
  if (zone === "UTC" || (areaLocation.test(zone) && isKnownTimeZone(zone))) return undefined;
  const meant = ZONE_ABBREVIATIONS[zone.toUpperCase()];
  if (meant) return `timezone must be an IANA zone name, not an abbreviation: for "${zone}" write ${meant}`;
  return `timezone must be an IANA zone name such as "Asia/Shanghai" (or UTC), got "${zone}"`;
}

const EMAIL = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;

function positiveInt(v: unknown, path: string, fallback: number, problems: string[]): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    problems.push(`${path} must be a whole number of at least 1, got ${typeof v === "number" ? v : describeValue(v)}`);
    return fallback;
  }
  return v;
}

// Most filesystems allow 255 bytes per path segment, and a name is one: a longer one could not be written.
const MAX_NAME_BYTES = 255;

/** `feeds.limits`: each a whole number of at least 1 over its default; an unknown key is a problem. */
function parseLimits(v: unknown, problems: string[]): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  if (v === undefined || v === null) return limits;
  if (!isRecord(v)) {
    problems.push(`feeds.limits must map limit names (${Object.values(LIMIT_KEYS).join(", ")}) to numbers`);
    return limits;
  }
  const byKey = new Map(Object.entries(LIMIT_KEYS).map(([field, key]) => [key, field as keyof Limits]));
  for (const [key, value] of Object.entries(v)) {
    const field = byKey.get(key);
    if (!field) {
      const guess = closest(key, byKey.keys());
      problems.push(`feeds.limits.${key} is not a known limit; ${guess ? `did you mean feeds.limits.${guess}?` : `the limits are ${[...byKey.keys()].join(", ")}`}`);
      continue;
    }
    limits[field] = positiveInt(value, `feeds.limits.${key}`, DEFAULT_LIMITS[field], problems);
  }
  if (limits.nameBytes > MAX_NAME_BYTES) {
    problems.push(`feeds.limits.name_bytes must be at most ${MAX_NAME_BYTES}, the bytes most filesystems allow in a folder name, got ${limits.nameBytes}`);
    limits.nameBytes = DEFAULT_LIMITS.nameBytes;
  }
  return limits;
}

/**
 * `feeds.websub`: the hubs, each an absolute http(s) URL. A hub's address is printed in every feed
 * for subscribers to find, so one holding a user name or password is refused rather than published;
 * a fragment is refused as it would never reach the hub. Undefined when no hub is named.
 */
function parseWebSub(v: unknown, problems: string[]): WebSubConfig | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) {
    problems.push("feeds.websub must be a mapping with hubs, a list of hub URLs");
    return undefined;
  }
  unknownKeys(v, WEBSUB_KEYS, "feeds.websub.", problems);
  const raw = v.hubs;
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    problems.push(`feeds.websub.hubs must be a list of hub URLs such as [https://pubsubhubbub.appspot.com/], got ${describeValue(raw)}`);
    return undefined;
  }
  const hubs: string[] = [];
  for (const [n, item] of raw.entries()) {
    const path = `feeds.websub.hubs[${n}]`;
    const text = typeof item === "string" ? item.trim() : undefined;
    if (!text || !isAbsoluteUrl(text, true) || /\s/.test(text)) {
      problems.push(`${path} must be an absolute http(s) URL such as "https://pubsubhubbub.appspot.com/", got ${describeValue(item)}`);
      continue;
    }
    const url = new URL(text);
    if (url.username || url.password) problems.push(`${path} must not hold a user name or password: every feed shows its hubs' addresses`);
    else if (url.hash) problems.push(`${path} must not have a fragment (#…), which is never sent to the hub`);
    else if (hubs.includes(url.href)) problems.push(`${path}: ${quote(url.href)} is listed twice`);
    else hubs.push(url.href);
  }
  return hubs.length > 0 ? { hubs } : undefined;
}

/**
 * `feeds.limit`: the items in every feed as one number, or as a mapping whose `default` (50 unless
 * given) covers the kinds of feed it does not name. Kinds are kept apart only where they differ from
 * the default, so a mapping that changes nothing hashes as the plain number does.
 */
function parseLimit(v: unknown, problems: string[]): { default: number; byKind?: Partial<Record<FeedKind, number>> } {
  const length = (value: unknown, path: string, fallback: number): number => {
    const n = positiveInt(value, path, fallback, problems);
    if (n <= MAX_FEED_LIMIT) return n;
    // A typo such as 50000 would have the function render tens of thousands of full articles into
    // every feed a post is in, on every upload: past its memory and timeout, so nothing publishes.
    problems.push(`${path} must be at most ${MAX_FEED_LIMIT.toLocaleString("en-US")} items (each carries its full article), got ${n.toLocaleString("en-US")}`);
    return fallback;
  };
  if (!isRecord(v)) return { default: length(v, "feeds.limit", DEFAULT_FEED_LIMIT) };
  unknownKeys(v, BY_KIND_KEYS, "feeds.limit.", problems);
  const fallback = length(v.default, "feeds.limit.default", DEFAULT_FEED_LIMIT);
  const byKind: Partial<Record<FeedKind, number>> = {};
  for (const [key, kind] of Object.entries(KIND_KEYS)) {
    const limit = length(v[key], `feeds.limit.${key}`, fallback);
    if (limit !== fallback) byKind[kind] = limit;
  }
  return Object.keys(byKind).length > 0 ? { default: fallback, byKind } : { default: fallback };
}

/**
 * `feeds.archive`: off unless given; `true` for pages of DEFAULT_ARCHIVE_PAGE_SIZE posts on
 * average, or a mapping naming its `page_size`.
 */
function parseArchive(v: unknown, problems: string[]): ArchiveConfig | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  if (v === true) return { pageSize: DEFAULT_ARCHIVE_PAGE_SIZE };
  if (!isRecord(v)) {
    problems.push(`feeds.archive must be true, false or a mapping such as {page_size: 50}, got ${describeValue(v)}`);
    return undefined;
  }
  unknownKeys(v, ARCHIVE_KEYS, "feeds.archive.", problems);
  const pageSize = positiveInt(v.page_size, "feeds.archive.page_size", DEFAULT_ARCHIVE_PAGE_SIZE, problems);
  if (pageSize <= MAX_FEED_LIMIT) return { pageSize };
  problems.push(`feeds.archive.page_size must be at most ${MAX_FEED_LIMIT.toLocaleString("en-US")} posts, got ${pageSize.toLocaleString("en-US")}`);
  return undefined;
}

/**
 * `feeds.content`: full (the default) or excerpt, for every feed as one word, or as a mapping
 * whose `default` covers the kinds of feed it does not name (site, categories, tags, authors).
 * Returns the kinds in excerpt mode, in FEED_KINDS order, so equal settings hash alike.
 */
function parseContent(v: unknown, problems: string[]): FeedKind[] {
  const mode = (value: unknown, path: string): (typeof CONTENT_MODES)[number] | undefined => {
    if (value === undefined || value === null) return undefined;
    const text = typeof value === "string" ? value.trim() : undefined;
    const known = CONTENT_MODES.find((m) => m === text);
    if (known) return known;
    const guess = text ? closest(text, CONTENT_MODES) : undefined;
    problems.push(`${path} must be full or excerpt, got ${describeValue(value)}${guess ? `; did you mean ${guess}?` : ""}`);
    return undefined;
  };
  if (v === undefined || v === null) return [];
  if (!isRecord(v)) return mode(v, "feeds.content") === "excerpt" ? [...FEED_KINDS] : [];
  unknownKeys(v, BY_KIND_KEYS, "feeds.content.", problems);
  const fallback = mode(v.default, "feeds.content.default") ?? "full";
  const chosen = new Set<FeedKind>();
  for (const [key, kind] of Object.entries(KIND_KEYS)) {
    if ((mode(v[key], `feeds.content.${key}`) ?? fallback) === "excerpt") chosen.add(kind);
  }
  return FEED_KINDS.filter((k) => chosen.has(k));
}

/**
 * Display titles by feed name: each key is checked as a post's name would be, then folded
 * (feedNameOf), since feeds are looked up by their folded name; two keys folding alike are a problem.
 */
function titleMap(
  v: unknown,
  path: string,
  kind: NameKind,
  limits: Limits,
  problems: string[],
): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) {
    problems.push(`${path} must map names to display titles`);
    return {};
  }
  const out: Record<string, string> = {};
  const keyOf = new Map<string, string>();
  for (const [name, title] of Object.entries(v)) {
    let feedName: string | undefined;
    try {
      feedName = feedNameOf(checkName(name, kind, limits));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(`${path}.${name}: ${error.message}`);
    }
    if (typeof title !== "string" || !title.trim()) problems.push(`${path}.${name} must be a non-empty display title`);
    else if (feedName !== undefined) {
      const earlier = keyOf.get(feedName);
      if (earlier !== undefined) {
        problems.push(`${path}.${name}: ${quote(earlier)} and ${quote(name)} are the same feed, ${quote(feedName)} (names are compared in NFC, ignoring case); keep one`);
      } else {
        keyOf.set(feedName, name);
        out[feedName] = title.trim();
      }
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
