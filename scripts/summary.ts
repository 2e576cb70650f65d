import type { BuildReport } from "../lib/publish/build-all.js";

/** The few lines a person reads after a build: what was published, what was written, what was refused. */
export function formatSummary(report: BuildReport, out: string, ms: number): string {
  const categories = report.feeds.filter((f) => f.feed.kind === "category");
  const tags = report.feeds.filter((f) => f.feed.kind === "tag");
  const written = report.writes.filter((w) => w.outcome === "written").length;
  const unchanged = report.writes.filter((w) => w.outcome === "unchanged").length;
  const lines = [
    `Built ${report.feeds.length} feeds from ${report.posts.length + report.rejected.length} posts in ${Math.round(ms)} ms`,
    `  posts:      ${report.live} published, ${report.scheduled} scheduled for later, ${report.drafts} drafts, ${report.rejected.length} rejected`,
    `  categories: ${categories.map((c) => `${c.feed.name} (${c.total})`).join(", ") || "none"}`,
    `  tags:       ${tags.length}`,
    `  files:      ${written} written, ${unchanged} unchanged, ${report.invalid.length} not written (invalid), ${report.deleted.length} removed, under ${out}/feeds/`,
  ];
  if (report.rejected.length > 0) {
    lines.push(`Rejected posts (${report.rejected.length}):`);
    for (const error of report.rejected) lines.push(`  ${error.key}: ${error.reason}`);
  }
  if (report.invalid.length > 0) {
    lines.push(`Files not written because they did not parse back; the previous version was kept (${report.invalid.length}):`);
    for (const f of report.invalid) lines.push(`  ${f.key}: ${f.reason} (posts: ${f.posts.join(", ") || "none"})`);
  }
  return lines.join("\n");
}
