import { formatInTimeZone } from "date-fns-tz";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DateFormatError, InputError } from "../../lib/errors.js";
import { formatRfc3339, formatRfc822 } from "../../lib/feeds/dates.js";
import { DateFormatError as DateFormatErrorFromDates, parseDate, zonedParts } from "../../lib/posts/dates.js";
import { isKnownTimeZone } from "../../lib/zone.js";

const SHANGHAI = "Asia/Shanghai";
const NEW_YORK = "America/New_York";
const LONDON = "Europe/London";

// The seed post's date, 2022-05-20 00:01:40 +0800, as an instant.
const SEED_INSTANT = "2022-05-19T16:01:40.000Z";

const iso = (value: string, zone = SHANGHAI) => parseDate(value, zone).toISOString();

describe("parseDate: the forms Jekyll sites write", () => {
  it.each([
    ["space-separated with +0800", "2022-05-20 00:01:40 +0800"],
    ["space-separated with +08:00", "2022-05-20 00:01:40 +08:00"],
    ["offset without a space", "2022-05-20 00:01:40+08:00"],
    ["T-separated with +08:00", "2022-05-20T00:01:40+08:00"],
    ["UTC with Z", "2022-05-19T16:01:40Z"],
    ["UTC with lower-case t and z", "2022-05-19t16:01:40z"],
    ["another zone's offset", "2022-05-19 12:01:40 -0400"],
    ["no offset: wall clock in the site zone", "2022-05-20 00:01:40"],
    ["T-separated without offset", "2022-05-20T00:01:40"],
  ])("%s: %s", (_, value) => {
    expect(iso(value)).toBe(SEED_INSTANT);
  });

  it("reads a date without an offset in the site zone, not as UTC (the jekyll-feed YAML timestamp bug)", () => {
    expect(iso("2022-05-20 00:01:40", SHANGHAI)).toBe(SEED_INSTANT);
    expect(iso("2022-05-20 00:01:40", SHANGHAI)).not.toBe("2022-05-20T00:01:40.000Z");
    // The same text on a UTC site is a different instant: the zone is what decides.
    expect(iso("2022-05-20 00:01:40", "UTC")).toBe("2022-05-20T00:01:40.000Z");
  });

  it("keeps the instant of a date that has an offset, whatever the site zone", () => {
    for (const zone of [SHANGHAI, NEW_YORK, LONDON, "UTC"]) {
      expect(iso("2022-05-19T16:01:40Z", zone)).toBe(SEED_INSTANT);
      expect(iso("2022-05-20 00:01:40 +0800", zone)).toBe(SEED_INSTANT);
    }
  });

  it("reads a date alone as midnight in the site zone", () => {
    expect(iso("2022-05-20")).toBe("2022-05-19T16:00:00.000Z");
    expect(iso("2022-05-20", "UTC")).toBe("2022-05-20T00:00:00.000Z");
  });

  it("accepts single-digit months, days and hours", () => {
    expect(iso("2022-5-2")).toBe("2022-05-01T16:00:00.000Z");
    expect(iso("2022-5-20 0:01:40 +0800")).toBe(SEED_INSTANT);
    expect(iso("2022-05-2 9:05")).toBe("2022-05-02T01:05:00.000Z");
  });

  it("keeps fractional seconds to the millisecond", () => {
    expect(iso("2022-05-20T00:01:40.123+08:00")).toBe("2022-05-19T16:01:40.123Z");
    expect(iso("2022-05-20 00:01:40.5 +0800")).toBe("2022-05-19T16:01:40.500Z");
    expect(iso("2022-05-20 00:01:40,25 +0800")).toBe("2022-05-19T16:01:40.250Z");
    expect(iso("2022-05-19T16:01:40.123456789Z")).toBe("2022-05-19T16:01:40.123Z");
    expect(iso("2022-05-20 00:01:40.75")).toBe("2022-05-19T16:01:40.750Z");
  });

  it("tolerates surrounding whitespace", () => {
    expect(iso("  2022-05-20 00:01:40 +0800  ")).toBe(SEED_INSTANT);
  });

  it("accepts 29 February in a leap year", () => {
    expect(iso("2024-02-29", "UTC")).toBe("2024-02-29T00:00:00.000Z");
  });
});

describe("parseDate: daylight saving time", () => {
  it("uses -04:00 in New York summer time and -05:00 in winter", () => {
    expect(iso("2022-03-13 03:30:00", NEW_YORK)).toBe("2022-03-13T07:30:00.000Z");
    expect(iso("2022-01-15 10:00:00", NEW_YORK)).toBe("2022-01-15T15:00:00.000Z");
    expect(iso("2022-07-01", NEW_YORK)).toBe("2022-07-01T04:00:00.000Z");
    expect(iso("2022-11-07 10:00:00", NEW_YORK)).toBe("2022-11-07T15:00:00.000Z");
  });

  it("shows the offset in force on that date when formatted", () => {
    expect(formatRfc3339(parseDate("2022-03-13 03:30:00", NEW_YORK), NEW_YORK)).toBe("2022-03-13T03:30:00-04:00");
    expect(formatRfc3339(parseDate("2022-01-15 10:00:00", NEW_YORK), NEW_YORK)).toBe("2022-01-15T10:00:00-05:00");
    expect(formatRfc3339(parseDate("2022-07-01", NEW_YORK), NEW_YORK)).toBe("2022-07-01T00:00:00-04:00");
    expect(formatRfc822(parseDate("2022-01-15 10:00:00", NEW_YORK), NEW_YORK)).toBe("Sat, 15 Jan 2022 10:00:00 -0500");
  });

  it("uses +01:00 in London summer time and +00:00 in winter", () => {
    expect(iso("2022-07-01 12:00:00", LONDON)).toBe("2022-07-01T11:00:00.000Z");
    expect(iso("2022-01-15 12:00:00", LONDON)).toBe("2022-01-15T12:00:00.000Z");
    expect(formatRfc3339(parseDate("2022-07-01 12:00:00", LONDON), LONDON)).toBe("2022-07-01T12:00:00+01:00");
    expect(formatRfc3339(parseDate("2022-01-15 12:00:00", LONDON), LONDON)).toBe("2022-01-15T12:00:00+00:00");
  });
});

describe("parseDate: values that are not dates", () => {
  it.each([
    ["month 13", "2022-13-01"],
    ["30 February", "2022-02-30"],
    ["29 February in a common year", "2022-02-29"],
    ["day 0", "2022-05-00"],
    ["a word", "yesterday"],
    ["hour 25", "2022-05-20 25:00"],
    ["hour 24", "2022-05-20 24:00:00 +0800"],
    ["minute 60", "2022-05-20 10:60"],
    ["a time alone", "25:00"],
    ["day-month-year order", "20-05-2022"],
    ["a slash-separated date", "2022/05/20"],
    ["an empty string", ""],
    ["an offset beyond ±18:00", "2022-05-20 00:00 +1900"],
  ])("rejects %s (%j) with DateFormatError naming the value", (_, value) => {
    let error: unknown;
    try {
      parseDate(value, SHANGHAI);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DateFormatError);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).name).toBe("DateFormatError");
    expect((error as Error).message).toContain(`"${value}"`);
  });

  it.each([
    ["year 0", "0000-01-01", "UTC"],
    ["the first day of year 1", "0001-01-01 12:00", "UTC"],
    ["an offset that reaches back into year 0", "0001-01-02 06:00 +1800", "UTC"],
    ["an offset that reaches year 10000", "9999-12-31 23:00 -1800", "UTC"],
  ])("refuses %s, which no feed date can carry", (_, value, zone) => {
    expect(() => parseDate(value, zone)).toThrow(/is outside the dates a feed can carry \(0001-01-02 to 9999-12-30\)/);
  });

  it("keeps the first and last dates it accepts, formatted with a real offset", () => {
    expect(formatRfc3339(parseDate("0001-01-02", "UTC"), "UTC")).toBe("0001-01-02T00:00:00+00:00");
    expect(formatRfc3339(parseDate("9999-12-31 07:59:59", SHANGHAI), SHANGHAI)).toBe("9999-12-31T07:59:59+08:00");
    expect(formatRfc822(parseDate("9999-12-30 23:59:59 +0000", "UTC"), "UTC")).toBe("Thu, 30 Dec 9999 23:59:59 +0000");
  });

  it("is still exported from dates.ts, as the class in errors.ts", () => {
    expect(DateFormatErrorFromDates).toBe(DateFormatError);
  });

  it("quotes at most ~60 characters of a long value", () => {
    const started = performance.now();
    expect(() => parseDate(`2022-05-20${" x".repeat(30_000)}`, SHANGHAI)).toThrow(/^"2022-05-20 x x[ x]*"… is not a date/);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("formatRfc822", () => {
  const seed = new Date(SEED_INSTANT);

  it("writes the site zone's wall clock with a numeric offset", () => {
    expect(formatRfc822(seed, SHANGHAI)).toBe("Fri, 20 May 2022 00:01:40 +0800");
  });

  it("writes +0000 for UTC, never GMT", () => {
    const text = formatRfc822(seed, "UTC");
    expect(text).toBe("Thu, 19 May 2022 16:01:40 +0000");
    expect(text).not.toContain("GMT");
  });

  it("pads single-digit days and hours", () => {
    expect(formatRfc822(new Date("2022-06-01T01:02:03Z"), "UTC")).toBe("Wed, 01 Jun 2022 01:02:03 +0000");
  });
});

describe("formatRfc3339", () => {
  const seed = new Date(SEED_INSTANT);

  it("writes the site zone's wall clock with a colon offset", () => {
    expect(formatRfc3339(seed, SHANGHAI)).toBe("2022-05-20T00:01:40+08:00");
  });

  it("writes +00:00 for UTC, never Z", () => {
    expect(formatRfc3339(seed, "UTC")).toBe("2022-05-19T16:01:40+00:00");
  });

  it("never writes milliseconds or .000Z", () => {
    const text = formatRfc3339(new Date("2022-05-19T16:01:40.789Z"), SHANGHAI);
    expect(text).toBe("2022-05-20T00:01:40+08:00");
    expect(text).not.toMatch(/\.\d|Z$/);
  });

  it("round-trips through parseDate to the same instant", () => {
    for (const zone of [SHANGHAI, NEW_YORK, LONDON, "UTC"]) {
      expect(parseDate(formatRfc3339(seed, zone), "UTC").toISOString()).toBe(SEED_INSTANT);
    }
  });
});

describe("zonedParts", () => {
  it("gives the calendar day in the site zone, not in UTC", () => {
    const seed = new Date(SEED_INSTANT);
    expect(zonedParts(seed, SHANGHAI)).toEqual({
      year: "2022",
      month: "05",
      day: "20",
      hour: "00",
      minute: "01",
      second: "40",
      yday: "140",
    });
    expect(zonedParts(seed, "UTC").day).toBe("19");
  });

  it("pads the day of the year to three digits", () => {
    expect(zonedParts(new Date("2022-01-05T12:00:00Z"), "UTC").yday).toBe("005");
  });
});

describe("isKnownTimeZone", () => {
  it("knows IANA zone names and UTC", () => {
    for (const zone of [SHANGHAI, NEW_YORK, LONDON, "UTC"]) expect(isKnownTimeZone(zone)).toBe(true);
  });

  it("refuses made-up names", () => {
    expect(isKnownTimeZone("Mars/Base")).toBe(false);
    expect(isKnownTimeZone("Asia/Beijing")).toBe(false);
  });
});

describe("formatting agrees with date-fns-tz's formatInTimeZone", () => {
  it("for any instant in zones with DST, half-hour and 45-minute offsets", () => {
    const zones = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC", "America/St_Johns", "Pacific/Chatham"];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1) / 1000, max: Date.UTC(2060, 0, 1) / 1000 }), fc.constantFrom(...zones), (seconds, zone) => {
        const date = new Date(seconds * 1000);
        expect(formatRfc3339(date, zone)).toBe(formatInTimeZone(date, zone, "yyyy-MM-dd'T'HH:mm:ssxxx"));
        expect(formatRfc822(date, zone)).toBe(formatInTimeZone(date, zone, "EEE, dd MMM yyyy HH:mm:ss xx"));
        expect(zonedParts(date, zone).yday).toBe(formatInTimeZone(date, zone, "DDD", { useAdditionalDayOfYearTokens: true }));
      }),
      { numRuns: 5000 },
    );
  });

  it("at every half hour of a year, across the days clocks change", () => {
    for (const zone of ["America/New_York", "Australia/Lord_Howe", "America/Santiago"]) {
      for (let t = Date.UTC(2022, 0, 1); t < Date.UTC(2023, 0, 1); t += 30 * 60_000) {
        const date = new Date(t);
        expect(formatRfc3339(date, zone)).toBe(formatInTimeZone(date, zone, "yyyy-MM-dd'T'HH:mm:ssxxx"));
      }
    }
  });
});
