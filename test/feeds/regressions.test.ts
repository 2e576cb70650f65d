/**
 * Inputs an earlier version got wrong, each the smallest that showed it; the expectation is what
 * a reader should get.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { ConfigError } from "../../lib/errors.js";
import { renderBody } from "../../lib/feeds/render-body.js";
import type { Post } from "../../lib/posts/post.js";
import { checkXmlWellFormed, parseWithRssParser } from "../support/validators.js";
import { build, configYaml, makeSite, needs, post, readText, removedAfterAll } from "./helpers.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const tempDirs = removedAfterAll();

async function buildSite(files: Record<string, string>) {
  const site = await makeSite(files);
  tempDirs.push(site);
  const built = await build(site, NOW);
  tempDirs.push(built.out);
  return built;
}

describe("render-body: srcset candidates separated by a comma without a space", () => {
  // HTML allows "a.jpg 1x,b.jpg 2x"; absolutizeAttributes splits on /,\s+/ only, so the second
  // candidate stays relative (sanitize-html then re-serialises it as "…a.jpg 1x, /b.jpg 2x").
  it("absolutises every candidate", () => {
    const body = '<img src="/a.jpg" srcset="/a.jpg 1x,/b.jpg 2x">';
    const post: Post = {
      key: "p.html", id: "urn:uuid:x", url: "https://news.example.com/2022/05/20/p.html", title: "t",
      date: new Date(0), categories: [], tags: [], draft: false, body, format: "html",
    };
    expect(renderBody(post, 200).html).toContain('srcset="https://news.example.com/a.jpg 1x, https://news.example.com/b.jpg 2x"');
  });
});

describe("render-atom: a configured display title with '<'", () => {
  needs("xmllint");

  // An attribute writer that escapes only '&' and '"' (as the feed package's did) writes
  // <category label="银行<新闻>"> raw, and the whole Atom file is not XML.
  it("keeps atom.xml well-formed", async () => {
    const { out } = await buildSite({
      "_config.yml": configYaml('feeds:\n  categories:\n    bank: "银行<新闻>"\n'),
      "2022-05-20-a.md": post(["title: A", "date: 2022-05-20 09:00:00 +0800", "categories: bank"]),
    });
    expect(await checkXmlWellFormed(readText(out, "feeds/atom.xml"))).toEqual({ ok: true, problems: [] });
  });
});

describe("render-rss: a title containing the text '&amp;'", () => {
  // A text writer that "desanitizes" &amp; to & before escaping (as xml-js, under the feed
  // package, did) makes the literal five characters "&amp;" of a title reach RSS readers as "&".
  it("reads back exactly from RSS, as from JSON Feed", async () => {
    const title = "如何在 HTML 中写 &amp; 与 &lt;";
    const { out } = await buildSite({
      "_config.yml": configYaml(),
      "2022-05-20-a.md": post([`title: "${title}"`, "date: 2022-05-20 09:00:00 +0800"]),
    });
    expect((JSON.parse(readText(out, "feeds/feed.json")) as { items: { title: string }[] }).items[0]!.title).toBe(title);
    expect((await parseWithRssParser(readText(out, "feeds/rss.xml"))).items[0]!.title).toBe(title);
  });
});

describe("a URL that new URL() cannot parse rejects its post or setting, not the whole build", () => {
  const good = post(["title: 好的", "date: 2022-05-21 09:00:00 +0800"]);

  // Each value reaches `new URL()` (in the feed renderers or in postUrl) unchecked; the TypeError
  // "Invalid URL" escapes buildAll, so one post stops every feed from being published.
  it.each([
    ["author.url without a scheme", ["author:", "  name: 张三", "  url: example.com/zhang"]],
    ["an id that only looks like a URI", ['id: "http://"']],
    ["an absolute permalink with a space in the host", ['permalink: "https://exa mple.com/x"']],
  ])("%s: the post is rejected, the others published", async (_, frontMatter) => {
    const { report, out } = await buildSite({
      "_config.yml": configYaml(),
      "2022-05-20-bad.md": post(["title: 坏的", "date: 2022-05-20 09:00:00 +0800", ...frontMatter]),
      "2022-05-21-good.md": good,
    });
    expect(report.rejected.map((e) => e.key)).toEqual(["2022-05-20-bad.md"]);
    expect(readText(out, "feeds/rss.xml")).toContain("<title>好的</title>");
  });

  // parseConfig accepts both (author.url is not checked; feeds.url only against a loose pattern),
  // and the first feed rendered throws "Invalid URL" instead of a ConfigError naming the key.
  it.each([
    ["author.url", "author:\n  name: 编辑部\n  url: example.com/about\n"],
    ["feeds.url", 'feeds:\n  url: "https://exa%mple.com"\n'],
  ])("the site's %s that is not a URL is a ConfigError naming it", (key, yaml) => {
    expect(() => parseConfig(configYaml(yaml))).toThrow(ConfigError);
    expect(() => parseConfig(configYaml(yaml))).toThrow(key);
  });
});
