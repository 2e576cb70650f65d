import type { Person } from "../site-config.js";

/** A post as its front matter describes it; the body is not rendered yet (that is costly). */
export interface Post {
  /** Path under content/, "/"-separated: "2022-05-20-jiangxi-bank.md". */
  key: string;
  id: string;
  url: string;
  title: string;
  date: Date;
  /**
   * The date as written, when it names no offset (a wall-clock time or a file name's day): its
   * instant is read in the site's zone, and read again if the zone changes.
   */
  wall?: string;
  /** When the post was last changed, if the front matter says so. */
  updated?: Date;
  categories: string[];
  tags: string[];
  author?: Person;
  /**
   * The feed name (feedNameOf) of the author's feed, `feeds/authors/<name>/`: present when the
   * post names an author whose name can name a feed (authorFeedName). Never the site's author.
   */
  authorFeed?: string;
  /** The lead image from `image:`, if it names a usable URL. */
  image?: PostImage;
  /** Plain-text summary from `description` or `excerpt`, if given. */
  description?: string;
  /** `published: false` in the front matter. */
  draft: boolean;
  body: string;
  format: "markdown" | "html";
}

/** An image: an absolute http(s) URL, and its text alternative when one is given. */
export interface PostImage {
  url: string;
  alt?: string;
}

/** What choosing feeds needs of a post; all a full build keeps of the posts it does not show. */
export type PostSummary = Pick<Post, "key" | "date" | "wall" | "categories" | "tags" | "authorFeed" | "draft">;

export function summarise({ key, date, wall, categories, tags, authorFeed, draft }: PostSummary): PostSummary {
  return { key, date, ...(wall !== undefined ? { wall } : {}), categories, tags, ...(authorFeed !== undefined ? { authorFeed } : {}), draft };
}

/**
 * Summaries for a build that keeps one of every post it reads (the full build: 100k posts are
 * 100k summaries, about 35 MB as summarise makes them). Each category, tag and author name is one
 * string however many posts name it, and each list of categories or of tags one array, frozen,
 * which saves about a third; no string sliced from a post's text is kept, since a slice keeps the
 * whole text alive. A summary (one the scan cache kept) is shared the same way.
 */
export function summariser(): (post: PostSummary) => PostSummary {
  const names = new Map<string, string>();
  const lists = new Map<string, string[]>();
  // structuredClone makes a string of its own, never a slice of the text it came from.
  const name = (value: string): string => {
    const known = names.get(value);
    if (known !== undefined) return known;
    const copy = structuredClone(value);
    names.set(copy, copy);
    return copy;
  };
  const list = (values: string[]): string[] => {
    const id = JSON.stringify(values);
    const known = lists.get(id);
    if (known !== undefined) return known;
    // Shared by every post with this list: frozen, so a change to one post's list throws.
    const shared = Object.freeze(values.map(name)) as string[];
    lists.set(id, shared);
    return shared;
  };
  return (post) => {
    const { key, date, wall, categories, tags, authorFeed, draft } = summarise(post);
    return {
      key,
      date,
      ...(wall !== undefined ? { wall: structuredClone(wall) } : {}),
      categories: list(categories),
      tags: list(tags),
      ...(authorFeed !== undefined ? { authorFeed: name(authorFeed) } : {}),
      draft,
    };
  };
}

/** Published and due: not a draft, and its date has come. */
export function isLive(post: PostSummary, now: Date): boolean {
  return !post.draft && post.date.getTime() <= now.getTime();
}

/** Feed order: newest first; ties broken by key so the order never depends on input order. */
export function compareNewestFirst(a: PostSummary, b: PostSummary): number {
  return b.date.getTime() - a.date.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
