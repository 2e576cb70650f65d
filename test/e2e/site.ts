/**
 * One site in its own bucket on a real s3rver, with the Lambda handler wired as functions/publish.ts
 * wires it (retrying S3 storage, settings from the environment) but with the test server's client,
 * a fixed clock and captured logs. Authors' writes go through S3 like the console's would, and
 * the notification s3rver emits for each is handed back for the test to turn into an event.
 */
import { readFileSync } from "node:fs";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3EventRecord, SQSBatchResponse } from "aws-lambda";
import { handleEvent } from "../../functions/handle-event.js";
import { readSettings } from "../../functions/settings.js";
import { retryingStorage } from "../../lib/storage/retry.js";
import { createS3Storage } from "../../lib/storage/s3.js";
import type { Storage } from "../../lib/storage/types.js";
import { encodeEventKey, type S3Server, sqsFifoEvent } from "../../scripts/support/local-aws/index.js";

/** The handler's clock in every test unless a test moves it: after every sample post's date. */
export const NOW = new Date("2022-06-10T12:00:00+08:00");
export const CONFIG_YML = readFileSync(new URL("../../content/_config.yml", import.meta.url), "utf8");
export const FEED_FILE_NAMES = ["rss.xml", "atom.xml", "feed.json"] as const;
/** Every file of a feed folder: the three formats, the page a person reads, the autodiscovery snippet. */
export const FOLDER_FILE_NAMES = [...FEED_FILE_NAMES, "index.html", "autodiscovery.html"] as const;

export type LogEntry = Record<string, unknown>;

export interface RunOptions {
  now?: Date;
  /** A CACHE_CONTROL other than the site's, as after a redeploy with another setting. */
  cacheControl?: string;
  /** Wraps the S3 storage under the retry layer, to inject faults. */
  faults?: (storage: Storage) => Storage;
}

export interface Site {
  bucket: string;
  /** The bucket through the same driver the handler uses (no faults, no counting). */
  storage: Storage;
  cacheControl: string;
  /** Every entry the handler logged, across runs. */
  logs: LogEntry[];
  /** Keys the handler wrote (put), in order, across runs; `resetCounts` empties it. */
  puts: string[];
  deletes: string[];
  resetCounts(): void;
  run(event: unknown, options?: RunOptions): Promise<SQSBatchResponse>;
  /** PutObject as an author would, returning the S3 notification record s3rver emitted for it. */
  upload(key: string, body: string): Promise<S3EventRecord>;
  remove(key: string): Promise<S3EventRecord>;
  /** A plain HTTP GET (or HEAD) of `key`, path-style, as CloudFront would ask the origin. */
  fetch(key: string, init?: RequestInit): Promise<Response>;
  text(key: string): Promise<string>;
}

let sites = 0;

export function urlOf(server: S3Server, bucket: string, key: string): string {
  return `${server.endpoint}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export interface SiteOptions {
  /** The function's CACHE_CONTROL setting; unset by default. */
  cacheControl?: string;
}

/** A fresh bucket holding content/_config.yml (from content/) and `posts` (keys under content/). */
export async function createSite(server: S3Server, posts: Record<string, string> = {}, options: SiteOptions = {}): Promise<Site> {
  const bucket = `site-${++sites}`;
  await server.createBucket(bucket);
  const settings = readSettings({ BUCKET: bucket, CACHE_CONTROL: options.cacheControl, PUBLISH_QUEUE_URL: "http://127.0.0.1/queue" });
  const logs: LogEntry[] = [];
  const puts: string[] = [];
  const deletes: string[] = [];
  const s3 = createS3Storage({ client: server.client, bucket: settings.bucket });
  const storage = retryingStorage(s3);

  const lastEvent = (key: string): S3EventRecord => {
    const encoded = encodeEventKey(key);
    const record = server.events.findLast((r) => r.s3.bucket.name === bucket && r.s3.object.key === encoded);
    if (!record) throw new Error(`[e2e] s3rver emitted no event for ${bucket}/${key}`);
    return record;
  };

  const site: Site = {
    bucket,
    storage,
    cacheControl: settings.cacheControl,
    logs,
    puts,
    deletes,
    resetCounts() {
      puts.length = 0;
      deletes.length = 0;
    },
    async run(event, options = {}) {
      const inner = retryingStorage(options.faults ? options.faults(s3) : s3);
      const counted: Storage = {
        ...inner,
        put: async (key, body, o) => {
          puts.push(key);
          await inner.put(key, body, o);
        },
        delete: async (key) => {
          deletes.push(key);
          await inner.delete(key);
        },
      };
      const now = options.now ?? NOW;
      const cacheControl = options.cacheControl ?? settings.cacheControl;
      // Continuations of a rescan go back through the queue behind this batch, and are delivered next.
      const sent: object[] = [];
      const deps = { bucket: counted, bucketName: settings.bucket, cacheControl, now: () => now, log: (e: LogEntry) => logs.push(e), send: async (body: object) => void sent.push(body) };
      const response = await handleEvent(event, deps);
      while (sent.length > 0) {
        const continued = await handleEvent(sqsFifoEvent(sent.splice(0, 10)), deps);
        if (continued.batchItemFailures.length > 0) throw new Error("[e2e] a rescan continuation failed");
      }
      return response;
    },
    async upload(key, body) {
      await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "text/markdown; charset=utf-8" }));
      return lastEvent(key);
    },
    async remove(key) {
      await server.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      return lastEvent(key);
    },
    fetch: (key, init) => fetch(urlOf(server, bucket, key), init),
    async text(key) {
      const response = await site.fetch(key);
      if (response.status !== 200) throw new Error(`[e2e] GET ${key}: ${response.status}`);
      return response.text();
    },
  };

  await site.upload("content/_config.yml", CONFIG_YML);
  await mapInChunks(Object.entries(posts), 16, ([key, text]) => site.upload(key, text));
  return site;
}

/** Builds a site from `posts` with one rebuild message, as an operator would after a first deploy. */
export async function createPublishedSite(server: S3Server, posts: Record<string, string>, options: SiteOptions = {}): Promise<Site> {
  const site = await createSite(server, posts, options);
  const result = await site.run(sqsFifoEvent([{ action: "rebuild" }]));
  if (result.batchItemFailures.length > 0) throw new Error("[e2e] the initial rebuild failed");
  site.logs.length = 0;
  site.resetCounts();
  return site;
}

async function mapInChunks<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export interface PostOptions {
  title: string;
  date: string;
  categories?: string[];
  tags?: string[];
  published?: boolean;
}

/** A small post in Jekyll's format. */
export function post(options: PostOptions): string {
  return [
    "---",
    "layout: post",
    `title: ${JSON.stringify(options.title)}`,
    `date: ${options.date}`,
    `categories: [${(options.categories ?? []).join(", ")}]`,
    `tags: [${(options.tags ?? []).join(", ")}]`,
    ...(options.published === false ? ["published: false"] : []),
    "---",
    `<p>${options.title}：正文。</p>`,
    "",
  ].join("\n");
}

/** Titles of the items of the JSON Feed in `dir`, or null when the feed does not exist (404). */
export async function titlesIn(site: Site, dir: string): Promise<string[] | null> {
  const response = await site.fetch(`${dir}/feed.json`);
  if (response.status === 404) return null;
  if (response.status !== 200) throw new Error(`[e2e] GET ${dir}/feed.json: ${response.status}`);
  return ((await response.json()) as { items: { title: string }[] }).items.map((i) => i.title);
}
