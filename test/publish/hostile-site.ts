/**
 * One generated site built both ways, full and incremental, and everything the hostile-input
 * property asks of the result: same bytes, good posts shown, hostile posts rejected for a named
 * reason or shown safely, and every file well-formed and safe to store.
 */
import { DomUtils, parseDocument } from "htmlparser2";
import { expect } from "vitest";
import { checkDocument } from "../../lib/feeds/check-document.js";
import type { BuildReport } from "../../lib/publish/build-all.js";
import { buildAll } from "../../lib/publish/build-all.js";
import { publishChanges, type ChangeResult } from "../../lib/publish/publish-changes.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import { prefixStorage } from "../../lib/storage/prefix.js";
import { batchesOf, encodeWtf8, EVALUATED_FLAG, HOSTILE_KINDS, type HostileKind, type PostCase } from "./hostile-posts.js";

// A limit no generated site reaches, so no post is cut from a feed; small input limits so hostile
// sizes stay cheap (lib/limits.ts reads them; an older build ignores them).
export const HOSTILE_CONFIG = `title: 测试站
description: 财经新闻
url: https://news.example.com
timezone: Asia/Shanghai
lang: zh-CN
author:
  name: 测试编辑部
feeds:
  limit: 1000
  categories:
    beijingshangbao: 北京商报新闻
  limits:
    post_bytes: 32768
    front_matter_bytes: 4096
    names_per_post: 8
    name_bytes: 200
    yaml_nodes: 500
    yaml_depth: 10
`;
const NOW = new Date("2022-06-01T00:00:00+08:00");

// Reasons that describe the code rather than the post.
const INTERNAL_REASON = /TypeError|ReferenceError|RangeError|undefined|\[object |is not a function|Cannot read prop/;
// XML 1.0's forbidden characters and unpaired surrogates.
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface Tally {
  generated: number;
  rejected: number;
  published: number;
  other: number;
  sample?: string;
}

export type Coverage = Record<HostileKind, Tally>;

export function emptyCoverage(): Coverage {
  return Object.fromEntries(HOSTILE_KINDS.map((k) => [k, { generated: 0, rejected: 0, published: 0, other: 0 }])) as Coverage;
}

async function feedsOf(storage: MemoryStorage): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const key of await storage.list("feeds/")) files.set(key, (await storage.get(key))!);
  return files;
}

/** The full build of `posts` into a memory bucket, and its feeds/ files as text. */
export async function buildFull(posts: PostCase[], config = HOSTILE_CONFIG): Promise<{ bucket: MemoryStorage; report: BuildReport; files: Map<string, string> }> {
  const bucket = await withConfig(posts, config);
  const report = await buildAll({ content: prefixStorage(bucket, "content/"), output: bucket, now: NOW });
  const files = new Map<string, string>();
  for (const [key, bytes] of await feedsOf(bucket)) files.set(key, Buffer.from(bytes).toString("utf8"));
  return { bucket, report, files };
}

async function withConfig(posts: PostCase[], config = HOSTILE_CONFIG): Promise<MemoryStorage> {
  const storage = createMemoryStorage();
  await storage.put("content/_config.yml", config);
  for (const p of posts) await storage.put(`content/${p.key}`, encodeWtf8(p.text));
  return storage;
}

/**
 * The incremental path: the state of an empty site, then the posts in the generated order and
 * batches, each batch one call that must publish every post it can. Gives each post's outcome.
 */
export async function publishInBatches(posts: PostCase[], config = HOSTILE_CONFIG): Promise<{ bucket: MemoryStorage; outcomes: Map<string, ChangeResult> }> {
  const bucket = await withConfig([], config);
  await publishChanges({ bucket, now: NOW }, []);
  const outcomes = new Map<string, ChangeResult>();
  for (const batch of batchesOf(posts)) {
    for (const p of batch) await bucket.put(`content/${p.key}`, encodeWtf8(p.text));
    const result = await publishChanges({ bucket, now: NOW }, batch.map((p) => ({ key: p.key, removed: false })));
    expect(result.failure?.message, `batch [${batch.map((p) => p.key).join(", ")}] failed`).toBeUndefined();
    expect(result.rebuilt, `batch [${batch.map((p) => p.key).join(", ")}] needed a rescan`).toBe(false);
    expect(result.invalid, `incremental: rendered files that did not parse back: ${result.invalid.map((i) => `${i.key} (${i.reason})`).join("; ")}`).toEqual([]);
    expect(result.results.map((r) => r.key)).toEqual(batch.map((p) => p.key));
    for (const r of result.results) outcomes.set(r.key, r);
  }
  return { bucket, outcomes };
}

/** One generated site, built both ways and checked; returns the output files as text. */
export async function checkSite(posts: PostCase[], coverage: Coverage): Promise<Map<string, string>> {
  (globalThis as Record<string, unknown>)[EVALUATED_FLAG] = undefined;
  for (const p of posts) if (p.kind !== "good") coverage[p.kind].generated++;

  const { bucket: full, report } = await buildFull(posts);
  expect(report.invalid, `full build: rendered files that did not parse back: ${report.invalid.map((i) => `${i.key} (${i.reason})`).join("; ")}`).toEqual([]);
  const rejectedKeys = report.rejected.map((e) => e.key);
  expect(rejectedKeys, "full build: each rejected post is reported once").toEqual([...new Set(rejectedKeys)]);
  const fullReasons = new Map(report.rejected.map((e) => [e.key, e.reason]));

  const { bucket, outcomes } = await publishInBatches(posts);
  expect((globalThis as Record<string, unknown>)[EVALUATED_FLAG], "front matter was run as code").toBeUndefined();

  // The two paths read each post alike.
  for (const p of posts) {
    const outcome = outcomes.get(p.key)!;
    const fullReason = fullReasons.get(p.key);
    expect(outcome.outcome === "rejected", `${p.key}: rejected by one path only (full: ${fullReason}, incremental: ${outcome.reason})`).toBe(fullReason !== undefined);
    if (outcome.outcome === "rejected") expect(outcome.reason, `${p.key}: the same reason on both paths`).toBe(fullReason);
  }

  // (1) Byte for byte the same feeds/ tree.
  const fullFiles = await feedsOf(full);
  const incFiles = await feedsOf(bucket);
  expect([...incFiles.keys()], "incremental and full builds write the same files").toEqual([...fullFiles.keys()]);
  const text = new Map<string, string>();
  for (const [key, bytes] of fullFiles) {
    const body = Buffer.from(bytes).toString("utf8");
    if (!Buffer.from(bytes).equals(Buffer.from(incFiles.get(key)!))) {
      expect(Buffer.from(incFiles.get(key)!).toString("utf8"), `${key}: incremental differs from full`).toBe(body);
    }
    text.set(key, body);
  }

  // (4) Every file well-formed (in-process), the tree safe to store, every JSON string XML-safe, every body HTML safe.
  for (const [key, body] of text) expect(checkDocument({ key, body }), key).toBeNull();
  const unsafe = treeProblems([...text.keys()]);
  expect(unsafe, `unsafe output keys:\n${unsafe.join("\n")}`).toEqual([]);
  const json = new Map<string, JsonFeed>();
  for (const [key, body] of text) {
    if (!key.endsWith("/feed.json")) continue;
    const feed = JSON.parse(body) as JsonFeed;
    json.set(key, feed);
    const forbidden = forbiddenStrings(feed);
    expect(forbidden, `${key}: strings with characters XML 1.0 forbids: ${forbidden.join("; ")}`).toEqual([]);
    for (const item of feed.items) expect(unsafeHtml(item.content_html ?? ""), `${key}: ${item.id}`).toBeNull();
  }

  const site = json.get("feeds/feed.json");
  expect(site, "feeds/feed.json").toBeDefined();
  const marksIn = (key: string) => text.get(key) ?? "";
  let published = 0;
  for (const p of posts) {
    const outcome = outcomes.get(p.key)!;
    if (outcome.outcome === "published") published++;

    if (p.kind === "good") {
      // (2) Every good post published, in the site feed and each of its feeds.
      expect(outcome, `${p.key}: a good post`).toMatchObject({ outcome: "published" });
      for (const dir of ["feeds", ...p.categories!.map((c) => `feeds/${c}`), ...p.tags!.map((t) => `feeds/tags/${t}`)]) {
        const item = json.get(`${dir}/feed.json`)?.items.find((i) => i.content_html?.includes(p.mark));
        expect(item?.title, `${p.key} in ${dir}/feed.json`).toBe(p.title);
        expect(marksIn(`${dir}/rss.xml`), `${p.key} in ${dir}/rss.xml`).toContain(p.mark);
        expect(marksIn(`${dir}/atom.xml`), `${p.key} in ${dir}/atom.xml`).toContain(p.mark);
      }
      continue;
    }

    // (3) A hostile post is rejected for a named reason and shown nowhere, or published safely.
    const tally = coverage[p.kind];
    if (outcome.outcome === "rejected") {
      tally.rejected++;
      const reason = outcome.reason ?? "";
      tally.sample ??= reason;
      expect(reason.trim(), `${p.key}: rejection reason`).not.toBe("");
      expect(reason.length, `${p.key}: a reason is short, whatever the input: ${reason.slice(0, 200)}`).toBeLessThanOrEqual(600);
      expect(reason, `${p.key}: the reason names the field or limit at fault`).toMatch(new RegExp(p.reason!, "i"));
      expect(reason, `${p.key}: the reason describes the post, not the code`).not.toMatch(INTERNAL_REASON);
    } else if (outcome.outcome === "published") tally.published++;
    else tally.other++;
    expect(p.allowed, `${p.key}: outcome "${outcome.outcome}"${outcome.reason ? ` (${outcome.reason})` : ""}`).toContain(outcome.outcome);
    const shown = [...text.entries()].filter(([, body]) => body.includes(p.mark)).map(([key]) => key);
    if (outcome.outcome === "published") expect(shown, `${p.key}: published`).toEqual(expect.arrayContaining(["feeds/atom.xml", "feeds/feed.json", "feeds/rss.xml"]));
    else expect(shown, `${p.key}: ${outcome.outcome}, yet shown`).toEqual([]);
  }
  expect(site!.items.length, "the site feed holds exactly the published posts").toBe(published);
  return text;
}

// ---------------------------------------------------------------------------------------------
// Checks of the output

interface JsonFeed {
  items: { id: string; title?: string; content_html?: string }[];
}

// The three formats, the page a person reads and the autodiscovery snippet.
const FEED_FILE = /^(rss\.xml|atom\.xml|feed\.json|index\.html|autodiscovery\.html)$/;
const FOLDER_FILE_COUNT = 5;
const BAD_SEGMENT = /[\\\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}]/u;

/**
 * Why the keys could not all be stored side by side on S3 and on a case-insensitive, normalising
 * filesystem (macOS, Windows): bad segments, keys equal but for case or normalisation, a file
 * where a folder is, folders other than feeds/<name>/ and feeds/tags/<name>/.
 */
function treeProblems(keys: string[]): string[] {
  const problems: string[] = [];
  if (!keys.includes("feeds/index.opml")) problems.push("feeds/index.opml is missing");
  const folded = new Map<string, string>();
  const dirs = new Map<string, string[]>();
  for (const key of keys) {
    if (Buffer.byteLength(key) > 1024) problems.push(`${key.slice(0, 80)}…: longer than S3's 1,024 bytes`);
    for (const segment of key.split("/")) {
      if (segment === "" || segment === "." || segment === "..") problems.push(`${JSON.stringify(key)}: segment ${JSON.stringify(segment)}`);
      if (Buffer.byteLength(segment) > 255) problems.push(`${JSON.stringify(key.slice(0, 80))}…: a segment of ${Buffer.byteLength(segment)} bytes`);
      if (BAD_SEGMENT.test(segment)) problems.push(`${JSON.stringify(key)}: a control, surrogate, noncharacter or backslash`);
    }
    const f = key.normalize("NFC").toLowerCase();
    const clash = folded.get(f);
    if (clash !== undefined) problems.push(`${JSON.stringify(clash)} and ${JSON.stringify(key)} differ only in case or normalisation`);
    folded.set(f, key);
    if (key === "feeds/index.opml") continue;
    const slash = key.lastIndexOf("/");
    const dir = key.slice(0, slash);
    if (!FEED_FILE.test(key.slice(slash + 1))) problems.push(`${JSON.stringify(key)}: not a feed file`);
    if (!(dir === "feeds" || (/^feeds\/[^/]+$/.test(dir) && dir !== "feeds/tags") || /^feeds\/tags\/[^/]+$/.test(dir))) {
      problems.push(`${JSON.stringify(key)}: not in a feed folder`);
    }
    dirs.set(dir, [...(dirs.get(dir) ?? []), key]);
  }
  for (const [dir, files] of dirs) if (files.length !== FOLDER_FILE_COUNT) problems.push(`${JSON.stringify(dir)} holds ${files.length} feed files`);
  const all = [...folded.keys()];
  for (const f of all) if (all.some((g) => g.startsWith(`${f}/`))) problems.push(`${JSON.stringify(folded.get(f))} is a file and a folder`);
  return problems;
}

function forbiddenStrings(value: unknown, at = ""): string[] {
  if (typeof value === "string") return XML_FORBIDDEN.test(value) ? [`${at || "/"}: ${JSON.stringify(value.slice(0, 80))}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => forbiddenStrings(v, `${at}/${i}`));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => forbiddenStrings(v, `${at}/${k}`));
  return [];
}

const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite"]);
const SCRIPT_URL = /^(javascript|vbscript|data:text\/html)/i;

/** What in a rendered body could run script in a reader, or null. */
function unsafeHtml(html: string): string | null {
  for (const el of DomUtils.findAll(() => true, parseDocument(html).children)) {
    if (el.name.toLowerCase() === "script") return "a <script> element";
    for (const [name, value] of Object.entries(el.attribs)) {
      if (/^on/i.test(name)) return `an event handler attribute ${name}="${value}"`;
      // As browsers read a URL: ASCII whitespace and controls inside the scheme are ignored.
      const urls = name === "srcset" ? value.split(",").map((c) => c.trim().split(/\s+/)[0] ?? "") : URL_ATTRIBUTES.has(name.toLowerCase()) ? [value] : [];
      const bad = urls.find((u) => SCRIPT_URL.test(u.replace(/[\u0000-\u0020\u007f]/g, "")));
      if (bad !== undefined) return `${name}="${bad}"`;
    }
  }
  return null;
}

export function printCoverage(title: string, coverage: Coverage, seed: number, replay: string): void {
  const rows = HOSTILE_KINDS.map((k) => {
    const t = coverage[k];
    const sample = t.sample ? `  e.g. ${JSON.stringify(t.sample.slice(0, 90))}` : "";
    return `  ${k.padEnd(24)} ${String(t.generated).padStart(4)} ${String(t.rejected).padStart(8)} ${String(t.published).padStart(9)} ${String(t.other).padStart(5)}${sample}`;
  });
  console.info([`[hostile-input] ${title} (seed ${seed}; replay: ${replay})`, `  ${"kind".padEnd(24)} made rejected published other`, ...rows].join("\n"));
}
