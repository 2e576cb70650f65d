import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3EventRecord } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StorageError } from "../../lib/errors.js";
import { createRetryBudget, RETRY_COST, retryingStorage } from "../../lib/storage/retry.js";
import { createS3Storage } from "../../lib/storage/s3.js";
import { s3ClientConfigFromEnv } from "../../lib/storage/s3-client-config.js";
import { startFaultProxy, type FaultKind, type FaultProxy, type FaultSchedule, type ProxiedRequest } from "../support/fault-proxy.js";
import { encodeEventKey, type S3Server, startS3Server } from "../../scripts/support/local-aws/index.js";
import { describeStorageContract } from "./contract.js";

let server: S3Server;
let buckets = 0;

async function freshBucket(): Promise<string> {
  const bucket = `bucket-${++buckets}`;
  await server.createBucket(bucket);
  return bucket;
}

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

// Every contract test pages through ListObjectsV2 10 keys at a time, under a key prefix.
describeStorageContract("s3", async () => ({
  storage: createS3Storage({ client: server.client, bucket: await freshBucket(), prefix: "content/", pageSize: 10 }),
  cleanup: async () => {},
}));

/** An HTTP server answering every request with `status` and `body`; stands in for a failing S3. */
async function startFakeS3(status: number, body: string): Promise<{ endpoint: string; hits: () => number; server: Server }> {
  let hits = 0;
  const fake = createServer((_req, res) => {
    hits++;
    res.writeHead(status, { "content-type": "application/xml" }).end(body);
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, hits: () => hits, server: fake };
}

// Short, so a stalled response fails within the test.
const TIMEOUTS = { connectionMs: 500, socketIdleMs: 300 };

/** A client configured as the function's (one attempt per call), with s3rver's credentials. */
function clientFor(endpoint: string, accessKeyId = "S3RVER"): S3Client {
  return new S3Client({ ...s3ClientConfigFromEnv({ AWS_ENDPOINT_URL: endpoint }, TIMEOUTS), credentials: { accessKeyId, secretAccessKey: "S3RVER" } });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("s3 storage against s3rver", () => {
  let bucket: string;

  beforeEach(async () => {
    bucket = await freshBucket();
    server.resetRequests();
    server.resetEvents();
  });

  it("keeps keys under the prefix and lists only what is under it", async () => {
    await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: "elsewhere/x.xml", Body: "x" }));
    await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: "contentious.xml", Body: "x" }));
    const storage = createS3Storage({ client: server.client, bucket, prefix: "content/" });
    await storage.put("feed.xml", "<rss/>");
    const raw = await server.client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(raw.Contents?.map((object) => object.Key).sort()).toEqual(["content/feed.xml", "contentious.xml", "elsewhere/x.xml"]);
    expect(await storage.list("")).toEqual(["feed.xml"]);
    expect(await createS3Storage({ client: server.client, bucket }).list("")).toEqual(["content/feed.xml", "contentious.xml", "elsewhere/x.xml"]);
  });

  it("pages through ListObjectsV2 with the continuation token", async () => {
    const storage = createS3Storage({ client: server.client, bucket, pageSize: 10 });
    const keys = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    for (const key of keys) await storage.put(key, key);
    server.resetRequests();
    expect(await storage.list("")).toEqual(keys);
    expect(server.requests).toEqual({ ListObjectsV2: 3 });
  });

  it("sends Content-Type and Cache-Control, visible on a plain HTTP GET", async () => {
    const storage = createS3Storage({ client: server.client, bucket, prefix: "content/" });
    await storage.put("feeds/中文.xml", "<rss>中文</rss>", { contentType: "application/rss+xml; charset=utf-8", cacheControl: "public, max-age=300" });
    const response = await fetch(`${server.endpoint}/${bucket}/content/feeds/${encodeURIComponent("中文")}.xml`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/rss+xml; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    expect(response.headers.get("x-amz-meta-sha256")).toBe(createHash("sha256").update("<rss>中文</rss>").digest("hex"));
    expect(await response.text()).toBe("<rss>中文</rss>");
  });

  it("answers hash from metadata with one HEAD, and null when the metadata is absent or foreign", async () => {
    const storage = createS3Storage({ client: server.client, bucket });
    await storage.put("ours.xml", "a");
    server.resetRequests();
    expect(await storage.hash("ours.xml")).toBe(createHash("sha256").update("a").digest("hex"));
    expect(server.requests).toEqual({ HeadObject: 1 });

    await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: "theirs.xml", Body: "b" }));
    await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: "odd.xml", Body: "c", Metadata: { sha256: "not-a-hash" } }));
    expect(await storage.hash("theirs.xml")).toBeNull();
    expect(await storage.hash("odd.xml")).toBeNull();
    expect(new TextDecoder().decode((await storage.get("theirs.xml")) ?? undefined)).toBe("b");
  });

  it("reports a missing bucket as a permanent error, not as a missing key", async () => {
    const storage = createS3Storage({ client: server.client, bucket: "no-such-bucket" });
    const error = await caught(storage.get("feed.xml"));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ key: "feed.xml", op: "get", transient: false });
    expect((error as StorageError).cause).toMatchObject({ name: "NoSuchBucket" });
  });

  it("reports rejected credentials as a permanent error", async () => {
    const storage = createS3Storage({ client: clientFor(server.endpoint, "WRONG"), bucket });
    const error = await caught(storage.put("feed.xml", "x"));
    expect(error).toMatchObject({ name: "StorageError", key: "feed.xml", op: "put", transient: false });
    expect((error as StorageError).cause).toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  it("reports a refused connection as a transient error", async () => {
    const closed = await startFakeS3(200, "");
    await new Promise((resolve) => closed.server.close(resolve));
    const storage = createS3Storage({ client: clientFor(closed.endpoint), bucket });
    const error = await caught(storage.get("feed.xml"));
    expect(error).toMatchObject({ name: "StorageError", key: "feed.xml", op: "get", transient: true });
    expect((error as StorageError).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it.each([
    [503, "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"],
    [500, "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"],
    [503, "<html>Service Unavailable</html>"],
  ])("reports HTTP %i as a transient error (%s)", async (status, body) => {
    const fake = await startFakeS3(status, body);
    try {
      const storage = createS3Storage({ client: clientFor(fake.endpoint), bucket });
      for (const [op, call] of [
        ["put", () => storage.put("a/feed.xml", "x")],
        ["list", () => storage.list("a/")],
        ["hash", () => storage.hash("a/feed.xml")],
      ] as const) {
        expect(await caught(call())).toMatchObject({ name: "StorageError", op, transient: true });
      }
      expect(fake.hits()).toBe(3);
    } finally {
      await new Promise((resolve) => fake.server.close(resolve));
    }
  });

  it("stops paging when IsTruncated is false, even if a NextContinuationToken is echoed", async () => {
    const fake = await startFakeS3(
      200,
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><NextContinuationToken>echoed</NextContinuationToken><Contents><Key>only.xml</Key><Size>1</Size></Contents></ListBucketResult>`,
    );
    try {
      const storage = createS3Storage({ client: clientFor(fake.endpoint), bucket });
      expect(await storage.list("")).toEqual(["only.xml"]);
      expect(fake.hits()).toBe(1);
    } finally {
      await new Promise((resolve) => fake.server.close(resolve));
    }
  });

  it("rejects a page size S3 would not honour", () => {
    expect(() => createS3Storage({ client: server.client, bucket, pageSize: 0 })).toThrow(RangeError);
    expect(() => createS3Storage({ client: server.client, bucket, pageSize: 1001 })).toThrow(RangeError);
  });
});

/** Fails the first request that `matches` with `kind`, and no other. */
function once(kind: FaultKind, matches: (r: ProxiedRequest) => boolean = () => true): FaultSchedule {
  let fired = false;
  return (r) => {
    if (fired || !matches(r)) return null;
    fired = true;
    return kind;
  };
}

describe("s3 storage PUT on the wire", () => {
  it("hashes the body once: SigV4 signs the SHA-256 the driver already has, and no CRC32 is added", async () => {
    const seen: Record<string, string | string[] | undefined>[] = [];
    const fake = createServer((req, res) => {
      seen.push(req.headers);
      req.resume().on("end", () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    try {
      const storage = createS3Storage({ client: clientFor(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`), bucket: "b" });
      const body = "<rss>银行</rss>";
      const sha256 = createHash("sha256").update(body).digest("hex");
      await storage.put("feeds/rss.xml", body);
      await storage.put("feeds/atom.xml", body, { sha256 });
      expect(seen).toHaveLength(2);
      for (const headers of seen) {
        expect(headers["x-amz-content-sha256"]).toBe(sha256);
        expect(headers["x-amz-meta-sha256"]).toBe(sha256);
        expect(String(headers.authorization)).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
        expect(Object.keys(headers).filter((h) => h.startsWith("x-amz-checksum") || h === "x-amz-sdk-checksum-algorithm")).toEqual([]);
      }
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});

describe("one retry layer, counted on the wire", () => {
  let proxy: FaultProxy;
  let client: S3Client;
  let bucket: string;

  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: server.endpoint });
    client = clientFor(proxy.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await proxy?.stop();
  });
  beforeEach(async () => {
    bucket = await freshBucket();
    await createS3Storage({ client: server.client, bucket }).put("feed.xml", "<rss/>");
    proxy.setSchedule(null);
    proxy.reset();
  });

  /** The storage the function builds: the production client config under retryingStorage. */
  const storageWith = (schedule: FaultSchedule, options: Parameters<typeof retryingStorage>[1] = {}) => {
    proxy.setSchedule(schedule);
    return retryingStorage(createS3Storage({ client, bucket }), options);
  };
  const always = (kind: FaultKind): FaultSchedule => (r) => (r.op === "GetObject" ? kind : null);
  const firstGet = (kind: FaultKind): FaultSchedule => once(kind, (r) => r.op === "GetObject");

  it("makes exactly 4 HTTP attempts for a GET that S3 always answers 503 SlowDown, then fails transiently", async () => {
    const started = performance.now();
    const error = await caught(storageWith(always("slow-down")).get("feed.xml"));
    expect(error).toMatchObject({ name: "StorageError", op: "get", key: "feed.xml", transient: true });
    expect((error as StorageError).cause).toMatchObject({ name: "SlowDown", $metadata: { httpStatusCode: 503 } });
    expect(proxy.requests).toEqual({ GetObject: 4 });
    expect(proxy.faults["slow-down"]).toEqual({ GetObject: 4 });
    // Three waits of full jitter below 100, 200 and 400 ms.
    expect(performance.now() - started).toBeLessThan(700 + 500);
  });

  it("succeeds on the second attempt after a 500", async () => {
    const storage = storageWith(firstGet("internal-error"));
    expect(new TextDecoder().decode((await storage.get("feed.xml"))!)).toBe("<rss/>");
    expect(proxy.requests).toEqual({ GetObject: 2 });
    expect(proxy.faults["internal-error"]).toEqual({ GetObject: 1 });
  });

  it("does not retry a 404: the key is missing", async () => {
    expect(await storageWith(() => null).get("missing.xml")).toBeNull();
    expect(await storageWith(() => null).hash("missing.xml")).toBeNull();
    expect(proxy.requests).toEqual({ GetObject: 1, HeadObject: 1 });
  });

  it("does not retry a 403", async () => {
    const wrong = clientFor(proxy.endpoint, "WRONG");
    try {
      const storage = retryingStorage(createS3Storage({ client: wrong, bucket }));
      const error = await caught(storage.get("feed.xml"));
      expect(error).toMatchObject({ name: "StorageError", transient: false });
      expect((error as StorageError).cause).toMatchObject({ $metadata: { httpStatusCode: 403 } });
      expect(proxy.requests).toEqual({ GetObject: 1 });
    } finally {
      wrong.destroy();
    }
  });

  it.each(["internal-error", "slow-down", "reset-before", "reset-after", "stall", "truncate"] as const)(
    "recovers from one %s on a GET with a single retry",
    async (kind) => {
      const storage = storageWith(firstGet(kind));
      expect(new TextDecoder().decode((await storage.get("feed.xml"))!)).toBe("<rss/>");
      expect(proxy.requests).toEqual({ GetObject: 2 });
      expect(proxy.faults[kind]).toEqual({ GetObject: 1 });
    },
  );

  it("stops retrying once the storage's budget is spent, so a dead S3 gets one request per call", async () => {
    const storage = storageWith(always("slow-down"), { budget: createRetryBudget(2 * RETRY_COST), sleep: async () => {} });
    await expect(storage.get("feed.xml")).rejects.toMatchObject({ transient: true });
    expect(proxy.requests).toEqual({ GetObject: 3 });
    await expect(storage.get("feed.xml")).rejects.toMatchObject({ transient: true });
    expect(proxy.requests).toEqual({ GetObject: 4 });
  });
});

describe("s3 storage when a response breaks off", () => {
  let proxy: FaultProxy;
  let client: S3Client;
  let bucket: string;
  const body = "<rss>".padEnd(4096, "x") + "</rss>";

  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: server.endpoint });
    client = clientFor(proxy.endpoint);
    bucket = await freshBucket();
    await createS3Storage({ client: server.client, bucket }).put("a/feed.xml", body);
  });
  afterAll(async () => {
    client?.destroy();
    await proxy?.stop();
  });

  it.each([["get"], ["list"]] as const)("reports a %s whose body is cut off mid-read as transient", async (op) => {
    proxy.reset();
    proxy.setSchedule(once("truncate"));
    const storage = createS3Storage({ client, bucket });
    const error = await caught(op === "get" ? storage.get("a/feed.xml") : storage.list("a/"));
    expect(error).toMatchObject({ name: "StorageError", op, transient: true });
    expect(proxy.faults.truncate).toEqual({ [op === "get" ? "GetObject" : "ListObjectsV2"]: 1 });
  });

  it.each([["stall"], ["reset-before"], ["reset-after"]] as const)("reports a %s as transient, on every operation", async (kind) => {
    const storage = createS3Storage({ client, bucket });
    for (const [op, call] of [
      ["get", () => storage.get("a/feed.xml")],
      ["hash", () => storage.hash("a/feed.xml")],
      ["put", () => storage.put("a/other.xml", "x")],
      ["delete", () => storage.delete("a/other.xml")],
      ["list", () => storage.list("a/")],
    ] as const) {
      proxy.reset();
      proxy.setSchedule(once(kind));
      const started = performance.now();
      expect(await caught(call()), `${kind} ${op}`).toMatchObject({ name: "StorageError", op, transient: true });
      if (kind === "stall") expect(performance.now() - started).toBeLessThan(TIMEOUTS.socketIdleMs + 500);
    }
  });

  it("reports a body shorter than its Content-Length as transient, even when the stream did not fail", async () => {
    const short = { send: async () => ({ ContentLength: 10, Body: { transformToByteArray: async () => new Uint8Array(4) } }) } as unknown as S3Client;
    const error = await caught(createS3Storage({ client: short, bucket }).get("a/feed.xml"));
    expect(error).toMatchObject({ name: "StorageError", op: "get", transient: true });
    expect((error as StorageError).message).toMatch(/after 4 of 10 bytes/);
  });
});

describe("test s3 server", () => {
  let bucket: string;

  beforeEach(async () => {
    bucket = await freshBucket();
    server.resetRequests();
    server.resetEvents();
  });

  it("counts requests by operation until reset", async () => {
    const storage = createS3Storage({ client: server.client, bucket });
    await storage.put("a", "1");
    await storage.put("b", "2");
    await storage.get("a");
    await storage.get("missing");
    expect(server.requests).toEqual({ PutObject: 2, GetObject: 2 });
    server.resetRequests();
    expect(server.requests).toEqual({});
  });

  it("records writes as the AWS S3 notification records a Lambda would receive", async () => {
    const storage = createS3Storage({ client: server.client, bucket, prefix: "content/" });
    await storage.put("posts/你好 world+(1).md", "# 你好");
    await storage.delete("posts/你好 world+(1).md");
    await storage.delete("posts/never-existed.md");

    expect(server.events.map((record) => record.eventName)).toEqual(["ObjectCreated:Put", "ObjectRemoved:Delete"]);
    const [created, removed] = server.events as [S3EventRecord, S3EventRecord];
    const key = "content/posts/%E4%BD%A0%E5%A5%BD+world%2B%281%29.md";
    expect(created).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: { key, size: new TextEncoder().encode("# 你好").length, eTag: createHash("md5").update("# 你好").digest("hex") },
      },
    });
    expect(shapeOf(created)).toEqual(shapeOf(AWS_PUT_RECORD));
    expect(shapeOf(removed)).toEqual(shapeOf(AWS_DELETE_RECORD));
    expect(removed.s3.object.key).toBe(key);
    // The decoding every S3-triggered Lambda does gets the storage key back.
    expect(decodeURIComponent(key.replace(/\+/g, " "))).toBe("content/posts/你好 world+(1).md");
  });
});

describe("encodeEventKey", () => {
  it.each([
    ["plain/key-1_2.3.xml", "plain/key-1_2.3.xml"],
    ["a b/c d", "a+b/c+d"],
    ["a+b", "a%2Bb"],
    ["year=2024/中.md", "year%3D2024/%E4%B8%AD.md"],
    ["*!'()~", "*%21%27%28%29%7E"],
    ["😀", "%F0%9F%98%80"],
    ["a%20b&c?d#e:f@g", "a%2520b%26c%3Fd%23e%3Af%40g"],
  ])("encodes %j as %j", (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
  });
});

/** Every property path with its type, so records can be compared shape to shape. */
function shapeOf(value: unknown, path = ""): string[] {
  if (typeof value !== "object" || value === null) return [`${path}: ${typeof value}`];
  return Object.entries(value).flatMap(([name, child]) => shapeOf(child, `${path}.${name}`)).sort();
}

// From the AWS S3 event notification documentation (notification-content-structure).
const AWS_PUT_RECORD = {
  eventVersion: "2.1",
  eventSource: "aws:s3",
  awsRegion: "us-west-2",
  eventTime: "1970-01-01T00:00:00.000Z",
  eventName: "ObjectCreated:Put",
  userIdentity: { principalId: "AWS:AIDAJDPLRKLG7UEXAMPLE" },
  requestParameters: { sourceIPAddress: "127.0.0.1" },
  responseElements: { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD" },
  s3: {
    s3SchemaVersion: "1.0",
    configurationId: "testConfigRule",
    bucket: { name: "amzn-s3-demo-bucket", ownerIdentity: { principalId: "A3NL1KOZZKExample" }, arn: "arn:aws:s3:::amzn-s3-demo-bucket" },
    object: { key: "HappyFace.jpg", size: 1024, eTag: "d41d8cd98f00b204e9800998ecf8427e", sequencer: "0055AED6DCD90281E5" },
  },
};
const AWS_DELETE_RECORD = {
  ...AWS_PUT_RECORD,
  eventName: "ObjectRemoved:Delete",
  s3: { ...AWS_PUT_RECORD.s3, object: { key: "HappyFace.jpg", sequencer: "0055AED6DCD90281E5" } },
};
