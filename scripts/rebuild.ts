// Full rebuild of a bucket's feeds and index state from its content/: `npm run rebuild -- --bucket <name>`.
// For backfill and recovery. It writes directly, beside the function: run it when no upload is in flight,
// or send {"action":"rebuild"} to the queue instead, which keeps the single-writer order.
import { S3Client } from "@aws-sdk/client-s3";
import { ConfigError, StorageError } from "../lib/errors.js";
import { buildAll } from "../lib/publish/build-all.js";
import { prefixStorage } from "../lib/storage/prefix.js";
import { retryingStorage } from "../lib/storage/retry.js";
import { createS3Storage } from "../lib/storage/s3.js";
import { s3ClientConfigFromEnv } from "../lib/storage/s3-client-config.js";
import { formatSummary } from "./summary.js";
import { parseCli, usageError } from "./support/cli.js";
import { CONTENT_PREFIX } from "../lib/layout.js";

const USAGE = `usage: npm run rebuild -- --bucket <name> [--cache-control <value>]

Rebuilds every feed and the index state of a bucket from its content/. Credentials and region come
from the usual AWS variables (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_REGION);
AWS_ENDPOINT_URL_S3 points it at S3-compatible storage (MinIO, a local S3 server).`;
const values = parseCli(USAGE, { bucket: { type: "string" }, "cache-control": { type: "string" } });
if (!values.bucket) usageError("missing --bucket <name> (see --help)");

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
  } else if (error instanceof StorageError) {
    // Expected when credentials, region or endpoint are wrong: say which, without a stack trace.
    console.error(`Could not reach s3://${values.bucket}: ${error.message}`);
    console.error("Check AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), AWS_REGION, and AWS_ENDPOINT_URL_S3 for S3-compatible storage.");
    process.exitCode = 1;
  } else {
    throw error;
  }
}
