// The source of each CloudFront Function as text, for ${file(infra/edge/code.cjs):<name>} in
// infra/cdn.yml: the Serverless Framework runs a .js file named there as a module instead of reading it.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

module.exports = {
  feedRequest: readFileSync(join(__dirname, "feed-request.js"), "utf8"),
  feedResponse: readFileSync(join(__dirname, "feed-response.js"), "utf8"),
};
