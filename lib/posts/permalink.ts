import type { SiteConfig } from "../site-config.js";
import { InputError } from "../errors.js";
import { zonedParts } from "./dates.js";
import { quote } from "../text.js";
import { isAbsoluteUrl } from "../urls.js";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

export interface PermalinkInput {
  /** Slug from the file name, without the date prefix and extension. */
  slug: string;
  categories: string[];
  date: Date;
  /** Front-matter `permalink`, if any. */
  permalink?: string;
}

/**
 * The absolute URL of a post, as Jekyll would publish it: site url + baseurl + permalink. A
 * front-matter permalink starting "http:" or "https:" is the URL itself. Throws InputError when
 * the permalink or a value in it cannot make a URL.
 */
export function postUrl(input: PermalinkInput, config: SiteConfig): string {
  const base = `${config.url}${config.baseurl}`;
  if (input.permalink && /^https?:/i.test(input.permalink)) {
    if (!isAbsoluteUrl(input.permalink, true)) throw new InputError(`permalink ${quote(input.permalink)} is not a valid absolute URL`);
    return new URL(input.permalink).href;
  }
  const p = zonedParts(input.date, config.timezone);
  const values: Record<string, string> = {
    // Jekyll lower-cases categories in URLs.
    categories: input.categories.map((c) => encode(encodeURIComponent, c.toLowerCase(), "category")).join("/"),
    year: p.year,
    month: p.month,
    day: p.day,
    i_month: String(Number(p.month)),
    i_day: String(Number(p.day)),
    short_year: p.year.slice(2),
    hour: p.hour,
    minute: p.minute,
    second: p.second,
    y_day: p.yday,
    short_day: DAYS[new Date(Date.UTC(+p.year, +p.month - 1, +p.day)).getUTCDay()]!,
    week: isoWeek(+p.year, +p.month, +p.day),
    title: encode(encodeURIComponent, input.slug, "slug"),
    slug: encode(encodeURIComponent, input.slug, "slug"),
    output_ext: ".html",
  };
  const fill = (pattern: string) => pattern.replace(/:(categories|short_year|i_month|i_day|output_ext|short_day|y_day|year|month|day|hour|minute|second|week|title|slug)/g, (_, k: string) => values[k]!);
  let url: string;
  if (input.permalink) {
    // A front-matter permalink is written by hand, maybe already percent-encoded: normalise it once.
    const path = input.permalink.startsWith("/") ? input.permalink : `/${input.permalink}`;
    url = base + fill(encode(encodeURI, decodeURISafe(path), "permalink")).replace(/\/{2,}/g, "/");
  } else {
    url = base + fill(config.feeds.permalink).replace(/\/{2,}/g, "/");
  }
  if (!isAbsoluteUrl(url, true)) throw new InputError(`the post's URL ${quote(url)} is not a valid URL`);
  return url;
}

// encodeURI and encodeURIComponent throw URIError on a lone surrogate: a value no URL can hold.
function encode(encoder: (value: string) => string, value: string, what: string): string {
  try {
    return encoder(value);
  } catch (error) {
    if (error instanceof URIError) throw new InputError(`${what} ${quote(value)} cannot be part of a URL: it contains a lone surrogate`, { cause: error });
    throw error;
  }
}

function isoWeek(year: number, month: number, day: number): string {
  const d = new Date(Date.UTC(year, month - 1, day));
  d.setUTCDate(d.getUTCDate() + 4 - (d.getUTCDay() || 7));
  const week = Math.ceil(((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
  return String(week).padStart(2, "0");
}

// A permalink may be written already percent-encoded; decoding first keeps it from being encoded twice.
function decodeURISafe(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
