// Full rebuild of a bucket's feeds and index state from its content/: `npm run rebuild -- --bucket <name>`.
// For backfill and recovery. It writes directly, beside the function: run it when no upload is in flight,
// or send {"action":"rebuild"} to the queue instead, which keeps the single-writer order.
import { S3Client } from "@aws-sdk/client-s3";
import { parseArgs } from "node:util";
import { ConfigError } from "../lib/errors.js";
import { buildAll } from "../lib/publish/build-all.js";
import { prefixStorage } from "../lib/storage/prefix.js";
import { retryingStorage } from "../lib/storage/retry.js";
import { createS3Storage } from "../lib/storage/s3.js";
import { s3ClientConfigFromEnv } from "../lib/storage/s3-client-config.js";
import { formatSummary } from "./summary.js";
import { CONTENT_PREFIX } from "../lib/layout.js";

const { values } = parseArgs({ options: { bucket: { type: "string" }, "cache-control": { type: "string" } } });
if (!values.bucket) {
  console.error("usage: npm run rebuild -- --bucket <name> [--cache-control <value>]");
  process.exit(2);
}

try {
  const started = performance.now();
  const bucket = retryingStorage(createS3Storage({ client: new S3Client(s3ClientConfigFromEnv(process.env)), bucket: values.bucket }));
  const report = await buildAll({
    content: prefixStorage(bucket, CONTENT_PREFIX),
    output: bucket,
    state: bucket,
    now: new Date(),
    ...(values["cache-control"] ? { cacheControl: values["cache-control"] } : {}),
  });
  console.log(formatSummary(report, `s3://${values.bucket}`, performance.now() - started));
  process.exitCode = report.rejected.length > 0 || report.invalid.length > 0 ? 1 : 0;
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Invalid configuration: ${error.message}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
