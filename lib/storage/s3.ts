import { createHash } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { StorageError, TooLargeError } from "../errors.js";
import { assertValidKey, assertValidPrefix, compareKeys } from "./keys.js";
import type { Storage } from "./types.js";

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Prepended verbatim to every key (e.g. "content/") and stripped from list results. */
  prefix?: string;
  /** Keys per ListObjectsV2 page (S3's maximum is 1000); small values let tests exercise paging. */
  pageSize?: number;
}

const TRANSIENT_NAMES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);
const SHA256_HEX = /^[0-9a-f]{64}$/;

interface SdkErrorFields {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function fields(error: unknown): SdkErrorFields {
  return typeof error === "object" && error !== null ? (error as SdkErrorFields) : {};
}

/** Throttling, 5xx and dropped connections may succeed on a retry; anything else will not. */
export function isTransientS3Error(error: unknown): boolean {
  const { name, code, $metadata } = fields(error);
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  return TRANSIENT_NAMES.has(name ?? "") || TRANSIENT_CODES.has(code ?? "");
}

function isNotFound(error: unknown): boolean {
  const { name, $metadata } = fields(error);
  // A missing bucket is a misconfiguration, not a missing key: let it surface.
  if (name === "NoSuchBucket") return false;
  return name === "NoSuchKey" || name === "NotFound" || $metadata?.httpStatusCode === 404;
}

/**
 * The body streams in after send() has returned, past any retry inside the SDK: a connection reset
 * or stall while it is read, or fewer bytes than Content-Length, is a network failure, so transient.
 */
async function readBody(key: string, result: GetObjectCommandOutput): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = (await result.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    throw new StorageError(key, "get", true, { cause: error });
  }
  if (result.ContentLength !== undefined && bytes.byteLength !== result.ContentLength) {
    const cause = new Error(`the body ended after ${bytes.byteLength} of ${result.ContentLength} bytes`);
    throw new StorageError(key, "get", true, { cause });
  }
  return bytes;
}

/** Storage in an S3 bucket; `hash` reads the sha256 this driver records as object metadata. */
export function createS3Storage(options: S3StorageOptions): Storage {
  const { client, bucket, prefix = "", pageSize = 1000 } = options;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new RangeError(`[storage] [s3] pageSize must be an integer in 1..1000, got ${pageSize}`);
  }

  async function attempt<T>(op: StorageError["op"], key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof StorageError || error instanceof TooLargeError) throw error;
      throw new StorageError(key, op, isTransientS3Error(error), { cause: error });
    }
  }

  return {
    get: (key, getOptions) =>
      attempt("get", key, async () => {
        assertValidKey("get", key);
        let result: GetObjectCommandOutput;
        try {
          result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
        } catch (error) {
          if (isNotFound(error)) return null;
          throw error;
        }
        const max = getOptions?.maxBytes;
        if (max !== undefined && result.ContentLength !== undefined && result.ContentLength > max) {
          // The body is not read: dropping the stream closes the connection instead of downloading it.
          (result.Body as { destroy?: () => void } | undefined)?.destroy?.();
          throw new TooLargeError(key, result.ContentLength, max);
        }
        return readBody(key, result);
      }),

    hash: (key) =>
      attempt("hash", key, async () => {
        assertValidKey("hash", key);
        try {
          const result = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix + key }));
          const sha256 = result.Metadata?.["sha256"];
          // Objects written by other tools carry no (or a foreign) hash: unknown, so the caller rewrites.
          return sha256 !== undefined && SHA256_HEX.test(sha256) ? sha256 : null;
        } catch (error) {
          if (isNotFound(error)) return null;
          throw error;
        }
      }),

    put: (key, body, putOptions = {}) =>
      attempt("put", key, async () => {
        assertValidKey("put", key);
        const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
        const sha256 = putOptions.sha256 ?? createHash("sha256").update(bytes).digest("hex");
        const command = new PutObjectCommand({
          Bucket: bucket,
          Key: prefix + key,
          Body: bytes,
          ContentType: putOptions.contentType,
          CacheControl: putOptions.cacheControl,
          Metadata: { sha256 },
        });
        // The body is hashed once: SigV4 signs the payload hash given in this header instead of
        // hashing the body again, and S3 refuses the PUT if the bytes do not match it.
        command.middlewareStack.add(
          (next) => async (args) => {
            const request = args.request as { headers?: Record<string, string> };
            if (request.headers) request.headers["x-amz-content-sha256"] = sha256;
            return next(args);
          },
          { step: "build", name: "feedpubPayloadSha256" },
        );
        await client.send(command);
      }),

    delete: (key) =>
      attempt("delete", key, async () => {
        assertValidKey("delete", key);
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: prefix + key }));
      }),

    list: (listPrefix, { after, limit = Infinity } = {}) =>
      attempt("list", listPrefix, async () => {
        assertValidPrefix(listPrefix);
        const keys: string[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix + listPrefix,
              MaxKeys: Math.min(pageSize, limit - keys.length),
              ContinuationToken: token,
              // S3 ignores StartAfter once a continuation token is given.
              ...(after !== undefined && !token ? { StartAfter: prefix + after } : {}),
            }),
          );
          for (const object of page.Contents ?? []) {
            if (object.Key?.startsWith(prefix)) keys.push(object.Key.slice(prefix.length));
          }
          // Some S3-compatible servers echo NextContinuationToken even when not truncated.
          token = page.IsTruncated && keys.length < limit ? page.NextContinuationToken : undefined;
          if (page.IsTruncated && keys.length < limit && !token) throw new Error("ListObjectsV2 was truncated but gave no continuation token");
        } while (token);
        // S3 already answers in UTF-8 byte order; sorting again holds the contract for servers that do
        // not (s3rver lists in UTF-16 order but applies StartAfter in byte order, and so can repeat a key).
        keys.sort(compareKeys);
        return after === undefined ? keys : keys.filter((key) => compareKeys(key, after) > 0);
      }),
  };
}
