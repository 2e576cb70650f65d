import type { ConfigFigures } from "./config-child.js";
import type { BuildFigures } from "./build-child.js";
import type { BundleFigures, ImportFigures } from "./bundle.js";
import type { FixedCostFigures } from "./fixed-cost.js";
import type { HugoResult } from "./hugo.js";
import type { RequestCounts, SiteFigures, UploadFigures } from "./upload-child.js";

export interface Results {
  timestamp: string;
  commit: string;
  machine: { cpu: string; cores: number; memoryGb: number; os: string; node: string };
  corpus: { seed: number; generator: number };
  builds: (BuildFigures & { n: number })[];
  /** Full builds of the same corpus with `feeds.archive: true`. */
  archives?: (BuildFigures & { n: number })[];
  upload?: UploadFigures & { requestTablesEqual: boolean | null };
  bundle?: BundleFigures;
  hugo?: HugoResult;
  fixedCost?: FixedCostFigures;
  configChanges?: ConfigFigures[];
}

export interface TargetCheck {
  figure: string;
  value: string;
  target: string;
  /** null when the run did not measure it. */
  met: boolean | null;
  /** A figure to compare against, with no target of its own. */
  anchor?: true;
}

const MB = 1_000_000; // the bundle target is in decimal megabytes

/** A size in decimal megabytes, one decimal. */
function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}
const k = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function sameCounts(a: RequestCounts, b: RequestCounts): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((op) => (a[op] ?? 0) === (b[op] ?? 0));
}

/** Whether every site's uploads made exactly the requests the first site's did, upload by upload; null below two sites. */
export function requestTablesEqual(sites: SiteFigures[]): boolean | null {
  const [first, ...rest] = sites;
  if (!first || rest.length === 0) return null;
  return rest.every((site) => site.uploads.every((u, i) => first.uploads[i] !== undefined && sameCounts(u.requests, first.uploads[i]!.requests)));
}

export function evaluate(results: Results): TargetCheck[] {
  const build = (n: number) => results.builds.find((b) => b.n === n);
  const checks: TargetCheck[] = [];
  const b10k = build(10_000);
  checks.push({ figure: "full build, 10k posts", value: b10k ? seconds(b10k.ms) : "not run", target: "< 1.5 s", met: b10k ? b10k.ms < 1500 : null });
  const b100k = build(100_000);
  checks.push({ figure: "full build, 100k posts", value: b100k ? seconds(b100k.ms) : "not run", target: "< 15 s", met: b100k ? b100k.ms < 15_000 : null });
  checks.push({
    figure: "peak RSS, 100k build",
    value: b100k ? `${b100k.peakRssMb} MB` : "not run",
    target: "<= 256 MB",
    met: b100k ? b100k.peakRssMb <= 256 : null,
  });
  const sites = results.upload?.sites ?? [];
  if (sites.length === 0) checks.push({ figure: "upload, median", value: "not run", target: "< 300 ms", met: null });
  for (const site of sites) {
    checks.push({ figure: `upload, median, ${k(site.n)} site`, value: `${site.medianMs} ms`, target: "< 300 ms", met: site.medianMs < 300 });
  }
  const equal = results.upload?.requestTablesEqual ?? null;
  checks.push({
    figure: `upload requests equal at ${sites.map((s) => k(s.n)).join(" and ") || "two sizes"}`,
    value: equal === null ? "not run" : equal ? "equal" : "different",
    target: "equal",
    met: equal,
  });
  for (const c of results.configChanges ?? []) {
    // Issue targets: every feed right again within 5 s at 10k, 15 s at 100k, without a rescan.
    const limitMs = c.n > 10_000 ? 15_000 : 5_000;
    const rescans = ["rebuild request", "input limits", "lost index"];
    for (const f of c.changes.filter((f) => !rescans.includes(f.change))) {
      checks.push({
        figure: `${f.change} change, ${k(c.n)} site, modelled`,
        value: `${seconds(f.modelledMs)} (${f.path})`,
        target: `<= ${limitMs / 1000} s, no rescan`,
        met: f.modelledMs <= limitMs && f.path !== "rescan",
      });
    }
    // A rescan may take many invocations, each well within the timeout (half of it here).
    for (const f of c.changes.filter((f) => rescans.includes(f.change))) {
      checks.push({
        figure: `${f.change} (rescan), ${k(c.n)} site, longest call`,
        value: `${seconds(f.maxCallMs)} of ${f.calls} calls, ${seconds(f.modelledMs)} in all`,
        target: `<= ${c.timeoutS / 2} s a call`,
        met: f.maxCallMs <= (c.timeoutS * 1000) / 2,
      });
    }
  }
  for (const c of results.configChanges ?? []) {
    // Issue 9: an upload at a 10k site writes <= 3 MB and completes in <= 400 ms on the model;
    // 1,000 uploads drain at >= 15 posts/s, each feed written once a batch, RSS <= 60% of memory.
    if (c.uploads?.length) {
      const median = [...c.uploads].sort((a, b) => a.modelledMs - b.modelledMs)[Math.floor(c.uploads.length / 2)]!;
      checks.push({ figure: `upload on the model, ${k(c.n)} site, median`, value: `${median.modelledMs} ms`, target: "<= 400 ms", met: median.modelledMs <= 400 });
      checks.push({ figure: `upload on the model, ${k(c.n)} site, written`, value: `${median.putMb} MB`, target: "<= 3 MB", met: median.putMb <= 3 });
    }
    if (c.burst) {
      checks.push({ figure: `burst of ${c.burst.posts} on the model, ${k(c.n)} site`, value: `${c.burst.postsPerSecond} posts/s`, target: ">= 15 posts/s", met: c.burst.postsPerSecond >= 15 });
      checks.push({ figure: `burst on the model: PUTs of one feed file a call`, value: `max ${c.burst.maxPutsPerFeedFilePerCall}`, target: "<= 1", met: c.burst.maxPutsPerFeedFilePerCall <= 1 });
      checks.push({
        figure: `burst on the model: RSS growth`,
        value: `${c.burst.rssGrowthMb} MB of ${c.memoryMb} MB`,
        target: "<= 60% of memory",
        met: c.burst.rssGrowthMb <= 0.6 * c.memoryMb,
      });
    }
  }
  const burst = results.upload?.burst;
  checks.push({
    figure: "burst: PutObject per feed file per batch",
    value: burst ? `max ${burst.maxPutsPerFeedKeyPerBatch}` : "not run",
    target: "<= 1",
    met: burst ? burst.maxPutsPerFeedKeyPerBatch <= 1 && burst.failedMessages === 0 : null,
  });
  const hugo = results.hugo;
  const anchored = hugo && !hugo.skipped ? hugo : undefined;
  const at = anchored ? `, ${k(anchored.n)} posts` : "";
  const notRun = !hugo ? "not run" : "skipped";
  // Issue 10: at least twice Hugo's speed without the render cache, three times with it warm.
  checks.push({
    figure: `full build vs Hugo${at}, --no-cache (Hugo time / ours)`,
    value: anchored ? String(anchored.ratio) : notRun,
    target: ">= 2",
    met: anchored ? anchored.ratio >= 2 : null,
  });
  checks.push({
    figure: `full build vs Hugo${at}, caches warm`,
    value: anchored ? String(anchored.warmRatio) : notRun,
    target: ">= 3",
    met: anchored ? anchored.warmRatio >= 3 : null,
  });
  const fixed = results.fixedCost;
  checks.push({
    figure: "npm run build fixed cost: one post, without npm's own start",
    value: fixed ? seconds(fixed.medianCommandMs) : "not run",
    target: "<= 0.3 s",
    met: fixed ? fixed.medianCommandMs <= 300 : null,
  });
  const bundle = results.bundle;
  checks.push({ figure: "bundle size", value: bundle ? `${bundle.bytes} B` : "not run", target: "< 1 MB (1,000,000 B)", met: bundle ? bundle.bytes < MB : null });
  checks.push({
    figure: `bundle import as deployed${bundle ? ` (NODE_OPTIONS "${bundle.deployedNodeOptions}")` : ""}, median of ${bundle?.plain.importMs.length ?? 7}`,
    value: bundle ? `${bundle.deployedMedianImportMs} ms` : "not run",
    target: "< 200 ms",
    met: bundle ? bundle.deployedMedianImportMs < 200 : null,
  });
  return checks;
}

function table(head: string[], rows: string[][], rightAlign = new Set<number>()): string {
  // CJK characters take two columns in a terminal.
  const width = (s: string) => [...s].reduce((w, c) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c) ? 2 : 1), 0);
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = " ".repeat(widths[i]! - width(c));
        return rightAlign.has(i) ? pad + c : c + pad;
      })
      .join("  ")
      .trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function buildTable(builds: (BuildFigures & { n: number })[]): string {
  return table(
    ["posts", "wall", "posts/s", "peak RSS", "RSS before build", "feeds", "bodies rendered", "files written", "output"],
    builds.map((b) => [
      String(b.n),
      seconds(b.ms),
      String(b.postsPerSecond),
      `${b.peakRssMb} MB`,
      `${b.baselineRssMb} MB`,
      String(b.feeds),
      String(b.rendered),
      String(b.filesWritten),
      `${b.outputMb} MiB`,
    ]),
    new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]),
  );
}

export function formatReport(results: Results, checks: TargetCheck[]): string {
  const { machine } = results;
  const out: string[] = [];
  // The hash cut short, but not what follows it ("+ uncommitted changes").
  out.push(`feedpub benchmarks, ${results.timestamp}, commit ${results.commit.replace(/^([0-9a-f]{12})[0-9a-f]*/, "$1")}`);
  out.push(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB; ${machine.os}; Node ${machine.node}`);
  out.push(`corpus: seed ${results.corpus.seed}, generator v${results.corpus.generator}; every post ~9.6 KB; now = 2025-01-01T00:00+08:00`);

  if (results.builds.length > 0) {
    out.push("", "Full local build (buildAll, fs driver in and out; a fresh plain-node process per size, bench/build-child.ts bundled)");
    out.push(buildTable(results.builds));
  }
  if (results.archives?.length) {
    out.push("", "Full local build with feeds.archive: true (archive pages of every feed; the same child, the corpus hard-linked beside a changed _config.yml)");
    out.push(buildTable(results.archives));
  }

  const upload = results.upload;
  if (upload) {
    out.push("", "Upload path (handleEvent ← one SQS-wrapped EventBridge \"Object Created\"; s3rver in the same process)");
    for (const site of upload.sites) {
      out.push(`  ${k(site.n)} site: ${site.populate.note} [${seconds(site.populate.ms)}]`);
      out.push(`  ${k(site.n)} site: full build with state into the bucket (content from ${site.stateBuild.content}): ${seconds(site.stateBuild.ms)}`);
    }
    out.push(
      table(
        ["site", "first call", "uploads (ms)", "median", "PUT bytes", "GET bytes", "rebuilt", `+${upload.sites[0]?.latency?.perRequestMs ?? 0} ms/request`, "sequential round trips"],
        upload.sites.map((s) => [
          k(s.n),
          `${Math.round(s.warmup.ms)} ms`,
          s.uploads.map((u) => Math.round(u.ms)).join(" "),
          `${s.medianMs} ms`,
          `${(s.uploads[0]!.bytesPut / 2 ** 20).toFixed(1)} MiB`,
          `${(s.uploads[0]!.bytesGot / 2 ** 20).toFixed(1)} MiB`,
          s.uploads.some((u) => u.rebuilt) ? "YES" : "no",
          s.latency ? `${s.latency.medianMs} ms` : "-",
          s.latency ? String(s.latency.sequentialRoundTrips) : "-",
        ]),
        new Set([1, 3, 4, 5, 7, 8]),
      ),
    );
    const ops = [...new Set(upload.sites.flatMap((s) => s.uploads.flatMap((u) => Object.keys(u.requests))))].sort();
    out.push("", "S3 requests per upload, by operation (first measured upload; every upload is compared)");
    out.push(
      table(
        ["operation", ...upload.sites.map((s) => `${k(s.n)} site`)],
        [...ops.map((op) => [op, ...upload.sites.map((s) => String(s.uploads[0]!.requests[op] ?? 0))]), ["total", ...upload.sites.map((s) => String(Object.values(s.uploads[0]!.requests).reduce((a, c) => a + c, 0)))]],
        new Set(upload.sites.map((_, i) => i + 1)),
      ),
    );
    const equal = upload.requestTablesEqual;
    out.push(
      equal === null
        ? "  (one site size only: nothing to compare)"
        : `  request counts ${equal ? "ARE EQUAL" : "DIFFER"} at ${upload.sites.map((s) => k(s.n)).join(" and ")}, upload by upload`,
    );
    const burst = upload.burst;
    if (burst) {
      out.push("", `Burst onto the ${k(burst.site)} site: ${burst.posts} new posts as ${burst.batches} SQS batches of 10, one handler call per batch`);
      out.push(
        table(
          ["total", "median batch", "slowest batch", "max PutObject per feed file per batch", "feed PutObject", "PUT bytes", "rebuilt batches", "failed messages"],
          [[seconds(burst.totalMs), `${burst.medianBatchMs} ms`, `${burst.maxBatchMs} ms`, String(burst.maxPutsPerFeedKeyPerBatch), String(burst.feedPutObjects), `${Math.round(burst.bytesPut / 2 ** 20)} MiB`, String(burst.rebuiltBatches), String(burst.failedMessages)]],
          new Set([0, 1, 2, 3, 4, 5, 6, 7]),
        ),
      );
      out.push(`  requests in all: ${Object.entries(burst.requests).map(([op, n]) => `${op} ${n}`).join(", ")}`);
    }
  }

  const bundle = results.bundle;
  if (bundle) {
    out.push("", "Lambda bundle (scripts/bundle.ts's esbuild build of functions/publish.ts, written to bench/out/publish.mjs)");
    out.push(`  ${bundle.bytes} B, ${bundle.gzipBytes} B gzipped, source map ${bundle.mapBytes} B; built in ${bundle.buildMs} ms`);
    out.push(`  cold import in a fresh node -e, the two kinds interleaved, median of ${bundle.plain.importMs.length} after one discarded run each:`);
    out.push(
      table(
        ["node flags", "import, median", "imports (ms)", "discarded first", "CPU, median", "node -e start to exit"],
        ([["(none)", bundle.plain], ["--enable-source-maps", bundle.sourceMaps]] as [string, ImportFigures][]).map(([flags, f]) => [
          flags,
          `${f.medianImportMs} ms`,
          f.importMs.join(" "),
          `${f.firstImportMs} ms`,
          `${f.medianImportCpuMs} ms`,
          `${f.medianProcessMs} ms`,
        ]),
        new Set([1, 3, 4, 5]),
      ),
    );
    out.push(`  with source maps / without: ${bundle.sourceMapsRatio} (CPU ${bundle.sourceMapsCpuRatio}); serverless.yml deploys NODE_OPTIONS "${bundle.deployedNodeOptions}"`);
  }

  const fixed = results.fixedCost;
  if (fixed) {
    out.push("", `Fixed cost of the build command (bench/fixed-cost.ts): a one-post site, fresh processes, interleaved, start to exit, ${fixed.runs} runs each after one discarded`);
    out.push(
      table(
        ["command", "median", "runs (ms)"],
        [
          ["node -e 0", `${fixed.medianNodeMs} ms`, fixed.nodeMs.join(" ")],
          ["node scripts/launch.mjs scripts/build.ts", `${fixed.medianCommandMs} ms`, fixed.commandMs.join(" ")],
          ["npm run build", `${fixed.medianNpmMs} ms`, fixed.npmMs.join(" ")],
        ],
        new Set([1]),
      ),
    );
    out.push(`  npm's own start: about ${fixed.medianNpmMs - fixed.medianCommandMs} ms of npm run build's ${fixed.medianNpmMs} ms`);
  }

  const hugo = results.hugo;
  if (hugo?.skipped) out.push("", `Anchor: Hugo skipped: ${hugo.reason}`);
  else if (hugo) {
    out.push("", `Anchor: ${hugo.version}, and npm run build, on the same ${k(hugo.n)}-post corpus; fresh processes, interleaved, start to exit`);
    out.push(
      table(
        ["command", "runs", "median", "writes"],
        [
          ["hugo", hugo.hugoMs.map(seconds).join(" "), seconds(hugo.medianHugoMs), `${hugo.hugoFiles} files: RSS for home and each category (home: ${hugo.hugoHomeItems} items, summaries)`],
          ["hugo, three formats, full articles", hugo.hugoFullMs.map(seconds).join(" "), seconds(hugo.medianHugoFullMs), `${hugo.hugoFullFiles} files, ${mb(hugo.hugoFullBytes)}: RSS, Atom, JSON Feed for home and each category (full content)`],
          ["npm run build -- --no-cache", hugo.oursMs.map(seconds).join(" "), seconds(hugo.medianOursMs), `${hugo.oursFiles} files, ${mb(hugo.oursBytes)}: RSS, Atom, JSON Feed for home, categories and tags (full content), pages, OPML`],
          ["npm run build, cache warm", hugo.warmMs.map(seconds).join(" "), seconds(hugo.medianWarmMs), hugo.warmSame ? "the same files, byte for byte" : "FILES DIFFER from the --no-cache build's"],
        ],
        new Set([2]),
      ),
    );
    out.push(`  Hugo time / ours: ${hugo.ratio} with --no-cache, ${hugo.warmRatio} with the caches warm (above 1: our full build is faster)`);
    out.push(`  Hugo doing our work for home and categories / ours with --no-cache: ${hugo.fullRatio}`);
  }

  for (const c of results.configChanges ?? []) {
    out.push(
      "",
      `Configuration change at ${c.n} posts on the function model (bench/config-child.ts): S3 waits 15 ms GET/HEAD, 30 ms PUT/DELETE, ` +
        `50 ms per LIST page; CPU ×${c.cpuScale} for ${c.memoryMb} MB; timeout ${c.timeoutS} s; the bench process, holding the bucket twice, peaked at ${c.peakRssMb} MB`,
    );
    out.push(
      table(
        ["change", "path", "modelled", "calls", "longest call", "CPU here", "GET", "HEAD", "PUT", "DELETE", "LIST pages", "MB written"],
        c.changes.map((f) => [
          f.change,
          f.path,
          `${(f.modelledMs / 1000).toFixed(1)} s`,
          String(f.calls ?? 1),
          `${((f.maxCallMs ?? f.modelledMs) / 1000).toFixed(1)} s`,
          `${f.cpuMs} ms`,
          ...["GET", "HEAD", "PUT", "DELETE", "LIST"].map((op) => String(f.requests[op] ?? 0)),
          f.putMb.toFixed(1),
        ]),
        new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
      ),
    );
    if (c.uploads?.length) {
      const ms = c.uploads.map((u) => u.modelledMs).sort((a, b) => a - b);
      const median = [...c.uploads].sort((a, b) => a.modelledMs - b.modelledMs)[Math.floor(c.uploads.length / 2)]!;
      const requests = Object.entries(median.requests).map(([op, n]) => `${op} ${n}`).join(", ");
      out.push(`  ${c.uploads.length} uploads, one a call: ${ms.join(" ")} ms modelled (median ${median.modelledMs} ms, ${median.cpuMs} ms CPU here); median call: ${requests}, ${median.putMb} MB written`);
    }
    if (c.burst) {
      const b = c.burst;
      out.push(`  burst of ${b.posts} new posts, ten a call: ${b.calls} calls, ${seconds(b.modelledMs)} modelled, ${b.postsPerSecond} posts/s, longest call ${b.maxCallMs} ms, at most ${b.maxPutsPerFeedFilePerCall} PUT of a feed file a call, ${b.putMb} MB written, RSS +${b.rssGrowthMb} MB while it ran`);
    }
  }

  out.push("", "Targets");
  out.push(
    table(
      ["figure", "measured", "target", ""],
      checks.map((c) => [c.figure, c.value, c.target, c.anchor ? "anchor" : c.met === null ? "not run" : c.met ? "met" : "MISSED"]),
    ),
  );
  return out.join("\n");
}
