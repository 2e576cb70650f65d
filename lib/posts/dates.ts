// The subpath, not the index: the index loads all of date-fns-tz and date-fns (about 220 ms against 45).
import { fromZonedTime } from "date-fns-tz/fromZonedTime";
import { DateFormatError } from "../errors.js";
import { quote } from "../text.js";
import { inZone, pad } from "../zone.js";

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
