/** Resolves `url` against `baseUrl`; protocol-relative URLs become https. */
export function absolutize(url: string, baseUrl: string): string {
  const trimmed = url.trim();
  // Fragment-only and scheme-carrying URLs are left for the sanitizer's scheme rules.
  if (trimmed.startsWith("#") || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(trimmed)) return trimmed;
  try {
    const resolved = new URL(trimmed.startsWith("//") ? `https:${trimmed}` : trimmed, baseUrl);
    return resolved.href;
  } catch {
    return trimmed;
  }
}

/** The site's address as a base for its own paths: url + baseurl, ending in "/". */
export interface SiteBase {
  url: string;
  baseurl: string;
}

/**
 * The absolute http(s) URL of a value written in front matter or _config.yml (an image, an
 * icon), or undefined when it is none: a `javascript:` or `data:` URL, a fragment, text no URL
 * parser accepts, nothing at all. A path is a path on the site, as Jekyll's `absolute_url` reads it: under
 * url + baseurl even when it starts with "/", as a post's own `permalink:` is. The result is
 * serialised by the URL parser, so it is ASCII with no quote, space or angle bracket in it.
 */
export function siteUrl(value: string, site: SiteBase): string | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  const path = trimmed.startsWith("/") && !trimmed.startsWith("//") ? trimmed.slice(1) : trimmed;
  return webUrl(absolutize(path, `${site.url}${site.baseurl}/`));
}

/** `url` serialised, when it is an absolute http(s) URL with a host; otherwise undefined. */
export function webUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "https:" || parsed.protocol === "http:") && parsed.host !== "" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** True when `value` parses as an absolute URL (with `web`, an http(s) one with a host: webUrl). */
export function isAbsoluteUrl(value: string, web = false): boolean {
  if (web) return webUrl(value) !== undefined;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
