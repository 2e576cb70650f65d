/**
 * The anchor for full-build speed: Hugo builds the bench's own corpus into RSS for the home page and
 * each category, and `npm run build` builds the same corpus twice over, with `--no-cache` and with
 * its caches warm, in fresh processes, interleaved. Their ratios say where we stand against
 * a generator known to be fast, on this machine and this load. Hugo also builds the same corpus
 * into what we write for those feeds (RSS, Atom and JSON Feed, full articles), so the figures also
 * show how we compare on equal work. Without Hugo (Debian: `apt-get install -y hugo`) the anchor
 * is skipped and says why.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { median, REPO_ROOT, round } from "./child-io.js";

export interface HugoFigures {
  n: number;
  /** `hugo version`'s first line. */
  version: string;
  /** Wall time of each measured `hugo` and `npm run build`, start to exit, after one discarded run of each. */
  hugoMs: number[];
  /** Hugo writing RSS, Atom and JSON Feed with full articles for home and each category: our work, but for tag feeds. */
  hugoFullMs: number[];
  /** `npm run build -- --no-cache`: every shown post rendered. */
  oursMs: number[];
  /** `npm run build -- --cache <dir>`, the cache filled by the discarded run: no post rendered. */
  warmMs: number[];
  medianHugoMs: number;
  medianHugoFullMs: number;
  medianOursMs: number;
  medianWarmMs: number;
  /** Hugo's median over ours with --no-cache: above 1, our full build is faster. */
  ratio: number;
  /** Hugo's median over ours with the caches warm. */
  warmRatio: number;
  /** Hugo writing full articles in three formats, over ours with --no-cache. */
  fullRatio: number;
  /** What each wrote, so a reader sees the work differs: Hugo RSS only, we three formats and tag feeds too. */
  hugoFiles: number;
  hugoHomeItems: number;
  hugoFullFiles: number;
  hugoFullBytes: number;
  oursBytes: number;
  oursFiles: number;
  /** Whether the warm build wrote exactly the files and bytes the --no-cache build did. */
  warmSame: boolean;
}

export type HugoResult = ({ skipped: false } & HugoFigures) | { skipped: true; reason: string };

/**
 * Checked against Hugo 0.111 (`hugo config`): `services.rss.limit` is the feed length there
 * (`rssLimit` is its older spelling); disabling `taxonomy` (the list of terms) draws an error
 * that only `ignoreErrors` silences; `page: []` renders no page while the feeds still list them.
 */
function hugoConfig(content: string): string {
  return `# Written by bench/hugo.ts for the Hugo anchor; regenerated on every run.
baseURL: https://finews.withounder.com/
title: 财经新闻网
languageCode: zh-CN
timeZone: Asia/Shanghai
# The corpus folder as it is, as npm run build reads it; _config.yml is Jekyll's, not a post.
contentDir: ${JSON.stringify(content)}
ignoreFiles: ['_config\\.yml$']
disableKinds: [section, taxonomy, sitemap, robotsTXT, "404"]
ignoreErrors: [error-disable-taxonomy]
taxonomies:
  category: categories
outputs:
  home: [RSS]
  term: [RSS]
  page: []
services:
  rss:
    limit: 50
markup:
  goldmark:
    renderer:
      # The posts are HTML inside Markdown files, as Jekyll sites have them.
      unsafe: true
`;
}

/**
 * Hugo doing our work for the feeds it can make: home and each category, RSS, Atom and JSON Feed,
 * 50 items of full articles each, dates formatted as in ours. Its tag terms are left out: Hugo takes
 * the corpus's Jekyll-style `tags: a b` as one term, not two. A timing anchor, not a reference
 * output: the templates are the shortest that do the same work (every body rendered and written
 * three times), not checked documents.
 */
function hugoFullSite(content: string): Record<string, string> {
  const rfc3339 = `Format "2006-01-02T15:04:05-07:00" | safeHTML`;
  const items = "range first 50 .Pages";
  const rssOnly = "outputs:\n  home: [RSS]\n  term: [RSS]";
  const config = hugoConfig(content);
  // Without this check a change to hugoConfig would quietly make this site the RSS-only one.
  if (!config.includes(rssOnly)) throw new Error("[bench] [hugo] hugoConfig no longer names its outputs as hugoFullSite expects");
  return {
    "hugo.yaml": config
      .replace(rssOnly, "outputs:\n  home: [RSS, Atom, JSONFeed]\n  term: [RSS, Atom, JSONFeed]")
      .concat(`mediaTypes:
  application/atom+xml:
    suffixes: [xml]
  application/feed+json:
    suffixes: [json]
outputFormats:
  Atom:
    mediaType: application/atom+xml
    baseName: atom
    isPlainText: true
  JSONFeed:
    mediaType: application/feed+json
    baseName: feed
    isPlainText: true
`),
    "layouts/_default/list.rss.xml": `{{ printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link><description>{{ .Site.Title }}</description><language>{{ .Site.LanguageCode }}</language>
{{ ${items} }}<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link><guid>{{ .Permalink }}</guid><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate><description>{{ .Summary | plainify }}</description><content:encoded>{{ printf "<![CDATA[%s]]>" .Content | safeHTML }}</content:encoded></item>
{{ end }}</channel></rss>
`,
    "layouts/_default/list.atom.xml": `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{{ .Site.Title }}</title><id>{{ .Permalink }}</id><updated>{{ .Lastmod.${rfc3339} }}</updated>
{{ ${items} }}<entry><title type="text">{{ .Title }}</title><id>{{ .Permalink }}</id><link href="{{ .Permalink }}"/><published>{{ .Date.${rfc3339} }}</published><updated>{{ .Lastmod.${rfc3339} }}</updated><summary type="text">{{ .Summary | plainify }}</summary><content type="html">{{ .Content | html }}</content></entry>
{{ end }}</feed>
`,
    "layouts/_default/list.jsonfeed.json": `{{- $items := slice -}}
{{- ${items} -}}
{{- $items = $items | append (dict "id" .Permalink "url" .Permalink "title" .Title "content_html" (.Content | string) "summary" (.Summary | plainify | string) "date_published" (.Date.Format "2006-01-02T15:04:05-07:00")) -}}
{{- end -}}
{{- dict "version" "https://jsonfeed.org/version/1.1" "title" .Site.Title "home_page_url" .Site.BaseURL "items" $items | jsonify (dict "indent" "  ") }}
`,
  };
}

async function writeSite(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

function hugoVersion(): { version: string } | { reason: string } {
  const run = spawnSync("hugo", ["version"], { encoding: "utf8" });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === "ENOENT";
    return { reason: missing ? "hugo is not installed (Debian: apt-get install -y hugo)" : `hugo version failed: ${run.error.message}` };
  }
  if (run.status !== 0) return { reason: `hugo version exited with ${run.status}: ${run.stderr.trim()}` };
  return { version: run.stdout.trim().split("\n")[0]! };
}

/** Wall time of one command, start to exit; its output is kept for the error message only. */
function timed(command: string, args: string[]): { ms: number; status: number | null; output: string } {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - started;
  return { ms, status: run.error ? null : run.status, output: `${run.error?.message ?? ""}${run.stdout ?? ""}${run.stderr ?? ""}`.trim() };
}

/** SHA-256 over every file's path and bytes under `dir`, in path order. */
async function treeDigest(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const files = (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  for (const file of files) hash.update(`${file.slice(dir.length)}\0`).update(await readFile(file)).update("\0");
  return hash.digest("hex");
}

async function filesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).length;
}

async function bytesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map(async (e) => (await stat(join(e.parentPath, e.name))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** Hugo and `npm run build` on the corpus in `content`, `runs` times each after one discarded run each. */
export async function measureHugo(n: number, content: string, runs: number, progress: (line: string) => void): Promise<HugoResult> {
  const found = hugoVersion();
  if ("reason" in found) return { skipped: true, reason: found.reason };

  const dir = join(REPO_ROOT, `bench/out/hugo-${n}`);
  const hugoOut = join(dir, "public");
  const fullDir = join(REPO_ROOT, `bench/out/hugo-full-${n}`);
  const hugoFullOut = join(fullDir, "public");
  const oursOut = join(REPO_ROOT, `bench/out/anchor-build-${n}`);
  const warmOut = join(REPO_ROOT, `bench/out/anchor-warm-${n}`);
  // A cache of the bench's own, filled by the discarded run: the figures do not depend on what
  // other builds left in node_modules/.cache.
  const cache = join(dir, "render-cache");
  await rm(cache, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "hugo.yaml"), hugoConfig(content));
  await rm(fullDir, { recursive: true, force: true });
  await writeSite(fullDir, hugoFullSite(content));

  const hugoMs: number[] = [];
  const hugoFullMs: number[] = [];
  const oursMs: number[] = [];
  const warmMs: number[] = [];
  const build = ["run", "build", "--", "--content", content];
  const sides = [
    { name: "hugo", out: hugoOut, times: hugoMs, command: "hugo", args: ["--source", dir, "--destination", hugoOut, "--quiet"] },
    { name: "hugo, three formats, full articles", out: hugoFullOut, times: hugoFullMs, command: "hugo", args: ["--source", fullDir, "--destination", hugoFullOut, "--quiet"] },
    // The real command, npm and node start-up included, as a person runs it.
    { name: "npm run build -- --no-cache", out: oursOut, times: oursMs, command: "npm", args: [...build, "--out", oursOut, "--no-cache"] },
    { name: "npm run build, cache warm", out: warmOut, times: warmMs, command: "npm", args: [...build, "--out", warmOut, "--cache", cache] },
  ];
  for (let i = 0; i <= runs; i++) {
    // Rotate which goes first, so none always runs right after another's disk writes.
    for (const side of [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)]) {
      // A fresh output every time: an unchanged file is not written again, which would flatter a rerun.
      await rm(side.out, { recursive: true, force: true });
      const run = timed(side.command, side.args);
      if (run.status !== 0) {
        const reason = `${side.name} exited with ${run.status ?? "an error"}: ${run.output.slice(-2000)}`;
        // Hugo's failure is the anchor's; ours is a bug the bench must not hide.
        if (side.command === "hugo") return { skipped: true, reason };
        throw new Error(`[bench] [hugo] ${reason}`);
      }
      progress(`[bench]   ${side.name}: ${Math.round(run.ms)} ms${i === 0 ? " (discarded)" : ""}`);
      if (i > 0) side.times.push(Math.round(run.ms));
    }
  }

  const homeFeed = await readFile(join(hugoOut, "index.xml"), "utf8");
  const medianHugoMs = Math.round(median(hugoMs));
  const medianHugoFullMs = Math.round(median(hugoFullMs));
  const medianOursMs = Math.round(median(oursMs));
  const medianWarmMs = Math.round(median(warmMs));
  return {
    skipped: false,
    n,
    version: found.version,
    hugoMs,
    hugoFullMs,
    oursMs,
    warmMs,
    medianHugoMs,
    medianHugoFullMs,
    medianOursMs,
    medianWarmMs,
    ratio: round(medianHugoMs / medianOursMs, 2),
    warmRatio: round(medianHugoMs / medianWarmMs, 2),
    fullRatio: round(medianHugoFullMs / medianOursMs, 2),
    hugoFiles: await filesUnder(hugoOut),
    hugoHomeItems: homeFeed.split("<item>").length - 1,
    hugoFullFiles: await filesUnder(hugoFullOut),
    hugoFullBytes: await bytesUnder(hugoFullOut),
    oursFiles: await filesUnder(oursOut),
    oursBytes: await bytesUnder(oursOut),
    warmSame: (await treeDigest(oursOut)) === (await treeDigest(warmOut)),
  };
}
