/**
 * The CDN's viewer-request function (infra/edge/feed-request.js), run in node as CloudFront runs
 * it, on the documented event with the headers a browser's navigation, a browser's fetch and feed
 * readers really send: only a top-level navigation to a feed is answered with the folder's page.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FEED_FILES, PAGE_FILE } from "../../lib/feeds/model.js";
import { loadEdgeFunction, type EdgeRequest, type EdgeResponse } from "../../scripts/support/edge-server.js";

const FUNCTION_CODE = readFileSync(new URL("../../infra/edge/feed-request.js", import.meta.url), "utf8");
const EVENT = readFileSync(new URL("./events/viewer-request.json", import.meta.url), "utf8");

/** Chromium's navigation (the fixture) to `uri`, its headers changed by `headers` (null removes one). */
function navigation(uri: string, headers: Record<string, string | null> = {}, method = "GET"): { request: EdgeRequest } {
  const event = JSON.parse(EVENT) as { request: EdgeRequest };
  event.request.uri = uri;
  event.request.method = method;
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) delete event.request.headers[name];
    else event.request.headers[name] = { value };
  }
  return event;
}

const uriFor = (event: { request: EdgeRequest }) => loadEdgeFunction<{ request: EdgeRequest }, EdgeRequest>("feed-request")(event).uri;

/** What feed readers send: no Sec-Fetch headers at all. */
const READER = { "sec-fetch-dest": null, "sec-fetch-mode": null, "sec-fetch-site": null, "sec-fetch-user": null, "upgrade-insecure-requests": null, "user-agent": "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers)", accept: "application/atom+xml, application/rss+xml;q=0.9, */*;q=0.1" };

describe("viewer-request function: a browser's navigation to a feed gets the folder's page", () => {
  it("rewrites a navigation to any of the three formats, in every folder, to that folder's index.html", () => {
    for (const dir of ["/feeds", "/feeds/beijingshangbao", "/feeds/tags/%E5%8C%97%E4%BA%AC", "/feeds/authors/jane%20doe"]) {
      for (const file of Object.values(FEED_FILES)) expect(uriFor(navigation(`${dir}/${file.name}`)), `${dir}/${file.name}`).toBe(`${dir}/${PAGE_FILE.name}`);
    }
  });

  it("reads the header values without regard to case, and HEAD as GET", () => {
    expect(uriFor(navigation("/feeds/rss.xml", { "sec-fetch-dest": "Document", "sec-fetch-mode": "NAVIGATE" }))).toBe("/feeds/index.html");
    expect(uriFor(navigation("/feeds/rss.xml", {}, "HEAD"))).toBe("/feeds/index.html");
  });

  it("leaves a feed reader's request alone: it sends no Sec-Fetch headers", () => {
    for (const file of Object.values(FEED_FILES)) expect(uriFor(navigation(`/feeds/news/${file.name}`, READER))).toBe(`/feeds/news/${file.name}`);
  });

  it("leaves a browser's other requests alone: fetch(), a frame, a download, a navigation of a frame", () => {
    const cases: Record<string, string | null>[] = [
      { "sec-fetch-dest": "empty", "sec-fetch-mode": "cors" },
      { "sec-fetch-dest": "empty", "sec-fetch-mode": "no-cors" },
      { "sec-fetch-dest": "iframe", "sec-fetch-mode": "navigate" },
      { "sec-fetch-dest": "document", "sec-fetch-mode": null },
      { "sec-fetch-dest": null, "sec-fetch-mode": "navigate" },
    ];
    for (const headers of cases) expect(uriFor(navigation("/feeds/atom.xml", headers)), JSON.stringify(headers)).toBe("/feeds/atom.xml");
  });

  it("leaves a navigation to anything but a feed alone: the OPML list, a page, a snippet, a look-alike name, outside /feeds/", () => {
    for (const uri of ["/feeds/index.opml", "/feeds/index.html", "/feeds/news/autodiscovery.html", "/feeds/rss.xml.bak", "/feeds/news/xrss.xml", "/rss.xml", "/content/rss.xml"]) {
      expect(uriFor(navigation(uri)), uri).toBe(uri);
    }
  });

  it("serves a folder's own URL as its page to everyone, since S3 has no index documents", () => {
    expect(uriFor(navigation("/feeds/"))).toBe("/feeds/index.html");
    expect(uriFor(navigation("/feeds/tags/ipo/", READER))).toBe("/feeds/tags/ipo/index.html");
    expect(uriFor(navigation("/"))).toBe("/");
  });

  it("changes nothing but the URI", () => {
    const event = navigation("/feeds/rss.xml");
    const before = structuredClone(event.request);
    const after = loadEdgeFunction<{ request: EdgeRequest }, EdgeRequest>("feed-request")(event);
    expect({ ...after, uri: before.uri }).toEqual(before);
  });
});

describe("viewer-response function: browsers' caches keep the page and the feed of one URL apart", () => {
  const respond = loadEdgeFunction<{ request: EdgeRequest; response: EdgeResponse }, EdgeResponse>("feed-response");
  const withResponse = (event: { request: EdgeRequest }, type: string) => ({ ...event, response: { statusCode: 200, headers: { "content-type": { value: type } } } });

  it("varies a browser's responses on Sec-Fetch-Dest and Sec-Fetch-Mode, the page and the feed alike", () => {
    const page = respond(withResponse(navigation("/feeds/index.html"), "text/html; charset=utf-8"));
    expect(page.headers.vary?.value).toBe("Accept-Encoding, Sec-Fetch-Dest, Sec-Fetch-Mode");
    expect(page.headers["content-type"]?.value).toBe("text/html; charset=utf-8");
    const fetched = respond(withResponse(navigation("/feeds/atom.xml", { "sec-fetch-dest": "empty", "sec-fetch-mode": "cors" }), "application/xml"));
    expect(fetched.headers.vary?.value).toBe("Accept-Encoding, Sec-Fetch-Dest, Sec-Fetch-Mode");
    expect(fetched.headers["content-type"]?.value).toBe("application/atom+xml; charset=utf-8");
  });

  it("gives feed readers, which send neither header, the Vary they always got", () => {
    expect(respond(withResponse(navigation("/feeds/atom.xml", READER), "application/xml")).headers.vary?.value).toBe("Accept-Encoding");
  });
});

describe("the function's source", () => {
  // As a CloudFront Function it is checked with the others in edge-source.test.ts.
  it("names the files the publisher writes: the three formats and the page", () => {
    expect(FUNCTION_CODE).toContain(`var FEED_NAMES = ${JSON.stringify(Object.values(FEED_FILES).map((f) => f.name)).replace(/,/g, ", ")};`);
    expect(FUNCTION_CODE).toContain(`var PAGE_NAME = "${PAGE_FILE.name}";`);
  });
});
