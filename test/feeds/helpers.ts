/** Shared by the feed tests: throwaway sites on disk, builds, and small readers for the output. */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DomUtils, parseDocument } from "htmlparser2";
import yaml from "js-yaml";
import { afterAll, beforeEach, expect } from "vitest";
import { buildAll, type BuildReport } from "../../lib/publish/build-all.js";
import { createFsStorage } from "../../lib/storage/fs.js";
import { missingToolMessage, repoRoot, requireTool, type ToolName } from "../support/validators.js";

export const CONTENT_DIR = path.join(repoRoot, "content");
export const SITE_URL = "https://finews.withounder.com";
// jing starts a JVM per file; on a small, busy machine a batch of them takes far longer than usual.
export const SLOW_TOOL_TIMEOUT = 120_000;

/** Skips the tests of the enclosing block when the tool is missing locally; fails them under CI. */
export function needs(...tools: ToolName[]): void {
  beforeEach((ctx) => {
    for (const tool of tools) ctx.skip(!requireTool(tool), missingToolMessage(tool));
  });
}

/** A fresh temp folder holding `files` (path → text or bytes); folders in paths are created. */
export async function makeSite(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "feedpub-site-"));
  await writeFiles(dir, files);
  return dir;
}

export async function writeFiles(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    const file = path.join(dir, ...name.split("/"));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, body);
  }
}

export function tempDir(prefix = "feedpub-out-"): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** A list for the folders the calling block's tests create: every one is removed after all of them. */
export function removedAfterAll(): string[] {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return dirs;
}

/** A maker of empty temp folders for the calling block's tests, each removed after all of them. */
export function freshDirs(): () => Promise<string> {
  const dirs = removedAfterAll();
  return async () => {
    const dir = await tempDir();
    dirs.push(dir);
    return dir;
  };
}

/** A clock far enough ahead that files just written have been still for the caches' two seconds (RACY_MS). */
export const LATER = () => Date.now() + 10_000;

/** A `_config.yml` for a small +0800 site; `extra` is appended YAML. */
export function configYaml(extra = "", timezone = "Asia/Shanghai"): string {
  return `title: 测试站\nurl: https://news.example.com\ntimezone: ${timezone}\nlang: zh-CN\n${extra}`;
}

/** A post file: front matter lines, then the body. */
export function post(frontMatter: string[], body = "<p>正文</p>\n"): string {
  return `---\n${frontMatter.join("\n")}\n---\n${body}`;
}

/** Builds `content` into `out` (a fresh temp folder unless given) with the local fs driver. */
export async function build(content: string, now: Date, out?: string): Promise<{ out: string; report: BuildReport }> {
  const target = out ?? (await tempDir());
  const report = await buildAll({
    content: createFsStorage({ base: content }),
    output: createFsStorage({ base: target }),
    now,
  });
  return { out: target, report };
}

/** Every file under `dir` as "/"-separated relative path → bytes, sorted by path. */
/** Asserts that two trees (readTree) hold the same files, byte for byte. */
export function expectSameTree(a: Map<string, Buffer>, b: Map<string, Buffer>): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [key, bytes] of a) expect(b.get(key)?.equals(bytes), key).toBe(true);
}

export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  async function walk(sub: string): Promise<void> {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else out.set(rel, await readFile(path.join(dir, rel)));
    }
  }
  await walk("");
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function readText(dir: string, key: string): string {
  return readFileSync(path.join(dir, ...key.split("/")), "utf8");
}

/** The absolute URL a feed file is served at: each path segment percent-encoded. */
export function urlOf(key: string, site = SITE_URL): string {
  return `${site}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

// ---------------------------------------------------------------------------------------------
// The sample site, read independently of lib/: which feeds it must produce, and what its posts say.

interface SourcePost {
  file: string;
  title: string;
  categories: string[];
  tags: string[];
  /** The post's own author (a name, or a mapping's name); the site's author makes no feed. */
  author?: string;
}

function names(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : String(v).split(/\s+/).filter(Boolean);
}

function authorOf(v: unknown): { author?: string } {
  const name = typeof v === "string" ? v : v && typeof v === "object" ? (v as Record<string, unknown>).name : undefined;
  return typeof name === "string" && name.trim() ? { author: name.trim() } : {};
}

/** Front matter of every post in content/, read with js-yaml (no lib/ code involved). */
export function contentPosts(): SourcePost[] {
  return readdirSync(CONTENT_DIR)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(CONTENT_DIR, file), "utf8");
      const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1] ?? "";
      const data = yaml.load(frontMatter, { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;
      return {
        file,
        title: String(data.title),
        categories: [...names(data.categories), ...names(data.category)],
        tags: [...names(data.tags), ...names(data.tag)],
        ...authorOf(data.author),
      };
    });
}

/**
 * The feed folders content/ must produce: the site's, one per category, one per tag, one per
 * post author, each named by the name in NFC and lower case (so "IPO" is feeds/tags/ipo/), as the
 * README says.
 */
export function contentFeedDirs(): string[] {
  const fold = (name: string) => name.normalize("NFC").toLowerCase();
  const dirs = new Set(["feeds"]);
  for (const p of contentPosts()) {
    for (const c of p.categories) dirs.add(`feeds/${fold(c)}`);
    for (const t of p.tags) dirs.add(`feeds/tags/${fold(t)}`);
    if (p.author) dirs.add(`feeds/authors/${fold(p.author)}`);
  }
  return [...dirs].sort();
}

/** What every feed folder holds: the three formats, the page a person reads, the autodiscovery snippet. */
export const FOLDER_FILES = ["rss.xml", "atom.xml", "feed.json", "index.html", "autodiscovery.html"];

/** Every feed file content/ must produce, OPML included. */

export function contentFeedFiles(): string[] {
  return [
    ...contentFeedDirs().flatMap((d) => FOLDER_FILES.map((name) => `${d}/${name}`)),
    "feeds/index.opml",
  ].sort();
}

/**
 * What each sample post must show, written out by hand: the exact instant of its front-matter
 * date (site zone Asia/Shanghai) and one sentence from its body.
 */
export const CONTENT_FACTS: Record<string, { instant: string; sentence: string }> = {
  "2022-05-20-jiangxi-bank.md": { instant: "2022-05-19T16:01:40.000Z", sentence: "江西银行召开党委会会议" },
  "2022-05-21-beijing-summer-consumption.md": { instant: "2022-05-21T01:30:00.000Z", sentence: "本市将于5月下旬启动夏季消费季活动" },
  "2022-05-22-a-share-rebound.md": { instant: "2022-05-22T02:15:00.000Z", sentence: "三大指数周线集体收红" },
  // No offset in the front matter: 08:00 wall-clock time in Asia/Shanghai.
  "2022-05-23-pmi-outlook.md": { instant: "2022-05-23T00:00:00.000Z", sentence: "5月制造业采购经理指数（PMI）将于月底公布" },
  // A date alone: midnight in Asia/Shanghai.
  "2022-05-24-new-fund-issuance.md": { instant: "2022-05-23T16:00:00.000Z", sentence: "本月已有52只新基金成立" },
  "2022-05-25-银行理财.md": { instant: "2022-05-25T06:20:00.000Z", sentence: "银行理财产品净值表现有所修复" },
  "2022-05-26-chinext-ipo-review.md": { instant: "2022-05-26T08:45:00.000Z", sentence: "创业板上市委本周共审议5家企业的首发申请" },
  "2022-05-27-nev-retail-sales.md": { instant: "2022-05-27T01:00:00.000Z", sentence: "渗透率稳定在25%以上" },
  "2022-05-28-beijing-auto-market.md": { instant: "2022-05-28T03:05:00.000Z", sentence: "北京汽车市场正逐步回暖" },
  "2022-05-29-yangtze-delta-logistics.md": { instant: "2022-05-29T11:30:00.000Z", sentence: "长三角地区物流运行持续好转" },
  "2022-05-30-brokerage-wealth-management.md": { instant: "2022-05-30T02:00:00.000Z", sentence: "券商经纪业务向财富管理转型的步伐正在加快" },
  "2022-06-01-mortgage-rate-cut.md": { instant: "2022-06-01T02:00:00.000Z", sentence: "多地银行陆续下调个人住房贷款利率" },
  "2022-06-02-beijing-small-business-loans.md": { instant: "2022-06-02T00:30:00.000Z", sentence: "北京地区多家银行近日推出纾困专项贷款产品" },
};

// ---------------------------------------------------------------------------------------------
// Reading XML output: htmlparser2 in XML mode, so CDATA and entities come back as plain text.

export type XmlElement = ReturnType<typeof DomUtils.getElementsByTagName>[number];

export function parseXml(xml: string) {
  return parseDocument(xml, { xmlMode: true, decodeEntities: true });
}

/** Every element named `name` (e.g. "item", "dc:creator") under `root`, in document order. */
export function elements(root: Parameters<typeof DomUtils.getElementsByTagName>[1], name: string): XmlElement[] {
  return DomUtils.getElementsByTagName(name, root, true);
}

/** The direct children of `el` named `name`. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return DomUtils.getElementsByTagName(name, el.children, false);
}

export function textOfElement(el: XmlElement | undefined): string | undefined {
  return el === undefined ? undefined : DomUtils.textContent(el);
}

/** Text of an HTML fragment as a reader shows it: tags dropped, entities decoded, whitespace folded. */
export function htmlText(html: string): string {
  return DomUtils.textContent(parseDocument(html, { decodeEntities: true })).replace(/\s+/g, " ").trim();
}

/**
 * Undoes the HTML escaping feedparser applies to titles it takes for HTML (`&amp;`, `&lt;` ...),
 * leaving any tags as they are.
 */
export function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(Number(lower.slice(1)));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[lower]!;
  });
}

/** Grapheme clusters of `text`, as a reader's cursor moves over them. */
export function graphemes(text: string): string[] {
  return [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(text)].map((s) => s.segment);
}

// ---------------------------------------------------------------------------------------------
// What Python feedparser makes of the parts validators.ts does not read back: images, enclosures,
// the feed's image, icon and logo, and its author.

export interface FeedparserMedia {
  feed: { image: { href?: string; title?: string; link?: string } | null; icon: string | null; logo: string | null; author: string | null; authorName: string | null; authorEmail: string | null };
  entries: {
    title: string | null;
    enclosures: { href?: string; type?: string; length?: string; title?: string }[];
    mediaContent: Record<string, string>[];
    mediaThumbnail: Record<string, string>[];
    summary: string | null;
  }[];
}

const FEEDPARSER_MEDIA_SCRIPT = String.raw`
import io, json, sys
import feedparser
d = feedparser.parse(io.BytesIO(sys.stdin.buffer.read()))
if d.get("bozo"):
    sys.stderr.write("bozo: %s\n" % d.get("bozo_exception"))
    sys.exit(4)
f = d.get("feed", {})
image = f.get("image")
plain = lambda v: {k: str(x) for k, x in dict(v).items()}
json.dump({
    "feed": {
        "image": {k: image.get(k) for k in ("href", "title", "link") if image.get(k) is not None} if image else None,
        "icon": f.get("icon"),
        "logo": f.get("logo"),
        "author": f.get("author"),
        "authorName": (f.get("author_detail") or {}).get("name"),
        "authorEmail": (f.get("author_detail") or {}).get("email"),
    },
    "entries": [
        {
            "title": e.get("title"),
            "enclosures": [plain(x) for x in e.get("enclosures", [])],
            "mediaContent": [plain(x) for x in e.get("media_content", [])],
            "mediaThumbnail": [plain(x) for x in e.get("media_thumbnail", [])],
            "summary": e.get("summary"),
        }
        for e in d.get("entries", [])
    ],
}, sys.stdout)
`;

/** Python feedparser's reading of a feed's images and authors; throws when it sets `bozo`. */
export function feedparserMedia(xml: string): FeedparserMedia {
  const result = spawnSync("/usr/bin/python3", ["-c", FEEDPARSER_MEDIA_SCRIPT], { input: xml, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`feedparser exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as FeedparserMedia;
}
