// `npm run dev`: the whole pipeline on one machine, no cloud account. Starts a local S3-compatible
// server, uploads content/ into a bucket, turns the server's notifications into the EventBridge
// events S3 would send, delivers them in SQS-sized batches to the same handler Lambda runs, and
// serves the resulting feeds until Ctrl-C, through the CDN's own CloudFront Functions, so a browser
// that opens a feed sees its page as it would in production. Edit a file under content/ meanwhile
// and it is re-uploaded.
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand } from "@aws-sdk/client-s3";
import { watch } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { parseCli, requireContentFolder, usageError } from "./support/cli.js";
import { startEdgeServer, type EdgeServer, type Origin } from "./support/edge-server.js";
import { fromS3rver, routedByContentRule, scheduledEvent, sqsFifoEvent, startS3Server, type S3Server } from "./support/local-aws/index.js";
import { handleEvent } from "../functions/handle-event.js";
import { CONTENT_PREFIX } from "../lib/layout.js";
import { logJson, type Log } from "../functions/log.js";
import { DEFAULT_CACHE_CONTROL } from "../lib/publish/write-files.js";
import { retryingStorage } from "../lib/storage/retry.js";
import { createS3Storage } from "../lib/storage/s3.js";

const values = parseCli(
  `usage: npm run dev -- [--content <dir>] [--port <n>] [--web-port <n>] [--once]

Runs the function locally against a local S3 server on --port (default 4569): uploads --content
(default content/), delivers each change as S3, EventBridge and SQS would, and keeps watching the
folder. The feeds are served as CloudFront serves them on --web-port (default: --port + 1), where
a browser that opens a feed gets its page. --once publishes what is there and stops.`,
  {
    content: { type: "string", default: "content" },
    port: { type: "string", default: "4569" },
    "web-port": { type: "string" },
    once: { type: "boolean", default: false },
  },
);
/** Refuses, as a usage error, an option value that is no port number. */
function checkPort(option: string, value: string): void {
  if (!/^\d+$/.test(value) || Number(value) > 65535) usageError(`--${option} must be a port number, got "${value}"`);
}
checkPort("port", values.port);
const webPort = values["web-port"] ?? String(Number(values.port) + 1);
checkPort("web-port", webPort);
const BUCKET = "feedpub-dev";

requireContentFolder(values.content);

let server: S3Server;
try {
  server = await startS3Server({ port: Number(values.port), folderPrefix: "feedpub-dev-" });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
  console.error(`Port ${values.port} is in use, perhaps by another npm run dev: stop it, or choose a port with --port <n>`);
  process.exit(1);
}
/** Stops the server and removes its folder: on --once, Ctrl-C and SIGTERM from npm. */
let edge: EdgeServer | undefined;
async function shutDown(): Promise<void> {
  await edge?.stop().catch(() => {});
  await server.stop().catch(() => {});
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void shutDown().then(() => process.exit(0)));
}
const { client, endpoint } = server;
await server.createBucket(BUCKET);

// The first publish of the whole folder is summed up in a few lines, not a JSON line per post;
// after it, each edit is logged as the function logs it. Problems are always shown.
let starting = true;
const started = { published: 0, other: 0, files: 0 };
const log: Log = (entry) => {
  if (!starting || entry.level === "warn" || entry.level === "error") return logJson(entry);
  if (entry.type === "post") started[entry.outcome === "published" ? "published" : "other"]++;
  if (entry.type === "feed" && entry.outcome === "written") started.files++;
};
const deps = {
  bucket: retryingStorage(createS3Storage({ client, bucket: BUCKET })),
  bucketName: BUCKET,
  cacheControl: DEFAULT_CACHE_CONTROL,
  now: () => new Date(),
  log,
  // Continuations of a rescan the function sends itself: delivered after what is queued, as SQS would.
  send: async (body: object) => void continuations.push(body),
};
const continuations: object[] = [];

/**
 * Delivers the server's writes since the last call as S3 sends them to EventBridge, only those the
 * rule routes, ten messages a batch, as the FIFO queue does.
 */
async function deliver(): Promise<void> {
  const events = server.takeEvents().map(fromS3rver).filter((e) => routedByContentRule(e.detail.object.key));
  for (let i = 0; i < events.length; i += 10) await handleEvent(sqsFifoEvent(events.slice(i, i + 10)), deps);
  while (continuations.length > 0) await handleEvent(sqsFifoEvent(continuations.splice(0, 10)), deps);
}

async function upload(file: string): Promise<void> {
  const key = `${CONTENT_PREFIX}${relative(values.content, file).split(sep).join("/")}`;
  try {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await readFile(file) }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  }
}

// The configuration first, as a deployment would have it before any post arrives.
const files = (await readdir(values.content, { recursive: true, withFileTypes: true }))
  .filter((d) => d.isFile())
  .map((d) => join(d.parentPath ?? d.path, d.name))
  .sort((a, b) => Number(!a.endsWith("_config.yml")) - Number(!b.endsWith("_config.yml")));
for (const file of files) await upload(file);
await deliver();
starting = false;
console.log(`Published ${started.published} of ${files.length - 1} files under ${values.content}/ (${started.other} scheduled, drafts, rejected or not posts); ${started.files} feed files written.`);

/** The bucket as CloudFront's origin: the object and the type it was stored with. */
const origin: Origin = async (key) => {
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return { body: await object.Body!.transformToByteArray(), contentType: object.ContentType ?? "application/octet-stream" };
  } catch (error) {
    if (error instanceof NoSuchKey) return null;
    throw error;
  }
};
/** The scheduled event the deployed schedule sends through the same queue. */
async function tick(): Promise<void> {
  await handleEvent(sqsFifoEvent([scheduledEvent(new Date())]), deps);
  while (continuations.length > 0) await handleEvent(sqsFifoEvent(continuations.splice(0, 10)), deps);
}

if (values.once) {
  await shutDown();
} else {
  try {
    edge = await startEdgeServer(origin, Number(webPort));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    console.error(`Port ${webPort} is in use, perhaps by another npm run dev: stop it, or choose a port with --web-port <n>`);
    await shutDown();
    process.exit(1);
  }
  const feeds = `${edge.url}/feeds`;
  console.log(`\nLocal S3 server at ${endpoint}, bucket ${BUCKET}. Feeds, served as CloudFront serves them (open one in a browser to see its page):`);
  console.log(`  ${feeds}/rss.xml\n  ${feeds}/atom.xml\n  ${feeds}/feed.json\n  ${feeds}/index.opml\n  ${feeds}/index.html`);
  console.log(`Watching ${values.content}/ for changes; Ctrl-C to stop.`);
  // As the deployed 5-minute schedule does, at a pace that suits a person watching: scheduled posts come due.
  setInterval(() => void tick(), 60_000).unref();
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  watch(values.content, { recursive: true }, (_, name) => {
    if (!name) return;
    changed.add(join(values.content, name.toString()));
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const batch = [...changed];
      changed.clear();
      for (const file of batch) await upload(file);
      await deliver();
      // _config.yml is not routed by the rule; the 5-minute schedule picks a change up. Here it is sent at once.
      if (batch.some((f) => f.endsWith("_config.yml"))) await tick();
    }, 200);
  });
}
