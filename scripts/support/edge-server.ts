/**
 * CloudFront's part, on loopback: an HTTP server that runs the distribution's own CloudFront
 * Functions (infra/edge/feed-request.js before the origin, feed-response.js after it) around an
 * origin that reads the bucket, so `npm run dev` and the browser test route a browser's navigation
 * to a feed exactly as the deployed CDN does. Not CloudFront: no cache and no compression.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { runInNewContext } from "node:vm";
import { FEED_FILES, OPML_FILE, PAGE_FILE, SNIPPET_FILE } from "../../lib/feeds/model.js";
import type { Storage } from "../../lib/storage/types.js";

interface Header {
  value: string;
  multiValue?: { value: string }[];
}
type Headers = Record<string, Header>;
export interface EdgeRequest {
  method: string;
  uri: string;
  querystring: Record<string, Header>;
  headers: Headers;
  cookies: Record<string, Header>;
}
export interface EdgeResponse {
  statusCode: number;
  statusDescription?: string;
  headers: Headers;
  cookies?: Record<string, Header>;
}

/** The `handler` of one of infra/edge's scripts, loaded as CloudFront loads it: a plain script in a context of its own. */
export function loadEdgeFunction<Event, Result>(name: "feed-request" | "feed-response"): (event: Event) => Result {
  const code = readFileSync(new URL(`../../infra/edge/${name}.js`, import.meta.url), "utf8");
  const globals: { handler?: (event: Event) => Result } = {};
  runInNewContext(code, globals);
  if (typeof globals.handler !== "function") throw new Error(`infra/edge/${name}.js defines no handler`);
  return globals.handler;
}

/** What the origin holds at a key: its bytes and the Content-Type it was stored with. */
export interface OriginObject {
  body: Uint8Array;
  contentType: string;
}
export type Origin = (key: string) => Promise<OriginObject | null>;

const STORED_TYPES = new Map<string, string>([
  ...Object.values(FEED_FILES).map((f) => [f.name, f.contentType] as [string, string]),
  [PAGE_FILE.name, PAGE_FILE.contentType],
  [SNIPPET_FILE.name, SNIPPET_FILE.contentType],
  [OPML_FILE.key.slice(OPML_FILE.key.lastIndexOf("/") + 1), OPML_FILE.contentType],
]);

/** An origin over a Storage (which keeps no types): each output file under the type the publisher stores it with. */
export function storageOrigin(storage: Storage): Origin {
  return async (key) => {
    const body = await storage.get(key);
    if (!body) return null;
    return { body, contentType: STORED_TYPES.get(key.slice(key.lastIndexOf("/") + 1)) ?? "application/octet-stream" };
  };
}

export interface EdgeServer {
  /** e.g. "http://127.0.0.1:41234" */
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (`port` 0, the default, for any free one). */
export async function startEdgeServer(origin: Origin, port = 0): Promise<EdgeServer> {
  const viewerRequest = loadEdgeFunction<{ request: EdgeRequest }, EdgeRequest>("feed-request");
  const viewerResponse = loadEdgeFunction<{ request: EdgeRequest; response: EdgeResponse }, EdgeResponse>("feed-response");
  const server = createServer((req, res) => {
    void (async () => {
      const request = viewerRequest({ request: toEdgeRequest(req) });
      const key = keyOf(request.uri);
      const found = key !== "" && (request.method === "GET" || request.method === "HEAD") ? await origin(key) : null;
      // S3 answers 403 for a key it does not have when the reader may not list the bucket, as CloudFront's OAC may not.
      const response = viewerResponse({
        request,
        response: found
          ? { statusCode: 200, headers: { "content-type": { value: found.contentType }, "content-length": { value: String(found.body.byteLength) } } }
          : { statusCode: 403, headers: { "content-type": { value: "application/xml" } } },
      });
      for (const [name, header] of Object.entries(response.headers)) res.setHeader(name, header.multiValue ? header.multiValue.map((h) => h.value) : header.value);
      res.statusCode = response.statusCode;
      res.end(found && request.method === "GET" ? found.body : undefined);
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The request as a CloudFront Function sees it: the path as sent, header names in lower case. */
function toEdgeRequest(req: IncomingMessage): EdgeRequest {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = { value: Array.isArray(value) ? value.join(", ") : value };
  }
  const querystring: Record<string, Header> = {};
  for (const [name, value] of url.searchParams) querystring[name] = { value };
  return { method: req.method ?? "GET", uri: url.pathname, querystring, headers, cookies: {} };
}

/** The bucket key of a URI: URL paths equal keys (infra/cdn.yml), each segment percent-decoded. */
function keyOf(uri: string): string {
  try {
    return uri.slice(1).split("/").map(decodeURIComponent).join("/");
  } catch {
    return "";
  }
}
