import { FrontMatterError } from "../errors.js";
import { checkLimit, type Limits } from "../limits.js";
import { quote, stripXmlForbidden } from "../text.js";
import { loadUntrustedYaml } from "../yaml.js";

export interface FrontMatter {
  data: Record<string, unknown>;
  body: string;
}

/**
 * A post's text as the parser reads it: one leading byte order mark removed, and CRLF and lone CR
 * line endings turned into LF, in the body too. Jekyll accepts all three endings, and the full
 * build and the upload path must read a post the same way.
 */
export function normalisePostText(text: string): string {
  const unmarked = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return unmarked.includes("\r") ? unmarked.replace(/\r\n?/g, "\n") : unmarked;
}

/**
 * Splits a post into its front matter and body. The first line is "---", optionally naming YAML
 * ("---yaml", "---yml"); any other language is refused without running anything. The front matter
 * ends at the next line that is "---" followed only by spaces or tabs; the body starts after that
 * line. `text` must be normalised (normalisePostText). The front matter's size is checked against
 * `frontMatterBytes` before it is parsed. Throws FrontMatterError or LimitError; the caller names
 * the file.
 */
export function parseFrontMatter(text: string, limits: Limits): FrontMatter {
  if (!text.startsWith("---")) throw new FrontMatterError(NO_FRONT_MATTER);
  const openingEnd = text.indexOf("\n");
  if (openingEnd === -1) throw new FrontMatterError(NO_FRONT_MATTER);
  const language = text.slice(3, openingEnd).trim().toLowerCase();
  if (language !== "" && language !== "yaml" && language !== "yml") {
    throw new FrontMatterError(`front matter in ${quote(language, 20)} is not accepted: only YAML is, and it is read as data`);
  }
  const fence = closingFence(text, openingEnd);
  if (fence === -1) throw new FrontMatterError('front matter is not closed: add a line "---" after it');
  const source = text.slice(openingEnd + 1, fence.start);
  checkLimit(limits, "frontMatterBytes", Buffer.byteLength(source, "utf8"), (n) => `front matter is ${n} bytes`);
  const data = source.trim() === "" ? {} : loadUntrustedYaml(stripXmlForbidden(source), limits);
  if (data === null || data === undefined) return { data: {}, body: bodyAfter(text, fence.end) };
  if (typeof data !== "object" || Array.isArray(data)) throw new FrontMatterError("front matter must be a YAML mapping of keys to values");
  return { data: data as Record<string, unknown>, body: bodyAfter(text, fence.end) };
}

const NO_FRONT_MATTER = 'no front matter: a post starts with a line "---", its YAML, then "---"';

/**
 * The closing fence after the opening line (whose "\n" is at `from`): where its line starts and
 * where its "---" and trailing blanks end, or -1.
 */
function closingFence(text: string, from: number): { start: number; end: number } | -1 {
  for (let nl = text.indexOf("\n---", from); nl !== -1; nl = text.indexOf("\n---", nl + 1)) {
    let end = nl + 4;
    while (text[end] === " " || text[end] === "\t") end++;
    if (end === text.length || text[end] === "\n") return { start: nl + 1, end };
  }
  return -1;
}

function bodyAfter(text: string, fenceEnd: number): string {
  return fenceEnd === text.length ? "" : text.slice(fenceEnd + 1);
}

/**
 * Where the front matter of a post's raw bytes ends: just after the closing fence's "---" and
 * trailing blanks, before its line ending; -1 when there is no front matter or no closing fence.
 * It is the fence parseFrontMatter finds in the decoded, normalised text (lines end at CR, LF or
 * CRLF; one leading BOM is skipped), so the bytes up to it parse to the same front matter, and
 * the full build's scan decodes ~300 bytes instead of a ~9 KB body. UTF-8 never has the bytes of
 * "-", CR or LF inside a multi-byte character, so searching bytes is safe.
 */
export function frontMatterEnd(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  if (buf[start] !== DASH || buf[start + 1] !== DASH || buf[start + 2] !== DASH) return -1;
  let openingEnd = start + 3;
  while (openingEnd < buf.length && buf[openingEnd] !== LF && buf[openingEnd] !== CR) openingEnd++;
  if (openingEnd === buf.length) return -1;
  for (let dash = buf.indexOf("---", openingEnd + 1); dash !== -1; dash = buf.indexOf("---", dash + 1)) {
    if (buf[dash - 1] !== LF && buf[dash - 1] !== CR) continue;
    let end = dash + 3;
    while (buf[end] === SPACE || buf[end] === TAB) end++;
    if (end === buf.length || buf[end] === LF || buf[end] === CR) return end;
  }
  return -1;
}

/**
 * True when `start`, the first bytes of a post of `size` bytes, is enough to read its front matter:
 * frontMatterEnd finds in it the fence it finds in the whole post. A fence that reaches the end of
 * `start` is not enough: the rest may go on with "-" or with text after blanks, and be no fence.
 */
export function holdsFrontMatter(start: Uint8Array, size: number): boolean {
  if (start.length >= size) return true;
  const end = frontMatterEnd(start);
  return end !== -1 && end < start.length;
}

const DASH = 0x2d;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
