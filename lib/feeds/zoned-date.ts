import { formatRfc3339, formatRfc822 } from "../posts/dates.js";

/**
 * A Date that prints itself in the site's zone. The `feed` package writes dates with
 * `toUTCString()` (RSS) and `toISOString()` (Atom), which would give "GMT" and ".000Z";
 * handing it these instead keeps the exact instant and shows the site's own offset.
 */
export function zonedDate(date: Date, timeZone: string): Date {
  const zoned = new Date(date.getTime());
  zoned.toUTCString = () => formatRfc822(date, timeZone);
  zoned.toISOString = () => formatRfc3339(date, timeZone);
  return zoned;
}
