// The subpath, not the index: the index loads all of date-fns-tz and date-fns (about 220 ms against 45).
import { fromZonedTime } from "date-fns-tz/fromZonedTime";
import { DateFormatError } from "../errors.js";
import { quote } from "./text.js";

export { DateFormatError };

// Every form Jekyll sites write: "2022-05-20 00:01:40 +0800", "+08:00", "Z", "T"-separated,
// fractional seconds, no offset, or a date alone.
const DATE_FORM =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz]|(?:UTC|GMT))|([+-])(\d{2}):?(\d{2})?)?$/;

/**
 * Turns a front-matter date into an exact instant. A date with an offset keeps its instant;
 * a date without one is wall-clock time in `timeZone` (DST-correct), as Jekyll means it.
 * Throws DateFormatError saying why; the caller adds the field.
 */
export function parseDate(value: string, timeZone: string): Date {
  const m = DATE_FORM.exec(value.trim());
  if (!m) {
    throw new DateFormatError(
      `${quote(value)} is not a date; use a form like "2022-05-20 00:01:40 +0800" or "2022-05-20"`,
    );
  }
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zulu, sign, oh, om = "00"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Number(frac.slice(0, 3).padEnd(3, "0"));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) {
    throw new DateFormatError(`${quote(value)} is not a real calendar date or time`);
  }
  if (zulu !== undefined || sign !== undefined) {
    const offsetMinutes = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
    if (Number(om) > 59 || Math.abs(offsetMinutes) > 18 * 60) throw new DateFormatError(`${quote(value)} has an offset that is not a real one (at most ±18:00)`);
    const utc = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
    utc.setUTCFullYear(year); // Date.UTC reads years 0-99 as 1900-1999
    return inRange(new Date(utc.getTime() - offsetMinutes * 60_000), value);
  }
  const wall = `${y}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${String(ms).padStart(3, "0")}`;
  return inRange(fromZonedTime(wall, timeZone), value);
}

/**
 * True when the date names no offset, so its instant depends on the site's zone: such a date is
 * kept as written in the index, to be read again when the zone changes.
 */
export function isWallClock(value: string): boolean {
  const m = DATE_FORM.exec(value.trim());
  return m !== null && m[8] === undefined && m[9] === undefined;
}

// Outside these instants a wall clock in some zone (±18 hours) falls in year 0 or 10000, which RFC 822
// and RFC 3339 cannot write and for which the zone offset comes out as nonsense ("+219144:00").
const FIRST_INSTANT = new Date(0).setUTCFullYear(1, 0, 2);
const LAST_INSTANT = Date.UTC(9999, 11, 31) - 1;

function inRange(date: Date, value: string): Date {
  const t = date.getTime();
  if (!(t >= FIRST_INSTANT && t <= LAST_INSTANT)) throw new DateFormatError(`${quote(value)} is outside the dates a feed can carry (0001-01-02 to 9999-12-30)`);
  return date;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const formatters = new Map<string, Intl.DateTimeFormat>();
const DAY_MS = 86_400_000;
const dayOffsets = new Map<string, number | null>();

/**
 * The zone's offset at `date`, in minutes. A UTC day whose first and last second share an offset
 * has that offset throughout (zones change at most once a day), so it is remembered per day:
 * a build asks for the same few days' offsets thousands of times.
 */
function offsetAt(date: Date, timeZone: string): number {
  const day = Math.floor(date.getTime() / DAY_MS);
  const key = `${timeZone} ${day}`;
  let offset = dayOffsets.get(key);
  if (offset === undefined) {
    const first = exactOffsetAt(new Date(day * DAY_MS), timeZone);
    offset = first === exactOffsetAt(new Date(day * DAY_MS + DAY_MS - 1000), timeZone) ? first : null;
    if (dayOffsets.size >= 50_000) dayOffsets.clear(); // a long-lived Lambda stays bounded
    dayOffsets.set(key, offset);
  }
  return offset ?? exactOffsetAt(date, timeZone);
}

/** The zone's offset from UTC at the instant `date`, in minutes, from one cached formatter per zone. */
function exactOffsetAt(date: Date, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
  }
  const p: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(date)) if (type !== "literal") p[type] = Number(value);
  const wall = new Date(Date.UTC(2000, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!));
  wall.setUTCFullYear(p.year!);
  return Math.round((wall.getTime() - (date.getTime() - date.getUTCMilliseconds())) / 60_000);
}

/**
 * The instant as wall-clock fields in the zone, plus the zone's offset then, read off a Date
 * shifted by the offset: many times faster than date-fns-tz's formatInTimeZone, which parses its
 * pattern on every call (it ran once per post, 100,000 times in a large build).
 */
function inZone(date: Date, timeZone: string) {
  const offset = offsetAt(date, timeZone);
  const wall = new Date(date.getTime() + offset * 60_000);
  const abs = Math.abs(offset);
  return {
    wall,
    year: String(wall.getUTCFullYear()).padStart(4, "0"),
    month: pad(wall.getUTCMonth() + 1),
    day: pad(wall.getUTCDate()),
    hour: pad(wall.getUTCHours()),
    minute: pad(wall.getUTCMinutes()),
    second: pad(wall.getUTCSeconds()),
    offsetHours: `${offset < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}`,
    offsetMinutes: pad(abs % 60),
  };
}

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

/** Calendar parts of an instant as seen in the site's zone, for permalinks. */
export function zonedParts(date: Date, timeZone: string) {
  const { wall, year, month, day, hour, minute, second } = inZone(date, timeZone);
  const startOfYear = new Date(0);
  startOfYear.setUTCFullYear(wall.getUTCFullYear(), 0, 1);
  const startOfDay = new Date(0);
  startOfDay.setUTCFullYear(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate());
  const yday = String(Math.round((startOfDay.getTime() - startOfYear.getTime()) / 86_400_000) + 1).padStart(3, "0");
  return { year, month, day, hour, minute, second, yday };
}

/** True when `timeZone` is an IANA zone name the runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
