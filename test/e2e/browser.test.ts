/**
 * A person clicks a feed link: the sample site, built, served on loopback through the CDN's own
 * CloudFront Functions (scripts/support/edge-server.ts), opened in headless Chromium (Debian's
 * chromium, driven by playwright-core). The browser shows the feed's page with the newest item's
 * title as text, and a plain HTTP client asking the same URL gets the feed's bytes and type.
 * Locally the tests skip when /usr/bin/chromium is missing; under CI=true they fail.
 */
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsStorage } from "../../lib/storage/fs.js";
import { startEdgeServer, storageOrigin, type EdgeServer } from "../../scripts/support/edge-server.js";
import { build, CONTENT_DIR } from "../feeds/helpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const MISSING = `[browser] ${CHROMIUM} is not installed; install with: apt-get install -y chromium`;
const present = existsSync(CHROMIUM);
if (!present && process.env.CI === "true") throw new Error(MISSING);
if (!present) console.warn(`${MISSING} (the browser tests are skipped)`);

// As this machine's Chromium must run: no sandbox as root, no GPU, and no background connections,
// which the closed network refuses.
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let out = "";
let temp = "";
let edge: EdgeServer;
let browser: BrowserContext;
// The archive tests' own build and server, stopped with the others once the browser is closed.
let archiveOut = "";
let archiveEdge: EdgeServer | undefined;

beforeAll(async () => {
  if (!present) return;
  temp = await mkdtemp(path.join(tmpdir(), "feedpub-browser-"));
  ({ out } = await build(CONTENT_DIR, new Date("2026-01-01T00:00:00Z")));
  edge = await startEdgeServer(storageOrigin(createFsStorage({ base: out })));
  // A fresh profile each run: Playwright passes it as --user-data-dir.
  browser = await chromium.launchPersistentContext(path.join(temp, "profile"), { executablePath: CHROMIUM, headless: true, args: FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await archiveEdge?.stop();
  for (const dir of [out, archiveOut, temp]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** The newest item's title, as the built JSON Feed of `dir` names it. */
async function newestTitle(dir: string): Promise<string> {
  const feed = JSON.parse(await readFile(path.join(out, dir, "feed.json"), "utf8")) as { items: { title: string }[] };
  return feed.items[0]!.title;
}

/** A GET as a feed reader sends it: no Sec-Fetch headers, no cookies. */
function plainGet(url: string): Promise<{ status?: number; type?: string; vary?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { "user-agent": "Feedly/1.0", accept: "application/rss+xml, application/atom+xml, */*" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, type: res.headers["content-type"], vary: res.headers.vary, body: Buffer.concat(chunks) }));
    })
      .on("error", reject)
      .end();
  });
}

describe.skipIf(!present)("a feed link opened in Chromium", () => {
  it("shows the site feed's page, whose text holds the newest item's title, and takes a screenshot of it", async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${edge.url}/feeds/rss.xml`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    expect(response?.headers().vary).toBe("Accept-Encoding, Sec-Fetch-Dest, Sec-Fetch-Mode");
    expect(page.url()).toBe(`${edge.url}/feeds/rss.xml`);
    const text = await page.locator("body").innerText();
    expect(text).toContain(await newestTitle("feeds"));
    // Every feed of the site is listed on it, with the OPML.
    expect(text).toContain("All feeds");
    expect(await page.locator("#feeds li").count()).toBeGreaterThan(10);
    const file = path.join(temp, "site-feed.png");
    await page.screenshot({ path: file, fullPage: true });
    const png = await readFile(file);
    expect(png.byteLength).toBeGreaterThan(1000);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    await page.close();
  }, 60_000);

  it("shows a category's page for each of its three formats, newest item first", async () => {
    const page = await browser.newPage();
    const title = await newestTitle("feeds/beijingshangbao");
    for (const name of ["rss.xml", "atom.xml", "feed.json"]) {
      const response = await page.goto(`${edge.url}/feeds/beijingshangbao/${name}`);
      expect(response?.headers()["content-type"], name).toBe("text/html; charset=utf-8");
      expect(await page.locator("main article h2").first().innerText(), name).toBe(title);
    }
    await page.close();
  }, 60_000);

  it("runs nothing the page did not bring: its policy refuses even a connection back to its own URL", async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text());
    });
    await page.goto(`${edge.url}/feeds/atom.xml`);
    const fetched = await page.evaluate(async (url) => fetch(url).then(() => "fetched", () => "refused"), `${edge.url}/feeds/atom.xml`);
    expect(fetched).toBe("refused");
    expect(violations.join("\n")).toMatch(/connect-src|default-src/);
    await page.close();
  }, 60_000);

  it("gives a plain HTTP client at the same URLs the feeds' bytes, under their own types", async () => {
    const cases = [
      ["feeds/rss.xml", "application/rss+xml; charset=utf-8"],
      ["feeds/atom.xml", "application/atom+xml; charset=utf-8"],
      ["feeds/feed.json", "application/feed+json; charset=utf-8"],
      ["feeds/beijingshangbao/rss.xml", "application/rss+xml; charset=utf-8"],
      ["feeds/index.opml", "text/x-opml; charset=utf-8"],
    ] as const;
    for (const [key, type] of cases) {
      const got = await plainGet(`${edge.url}/${key}`);
      expect(got.status, key).toBe(200);
      expect(got.type, key).toBe(type);
      expect(got.vary, key).toBe("Accept-Encoding");
      expect(got.body.equals(await readFile(path.join(out, key))), key).toBe(true);
    }
    expect((await plainGet(`${edge.url}/feeds/rss.xml`)).body.toString("utf8")).toContain(await newestTitle("feeds"));
  });
});

describe.skipIf(!present)("an archive page opened in Chromium", () => {
  beforeAll(async () => {
    // The sample site with short feeds and small archive pages, so every category has some.
    const content = path.join(temp, "content");
    await cp(CONTENT_DIR, content, { recursive: true });
    const config = await readFile(path.join(content, "_config.yml"), "utf8");
    await writeFile(path.join(content, "_config.yml"), config.replace(/^  limit: 50$/m, "  limit: 2\n  archive: {page_size: 2}"));
    ({ out: archiveOut } = await build(content, new Date("2026-01-01T00:00:00Z")));
    archiveEdge = await startEdgeServer(storageOrigin(createFsStorage({ base: archiveOut })));
  }, 120_000);

  it("shows the newest archive page's items as text, and links back to the feed, while a plain client gets the archive's Atom", async () => {
    const feed = await readFile(path.join(archiveOut, "feeds/beijingshangbao/feed.json"), "utf8");
    const newestPage = (JSON.parse(feed) as { next_url: string }).next_url;
    const key = newestPage.slice("https://finews.withounder.com/".length).replace(/feed\.json$/, "atom.xml");
    const archived = JSON.parse(await readFile(path.join(archiveOut, key.replace(/atom\.xml$/, "feed.json")), "utf8")) as { items: { title: string }[] };
    const served = archiveEdge!.url;
    const page = await browser.newPage();
    const response = await page.goto(`${served}/${key}`);
    expect(response?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    expect(await page.locator("main article h2").first().innerText()).toBe(archived.items[0]!.title);
    expect(await page.locator("a", { hasText: "Newest items" }).getAttribute("href")).toBe("https://finews.withounder.com/feeds/beijingshangbao/index.html");
    await page.screenshot({ path: path.join(temp, "archive.png"), fullPage: true });
    await page.close();
    const got = await plainGet(`${served}/${key}`);
    expect(got.type).toBe("application/atom+xml; charset=utf-8");
    expect(got.body.toString("utf8")).toContain("<fh:archive/>");
  }, 60_000);
});
