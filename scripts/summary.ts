import { publicUrl } from "../lib/feeds/feed-document.js";
import type { BuildReport } from "../lib/publish/build-all.js";

/** "1 feed", "2 feeds". */
function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

/** The few lines a person reads after a build: what was published, what was written, what was refused. */
export function formatSummary(report: BuildReport, out: string, ms: number, cache?: string): string {
  const categories = report.feeds.filter((f) => f.feed.kind === "category");
  const tags = report.feeds.filter((f) => f.feed.kind === "tag");
  const authors = report.feeds.filter((f) => f.feed.kind === "author");
  const written = report.writes.filter((w) => w.outcome === "written").length;
  const unchanged = report.writes.filter((w) => w.outcome === "unchanged").length;
  const read = report.posts.length + report.rejected.length;
  const rejected = report.rejected.length > 0 ? `, ${report.rejected.length} of them rejected` : "";
  const lines = [
    `Built ${count(report.feeds.length, "feed")} from ${count(read, "post")}${rejected} in ${Math.round(ms)} ms`,
    `  site:       ${report.config.url}, dates in ${report.config.timezone}, feeds served from ${publicUrl("feeds/", report.config)}`,
    `  posts:      ${report.live} published, ${report.scheduled} scheduled for later, ${count(report.drafts, "draft")}, ${report.rejected.length} rejected`,
    `  categories: ${categories.map((c) => `${c.feed.name} (${c.total})`).join(", ") || "none"}`,
    `  tags:       ${tags.length}`,
    `  authors:    ${authors.length}`,
    ...(cache === undefined ? [] : [`  scan:       ${report.known} posts unchanged since the last build, ${read - report.known} read`]),
    `  items:      ${report.rendered} rendered, ${cache === undefined ? "no render cache (--no-cache)" : `${report.reused} from the render cache in ${cache}/${report.pruned > 0 ? `, ${report.pruned} unused entries removed` : ""}`}`,
    ...(cache === undefined ? [] : [`  feeds:      ${report.fromCache} from the cache (posts and settings unchanged), ${report.feeds.length - report.fromCache} rendered`]),
    ...(report.config.feeds.archive === undefined ? [] : [archiveLine(report, cache)]),
    `  files:      ${written} written, ${unchanged} unchanged, ${report.invalid.length} not written (invalid), ${report.deleted.length} removed, under ${out}/feeds/`,
  ];
  if (report.rejected.length > 0) {
    lines.push(`Rejected ${count(report.rejected.length, "post")}; fix ${report.rejected.length === 1 ? "it" : "them"} and build again, every other post was published:`);
    for (const error of report.rejected) lines.push(`  ${error.key}: ${error.reason}`);
  }
  if (report.invalid.length > 0) {
    lines.push(`Files not written because they did not parse back; the previous version was kept (${report.invalid.length}):`);
    for (const f of report.invalid) lines.push(`  ${f.key}: ${f.reason} (posts: ${f.posts.join(", ") || "none"})`);
  }
  return lines.join("\n");
}

/** The archive pages: how many, their size, and with a cache how many came from it. */
function archiveLine({ archivePages: pages, config }: BuildReport, cache: string | undefined): string {
  const fromCache = cache === undefined ? "" : `, ${pages.fromCache.toLocaleString("en-US")} from the cache`;
  return `  archives:   ${count(pages.total, "page")} of about ${config.feeds.archive!.pageSize} posts${fromCache}`;
}
