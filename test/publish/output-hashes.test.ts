import { createHash } from "node:crypto";
import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildAll } from "../../lib/publish/build-all.js";
import { openOutputHashes } from "../../lib/publish/output-hashes.js";
import { createFsStorage, type FsStorage } from "../../lib/storage/fs.js";
import { configYaml, freshDirs, LATER, makeSite, post, readTree, removedAfterAll } from "../feeds/helpers.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const dirs = removedAfterAll();
const fresh = freshDirs();

/** The folder `base` as a driver that counts the files it reads to hash. */
function counted(base: string): FsStorage & { reads: string[] } {
  const fs = createFsStorage({ base });
  const reads: string[] = [];
  return { ...fs, reads, hash: (key) => (reads.push(key), fs.hash(key)) };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("openOutputHashes", () => {
  it("answers for a file unchanged since it was read, without reading it again", async () => {
    const out = counted(await fresh());
    const store = createFsStorage({ base: await fresh() });
    await out.put("feeds/rss.xml", "<rss/>");

    const first = await openOutputHashes(out, { store, now: LATER });
    expect(await first.storage.hash("feeds/rss.xml")).toBe(sha256("<rss/>"));
    await first.save();
    const second = await openOutputHashes(out, { store, now: LATER });
    expect(await second.storage.hash("feeds/rss.xml")).toBe(sha256("<rss/>"));
    expect(await second.storage.hash("feeds/missing.xml")).toBeNull();
    expect(out.reads).toEqual(["feeds/rss.xml", "feeds/missing.xml"]);
  });

  it("reads a file again once it changed, even to bytes of the same length with its old modification time", async () => {
    const base = await fresh();
    const out = counted(base);
    const store = createFsStorage({ base: await fresh() });
    await out.put("feeds/rss.xml", "<rss>a</rss>");
    const first = await openOutputHashes(out, { store, now: LATER });
    await first.storage.hash("feeds/rss.xml");
    await first.save();

    // Edited in place, then its mtime set back: the change time still moves.
    const file = path.join(base, "feeds/rss.xml");
    const { mtime } = statSync(file);
    writeFileSync(file, "<rss>b</rss>");
    utimesSync(file, mtime, mtime);
    const second = await openOutputHashes(out, { store, now: LATER });
    expect(await second.storage.hash("feeds/rss.xml")).toBe(sha256("<rss>b</rss>"));
    expect(out.reads).toHaveLength(2);
  });

  it("does not trust a file read within two seconds of its last change, and does once it has been still", async () => {
    const out = counted(await fresh());
    const store = createFsStorage({ base: await fresh() });
    await out.put("feeds/rss.xml", "<rss/>");
    for (const now of [Date.now, Date.now, LATER, LATER]) {
      const hashes = await openOutputHashes(out, { store, now });
      expect(await hashes.storage.hash("feeds/rss.xml")).toBe(sha256("<rss/>"));
      await hashes.save();
    }
    // Read while racy twice, then once with the clock past two seconds; the last build trusts that.
    expect(out.reads).toHaveLength(3);
  });

  it("ignores a hashes file that is spoiled, and works on when its store cannot be written", async () => {
    const out = counted(await fresh());
    const storeDir = await fresh();
    const store = createFsStorage({ base: storeDir });
    await out.put("feeds/rss.xml", "<rss/>");
    const first = await openOutputHashes(out, { store, now: LATER });
    await first.storage.hash("feeds/rss.xml");
    await first.save();
    const file = path.join(storeDir, "hashes.json");
    writeFileSync(file, readFileSync(file, "utf8").replace(sha256("<rss/>"), sha256("<rss>forged</rss>")));
    const second = await openOutputHashes(out, { store, now: LATER });
    expect(await second.storage.hash("feeds/rss.xml")).toBe(sha256("<rss/>"));
    expect(out.reads).toHaveLength(2);

    // A file where the store's folder should be: nothing is remembered, nothing fails.
    const blocked = path.join(await fresh(), "file");
    await writeFile(blocked, "not a folder");
    const third = await openOutputHashes(out, { store: createFsStorage({ base: blocked }), now: LATER });
    expect(await third.storage.hash("feeds/rss.xml")).toBe(sha256("<rss/>"));
    await expect(third.save()).resolves.toBeUndefined();
  });
});

describe("buildAll with output hashes", () => {
  const SITE = {
    "_config.yml": configYaml("feeds:\n  categories:\n    bank: 银行新闻\n"),
    "2022-05-20-one.md": post(["title: 第一篇", "date: 2022-05-20 09:00:00 +0800", "categories: bank"]),
    "2022-05-21-two.md": post(["title: 第二篇", "date: 2022-05-21 09:00:00 +0800", "categories: bank", "tags: [股市]"]),
  };

  it("rebuilds into the same folder without reading its files back, and restores a file edited by hand", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const outDir = await fresh();
    const storeDir = await fresh();
    const build = async () => {
      const output = counted(outDir);
      const report = await buildAll({
        content: createFsStorage({ base: content }),
        output,
        now: NOW,
        outputHashes: { store: createFsStorage({ base: storeDir }), now: LATER },
      });
      return { report, reads: output.reads.length, tree: await readTree(outDir) };
    };
    const first = await build();
    const files = first.report.writes.length;
    expect(first.report.writes.every((w) => w.outcome === "written")).toBe(true);
    // The files the first build wrote are read once, by the next build, and then remembered.
    const second = await build();
    expect(second.reads).toBe(files);
    const third = await build();
    expect(third.reads).toBe(0);
    expect(third.report.writes.every((w) => w.outcome === "unchanged")).toBe(true);
    expect(third.tree).toEqual(first.tree);

    const rss = path.join(outDir, "feeds/bank/rss.xml");
    writeFileSync(rss, readFileSync(rss, "utf8").replace("第一篇", "第X篇"));
    const fourth = await build();
    expect(fourth.report.writes.filter((w) => w.outcome === "written").map((w) => w.key)).toEqual(["feeds/bank/rss.xml"]);
    expect(fourth.tree).toEqual(first.tree);
  });

  it("writes a new post's feeds and leaves the rest unread", async () => {
    const content = await makeSite(SITE);
    dirs.push(content);
    const outDir = await fresh();
    const store = createFsStorage({ base: await fresh() });
    const build = async () => {
      const output = counted(outDir);
      const report = await buildAll({ content: createFsStorage({ base: content }), output, now: NOW, outputHashes: { store, now: LATER } });
      return { report, reads: output.reads };
    };
    await build();
    await build();
    await mkdir(content, { recursive: true });
    await writeFile(path.join(content, "2022-05-22-three.md"), post(["title: 第三篇", "date: 2022-05-22 09:00:00 +0800", "categories: stock"]));
    const { report, reads } = await build();
    const written = report.writes.filter((w) => w.outcome === "written").map((w) => w.key);
    // The new category's files are not there to read; the site feed and the feed list changed.
    expect(written).toEqual(expect.arrayContaining(["feeds/rss.xml", "feeds/stock/rss.xml", "feeds/index.html"]));
    expect(reads.filter((key) => key.startsWith("feeds/bank/") || key.startsWith("feeds/tags/"))).toEqual([]);
  });
});
