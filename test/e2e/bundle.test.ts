/**
 * The Lambda bundle itself, built by scripts/bundle.ts as `npm run bundle` builds it, run in a fresh
 * plain node process with serverless.yml's NODE_OPTIONS as Lambda runs it, against s3rver. It must
 * publish byte for byte what the unbundled code publishes, posts with inline styles included: those
 * are what would reach sanitize-html's CSS parser (postcss, which the bundle leaves out) if any style
 * attribute were allowed, and the last test shows that they do reach it when one is.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAll } from "../../lib/publish/build-all.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { prefixStorage } from "../../lib/storage/prefix.js";
import { bundleHandler, ENTRY, leaveOutUnused, NARROWED, STUBS } from "../../scripts/bundle.js";
import { runNode, type ChildRun } from "../support/run-node.js";
import { fromS3rver, type S3Server, sqsFifoEvent, startS3Server } from "../../scripts/support/local-aws/index.js";
import { createSite, type Site } from "./site.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const LEFT_OUT_MESSAGE = "was left out of the Lambda bundle";

// Style attributes on every kind of element the sanitizer keeps, hostile CSS among them, and a
// <style> element; in HTML and as inline HTML in Markdown.
const STYLED_HTML = [
  '<p style="color:red;font-weight:bold">江西银行<span style="font-size:20px">全力</span>写好文章</p>',
  '<div style="background:url(javascript:alert(1));width:expression(alert(1))">表达式</div>',
  '<p style="}{ color: red; /* unclosed">坏的样式</p>',
  '<img src="/images/a.png" style="width:100px;height:auto" alt="图">',
  '<table style="border:1px solid #000"><tr><td style="padding:0" colspan="2">1</td><th style="text-align:left" scope="col">2</th></tr></table>',
  '<a href="/2022/05/x.html" style="color:blue" title="链接">链接</a><blockquote style="margin:0" cite="/q">引用</blockquote>',
  "<style>p { color: red }</style><p>样式表之后</p>",
].join("\n");

const frontMatter = (title: string, date: string) =>
  ["---", "layout: post", `title: ${JSON.stringify(title)}`, `date: ${date}`, "categories: beijingshangbao", "tags: 北京商报新闻 样式", "---", ""].join("\n");

const STYLED_POSTS: Record<string, string> = {
  "content/2022-06-03-styled.html": `${frontMatter("带样式的 HTML", "2022-06-03 09:00:00 +0800")}${STYLED_HTML}\n`,
  "content/2022-06-04-styled.md": `${frontMatter("带样式的 Markdown", "2022-06-04 09:00:00 +0800")}# 标题\n\n**加粗** <span style="color:green">绿色</span> 与 <em style="font-style:normal">强调</em>\n\n${STYLED_HTML}\n`,
};
const LATE_KEY = "content/2022-06-05-styled-late.md";
const LATE_POST = `${frontMatter("后来上传的样式", "2022-06-05 09:00:00 +0800")}<p style="color:red">后来</p>\n`;

const SAMPLE_POSTS = Object.fromEntries(
  readdirSync(join(ROOT, "content"))
    .filter((name) => !name.startsWith("_"))
    .map((name) => [`content/${name}`, readFileSync(join(ROOT, "content", name), "utf8")]),
);

// The flags the function is deployed with, so the bundle is tested as it runs.
const NODE_OPTIONS = /^\s*NODE_OPTIONS:\s*(.*?)\s*$/m.exec(readFileSync(join(ROOT, "serverless.yml"), "utf8"))?.[1] ?? "";

const RESULT_MARK = "@@handler-result ";

/** Runs `script` (an ES module) in a fresh plain node, with `input` on stdin and only `env` set. */
function runModule(script: string, input: string, env: Record<string, string>): Promise<ChildRun> {
  return runNode(["--input-type=module", "-e", script], { cwd: ROOT, env, input });
}

let server: S3Server;
let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "feedpub-bundle-"));
  bundle = join(dir, "publish.mjs");
  await bundleHandler(join(ROOT, ENTRY), bundle);
  server = await startS3Server();
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One cold start of the bundled handler on one SQS event. */
async function invoke(site: Site, event: unknown): Promise<{ result: unknown; logs: Record<string, unknown>[]; stderr: string }> {
  const script =
    `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});` +
    'let input = ""; for await (const chunk of process.stdin) input += chunk;' +
    `const result = await handler(JSON.parse(input));` +
    `process.stdout.write("\\n" + ${JSON.stringify(RESULT_MARK)} + JSON.stringify(result) + "\\n");`;
  const run = await runModule(script, JSON.stringify(event), {
    NODE_OPTIONS,
    BUCKET: site.bucket,
    PUBLISH_QUEUE_URL: "http://127.0.0.1/queue",
    AWS_ENDPOINT_URL_S3: server.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
  });
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.split("\n").filter(Boolean);
  const marked = lines.find((line) => line.startsWith(RESULT_MARK));
  expect(marked, run.stdout).toBeDefined();
  return {
    result: JSON.parse(marked!.slice(RESULT_MARK.length)),
    logs: lines.filter((line) => !line.startsWith(RESULT_MARK)).map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr: run.stderr,
  };
}

async function feedsIn(site: Site): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await site.storage.list("feeds/")) out[key] = await site.text(key);
  return out;
}

/** A full build by the unbundled code, from the bucket's content/, into memory. */
async function unbundledBuildOf(site: Site): Promise<Record<string, string>> {
  const fresh = createMemoryStorage();
  await buildAll({ content: prefixStorage(site.storage, "content/"), output: fresh, now: new Date() });
  const out: Record<string, string> = {};
  for (const key of await fresh.list("feeds/")) out[key] = new TextDecoder().decode((await fresh.get(key))!);
  return out;
}

describe("the bundled handler, in a fresh node as Lambda runs it", () => {
  let site: Site;

  beforeAll(async () => {
    site = await createSite(server, { ...SAMPLE_POSTS, ...STYLED_POSTS });
  });

  it("rebuilds the site, styled posts included, to the bytes the unbundled code gives", async () => {
    const { result, logs, stderr } = await invoke(site, sqsFifoEvent([{ action: "rebuild" }]));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(stderr).toBe("");
    expect(logs.filter((entry) => entry.level === "ERROR" || entry.level === "WARN")).toEqual([]);
    const published = await feedsIn(site);
    expect(Object.keys(published)).toContain("feeds/tags/样式/rss.xml");
    expect(published).toEqual(await unbundledBuildOf(site));
  });

  it("publishes an upload and a delete of styled posts to the same bytes", async () => {
    const uploaded = await invoke(site, sqsFifoEvent([fromS3rver(await site.upload(LATE_KEY, LATE_POST))]));
    expect(uploaded.result).toEqual({ batchItemFailures: [] });
    const removed = await invoke(site, sqsFifoEvent([fromS3rver(await site.remove("content/2022-06-03-styled.html"))]));
    expect(removed.result).toEqual({ batchItemFailures: [] });
    expect(uploaded.stderr + removed.stderr).toBe("");
    const published = await feedsIn(site);
    expect(published["feeds/tags/样式/feed.json"]).toContain("后来上传的样式");
    expect(published["feeds/tags/样式/feed.json"]).not.toContain("带样式的 HTML");
    expect(published).toEqual(await unbundledBuildOf(site));
  });

  it("keeps the styled elements and drops every style attribute and <style> element", async () => {
    const feed = JSON.parse(await site.text("feeds/tags/样式/feed.json")) as { items: { title: string; content_html: string }[] };
    const html = feed.items.find((item) => item.title === "带样式的 Markdown")!.content_html;
    expect(html).toContain('<p>江西银行<span>全力</span>写好文章</p>');
    expect(html).toContain('<td colspan="2">1</td>');
    expect(html).toContain('<img src="https://finews.withounder.com/images/a.png" alt="图" />');
    expect(html).not.toMatch(/style|color|expression/);
  });
});

describe("the packages the bundle leaves out", () => {
  /** The sanitizer bundled with scripts/bundle.ts's plugin, run in a fresh node on `input`. */
  async function bundledSanitize(options: string, input: string): Promise<ChildRun> {
    const out = join(dir, `sanitize-${Math.random().toString(36).slice(2)}.mjs`);
    await build({
      stdin: { contents: `import sanitizeHtml from "sanitize-html"; export const run = (html) => sanitizeHtml(html, ${options});`, resolveDir: ROOT },
      outfile: out,
      bundle: true,
      platform: "node",
      format: "esm",
      mainFields: ["module", "main"],
      logLevel: "warning",
      // The sanitizer's rules only: this entry does not load feed, whose rule would then warn.
      plugins: [leaveOutUnused(STUBS, NARROWED.filter((rule) => rule.importer === "sanitize-html"))],
    });
    return runModule(
      `const { run } = await import(${JSON.stringify(pathToFileURL(out).href)}); let input = ""; for await (const c of process.stdin) input += c; process.stdout.write(run(input));`,
      input,
      {},
    );
  }

  // feedpub's own options are the handler's, above, whose runs print nothing to stderr.
  it("are not reached while no element may keep a style attribute", async () => {
    const run = await bundledSanitize('{ allowedAttributes: { "*": ["lang", "dir"] } }', STYLED_HTML);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("<p>江西银行<span>全力</span>写好文章</p>");
  });

  it("fail the build when a dependency reads more of a narrowed package than is kept", async () => {
    const parserGone = NARROWED.filter((rule) => rule.importer === "sanitize-html").map((rule) => ({ ...rule, keep: [] }));
    await expect(
      build({
        stdin: { contents: 'import "sanitize-html";', resolveDir: ROOT },
        write: false,
        bundle: true,
        platform: "node",
        format: "esm",
        logLevel: "silent",
        plugins: [leaveOutUnused([], parserGone)],
      }),
    ).rejects.toThrow("sanitize-html now uses htmlparser2.Parser");
  });

  it("would be reached by these posts were style allowed, and then say so instead of failing quietly", async () => {
    const run = await bundledSanitize('{ allowedAttributes: { "*": ["style"] } }', STYLED_HTML);
    expect(run.stderr).toContain(`sanitize-html called postcss.parse(): postcss ${LEFT_OUT_MESSAGE}`);
    // sanitize-html catches the parser's error and drops the attribute: the output stays safe.
    expect(run.stdout).not.toContain("style=");
  });
});
