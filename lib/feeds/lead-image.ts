import { webUrl } from "../urls.js";
import { altText } from "../posts/image.js";
import type { PostImage } from "../posts/post.js";

/**
 * The first image of a rendered body whose `src` is an http(s) URL (a `data:` image is skipped),
 * with its alt text. Read from renderBody's output, which sanitize-html serialised: every
 * attribute double-quoted with & < > " escaped, and a "<" in text escaped, so each "<img" is a tag.
 */
export function firstBodyImage(html: string): PostImage | undefined {
  for (const [tag] of html.matchAll(/<img\s[^>]*>/g)) {
    const attributes = new Map([...tag.matchAll(/\s([^\s="/>]+)="([^"]*)"/g)].map(([, name, value]) => [name!, unescapeAttribute(value!)]));
    const url = webUrl(attributes.get("src") ?? "");
    if (url === undefined) continue;
    const alt = altText(attributes.get("alt") ?? "");
    return alt ? { url, alt } : { url };
  }
  return undefined;
}

function unescapeAttribute(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const IMAGE_TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  svg: "image/svg+xml",
};

/** The media type an image URL's file extension names, or undefined when it names none we know. */
export function imageType(url: string): string | undefined {
  const path = new URL(url).pathname;
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot === -1 ? undefined : IMAGE_TYPES[name.slice(dot + 1).toLowerCase()];
}
