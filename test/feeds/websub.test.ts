/**
 * WebSub discovery: with `feeds.websub.hubs`, every feed names each hub beside its self link (RSS
 * atom:link, Atom link, JSON Feed `hubs`); without, the files are what they were.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { checkAtomWithFeedparser, checkAtomWithJing, checkJsonFeed, checkRssWithFeedparser, checkXmlWellFormed } from "../support/validators.js";
import { build, children, configYaml, elements, makeSite, needs, parseXml, post, readText, readTree, removedAfterAll, SLOW_TOOL_TIMEOUT } from "./helpers.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const HUBS = ["https://pubsubhubbub.appspot.com/", "https://hub.example.com/publish?site=news&format=all"];
const SITE = "https://news.example.com";
const POSTS = {
  "2022-05-20-a.md": post(["title: 甲", "date: 2022-05-20 09:00:00 +0800", "categories: bank", "tags: [银行, IPO]"]),
  // A title that reads like the self link: the hub links go beside the feed's own, not an item's.
  "2022-05-21-b.md": post(["title: '<atom:link rel=\"self\"/> & <link rel=\"self\"/>'", "date: 2022-05-21 09:00:00 +0800", "categories: bank"]),
};
// The feeds these posts make.
const DIRS = ["feeds", "feeds/bank", "feeds/tags/ipo", "feeds/tags/银行"];
const publicUrl = (key: string) => `${SITE}/${key.split("/").map(encodeURIComponent).join("/")}`;

const tempDirs = removedAfterAll();

async function buildWith(websub: string): Promise<string> {
  const site = await makeSite({ "_config.yml": configYaml(websub ? `feeds:\n  websub:\n${websub}` : ""), ...POSTS });
  const { out } = await build(site, NOW);
  tempDirs.push(site, out);
  return out;
}

let out = "";
beforeAll(async () => {
  out = await buildWith(`    hubs:\n${HUBS.map((h) => `      - "${h}"\n`).join("")}`);
});

/** The rel and href of each link element among `el`'s children named `name`. */
const linksOf = (el: Parameters<typeof children>[0], name: string) => children(el, name).map((l) => [l.attribs.rel, l.attribs.href]);

describe("with hubs, every feed", () => {
  it("is one of these", async () => {
    expect([...(await readTree(out)).keys()].filter((k) => k.endsWith("/feed.json")).map((k) => k.slice(0, -"/feed.json".length)).sort()).toEqual([...DIRS].sort());
  });

  it.each(DIRS)("%s names each hub after its self link in RSS", (dir) => {
    const channel = elements(parseXml(readText(out, `${dir}/rss.xml`)), "channel")[0]!;
    expect(linksOf(channel, "atom:link")).toEqual([["self", publicUrl(`${dir}/rss.xml`)], ...HUBS.map((h) => ["hub", h])]);
    expect(elements(channel, "item").flatMap((i) => children(i, "atom:link"))).toEqual([]);
  });

  it.each(DIRS)("%s names each hub after its self link in Atom", (dir) => {
    const feed = elements(parseXml(readText(out, `${dir}/atom.xml`)), "feed")[0]!;
    expect(linksOf(feed, "link")).toEqual([["alternate", `${SITE}/`], ["self", publicUrl(`${dir}/atom.xml`)], ...HUBS.map((h) => ["hub", h])]);
  });

  it.each(DIRS)("%s lists the hubs in JSON Feed, beside feed_url", (dir) => {
    const feed = JSON.parse(readText(out, `${dir}/feed.json`)) as { feed_url: string; hubs: unknown };
    expect(feed.feed_url).toBe(publicUrl(`${dir}/feed.json`));
    expect(feed.hubs).toEqual(HUBS.map((url) => ({ type: "WebSub", url })));
  });

  it("leaves the OPML list as it is", async () => {
    const without = await buildWith("");
    expect(readText(out, "feeds/index.opml")).toBe(readText(without, "feeds/index.opml"));
  });
});

/** Python feedparser's reading of a feed's own links, as a subscriber finds its hubs. */
function feedparserLinks(xml: string): { rel: string; href: string }[] {
  const script = "import io, json, sys, feedparser\nd = feedparser.parse(io.BytesIO(sys.stdin.buffer.read()))\njson.dump([{'rel': l.get('rel'), 'href': l.get('href')} for l in d.feed.get('links', [])], sys.stdout)";
  const result = spawnSync("/usr/bin/python3", ["-c", script], { input: xml, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`feedparser exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as { rel: string; href: string }[];
}

describe.concurrent("with hubs, validated", () => {
  describe.concurrent("RSS", () => {
    needs("xmllint", "feedparser");

    it.each(DIRS)("%s/rss.xml is well-formed, rss20 without bozo, and feedparser finds the hubs", async (dir) => {
      const xml = readText(out, `${dir}/rss.xml`);
      expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
      expect(await checkRssWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
      expect(feedparserLinks(xml).filter((l) => l.rel === "hub").map((l) => l.href)).toEqual(HUBS);
    }, SLOW_TOOL_TIMEOUT);
  });

  describe.concurrent("Atom", () => {
    needs("xmllint", "jing", "feedparser");

    it.each(DIRS)("%s/atom.xml is well-formed, valid against RFC 4287's schema, atom10 without bozo, and feedparser finds the hubs", async (dir) => {
      const xml = readText(out, `${dir}/atom.xml`);
      expect(await checkXmlWellFormed(xml)).toEqual({ ok: true, problems: [] });
      expect(await checkAtomWithJing(xml)).toEqual({ ok: true, problems: [] });
      expect(await checkAtomWithFeedparser(xml)).toEqual({ ok: true, problems: [] });
      expect(feedparserLinks(xml).filter((l) => l.rel === "hub").map((l) => l.href)).toEqual(HUBS);
    }, SLOW_TOOL_TIMEOUT);
  });

  it.each(DIRS)("%s/feed.json is valid JSON Feed 1.1", async (dir) => {
    expect(await checkJsonFeed(readText(out, `${dir}/feed.json`))).toEqual({ ok: true, problems: [] });
  });
});

describe("without hubs", () => {
  it("no feed names a hub", async () => {
    const plain = await buildWith("");
    for (const [key, bytes] of await readTree(plain)) {
      const text = bytes.toString("utf8");
      expect(text, key).not.toContain('rel="hub"');
      expect(text, key).not.toContain('"hubs"');
    }
  });

  it("an empty websub gives the same bytes as none", async () => {
    const [plain, empty] = await Promise.all([buildWith(""), buildWith("    hubs: []\n")]);
    expect(await readTree(empty)).toEqual(await readTree(plain));
  });
});
