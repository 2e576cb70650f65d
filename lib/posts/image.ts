import { siteUrl, type SiteBase } from "../urls.js";
import type { PostImage } from "./post.js";
import { stripXmlForbidden } from "../text.js";

/**
 * The front matter's `image:`: a URL or a path on the site, or a mapping with `url` (or `path`,
 * as jekyll-seo-tag writes it) and `alt`. An image is an extra, never a reason to refuse a post:
 * any value that names no usable http(s) URL (a `javascript:` or `data:` URL, garbage, a list,
 * a number) gives no image, and an `alt` that is not text gives no alt.
 */
export function parseImage(value: unknown, site: SiteBase): PostImage | undefined {
  if (typeof value === "string") return imageOf(value, undefined, site);
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { url, path, alt } = value as Record<string, unknown>;
  const location = typeof url === "string" ? url : typeof path === "string" ? path : undefined;
  return location === undefined ? undefined : imageOf(location, alt, site);
}

function imageOf(location: string, alt: unknown, site: SiteBase): PostImage | undefined {
  const url = siteUrl(stripXmlForbidden(location), site);
  if (url === undefined) return undefined;
  const text = typeof alt === "string" || typeof alt === "number" ? altText(String(alt)) : "";
  return text ? { url, alt: text } : { url };
}

/** Alt text as one line: XML-forbidden characters removed, white space folded. */
export function altText(alt: string): string {
  return stripXmlForbidden(alt).replace(/\s+/g, " ").trim();
}
