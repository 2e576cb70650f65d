/**
 * An instant as the wall clock of an IANA zone shows it: what posts (dates as written, permalinks),
 * feeds (their timestamps) and the configuration (which zones exist) all need. A leaf: it imports
 * nothing of the project.
 */

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
export function inZone(date: Date, timeZone: string) {
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

/** True when `timeZone` is an IANA zone name the runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function pad(n: number): string {
  return String(n).padStart(2, "0");
}
