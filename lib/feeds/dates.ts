import { inZone } from "../zone.js";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 822 date as RSS wants it, in the site's zone with a numeric offset: "Fri, 20 May 2022 00:01:40 +0800". */
export function formatRfc822(date: Date, timeZone: string): string {
  const z = inZone(date, timeZone);
  return `${DAYS[z.wall.getUTCDay()]}, ${z.day} ${MONTHS[z.wall.getUTCMonth()]} ${z.year} ${z.hour}:${z.minute}:${z.second} ${z.offsetHours}${z.offsetMinutes}`;
}

/** RFC 3339 date in the site's zone with a numeric offset, never "Z": "2022-05-20T00:01:40+08:00". */
export function formatRfc3339(date: Date, timeZone: string): string {
  const z = inZone(date, timeZone);
  return `${z.year}-${z.month}-${z.day}T${z.hour}:${z.minute}:${z.second}${z.offsetHours}:${z.offsetMinutes}`;
}
