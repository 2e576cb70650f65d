import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CONTENT_DIR,
  build,
  configYaml,
  contentFeedFiles,
  makeSite,
  post,
  readText,
  readTree,
  tempDir,
  writeFiles,
} from "./feeds/helpers.js";
import { repoRoot } from "./support/validators.js";

const NOW = new Date("2026-01-01T00:00:00Z");
// The CLI starts tsx in a child process; on a busy machine that alone takes seconds.
const CLI_TIMEOUT = 60_000;

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

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

/** `npx tsx scripts/build.ts --content <content> --out <out>` from the repository root. */
function runCli(content: string, out: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "npx",
      ["tsx", "scripts/build.ts", "--content", content, "--out", out],
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
    expect(report.deleted.sort()).toEqual(
      ["feeds/stock/atom.xml", "feeds/stock/feed.json", "feeds/stock/rss.xml", "feeds/tags/股市/atom.xml", "feeds/tags/股市/feed.json", "feeds/tags/股市/rss.xml"].sort(),
    );
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

describe("scripts/build.ts", () => {
  it("exits 0 on content/ and says what it built", async () => {
    const out = await fresh();
    const result = await runCli(CONTENT_DIR, out);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/13 published/);
    expect(result.stdout).toMatch(/0 rejected/);
    // The zone every date is in, and where the feeds' links point.
    expect(result.stdout).toMatch(/dates in Asia\/Shanghai, feeds served from https:\/\/\S+\/feeds\//);
    expect([...(await readTree(out)).keys()]).toEqual(contentFeedFiles());
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
