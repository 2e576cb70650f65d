// CloudFront Function (runtime cloudfront-js-2.0), viewer response, on every response of the
// feeds behaviour (infra/cdn.yml). Plain script: CloudFront calls `handler`; no imports.
//
// CloudFront compresses a response only when the origin's Content-Type is on its list of
// compressible types: application/rss+xml is, application/atom+xml and application/feed+json are
// not. So Atom and JSON Feed are stored under the generic application/xml and application/json
// (lib/feeds/model.ts, FEED_FILES), CloudFront compresses them as it does any XML or JSON, and this
// function gives readers the formats' own types back. The body, Content-Encoding and ETag stay
// CloudFront's. README, "Compressed delivery", has the reasons. It also adds Vary on the Sec-Fetch
// headers for browsers, whose navigations feed-request.js answers with a page.

// Stored media type -> the type readers get, for keys with the given ending. Objects stored
// before the change still carry their public type and match nothing here.
var PUBLIC_TYPES = [
  { stored: "application/xml", ending: ".xml", type: "application/atom+xml; charset=utf-8" },
  { stored: "application/json", ending: ".json", type: "application/feed+json; charset=utf-8" },
];

function handler(event) {
  var response = event.response;
  var headers = response.headers;
  var contentType = headers["content-type"];
  if (contentType) {
    var type = publicType(contentType.value, event.request.uri);
    if (type) headers["content-type"] = { value: type };
  }
  // The body depends on Accept-Encoding (compressed or not), so shared caches after CloudFront
  // must key on it too; 304s carry it as well, as their 200s would.
  varyOn(headers, "Accept-Encoding");
  // A browser's navigation to a feed URL gets the folder's page (feed-request.js), its other
  // requests the feed: its cache must key on the headers that decide. Only browsers send them,
  // so feed readers get the headers they always got.
  var requestHeaders = event.request.headers;
  if (requestHeaders["sec-fetch-mode"] || requestHeaders["sec-fetch-dest"]) {
    varyOn(headers, "Sec-Fetch-Dest");
    varyOn(headers, "Sec-Fetch-Mode");
  }
  return response;
}

function publicType(stored, uri) {
  var media = stored.split(";")[0].trim().toLowerCase();
  for (var i = 0; i < PUBLIC_TYPES.length; i++) {
    var entry = PUBLIC_TYPES[i];
    if (media === entry.stored && uri.slice(-entry.ending.length) === entry.ending) return entry.type;
  }
  return null;
}

function varyOn(headers, name) {
  var vary = headers.vary;
  if (!vary) {
    headers.vary = { value: name };
    return;
  }
  var values = vary.multiValue ? vary.multiValue : [vary];
  for (var i = 0; i < values.length; i++) {
    var tokens = values[i].value.split(",");
    for (var j = 0; j < tokens.length; j++) {
      var token = tokens[j].trim().toLowerCase();
      if (token === "*" || token === name.toLowerCase()) return;
    }
  }
  // With repeated Vary headers CloudFront applies changes made to multiValue, not to value.
  if (vary.multiValue) vary.multiValue.push({ value: name });
  else vary.value = vary.value.trim() === "" ? name : vary.value + ", " + name;
}
