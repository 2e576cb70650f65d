// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on every request of the feeds
// behaviour (infra/cdn.yml). Plain script: CloudFront calls `handler`; no imports. `npm run dev`
// and the browser test run this same file (scripts/support/edge-server.ts).
//
// A person who clicks a feed link gets the feed folder's page (index.html, written beside the
// feed), not XML or JSON source; feed readers keep getting the feed at the same URL. Browsers tell
// a top-level navigation apart with Sec-Fetch-Dest: document and Sec-Fetch-Mode: navigate, which
// no feed reader sends (nor does a browser's own fetch of the feed, which says cors or no-cors).
// The rewritten URI is what CloudFront caches under, so the page and the feed are cached apart;
// feed-response.js adds Vary on both headers so a browser's cache keeps them apart too.

var FEED_NAMES = ["rss.xml", "atom.xml", "feed.json"];
var PAGE_NAME = "index.html";
var PREFIX = "/feeds/";

function handler(event) {
  var request = event.request;
  var page = pageFor(request);
  if (page) request.uri = page;
  return request;
}

// The key to serve instead of the requested one, or null to serve the request as it is.
function pageFor(request) {
  var uri = request.uri;
  if (uri.slice(0, PREFIX.length) !== PREFIX) return null;
  var slash = uri.lastIndexOf("/");
  // A folder's own URL is its page, whoever asks: S3 has no index documents of its own.
  if (slash === uri.length - 1) return uri + PAGE_NAME;
  if (FEED_NAMES.indexOf(uri.slice(slash + 1)) === -1 || !isNavigation(request)) return null;
  return uri.slice(0, slash + 1) + PAGE_NAME;
}

function isNavigation(request) {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  var dest = request.headers["sec-fetch-dest"];
  var mode = request.headers["sec-fetch-mode"];
  return !!dest && !!mode && dest.value.toLowerCase() === "document" && mode.value.toLowerCase() === "navigate";
}
