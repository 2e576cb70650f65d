import type { Person, SiteConfig } from "../site-config.js";
import { DateFormatError, InputError, PostError } from "../errors.js";
import { checkLimit } from "../limits.js";
import { isWallClock, parseDate } from "./dates.js";
import { normalisePostText, parseFrontMatter } from "./front-matter.js";
import { parseImage } from "./image.js";
import { authorFeedName, feedNameOf, parseNameList } from "../names.js";
import { postUrl } from "./permalink.js";
import { isAbsoluteUrl } from "../urls.js";
import { postId } from "./post-id.js";
import { describeValue, quote, stripXmlForbidden } from "../text.js";
import type { Post } from "./post.js";

/** File endings read as posts, and how their bodies are rendered. */
// The EventBridge rule in infra/queue.yml routes exactly these endings.
const FORMATS: Record<string, Post["format"]> = {
  md: "markdown",
  markdown: "markdown",
  html: "html",
};

/** True when `key` names a file the publisher reads as a post (not `_config.yml`, not hidden). */
export function isPostKey(key: string): boolean {
  const parts = key.split("/");
  if (parts.some((p) => p.startsWith("_") || p.startsWith("."))) return false;
  return extensionOf(key) in FORMATS;
}

/**
 * Reads one post's text into a Post. Throws PostError naming the file and the problem; any other
 * error is a bug and propagates as it is. Only cheap work happens here; the body is rendered
 * later, for posts that enter a feed. readPost (read-post.ts) is the same from the file's bytes.
 */
export function parsePost(key: string, text: string, config: SiteConfig): Post {
  return rejectingInput(key, () => {
    checkLimit(config.feeds.limits, "postBytes", Buffer.byteLength(text, "utf8"), (n) => `post is ${n} bytes`);
    return postOf(key, normalisePostText(text), config, "whole");
  });
}

/** Runs `read` for the post `key`, turning the InputError it throws into PostError; nothing else. */
export function rejectingInput<T>(key: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InputError) throw new PostError(key, error.message, { cause: error });
    throw error;
  }
}

/**
 * The Post in `text` (normalised: normalisePostText), throwing InputError for any problem with
 * it. With "head", `text` may stop after the front matter and the body is "".
 */
export function postOf(key: string, text: string, config: SiteConfig, part: "whole" | "head"): Post {
  const fail = (reason: string): never => {
    throw new InputError(reason);
  };
  const format = FORMATS[extensionOf(key)] ?? fail(`not a post: the file must end in .md, .markdown or .html`);
  const { limits } = config.feeds;
  const { data, body } = parseFrontMatter(text, limits);

  const text_ = (field: string): string | undefined => {
    const v = data[field];
    if (v === undefined || v === null) return undefined;
    // Stripped again after parsing: a quoted "\b" or "\x1D" escape only becomes the character then.
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return stripXmlForbidden(String(v)).trim() || undefined;
    return fail(`${field} must be text, found ${describeValue(v)}`);
  };
  const dateOf = (field: string, v: string): Date => {
    try {
      return parseDate(v, config.timezone);
    } catch (error) {
      if (error instanceof DateFormatError) throw new DateFormatError(`${field}: ${error.message}`, { cause: error });
      throw error;
    }
  };
  const date_ = (field: string): Date | undefined => {
    const v = text_(field);
    return v === undefined ? undefined : dateOf(field, v);
  };
  // The first spelling of each feed name, across the plural and the singular field.
  const names_ = (kind: "category" | "tag", ...fields: string[]): string[] => {
    const byFeed = new Map<string, string>();
    for (const field of fields) {
      for (const name of parseNameList(data[field], field, kind, limits)) {
        if (!byFeed.has(feedNameOf(name))) byFeed.set(feedNameOf(name), name);
      }
    }
    return [...byFeed.values()];
  };

  const title = text_("title") ?? fail("title is missing: every post needs a title");
  const fileName = key.slice(key.lastIndexOf("/") + 1);
  const stem = fileName.slice(0, fileName.lastIndexOf("."));
  const datePrefix = /^(\d{4}-\d{2}-\d{2})-/.exec(stem);
  const written = text_("date");
  const date =
    (written !== undefined ? dateOf("date", written) : datePrefix ? parseFileDate(datePrefix[1]!, config.timezone) : undefined) ??
    fail('date is missing: add "date:" to the front matter or start the file name with YYYY-MM-DD-');
  const wall = written !== undefined ? (isWallClock(written) ? written : undefined) : datePrefix![1]!;
  const updated = date_("last_modified_at") ?? date_("updated");
  const categories = names_("category", "categories", "category");
  const tags = names_("tag", "tags", "tag");
  checkLimit(limits, "namesPerPost", categories.length + tags.length, (n) => `post has ${n} categories and tags`);
  const slug = text_("slug") ?? (datePrefix ? stem.slice(datePrefix[0].length) : stem);
  const permalink = text_("permalink");
  const published = data.published;
  if (published !== undefined && typeof published !== "boolean") fail("published must be true or false");

  const idOverride = text_("id") ?? text_("guid");
  if (idOverride && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(idOverride) && !isAbsoluteUrl(idOverride)) {
    fail(`id ${quote(idOverride)} looks like a URI but is not a valid one`);
  }
  const post: Post = {
    key,
    id: postId(config.url, key, idOverride),
    url: postUrl({ slug, categories, date, ...(permalink ? { permalink } : {}) }, config),
    title,
    date,
    ...(wall !== undefined ? { wall } : {}),
    categories,
    tags,
    draft: published === false,
    body: part === "head" ? "" : body,
    format,
  };
  if (updated && updated.getTime() > date.getTime()) post.updated = updated;
  const author = parseAuthor(data.author, fail);
  if (author) post.author = author;
  const authorFeed = author && authorFeedName(author.name, limits);
  if (authorFeed) post.authorFeed = authorFeed;
  const image = parseImage(data.image, config);
  if (image) post.image = image;
  const description = text_("description") ?? text_("excerpt");
  if (description) post.description = description;
  return post;
}

// A file name prefix like 2022-02-30- is no date: the front matter must then give one.
function parseFileDate(day: string, timeZone: string): Date | undefined {
  try {
    return parseDate(day, timeZone);
  } catch (error) {
    if (error instanceof DateFormatError) return undefined;
    throw error;
  }
}

function parseAuthor(v: unknown, fail: (reason: string) => never): Person | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") {
    const name = stripXmlForbidden(v).trim();
    return name ? { name } : undefined;
  }
  if (typeof v === "object" && !Array.isArray(v)) {
    const { name, email, url, uri } = v as Record<string, unknown>;
    if (typeof name !== "string" || !name.trim()) return fail("author.name is missing");
    const person: Person = { name: stripXmlForbidden(name).trim() };
    if (typeof email === "string" && email.trim()) person.email = stripXmlForbidden(email).trim();
    const link = typeof url === "string" ? url : typeof uri === "string" ? uri : undefined;
    if (link) {
      person.url = stripXmlForbidden(link).trim();
      if (!isAbsoluteUrl(person.url, true)) fail(`author.url ${quote(person.url)} is not an absolute http(s) URL`);
    }
    return person;
  }
  return fail("author must be a name or a mapping with name, email and url");
}

function extensionOf(key: string): string {
  const dot = key.lastIndexOf(".");
  return dot === -1 || dot < key.lastIndexOf("/") ? "" : key.slice(dot + 1).toLowerCase();
}
