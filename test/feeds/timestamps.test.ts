import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONTENT_DIR,
  build,
  children,
  configYaml,
  contentFeedFiles,
  contentPosts,
  elements,
  makeSite,
  parseXml,
  post,
  readText,
  readTree,
  textOfElement,
} from "./helpers.js";

const RFC822_SHANGHAI = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0800$/;
const RFC3339_SHANGHAI = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;

const FILES = contentFeedFiles();
const RSS = FILES.filter((f) => f.endsWith("/rss.xml"));
const ATOM = FILES.filter((f) => f.endsWith("/atom.xml"));
const JSON_FEEDS = FILES.filter((f) => f.endsWith("/feed.json"));

const titleOf = (file: string) => contentPosts().find((p) => p.file === file)!.title;
const SEED_TITLE = titleOf("2022-05-20-jiangxi-bank.md");
const NO_OFFSET_TITLE = titleOf("2022-05-23-pmi-outlook.md");

interface JsonFeed {
  items: { title: string; date_published: string; date_modified?: string }[];
}

let out = "";
const tempDirs: string[] = [];

beforeAll(async () => {
  ({ out } = await build(CONTENT_DIR, new Date("2026-01-01T00:00:00Z")));
  tempDirs.push(out);
});

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

function rssDates(xml: string) {
  const doc = parseXml(xml);
  return {
    lastBuildDate: textOfElement(elements(doc, "lastBuildDate")[0]),
    items: elements(doc, "item").map((item) => ({
      title: textOfElement(children(item, "title")[0]),
      pubDate: textOfElement(children(item, "pubDate")[0]),
    })),
  };
}

function atomDates(xml: string) {
  const doc = parseXml(xml);
  const feed = elements(doc, "feed")[0]!;
  return {
    updated: textOfElement(children(feed, "updated")[0]),
    entries: elements(doc, "entry").map((entry) => ({
      title: textOfElement(children(entry, "title")[0]),
      updated: textOfElement(children(entry, "updated")[0]),
      published: textOfElement(children(entry, "published")[0]),
    })),
  };
}

describe("RSS dates are RFC 822 in the site's zone (+0800), never GMT", () => {
  it.each(RSS)("%s: every pubDate and lastBuildDate, and the feed date is its newest item's", (file) => {
    const xml = readText(out, file);
    expect(xml).not.toMatch(/GMT|UTC|\+0000/);
    const { lastBuildDate, items } = rssDates(xml);
    expect(items.length).toBeGreaterThan(0);
    expect(lastBuildDate).toMatch(RFC822_SHANGHAI);
    for (const item of items) expect(item.pubDate, item.title).toMatch(RFC822_SHANGHAI);
    // Newest first, and nothing in content/ is edited later, so the newest item's date is the feed's.
    expect(lastBuildDate).toBe(items[0]!.pubDate);
    const instants = items.map((i) => Date.parse(i.pubDate!));
    expect(Math.max(...instants)).toBe(Date.parse(lastBuildDate!));
  });
});

describe("Atom dates are RFC 3339 with +08:00, never Z or .000Z", () => {
  it.each(ATOM)("%s: every updated and published, and the feed's updated is its newest entry's", (file) => {
    const xml = readText(out, file);
    expect(xml).not.toMatch(/\d{2}:\d{2}(\.\d+)?Z</);
    const { updated, entries } = atomDates(xml);
    expect(entries.length).toBeGreaterThan(0);
    expect(updated).toMatch(RFC3339_SHANGHAI);
    for (const entry of entries) {
      expect(entry.updated, entry.title).toMatch(RFC3339_SHANGHAI);
      expect(entry.published, entry.title).toMatch(RFC3339_SHANGHAI);
    }
    expect(Math.max(...entries.map((e) => Date.parse(e.updated!)))).toBe(Date.parse(updated!));
  });
});

describe("JSON Feed dates are RFC 3339 with +08:00", () => {
  it.each(JSON_FEEDS)("%s: every date_published and date_modified", (file) => {
    const feed = JSON.parse(readText(out, file)) as JsonFeed;
    expect(feed.items.length).toBeGreaterThan(0);
    for (const item of feed.items) {
      expect(item.date_published, item.title).toMatch(RFC3339_SHANGHAI);
      if (item.date_modified !== undefined) expect(item.date_modified, item.title).toMatch(RFC3339_SHANGHAI);
    }
  });
});

describe("the dates of particular posts", () => {
  // The seed post's category feed, its tag feed and the site feed all show the same date.
  it.each(["feeds", "feeds/beijingshangbao", "feeds/tags/北京商报新闻"])(
    "%s shows the seed post (2022-05-20 00:01:40 +0800) at its own wall-clock time",
    (dir) => {
      const rss = rssDates(readText(out, `${dir}/rss.xml`)).items.find((i) => i.title === SEED_TITLE);
      expect(rss?.pubDate).toBe("Fri, 20 May 2022 00:01:40 +0800");
      const atom = atomDates(readText(out, `${dir}/atom.xml`)).entries.find((e) => e.title === SEED_TITLE);
      expect(atom?.published).toBe("2022-05-20T00:01:40+08:00");
      expect(atom?.updated).toBe("2022-05-20T00:01:40+08:00");
      const json = (JSON.parse(readText(out, `${dir}/feed.json`)) as JsonFeed).items.find((i) => i.title === SEED_TITLE);
      expect(json?.date_published).toBe("2022-05-20T00:01:40+08:00");
    },
  );

  it("a date without an offset keeps its wall-clock time in the site zone, not shifted by 8 hours", () => {
    const rss = rssDates(readText(out, "feeds/rss.xml")).items.find((i) => i.title === NO_OFFSET_TITLE);
    expect(rss?.pubDate).toBe("Mon, 23 May 2022 08:00:00 +0800");
    const atom = atomDates(readText(out, "feeds/atom.xml")).entries.find((e) => e.title === NO_OFFSET_TITLE);
    expect(atom?.published).toBe("2022-05-23T08:00:00+08:00");
    const json = (JSON.parse(readText(out, "feeds/feed.json")) as JsonFeed).items.find((i) => i.title === NO_OFFSET_TITLE);
    expect(json?.date_published).toBe("2022-05-23T08:00:00+08:00");
  });

  it("the site feed's date is its newest post's (2022-06-02 08:30 +0800), not the build time", () => {
    expect(rssDates(readText(out, "feeds/rss.xml")).lastBuildDate).toBe("Thu, 02 Jun 2022 08:30:00 +0800");
    expect(atomDates(readText(out, "feeds/atom.xml")).updated).toBe("2022-06-02T08:30:00+08:00");
  });

  it("building at two different times after every post gives identical bytes", async () => {
    const later = await build(CONTENT_DIR, new Date("2031-07-15T12:34:56Z"));
    tempDirs.push(later.out);
    const [a, b] = [await readTree(out), await readTree(later.out)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [key, bytes] of a) expect(b.get(key)?.equals(bytes), key).toBe(true);
  });
});

describe("an edited post (last_modified_at)", () => {
  it("keeps its publication date in pubDate/published and shows the edit in updated/date_modified", async () => {
    const site = await makeSite({
      "_config.yml": configYaml(),
      "2022-05-20-edited.md": post(["title: 改过的", "date: 2022-05-20 09:00:00 +0800", "last_modified_at: 2022-05-22 18:30:00 +0800"]),
      "2022-05-21-newer.md": post(["title: 较新的", "date: 2022-05-21 09:00:00 +0800"]),
    });
    const { out: dir } = await build(site, new Date("2026-01-01T00:00:00Z"));
    tempDirs.push(site, dir);

    const rss = rssDates(readText(dir, "feeds/rss.xml"));
    expect(rss.items.map((i) => [i.title, i.pubDate])).toEqual([
      ["较新的", "Sat, 21 May 2022 09:00:00 +0800"],
      ["改过的", "Fri, 20 May 2022 09:00:00 +0800"],
    ]);
    const atom = atomDates(readText(dir, "feeds/atom.xml"));
    expect(atom.entries[1]).toEqual({ title: "改过的", published: "2022-05-20T09:00:00+08:00", updated: "2022-05-22T18:30:00+08:00" });
    // The feed changed last when the older post was edited.
    expect(atom.updated).toBe("2022-05-22T18:30:00+08:00");
    expect(rss.lastBuildDate).toBe("Sun, 22 May 2022 18:30:00 +0800");
    const json = JSON.parse(readText(dir, "feeds/feed.json")) as JsonFeed;
    expect(json.items[1]).toMatchObject({ date_published: "2022-05-20T09:00:00+08:00", date_modified: "2022-05-22T18:30:00+08:00" });
    expect(json.items[0]!.date_modified).toBeUndefined();
  });
});

describe("a site in a zone with daylight saving time (America/New_York)", () => {
  it("shows January posts at -05:00 and July posts at -04:00, at the wall-clock time written", async () => {
    const site = await makeSite({
      "_config.yml": configYaml("", "America/New_York"),
      "2022-01-15-winter.md": post(["title: Winter", "date: 2022-01-15 09:00:00"]),
      "2022-07-15-summer.md": post(["title: Summer", "date: 2022-07-15 09:00:00"]),
    });
    const { out: dir } = await build(site, new Date("2026-01-01T00:00:00Z"));
    tempDirs.push(site, dir);

    const rss = rssDates(readText(dir, "feeds/rss.xml"));
    expect(rss.items).toEqual([
      { title: "Summer", pubDate: "Fri, 15 Jul 2022 09:00:00 -0400" },
      { title: "Winter", pubDate: "Sat, 15 Jan 2022 09:00:00 -0500" },
    ]);
    expect(rss.lastBuildDate).toBe("Fri, 15 Jul 2022 09:00:00 -0400");
    const atom = atomDates(readText(dir, "feeds/atom.xml"));
    expect(atom.entries.map((e) => e.published)).toEqual(["2022-07-15T09:00:00-04:00", "2022-01-15T09:00:00-05:00"]);
    expect(atom.updated).toBe("2022-07-15T09:00:00-04:00");
    const json = JSON.parse(readText(dir, "feeds/feed.json")) as JsonFeed;
    expect(json.items.map((i) => i.date_published)).toEqual(["2022-07-15T09:00:00-04:00", "2022-01-15T09:00:00-05:00"]);
    // The instants themselves: 14:00 and 13:00 UTC.
    expect(rss.items.map((i) => new Date(i.pubDate!).toISOString())).toEqual(["2022-07-15T13:00:00.000Z", "2022-01-15T14:00:00.000Z"]);
  });
});
