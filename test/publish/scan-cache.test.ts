import { readFile, stat, unlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildAll } from "../../lib/publish/build-all.js";
import { createFsStorage, type FsStorage } from "../../lib/storage/fs.js";
import { configYaml, expectSameTree, makeSite, post, readText, readTree, removedAfterAll, tempDir, writeFiles } from "../feeds/helpers.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const tempDirs = removedAfterAll();

/** Five posts; with feeds two items long, the site feed shows the newest two. */
const SITE = {
  "_config.yml": configYaml("feeds:\n  limit: 2\n"),
  "2022-05-20-one.md": post(["title: 第一篇", "date: 2022-05-20 09:00:00 +0800", "categories: bank"]),
  "2022-05-21-two.md": post(["title: 第二篇", "date: 2022-05-21 09:00:00 +0800", "categories: bank", "tags: [股市]"]),
  "2022-05-22-three.md": post(["title: 第三篇", "date: 2022-05-22 09:00:00", "categories: fund"]),
  "2022-05-23-four.md": post(["title: 第四篇", "date: 2022-05-23 09:00:00 +0800", "categories: fund", "author: Jane"]),
  "2022-05-24-five.md": post(["title: 第五篇", "date: 2022-05-24 09:00:00 +0800", "categories: stock"]),
};

async function fresh(files?: Record<string, string>): Promise<string> {
  const dir = files ? await makeSite(files) : await tempDir();
  tempDirs.push(dir);
  return dir;
}

/** The folder driver over `dir`, counting the posts it opens (whole or their start). */
function countingContent(dir: string): { storage: FsStorage; opened: string[] } {
  const fs = createFsStorage({ base: dir });
  const opened: string[] = [];
  const storage: FsStorage = {
    ...fs,
    get: (key, options) => (opened.push(key), fs.get(key, options)),
    getStart: (key, length, options) => (opened.push(key), fs.getStart(key, length, options)),
  };
  return { storage, opened };
}

/**
 * A full build of `content` with the scan cache in `cache` (none: no caches), as a build started
 * `later` ms from now: the files the test just wrote are then old enough to be remembered.
 */
async function buildWith(content: string, cache: string | null, later = 60_000, code = "test-code") {
  const out = await fresh();
  const { storage, opened } = countingContent(content);
  const report = await buildAll({
    content: storage,
    output: createFsStorage({ base: out }),
    now: NOW,
    ...(cache ? { scanCache: { store: createFsStorage({ base: cache }), code, now: () => Date.now() + later } } : {}),
  });
  return { out, report, opened: opened.filter((k) => k !== "_config.yml"), tree: await readTree(out) };
}

const SHOWN = ["2022-05-20-one.md", "2022-05-21-two.md", "2022-05-22-three.md", "2022-05-23-four.md", "2022-05-24-five.md"];

describe("the scan cache", () => {
  it("opens on a rebuild only the posts a feed shows, and writes the feeds a build without it writes", async () => {
    const content = await fresh(SITE);
    const cache = await fresh();
    const none = await buildWith(content, null);
    const cold = await buildWith(content, cache);
    // Every post is some feed's newest, so each is read once by the scan and once to render.
    expect(cold.report.known).toBe(0);
    expect(cold.opened.sort()).toEqual([...SHOWN, ...SHOWN].sort());

    const warm = await buildWith(content, cache);
    expect(warm.report.known).toBe(5);
    expect(warm.opened.sort()).toEqual(SHOWN);
    expectSameTree(none.tree, cold.tree);
    expectSameTree(none.tree, warm.tree);
  });

  it("skips the posts no feed shows", async () => {
    const content = await fresh({ ...SITE, "2022-05-19-old.md": post(["title: 旧", "date: 2022-05-19 09:00:00 +0800", "categories: bank"]) });
    const cache = await fresh();
    await buildWith(content, cache);
    const warm = await buildWith(content, cache);
    expect(warm.report.known).toBe(6);
    expect(warm.opened).not.toContain("2022-05-19-old.md");
  });

  it("reads again a post changed to the same size with its modification time set back", async () => {
    const content = await fresh(SITE);
    const cache = await fresh();
    const file = path.join(content, "2022-05-24-five.md");
    // A whole second, which utimes can set again exactly (it takes no nanoseconds).
    await utimes(file, 1_650_000_000, 1_650_000_000);
    await buildWith(content, cache);
    const before = await stat(file, { bigint: true });
    const text = await readFile(file, "utf8");
    // stock → bonds: same length; the post leaves one category feed for another.
    await writeFile(file, text.replace("categories: stock", "categories: bonds"));
    await utimes(file, 1_650_000_000, 1_650_000_000);
    const after = await stat(file, { bigint: true });
    expect([after.size, after.mtimeNs]).toEqual([before.size, before.mtimeNs]);

    const edited = await buildWith(content, cache);
    expect(edited.report.known).toBe(4);
    expect(readText(edited.out, "feeds/bonds/rss.xml")).toContain("<title>第五篇</title>");
    expect(edited.tree.has("feeds/stock/rss.xml")).toBe(false);
    expectSameTree((await buildWith(content, null)).tree, edited.tree);
  });

  it("reads again a post replaced by another file of the same size and times", async () => {
    const content = await fresh(SITE);
    const cache = await fresh();
    const file = path.join(content, "2022-05-24-five.md");
    await utimes(file, 1_650_000_000, 1_650_000_000);
    await buildWith(content, cache);
    const text = await readFile(file, "utf8");
    await unlink(file);
    await writeFile(file, text.replace("2022-05-24 09:00", "2022-05-19 09:00"));
    await utimes(file, 1_650_000_000, 1_650_000_000);
    const edited = await buildWith(content, cache);
    expect(edited.report.known).toBe(4);
    expectSameTree((await buildWith(content, null)).tree, edited.tree);
  });

  it("does not remember a file changed just before the scan, which could change again unseen within its time stamp", async () => {
    const content = await fresh(SITE);
    const cache = await fresh();
    await buildWith(content, cache, 0);
    expect((await buildWith(content, cache)).report.known).toBe(0);
    expect((await buildWith(content, cache)).report.known).toBe(5);
  });

  it("is not used under other settings or other code, nor when its file was damaged, and is written anew", async () => {
    const content = await fresh(SITE);
    const cache = await fresh();
    await buildWith(content, cache);
    expect((await buildWith(content, cache, 60_000, "other-code")).report.known).toBe(0);
    expect((await buildWith(content, cache, 60_000, "other-code")).report.known).toBe(5);

    // Another zone moves the date of the post written without an offset.
    await writeFiles(content, { "_config.yml": configYaml("feeds:\n  limit: 2\n", "UTC") });
    const rezoned = await buildWith(content, cache, 60_000, "other-code");
    expect(rezoned.report.known).toBe(0);
    expectSameTree((await buildWith(content, null)).tree, rezoned.tree);

    const [file] = [...(await readTree(cache)).keys()];
    const bytes = await readFile(path.join(cache, file!), "utf8");
    for (const spoiled of [bytes.replace(`"bank"`, `"bonk"`), bytes.slice(0, -30), "not a cache"]) {
      await writeFile(path.join(cache, file!), spoiled);
      const build = await buildWith(content, cache, 60_000, "other-code");
      expect(build.report.known).toBe(0);
      expectSameTree(rezoned.tree, build.tree);
    }
  });

  it("reports a rejected post on every build, and forgets a deleted one", async () => {
    const content = await fresh({ ...SITE, "2022-05-25-bad.md": "no front matter\n" });
    const cache = await fresh();
    await buildWith(content, cache);
    const again = await buildWith(content, cache);
    expect(again.report.rejected.map((e) => e.key)).toEqual(["2022-05-25-bad.md"]);
    expect(again.report.known).toBe(5);

    await unlink(path.join(content, "2022-05-24-five.md"));
    const deleted = await buildWith(content, cache);
    expect(deleted.report.known).toBe(4);
    expect(deleted.tree.has("feeds/stock/rss.xml")).toBe(false);
    expect(readText(cache, "summaries.jsonl")).not.toContain("2022-05-24-five.md");
  });
});
