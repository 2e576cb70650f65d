import { describe, expect, it, vi } from "vitest";
import { buildAll } from "../../lib/publish/build-all.js";
import { publishChanges } from "../../lib/publish/publish-changes.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { prefixStorage } from "../../lib/storage/prefix.js";
import { checkDocument } from "../../lib/feeds/check-document.js";

// A renderer bug, simulated: the Atom renderer emits an ill-formed document whenever a post's
// title says so. Everything else about the pipeline is real.
vi.mock("../../lib/feeds/render-atom.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../lib/feeds/render-atom.js")>();
  return {
    renderAtom: (doc: Parameters<typeof real.renderAtom>[0]) => {
      const xml = real.renderAtom(doc);
      return doc.items.some((i) => i.title.includes("BREAK-ATOM")) ? xml.replace("</feed>", "</fed>") : xml;
    },
  };
});

const NOW = new Date("2022-06-10T12:00:00+08:00");
const CONFIG = "title: 测试站\nurl: https://news.example.com\ntimezone: Asia/Shanghai\n";
const post = (title: string, category: string, day: number) =>
  `---\ntitle: "${title}"\ndate: 2022-06-0${day} 10:00:00 +0800\ncategories: ${category}\n---\n<p>${title}</p>\n`;

const text = (bytes: Uint8Array | null) => (bytes ? new TextDecoder().decode(bytes) : null);

describe("every rendered document is parsed back before it is written", () => {
  it("checks XML well-formedness, XML 1.0 characters, namespace prefixes and JSON", () => {
    expect(checkDocument({ key: "feeds/rss.xml", body: '<?xml version="1.0"?>\n<rss><channel/></rss>\n' })).toBeNull();
    expect(checkDocument({ key: "feeds/rss.xml", body: "<rss><channel></rss>" })).toMatch(/not well-formed XML/);
    expect(checkDocument({ key: "feeds/atom.xml", body: "<feed>\uFFFE</feed>" })).toMatch(/disallowed character/);
    expect(checkDocument({ key: "feeds/rss.xml", body: "<rss><dc:creator>x</dc:creator></rss>" })).toMatch(/unbound namespace prefix/);
    expect(checkDocument({ key: "feeds/rss.xml", body: "<rss>&nbsp;</rss>" })).toMatch(/undefined entity/);
    expect(checkDocument({ key: "feeds/index.opml", body: "" })).toMatch(/root element/);
    expect(checkDocument({ key: "feeds/feed.json", body: '{"version":"x"}' })).toBeNull();
    expect(checkDocument({ key: "feeds/feed.json", body: '{"version":' })).toMatch(/not valid JSON/);
  });

  it("keeps the last good version of a file that fails, reports it with its posts, and publishes the rest (full build)", async () => {
    const bucket = createMemoryStorage();
    await bucket.put("content/_config.yml", CONFIG);
    await bucket.put("content/a.md", post("Good A", "bank", 1));
    await bucket.put("content/b.md", post("Good B", "stock", 2));
    const build = () => buildAll({ content: prefixStorage(bucket, "content/"), output: bucket, state: bucket, now: NOW });
    expect((await build()).invalid).toEqual([]);
    const goodSiteAtom = text(await bucket.get("feeds/atom.xml"));

    await bucket.put("content/c.md", post("BREAK-ATOM C", "auto", 3));
    const report = await build();
    expect(report.invalid.map((f) => f.key).sort()).toEqual(["feeds/atom.xml", "feeds/auto/atom.xml"]);
    const site = report.invalid.find((f) => f.key === "feeds/atom.xml")!;
    expect(site.reason).toMatch(/not well-formed XML/);
    expect(site.posts).toEqual(["c.md", "b.md", "a.md"]);
    // The broken file is not written: the site's Atom keeps its last good bytes; a new feed has none.
    expect(text(await bucket.get("feeds/atom.xml"))).toBe(goodSiteAtom);
    expect(await bucket.get("feeds/auto/atom.xml")).toBeNull();
    // Everything else carries the new post.
    expect(text(await bucket.get("feeds/rss.xml"))).toContain("BREAK-ATOM C");
    expect(text(await bucket.get("feeds/auto/feed.json"))).toContain("BREAK-ATOM C");
    expect(text(await bucket.get("feeds/bank/atom.xml"))).toContain("Good A");
  });

  it("does the same on the incremental path, and writes the file once the cause is gone", async () => {
    const bucket = createMemoryStorage();
    await bucket.put("content/_config.yml", CONFIG);
    await bucket.put("content/a.md", post("Good A", "bank", 1));
    await publishChanges({ bucket, now: NOW }, []);
    await publishChanges({ bucket, now: NOW }, [{ key: "a.md", removed: false }]);
    const goodAtom = text(await bucket.get("feeds/bank/atom.xml"));

    await bucket.put("content/c.md", post("BREAK-ATOM C", "bank", 3));
    const result = await publishChanges({ bucket, now: NOW }, [{ key: "c.md", removed: false }]);
    expect(result.rebuilt).toBe(false);
    expect(result.results).toEqual([expect.objectContaining({ key: "c.md", outcome: "published" })]);
    expect(result.invalid.map((f) => f.key).sort()).toEqual(["feeds/atom.xml", "feeds/bank/atom.xml"]);
    expect(result.invalid[0]!.posts).toContain("c.md");
    expect(text(await bucket.get("feeds/bank/atom.xml"))).toBe(goodAtom);
    expect(text(await bucket.get("feeds/bank/rss.xml"))).toContain("BREAK-ATOM C");

    // The author fixes the title: the Atom files are written again.
    await bucket.put("content/c.md", post("Fixed C", "bank", 3));
    const fixed = await publishChanges({ bucket, now: NOW }, [{ key: "c.md", removed: false }]);
    expect(fixed.invalid).toEqual([]);
    expect(text(await bucket.get("feeds/bank/atom.xml"))).toContain("Fixed C");
    expect(checkDocument({ key: "feeds/bank/atom.xml", body: text(await bucket.get("feeds/bank/atom.xml"))! })).toBeNull();
  });
});

describe("unchanged content writes nothing", () => {
  it("a repeated full rebuild of a bucket makes no PUT or DELETE to feeds/ or state/", async () => {
    const bucket = createMemoryStorage();
    await bucket.put("content/_config.yml", CONFIG);
    await bucket.put("content/a.md", post("Good A", "bank", 1));
    await bucket.put("content/b.md", post("Good B", "stock", 2));
    const build = (storage: typeof bucket) => buildAll({ content: prefixStorage(storage, "content/"), output: storage, state: storage, now: NOW });
    await build(bucket);
    const changes: string[] = [];
    const counting = {
      ...bucket,
      put: async (key: string, body: string | Uint8Array, o?: object) => (changes.push(`put ${key}`), bucket.put(key, body, o)),
      delete: async (key: string) => (changes.push(`delete ${key}`), bucket.delete(key)),
    };
    const again = await build(counting);
    expect(again.writes.filter((w) => w.outcome !== "unchanged")).toEqual([]);
    expect(changes).toEqual([]);
    // And the next upload still takes the incremental path: the state was left valid.
    await bucket.put("content/c.md", post("Good C", "bank", 3));
    expect((await publishChanges({ bucket, now: NOW }, [{ key: "c.md", removed: false }])).rebuilt).toBe(false);
  });
});
