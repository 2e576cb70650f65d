import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `npm run dev -- …` with its own temp folder, so what it leaves behind can be seen. */
async function startDev(args: string[]) {
  const temp = await mkdtemp(join(tmpdir(), "feedpub-dev-test-"));
  cleanups.push(() => rm(temp, { recursive: true, force: true }));
  const child = spawn("npm", ["run", "--silent", "dev", "--", ...args], { cwd: repoRoot, env: { ...process.env, TMPDIR: temp, NO_COLOR: "1" } });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  cleanups.push(async () => void child.kill("SIGKILL"));
  return { child, temp, exited, output: () => ({ stdout, stderr }) };
}

async function until(check: () => boolean, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The server folders dev left in its temp folder (tsx and Node keep caches there too). */
const serverFolders = async (temp: string) => (await readdir(temp)).filter((name) => name.startsWith("feedpub-dev-"));

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

describe("npm run dev", () => {
  it("--once publishes content/, sums it up in a line, and leaves no server or folder behind", async () => {
    const dev = await startDev(["--once", "--port", String(await freePort())]);
    expect(await dev.exited).toBe(0);
    const { stdout } = dev.output();
    expect(stdout).toMatch(/^Published 13 of 13 files under content\/ .*106 feed files written\.$/m);
    expect(stdout).not.toMatch(/"type":"post"/);
    expect(await serverFolders(dev.temp)).toEqual([]);
  }, 60_000);

  it("serves the feeds as CloudFront does: a browser's navigation gets the page, a reader the feed at the same URL", async () => {
    const [port, webPort] = [await freePort(), await freePort()];
    const dev = await startDev(["--port", String(port), "--web-port", String(webPort)]);
    await until(() => dev.output().stdout.includes("Watching"));
    const url = `http://127.0.0.1:${webPort}/feeds/rss.xml`;
    expect(dev.output().stdout).toContain(url);
    const page = await get(url, { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate", "user-agent": "Mozilla/5.0 Chrome/156" });
    expect(page.type).toBe("text/html; charset=utf-8");
    expect(page.body).toMatch(/^<!DOCTYPE html>/);
    expect(page.vary).toBe("Accept-Encoding, Sec-Fetch-Dest, Sec-Fetch-Mode");
    const feed = await get(url, { "user-agent": "Feedly/1.0" });
    expect(feed.type).toBe("application/rss+xml; charset=utf-8");
    expect(feed.body).toMatch(/^<\?xml/);
    expect(feed.vary).toBe("Accept-Encoding");
    const atom = await get(`http://127.0.0.1:${webPort}/feeds/atom.xml`, {});
    expect(atom.type).toBe("application/atom+xml; charset=utf-8");
  }, 60_000);

  it("says so in one line, exit 1, when the port is taken", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => holder.close(() => resolve())));
    const port = (holder.address() as AddressInfo).port;
    const dev = await startDev(["--port", String(port)]);
    expect(await dev.exited).toBe(1);
    expect(dev.output().stderr.trim()).toBe(`Port ${port} is in use, perhaps by another npm run dev: stop it, or choose a port with --port <n>`);
    expect(await serverFolders(dev.temp)).toEqual([]);
  }, 60_000);

  it("stops the server and removes its folder on SIGTERM sent to npm", async () => {
    const port = await freePort();
    const dev = await startDev(["--port", String(port)]);
    await until(() => dev.output().stdout.includes("Watching"));
    expect(await serverFolders(dev.temp)).toHaveLength(1);
    dev.child.kill("SIGTERM");
    await dev.exited;
    // The node process behind npm is gone with it: the port is free again, the folder removed.
    expect(await freePortIs(port)).toBe(true);
    expect(await serverFolders(dev.temp)).toEqual([]);
    expect(alive(dev.child)).toBe(false);
  }, 60_000);
});

/** A GET with exactly these headers (fetch() would add Sec-Fetch ones of its own in a browser, and its own defaults here). */
function get(url: string, headers: Record<string, string>): Promise<{ type?: string; vary?: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (s: string) => (body += s));
      res.on("end", () => resolve({ type: res.headers["content-type"], vary: res.headers.vary, body }));
    })
      .on("error", reject)
      .end();
  });
}

async function freePortIs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}
