import type { SiteConfig } from "../site-config.js";
import { checkLimit } from "../limits.js";
import { frontMatterEnd, normalisePostText } from "./front-matter.js";
import { postOf, rejectingInput } from "./parse-post.js";
import type { Post } from "./post.js";

// Not fatal: a stray invalid byte becomes U+FFFD instead of rejecting the post, as every path has
// decoded until now. ignoreBOM keeps the BOM for normalisePostText, which removes it on every path.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Reads one post from its file's bytes: what the full build, the upload path and refills all call.
 * The size is checked first, before anything is decoded (feeds.limits.post_bytes); then the text is
 * decoded as UTF-8, one leading BOM is dropped, CRLF and CR become LF, and it is parsed. With
 * "head", only the front matter is decoded and read (the body is ""), which is all the full
 * build's scan needs; it gives the same Post but for the body, and the same rejections. Then
 * `bytes` may be the file's first bytes alone, when they hold its front matter (holdsFrontMatter),
 * with `size` the whole file's.
 * Throws PostError for every problem with the post; any other error propagates unchanged.
 */
export function readPost(key: string, bytes: Uint8Array, config: SiteConfig, part: "whole" | "head" = "whole", size = bytes.length): Post {
  return rejectingInput(key, () => {
    checkLimit(config.feeds.limits, "postBytes", size, (n) => `post is ${n} bytes`);
    const end = part === "head" ? frontMatterEnd(bytes) : -1;
    const text = decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
    return postOf(key, normalisePostText(text), config, part);
  });
}
