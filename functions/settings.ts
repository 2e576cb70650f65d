import { ConfigError } from "../lib/errors.js";
import { DEFAULT_CACHE_CONTROL } from "../lib/publish/write-files.js";

export interface Settings {
  bucket: string;
  cacheControl: string;
  /** The publish queue, where the function sends the continuations of a rescan. */
  queueUrl: string;
}

// S3 bucket naming rules: 3-63 characters, lower case, digits, dots and hyphens.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads the function's settings from its environment, reporting every problem at once. */
export function readSettings(env: Record<string, string | undefined>): Settings {
  const problems: string[] = [];
  const bucket = env.BUCKET?.trim() ?? "";
  if (!bucket) problems.push("BUCKET is not set: it names the bucket that holds content/, feeds/ and state/");
  else if (!BUCKET_NAME.test(bucket) || bucket.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) problems.push(`BUCKET "${bucket}" is not a valid S3 bucket name`);
  const cacheControl = env.CACHE_CONTROL?.trim() || DEFAULT_CACHE_CONTROL;
  if (/[\r\n]/.test(cacheControl)) problems.push("CACHE_CONTROL must be a single header value");
  const queueUrl = env.PUBLISH_QUEUE_URL?.trim() ?? "";
  if (!queueUrl) problems.push("PUBLISH_QUEUE_URL is not set: it names the FIFO queue the function sends a rescan's next step to");
  else if (!/^https:\/\/\S+\.fifo$/.test(queueUrl) && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]\S*$/.test(queueUrl)) problems.push(`PUBLISH_QUEUE_URL "${queueUrl}" is not the https URL of a FIFO queue (ending in .fifo)`);
  if (problems.length > 0) throw new ConfigError("environment", problems);
  return { bucket, cacheControl, queueUrl };
}
