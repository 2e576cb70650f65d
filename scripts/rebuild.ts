// Rescan of a bucket's content/, making its index state and every feed agree with it:
// `npm run rebuild -- --bucket <name>`. For backfill and recovery. It runs the function's own rescan steps
// (lib/publish/rescan.ts) one after the other and writes directly, beside the function: run it when no upload
// is in flight, or send {"action":"rebuild"} to the queue instead, which keeps the single-writer order.
import { S3Client } from "@aws-sdk/client-s3";
import { ConfigError, StorageError } from "../lib/errors.js";
import { publish } from "../lib/publish/publish-changes.js";
import { retryingStorage } from "../lib/storage/retry.js";
import { createS3Storage } from "../lib/storage/s3.js";
import { s3ClientConfigFromEnv } from "../lib/storage/s3-client-config.js";
import { parseCli, usageError } from "./support/cli.js";

const USAGE = `usage: npm run rebuild -- --bucket <name> [--cache-control <value>]

Rebuilds every feed and the index state of a bucket from its content/. Credentials and region come
from the usual AWS variables (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_REGION);
AWS_ENDPOINT_URL_S3 points it at S3-compatible storage (MinIO, a local S3 server).`;
const values = parseCli(USAGE, { bucket: { type: "string" }, "cache-control": { type: "string" } });
if (!values.bucket) usageError("missing --bucket <name> (see --help)");

try {
  const started = performance.now();
  const bucket = retryingStorage(createS3Storage({ client: new S3Client(s3ClientConfigFromEnv(process.env)), bucket: values.bucket }));
  const options = { bucket, now: new Date(), ...(values["cache-control"] ? { cacheControl: values["cache-control"] } : {}) };
  // The same steps the function takes through its queue, delivered here one after the other.
  const results = [await publish(options, { changes: [], rebuild: true })];
  for (let next = results[0]!.next; next; next = results.at(-1)!.next) {
    console.log(`  ${next.phase}${next.after !== null ? ` after ${next.after}` : ""}`);
    results.push(await publish(options, { changes: [], rescan: next }));
  }
  const writes = results.flatMap((r) => r.writes);
  const rejected = results.flatMap((r) => r.results.filter((c) => c.outcome === "rejected"));
  const invalid = results.flatMap((r) => r.invalid);
  const count = (outcome: string) => writes.filter((w) => w.outcome === outcome).length;
  console.log(
    `Rescanned s3://${values.bucket} in ${results.length} ${results.length === 1 ? "call" : "calls"}, ${Math.round(performance.now() - started)} ms: ` +
      `${count("written")} files written, ${count("unchanged")} unchanged, ${count("deleted")} removed, ${invalid.length} not written (invalid); ${rejected.length} ${rejected.length === 1 ? "post" : "posts"} rejected`,
  );
  for (const r of rejected) console.log(`  content/${r.key}: ${r.reason}`);
  for (const f of invalid) console.log(`  ${f.key}: ${f.reason} (posts: ${f.posts.join(", ") || "none"})`);
  process.exitCode = rejected.length > 0 || invalid.length > 0 ? 1 : 0;
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
