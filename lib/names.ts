import { InputError, NameError } from "./errors.js";
import { OUTPUT_NAMES } from "./feeds/model.js";
import { checkLimit, type Limits } from "./limits.js";
import { describeValue, quote } from "./text.js";

/**
 * Categories, tags and authors. Each name becomes a folder (`feeds/<category>/`, `feeds/tags/<tag>/`,
 * `feeds/authors/<author>/`), part of S3 keys and of URLs, and XML text, so a name is read as
 * follows; any failure of a category or tag rejects the post (an author's, see authorFeedName).
 *
 * 1. A field is a YAML list of names (strings or numbers), or one string of names separated by
 *    whitespace; list items are trimmed; empty names are dropped.
 * 2. Refused: a name holding a lone surrogate (U+D800–U+DFFF unpaired: not a character, and
 *    encodeURIComponent throws on it).
 * 3. The name is NFC-normalised, so names that look the same ("e\u0301" and "é") are one name.
 *    The NFC form is what the post keeps (its item category label), case as written.
 * 4. Refused: "." and ".."; a path separator (/ or \); a control character (C0 U+0000–U+001F,
 *    DEL U+007F, C1 U+0080–U+009F); a noncharacter (U+FDD0–U+FDEF and U+nFFFE/U+nFFFF in every
 *    plane, U+FFFE/U+FFFF included); the reserved characters < > " ? # %. Together with 2 this
 *    refuses every character XML 1.0 cannot carry.
 * 5. Refused: more than `feeds.limits.name_bytes` bytes of UTF-8 (200 by default), as written
 *    (NFC) or as its feed name (6), which can be longer; a LimitError.
 * 6. A feed is named by the name case-folded: feedNameOf(name), NFC then toLowerCase()
 *    (locale-independent), as Hugo does for taxonomy terms, so "Finance" and "finance" are one feed
 *    and one folder, which case-insensitive filesystems (macOS, Windows) could not tell apart.
 * 7. Refused: a name whose feed name is one of the output's own files or folders (RESERVED_NAMES):
 *    rss.xml, atom.xml, feed.json, index.opml, index.html, autodiscovery.html, and for categories also tags (the folder
 *    of tag feeds) and authors (the folder of author feeds).
 * 8. A post's categories (fields categories, then category) and tags (tags, then tag) are each
 *    kept in order, the first spelling of each feed name only; together they may be at most
 *    `feeds.limits.names_per_post` (50 by default).
 */

const FILE_NAMES = [...OUTPUT_NAMES];

/** The kinds of name that become a feed of their own. */
export type NameKind = "category" | "tag" | "author";

/** Feed names that would collide with the output's own files and folders, by kind of feed. */
export const RESERVED_NAMES: Readonly<Record<NameKind, ReadonlySet<string>>> = {
  category: new Set([...FILE_NAMES, "tags", "authors"]),
  tag: new Set(FILE_NAMES),
  author: new Set(FILE_NAMES),
};

const WHY_RESERVED: Record<string, string> = {
  tags: "feeds/tags/ holds the tag feeds",
  authors: "feeds/authors/ holds the author feeds",
};

/** The name of the feed a category or tag belongs to, and of its folder: NFC, then lower-cased. */
export function feedNameOf(name: string): string {
  return name.normalize("NFC").toLowerCase().normalize("NFC");
}

const LONE_SURROGATE = /\p{Cs}/u;
const CONTROL = /\p{Cc}/u;
const NONCHARACTER = /\p{Noncharacter_Code_Point}/u;
const RESERVED_CHARACTER = /[<>"?#%]/;

/**
 * Checks one category or tag name (rules 2–7 above) and returns its NFC form. Throws NameError
 * (or LimitError for the length) whose message starts with `field` when one is given.
 */
export function checkName(name: string, kind: NameKind, limits: Limits, field?: string): string {
  const refuse = (why: string): never => {
    throw new NameError(`${field ? `${field}: ` : ""}${quote(name)} cannot be ${kind === "author" ? "an" : "a"} ${kind} name: ${why}`);
  };
  if (name === "") refuse("a name must not be empty");
  const surrogate = LONE_SURROGATE.exec(name);
  if (surrogate) refuse(`it contains a lone surrogate (${codePoint(surrogate[0])}), which is not a character`);
  const nfc = name.normalize("NFC");
  if (nfc === "." || nfc === "..") refuse("it is a relative path segment");
  if (/[/\\]/.test(nfc)) refuse("it contains a path separator");
  const control = CONTROL.exec(nfc);
  if (control) refuse(`it contains a control character (${codePoint(control[0])})`);
  const nonCharacter = NONCHARACTER.exec(nfc);
  if (nonCharacter) refuse(`it contains a noncharacter (${codePoint(nonCharacter[0])}), which feeds cannot carry`);
  const reserved = RESERVED_CHARACTER.exec(nfc);
  if (reserved) refuse(`it contains the reserved character ${reserved[0]}`);
  const prefix = field ? `${field}: ` : "";
  checkLimit(limits, "nameBytes", Buffer.byteLength(nfc, "utf8"), (n) => `${prefix}${kind} name ${quote(nfc)} is ${n} bytes`);
  // The folder is the folded name, and lower-casing can lengthen it ("İ" is 2 bytes, "i̇" 3).
  const feedName = feedNameOf(nfc);
  checkLimit(limits, "nameBytes", Buffer.byteLength(feedName, "utf8"), (n) => `${prefix}${kind} name ${quote(nfc)} is ${n} bytes lower-cased, as its folder`);
  if (RESERVED_NAMES[kind].has(feedName)) {
    refuse(WHY_RESERVED[feedName] ?? `${feedName} is one of the output's own files (names are compared ignoring case)`);
  }
  return nfc;
}

/**
 * The feed name of a post's author, or undefined when the name cannot name a feed (rules 2–7).
 * Unlike a category or tag, which the post's author chose to file it under, the author's name is
 * only who wrote it: a name no folder can hold (a "/" in "A/B desk", say) costs the post its
 * author feed, not its place in every other feed. The item still names the author as written.
 */
export function authorFeedName(name: string, limits: Limits): string | undefined {
  try {
    return feedNameOf(checkName(name, "author", limits));
  } catch (error) {
    if (error instanceof InputError) return undefined;
    throw error;
  }
}

/**
 * Reads a Jekyll category or tag field (rule 1) and checks each name: returns their NFC forms in
 * order, the first spelling of each feed name only. Throws NameError naming the field.
 */
export function parseNameList(value: unknown, field: string, kind: "category" | "tag", limits: Limits): string[] {
  if (value === undefined || value === null || value === "") return [];
  let names: string[];
  if (Array.isArray(value)) {
    names = value.map((v: unknown) => {
      if (typeof v !== "string" && typeof v !== "number") throw new NameError(`${field} must hold names, found ${describeValue(v)}`);
      return String(v).trim();
    });
  } else if (typeof value === "string" || typeof value === "number") {
    names = String(value).split(/\s+/);
  } else {
    throw new NameError(`${field} must be a list or a space-separated string of names, found ${describeValue(value)}`);
  }
  const byFeed = new Map<string, string>();
  for (const name of names) {
    if (name === "") continue;
    const nfc = checkName(name, kind, limits, field);
    const feedName = feedNameOf(nfc);
    if (!byFeed.has(feedName)) byFeed.set(feedName, nfc);
  }
  return [...byFeed.values()];
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}
