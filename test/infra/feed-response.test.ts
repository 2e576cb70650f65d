/**
 * The CDN's viewer-response function (infra/edge/feed-response.js), run in node as CloudFront runs
 * it: the file is a plain script whose `handler` gets the event object CloudFront Functions
 * documents and returns the response.
 */
import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { FEED_FILES } from "../../lib/feeds/model.js";

interface Header {
  value: string;
  multiValue?: { value: string }[];
}
interface ViewerResponseEvent {
  context: { eventType: string };
  request: { method: string; uri: string; headers: Record<string, Header> };
  response: { statusCode: number; statusDescription?: string; headers: Record<string, Header> };
}
type Handler = (event: ViewerResponseEvent) => ViewerResponseEvent["response"];

const FUNCTION_CODE = readFileSync(new URL("../../infra/edge/feed-response.js", import.meta.url), "utf8");
const EVENT = readFileSync(new URL("./events/viewer-response.json", import.meta.url), "utf8");

/** A fresh copy of the script's globals, as each CloudFront invocation gets. */
function loadHandler(): Handler {
  const globals: { handler?: Handler } = {};
  runInNewContext(FUNCTION_CODE, globals);
  if (typeof globals.handler !== "function") throw new Error("infra/edge/feed-response.js defines no handler");
  return globals.handler;
}

/** The documented viewer-response event for `uri`, its response headers replaced by `headers` (null removes one). */
function eventFor(uri: string, headers: Record<string, string | Header | null> = {}, statusCode = 200): ViewerResponseEvent {
  const event = JSON.parse(EVENT) as ViewerResponseEvent;
  event.request.uri = uri;
  event.response.statusCode = statusCode;
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) delete event.response.headers[name];
    else event.response.headers[name] = typeof value === "string" ? { value } : value;
  }
  return event;
}

const respond = (event: ViewerResponseEvent) => loadHandler()(event);
const headerOf = (response: ViewerResponseEvent["response"], name: string) => response.headers[name]?.value;

describe("viewer-response function: each feed format reaches readers under its own type", () => {
  it("gives Atom stored as application/xml its type back, under every feed folder", () => {
    for (const uri of ["/feeds/atom.xml", "/feeds/beijingshangbao/atom.xml", "/feeds/tags/%E5%8C%97%E4%BA%AC/atom.xml"]) {
      const response = respond(eventFor(uri, { "content-type": "application/xml" }));
      expect(headerOf(response, "content-type"), uri).toBe("application/atom+xml; charset=utf-8");
    }
  });

  it("gives JSON Feed stored as application/json its type back", () => {
    const response = respond(eventFor("/feeds/authors/jane-doe/feed.json", { "content-type": "application/json" }));
    expect(headerOf(response, "content-type")).toBe("application/feed+json; charset=utf-8");
  });

  it("maps exactly the types lib/feeds/model.ts stores each format with to its public type", () => {
    for (const [format, file] of Object.entries(FEED_FILES)) {
      const response = respond(eventFor(`/feeds/news/${file.name}`, { "content-type": file.contentType }));
      expect(headerOf(response, "content-type"), format).toBe(file.publicType);
    }
  });

  it("leaves RSS, OPML and anything else it does not know as the origin sent them", () => {
    const cases: [string, string][] = [
      ["/feeds/rss.xml", "application/rss+xml; charset=utf-8"],
      ["/feeds/index.opml", "text/x-opml; charset=utf-8"],
      // A page served at a feed's URL (a browser's navigation) keeps its HTML type.
      ["/feeds/atom.xml", "text/html; charset=utf-8"],
      // Generic XML or JSON under another name is not a feed.
      ["/feeds/atom.xml.html", "application/xml"],
      ["/feeds/feed.json.txt", "application/json"],
      // Written before Atom was stored as application/xml: already right.
      ["/feeds/atom.xml", "application/atom+xml; charset=utf-8"],
    ];
    for (const [uri, type] of cases) {
      expect(headerOf(respond(eventFor(uri, { "content-type": type })), "content-type"), `${uri} ${type}`).toBe(type);
    }
  });

  it("reads the stored media type without its parameters or case", () => {
    const response = respond(eventFor("/feeds/atom.xml", { "content-type": "Application/XML; charset=UTF-8" }));
    expect(headerOf(response, "content-type")).toBe("application/atom+xml; charset=utf-8");
  });
});

describe("viewer-response function: encodings, Vary and validators", () => {
  // What CloudFront hands the function for each kind of request: brotli and gzip bodies carry the
  // weak ETag CloudFront makes of S3's strong one; a client without Accept-Encoding gets the
  // stored bytes, no Content-Encoding and S3's ETag.
  const encodings = [
    { name: "br", headers: { "content-encoding": "br", etag: 'W/"7d793037a0760186574b0282f2f435e7"' } },
    { name: "gzip", headers: { "content-encoding": "gzip", etag: 'W/"7d793037a0760186574b0282f2f435e7"' } },
    { name: "identity", headers: { "content-encoding": null, etag: '"7d793037a0760186574b0282f2f435e7"' } },
  ];

  for (const { name, headers } of encodings) {
    it(`keeps the ${name} response's encoding, ETag and length, and varies it on Accept-Encoding`, () => {
      const event = eventFor("/feeds/atom.xml", { "content-type": "application/xml", "content-length": "11042", ...headers });
      const before = structuredClone(event.response.headers);
      const response = respond(event);
      expect(headerOf(response, "content-encoding")).toBe(headers["content-encoding"] ?? undefined);
      expect(headerOf(response, "etag")).toBe(headers.etag);
      expect(headerOf(response, "content-length")).toBe("11042");
      expect(headerOf(response, "vary")).toBe("Accept-Encoding");
      expect(response.statusCode).toBe(200);
      // Only the type and Vary change; CORS, nosniff, caching and dates pass through.
      const changed = Object.keys({ ...before, ...response.headers }).filter(
        (key) => JSON.stringify(before[key]) !== JSON.stringify(response.headers[key]),
      );
      expect(changed.sort()).toEqual(["content-type", "vary"]);
    });
  }

  it("answers a 304 revalidation with Vary too, and no type when CloudFront sends none", () => {
    const response = respond(eventFor("/feeds/feed.json", { "content-type": null, "content-encoding": null }, 304));
    expect(response.statusCode).toBe(304);
    expect(response.headers["content-type"]).toBeUndefined();
    expect(headerOf(response, "vary")).toBe("Accept-Encoding");
  });

  it("adds Accept-Encoding to a Vary already there, once", () => {
    expect(headerOf(respond(eventFor("/feeds/rss.xml", { vary: "Origin" })), "vary")).toBe("Origin, Accept-Encoding");
    expect(headerOf(respond(eventFor("/feeds/rss.xml", { vary: "origin, accept-encoding" })), "vary")).toBe("origin, accept-encoding");
    expect(headerOf(respond(eventFor("/feeds/rss.xml", { vary: "*" })), "vary")).toBe("*");
    expect(headerOf(respond(eventFor("/feeds/rss.xml", { vary: "" })), "vary")).toBe("Accept-Encoding");
  });

  it("adds it to repeated Vary headers through multiValue, which is what CloudFront applies", () => {
    const repeated = { value: "Origin", multiValue: [{ value: "Origin" }, { value: "Access-Control-Request-Method" }] };
    const response = respond(eventFor("/feeds/rss.xml", { vary: repeated }));
    expect(response.headers.vary!.multiValue).toEqual([
      { value: "Origin" },
      { value: "Access-Control-Request-Method" },
      { value: "Accept-Encoding" },
    ]);
    const already = { value: "Origin", multiValue: [{ value: "Origin" }, { value: "Accept-Encoding" }] };
    expect(respond(eventFor("/feeds/rss.xml", { vary: structuredClone(already) })).headers.vary).toEqual(already);
  });
});

