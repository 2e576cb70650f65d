import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build, configYaml, CONTENT_DIR, contentFeedFiles, expectSameTree, makeSite, post, readText, readTree, removedAfterAll, tempDir, writeFiles } from "./feeds/helpers.js";
import { repoRoot } from "./support/validators.js";
import { buildAll } from "../lib/publish/build-all.js";
import { createFsStorage } from "../lib/storage/fs.js";

const NOW = new Date("2026-01-01T00:00:00Z");
// The CLI may compile itself first (scripts/launch.mjs); on a busy machine that alone takes seconds.
const CLI_TIMEOUT = 60_000;

const tempDirs = removedAfterAll();

async function site(files: Record<string, string>): Promise<string> {
  const dir = await makeSite(files);
  tempDirs.push(dir);
  return dir;
}

async function fresh(): Promise<string> {
  const dir = await tempDir();
  tempDirs.push(dir);
  return dir;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run build -- --content <content> --out <out> [args]` as npm runs it (the compiled launcher), from the repository root. */
function runCli(content: string, out: string, args: string[] = []): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["scripts/launch.mjs", "scripts/build.ts", "--content", content, "--out", out, ...args],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" }, timeout: CLI_TIMEOUT - 5_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Size, inode and modification time of every file, to see whether anything was rewritten. */
async function fileStamps(dir: string): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  for (const key of (await readTree(dir)).keys()) {
    const s = await stat(path.join(dir, key));
    stamps.set(key, `${s.size}:${s.ino}:${s.mtimeMs}`);
  }
  return stamps;
}

const GOOD = {
  "_config.yml": configYaml("feeds:\n  categories:\n    bank: 银行新闻\n"),
  "2022-05-20-one.md": post(["title: 第一篇", "date: 2022-05-20 09:00:00 +0800", "categories: bank"]),
  "2022-05-21-two.md": post(["title: 第二篇", "date: 2022-05-21 09:00:00 +0800", "categories: stock", "tags: [股市]"]),
  "2022-05-22-three.html": post(["title: 第三篇", "date: 2022-05-22 09:00:00 +0800", "categories: bank"]),
};

describe("buildAll into a folder", () => {
  it("writes nothing the second time: every outcome unchanged, no file touched", async () => {
    const content = await site(GOOD);
    const out = await fresh();
    const first = await build(content, NOW, out);
    expect(first.report.writes.length).toBeGreaterThan(0);
    expect(first.report.writes.every((w) => w.outcome === "written")).toBe(true);
    const before = await fileStamps(out);
    // Make a rewrite visible in mtime even on coarse file-system clocks.
    await new Promise((r) => setTimeout(r, 20));

    const second = await build(content, NOW, out);
    expect(second.report.writes.map((w) => w.outcome)).toEqual(first.report.writes.map(() => "unchanged"));
    expect(second.report.deleted).toEqual([]);
    expect(await fileStamps(out)).toEqual(before);
  });

  it("gives byte-identical trees in two fresh folders (content/)", async () => {
    const a = await build(CONTENT_DIR, NOW, await fresh());
    const b = await build(CONTENT_DIR, NOW, await fresh());
    const [ta, tb] = [await readTree(a.out), await readTree(b.out)];
    expect([...ta.keys()]).toEqual(contentFeedFiles());
    expect([...tb.keys()]).toEqual([...ta.keys()]);
    for (const [key, bytes] of ta) expect(tb.get(key)?.equals(bytes), key).toBe(true);
  });

  it("rejects a post without a title and a ---js post once each, naming the file, and publishes the rest", async () => {
    const marker = path.join(tmpdir(), `feedpub-js-ran-${process.pid}-${Date.now()}`);
    const content = await site({
      ...GOOD,
      "2022-05-23-untitled.md": post(["date: 2022-05-23 09:00:00 +0800", "categories: bank"]),
      // Would leave a file behind if a JavaScript front-matter block were ever run.
      "2022-05-24-code.md": `---js\n{ title: (require("fs").writeFileSync(${JSON.stringify(marker)}, "ran"), "代码"), date: "2022-05-24" }\n---\n<p>x</p>\n`,
    });
    const { report, out } = await build(content, NOW, await fresh());
    tempDirs.push(marker);

    expect(report.rejected.map((e) => e.key)).toEqual(["2022-05-23-untitled.md", "2022-05-24-code.md"]);
    expect(report.rejected[0]!.reason).toMatch(/title/);
    expect(report.rejected[1]!.reason).toMatch(/js/);
    expect(report.rejected[0]!.message).toContain("2022-05-23-untitled.md");
    expect(existsSync(marker)).toBe(false);

    expect(report.live).toBe(3);
    const rss = readText(out, "feeds/rss.xml");
    for (const title of ["第一篇", "第二篇", "第三篇"]) expect(rss).toContain(`<title>${title}</title>`);
    expect(readText(out, "feeds/bank/rss.xml")).toContain("<title>第三篇</title>");
  });

  it("removes a category's feed files on the next build once its last post is deleted", async () => {
    const content = await site(GOOD);
    const out = await fresh();
    await build(content, NOW, out);
    expect(existsSync(path.join(out, "feeds", "stock", "rss.xml"))).toBe(true);
    expect(readText(out, "feeds/index.opml")).toContain("/feeds/stock/rss.xml");

    await unlink(path.join(content, "2022-05-21-two.md"));
    const { report } = await build(content, NOW, out);
    // Each folder whole: the three formats, its page and its autodiscovery snippet.
    const names = ["atom.xml", "feed.json", "rss.xml", "index.html", "autodiscovery.html"];
    expect(report.deleted.sort()).toEqual(["feeds/stock", "feeds/tags/股市"].flatMap((dir) => names.map((name) => `${dir}/${name}`)).sort());
    // The site feed's page lists every feed, so the category is gone from it too.
    expect(readText(out, "feeds/index.html")).not.toContain("/feeds/stock/");
    const keys = [...(await readTree(out)).keys()];
    expect(keys.filter((k) => k.startsWith("feeds/stock/") || k.startsWith("feeds/tags/"))).toEqual([]);
    expect(existsSync(path.join(out, "feeds", "stock"))).toBe(false);
    expect(readText(out, "feeds/index.opml")).not.toContain("/feeds/stock/");
    expect(readText(out, "feeds/rss.xml")).not.toContain("第二篇");
    // The result is what a build into an empty folder gives.
    const clean = await build(content, NOW, await fresh());
    expect([...(await readTree(clean.out)).keys()]).toEqual(keys);
  });
});

/** The site used for the render cache: images, an author, Chinese tags, a draft and a post for later. */
const CACHED_SITE = {
  ...GOOD,
  "2022-05-23-image.md": post(
    ["title: 图 & <b>", "date: 2022-05-23 09:00:00 +0800", "categories: bank", "tags: [股市, 银行]", "author: Jane Doe", "image: /lead.png"],
    '<p>正文 <a href="/x">x</a></p><img src="/b.jpg" alt="乙">\n',
  ),
  "2022-05-24-draft.md": post(["title: 草稿", "date: 2022-05-24 09:00:00 +0800", "published: false"]),
  "2027-01-01-later.md": post(["title: 以后", "date: 2027-01-01 09:00:00 +0800"]),
};

/** buildAll into a fresh folder, with the render cache in `cache` (a folder) or none. */
async function buildWith(content: string, cache: string | null, code = "test-code") {
  const out = await fresh();
  const report = await buildAll({
    content: createFsStorage({ base: content }),
    output: createFsStorage({ base: out }),
    now: NOW,
    ...(cache ? { renderCache: { store: createFsStorage({ base: cache }), code, prune: true } } : {}),
  });
  return { out, report, tree: await readTree(out) };
}

describe("buildAll with a render cache", () => {
  it("renders no body on a rebuild of unchanged posts, and writes the same bytes as with no cache", async () => {
    const content = await site(CACHED_SITE);
    const cache = await fresh();
    const none = await buildWith(content, null);
    const cold = await buildWith(content, cache);
    const warm = await buildWith(content, cache);

    const shown = cold.report.rendered;
    expect(shown).toBe(4);
    expect(none.report).toMatchObject({ rendered: 4, reused: 0 });
    expect(cold.report.reused).toBe(0);
    expect(warm.report).toMatchObject({ rendered: 0, reused: shown });
    expectSameTree(none.tree, cold.tree);
    expectSameTree(none.tree, warm.tree);
  });

  it("renders again only the post that changed, and every post once the settings change", async () => {
    const content = await site(CACHED_SITE);
    const cache = await fresh();
    await buildWith(content, cache);
    await writeFiles(content, { "2022-05-21-two.md": post(["title: 第二篇改", "date: 2022-05-21 09:00:00 +0800", "categories: stock"]) });
    const edited = await buildWith(content, cache);
    // The edited post's old item is removed: one entry per shown post.
    expect(edited.report).toMatchObject({ rendered: 1, reused: 3, pruned: 1 });
    expect((await readTree(cache)).size).toBe(4);
    expectSameTree((await buildWith(content, null)).tree, edited.tree);

    await writeFiles(content, { "_config.yml": configYaml("feeds:\n  summary_length: 20\n") });
    const reconfigured = await buildWith(content, cache);
    expect(reconfigured.report).toMatchObject({ rendered: 4, reused: 0, pruned: 4 });
    expect((await readTree(cache)).size).toBe(4);
    expectSameTree((await buildWith(content, null)).tree, reconfigured.tree);
    // Other code renders everything itself.
    expect((await buildWith(content, cache, "other-code")).report.rendered).toBe(4);
  });

  it("gives the same feeds from a cache whose entries were spoiled or deleted, and mends it", async () => {
    const content = await site(CACHED_SITE);
    const cache = await fresh();
    const clean = await buildWith(content, cache);
    const entries = [...(await readTree(cache)).keys()];
    expect(entries).toHaveLength(4);
    await writeFile(path.join(cache, entries[0]!), "not an entry");
    await writeFile(path.join(cache, entries[1]!), (await readFile(path.join(cache, entries[1]!), "utf8")).slice(0, -20));
    await writeFile(path.join(cache, entries[2]!), (await readFile(path.join(cache, entries[2]!), "utf8")).replace("<p>", "<b>"));
    await unlink(path.join(cache, entries[3]!));

    const mended = await buildWith(content, cache);
    expect(mended.report).toMatchObject({ rendered: 4, reused: 0 });
    expectSameTree(clean.tree, mended.tree);
    expect((await buildWith(content, cache)).report.rendered).toBe(0);

    await rm(cache, { recursive: true });
    expectSameTree(clean.tree, (await buildWith(content, cache)).tree);
  });

  it("shows an item from its cache entry: a title changed there, checksum and all, is what the feed shows", async () => {
    const content = await site(CACHED_SITE);
    const cache = await fresh();
    await buildWith(content, cache);
    for (const key of (await readTree(cache)).keys()) {
      const entry = await readFile(path.join(cache, key), "utf8");
      const [head, body] = [entry.slice(0, entry.indexOf("\n")), entry.slice(entry.indexOf("\n") + 1)];
      if (!body.includes('"title":"第一篇"')) continue;
      const changed = body.replace('"title":"第一篇"', '"title":"从缓存"');
      const sha256 = createHash("sha256").update(changed).digest("hex");
      await writeFile(path.join(cache, key), `${JSON.stringify({ ...JSON.parse(head), sha256 })}\n${changed}`);
    }
    const { out } = await buildWith(content, cache);
    expect(readText(out, "feeds/bank/rss.xml")).toContain("<title>从缓存</title>");
  });
});

describe("scripts/build.ts", () => {
  it("exits 0 on content/ and says what it built", async () => {
    const out = await fresh();
    const result = await runCli(CONTENT_DIR, out);
    // Compiling the command may note a rule of the Lambda bundle's that matched nothing; nothing else.
    expect(result.stderr.split("\n").filter((line) => line && !line.startsWith("[bundle] "))).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/13 published/);
    expect(result.stdout).toMatch(/0 rejected/);
    // The zone every date is in, and where the feeds' links point.
    expect(result.stdout).toMatch(/dates in Asia\/Shanghai, feeds served from https:\/\/\S+\/feeds\//);
    expect([...(await readTree(out)).keys()]).toEqual(contentFeedFiles());
  }, CLI_TIMEOUT);

  it("keeps items in --cache between builds, and with --no-cache neither reads nor writes it", async () => {
    const content = await site(GOOD);
    const cache = path.join(await fresh(), "cache dir");
    const [first, second, none] = [await fresh(), await fresh(), await fresh()];

    const cold = (await runCli(content, first, ["--cache", cache])).stdout;
    expect(cold).toMatch(/^ {2}items: +3 rendered, 0 from the render cache in .*cache dir\/$/m);
    // Posts written a moment ago are read again (test/publish/scan-cache.test.ts shows them skipped).
    expect(cold).toMatch(/^ {2}scan: +0 posts unchanged since the last build, 3 read$/m);
    // And feeds showing them are neither taken from the feed cache nor kept (test/publish/feed-cache.test.ts shows them taken).
    expect(cold).toMatch(/^ {2}feeds: +0 from the cache \(posts and settings unchanged\), 4 rendered$/m);
    expect((await runCli(content, second, ["--cache", cache])).stdout).toMatch(/^ {2}items: +0 rendered, 3 from the render cache in .*cache dir\/$/m);
    const stamps = await fileStamps(cache);
    // Three items, and the scan's summaries.
    expect(stamps.size).toBe(4);
    await new Promise((r) => setTimeout(r, 20));
    const uncached = (await runCli(content, none, ["--no-cache"])).stdout;
    expect(uncached).toMatch(/^ {2}items: +3 rendered, no render cache \(--no-cache\)$/m);
    expect(uncached).not.toMatch(/scan:/);
    expect(await fileStamps(cache)).toEqual(stamps);

    const tree = await readTree(first);
    expectSameTree(tree, await readTree(second));
    expectSameTree(tree, await readTree(none));

    // Two seconds on, the posts are old enough to be known by their stamps: the third build reads
    // none and takes every feed from the cache, and the fourth, into the same folder, writes nothing.
    await new Promise((r) => setTimeout(r, 2_100));
    const third = await fresh();
    await runCli(content, third, ["--cache", cache]);
    const warm = (await runCli(content, third, ["--cache", cache])).stdout;
    expect(warm).toMatch(/^ {2}scan: +3 posts unchanged since the last build, 0 read$/m);
    expect(warm).toMatch(/^ {2}feeds: +4 from the cache \(posts and settings unchanged\), 0 rendered$/m);
    expect(warm).toMatch(/^ {2}files: +0 written, 21 unchanged,/m);
    expectSameTree(tree, await readTree(third));
  }, CLI_TIMEOUT);

  it("builds every feed when --cache names a file: the caches only make builds faster", async () => {
    const content = await site(GOOD);
    const file = path.join(await fresh(), "cache");
    await writeFile(file, "not a folder");
    const [cached, none] = [await fresh(), await fresh()];
    const result = await runCli(content, cached, ["--cache", file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}items: +3 rendered, 0 from the render cache/m);
    await runCli(content, none, ["--no-cache"]);
    expectSameTree(await readTree(none), await readTree(cached));
    expect(await readFile(file, "utf8")).toBe("not a folder");
  }, CLI_TIMEOUT);

  it("refuses --cache with --no-cache in one line, exit 2", async () => {
    const result = await runCli(await site(GOOD), await fresh(), ["--cache", "x", "--no-cache"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("--cache and --no-cache cannot both be given (see --help)");
  }, CLI_TIMEOUT);

  it("exits non-zero when a post is rejected, printing each rejected file with its reason", async () => {
    const content = await site({
      ...GOOD,
      "2022-05-23-untitled.md": post(["date: 2022-05-23 09:00:00 +0800"]),
      "2022-05-24-code.md": "---js\n{ title: 'x' }\n---\n<p>x</p>\n",
    });
    const out = await fresh();
    const result = await runCli(content, out);
    expect(result.code).not.toBe(0);
    const printed = result.stdout + result.stderr;
    expect(printed).toMatch(/2022-05-23-untitled\.md: title is missing/);
    expect(printed).toMatch(/2022-05-24-code\.md: .*"js"/);
    expect(printed).toMatch(/^Built \d+ feeds? from \d+ posts, 2 of them rejected in/m);
    expect(printed.match(/2022-05-23-untitled\.md/g)).toHaveLength(1);
    expect(printed.match(/2022-05-24-code\.md/g)).toHaveLength(1);
    // The good posts are still published.
    expect(readText(out, "feeds/rss.xml")).toContain("<title>第三篇</title>");
  }, CLI_TIMEOUT);

  it("exits non-zero on an invalid _config.yml, naming every bad key, and writes no feeds", async () => {
    const content = await site({
      "_config.yml": "title: 测试站\ntimezone: Asia/Beijing\n",
      "2022-05-20-one.md": GOOD["2022-05-20-one.md"],
    });
    const out = await fresh();
    const result = await runCli(content, out);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/_config\.yml/);
    expect(result.stderr).toMatch(/\burl\b.*required/);
    expect(result.stderr).toMatch(/timezone.*Asia\/Beijing/);
    expect(await readdir(out)).toEqual([]);
  }, CLI_TIMEOUT);

  it("writes nothing outside --out, whatever the front matter names", async () => {
    const sandbox = await fresh();
    const escape = `feedpub-escape-${process.pid}-${Date.now()}`;
    const content = path.join(sandbox, "site");
    const out = path.join(sandbox, "public");
    await mkdir(out);
    await writeFiles(content, {
      ...GOOD,
      "2022-05-23-up.md": post(["title: 上", "date: 2022-05-23 09:00:00 +0800", `categories: ["../../${escape}"]`]),
      "2022-05-24-up3.md": post(["title: 上三", "date: 2022-05-24 09:00:00 +0800", `categories: ["../../../${escape}"]`]),
      "2022-05-25-dots.md": post(["title: 点", "date: 2022-05-25 09:00:00 +0800", "tags: ['..']"]),
      "2022-05-26-backslash.md": post(["title: 反斜杠", "date: 2022-05-26 09:00:00 +0800", `categories: ['..\\..\\${escape}']`]),
      "2022-05-27-tags.md": post(["title: 标签", "date: 2022-05-27 09:00:00 +0800", "categories: [tags]"]),
      "2022-05-28-permalink.md": post(["title: 链接", "date: 2022-05-28 09:00:00 +0800", `permalink: ../../../${escape}/x.html`]),
    });
    const contentBefore = await readTree(content);

    const result = await runCli(content, out);
    // Every post that names a path as a category or tag is refused.
    expect(result.code).not.toBe(0);
    for (const key of ["2022-05-23-up.md", "2022-05-24-up3.md", "2022-05-25-dots.md", "2022-05-26-backslash.md", "2022-05-27-tags.md"]) {
      expect(result.stdout, key).toContain(key);
    }

    expect(await readdir(sandbox)).toEqual(["public", "site"]);
    expect(existsSync(path.join(tmpdir(), escape))).toBe(false);
    expect(existsSync(path.join(path.dirname(tmpdir()), escape))).toBe(false);
    const contentAfter = await readTree(content);
    expect([...contentAfter.keys()]).toEqual([...contentBefore.keys()]);
    expect(await readdir(out)).toEqual(["feeds"]);
    for (const key of (await readTree(out)).keys()) expect(key).toMatch(/^feeds\/[^.][^/]*(\/[^.][^/]*)*$/);
    // The permalink only shapes the post's URL, which stays on the site.
    expect(readText(out, "feeds/rss.xml")).toContain(`<link>https://news.example.com/${escape}/x.html</link>`);
  }, CLI_TIMEOUT);
});
