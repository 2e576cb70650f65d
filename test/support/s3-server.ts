import { createCipheriv } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3EventRecord } from "aws-lambda";
import { toAwsS3Record, type S3rverEvent } from "./s3-events.js";

// s3rver ships no types; this is the part of its API we use.
interface S3rver {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  on(name: "event", listener: (event: S3rverEvent) => void): void;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  resetOnClose?: boolean;
}) => S3rver;

export interface S3Server {
  /** e.g. "http://127.0.0.1:41234" */
  endpoint: string;
  /** Path-style client with s3rver's fixed credentials; every request it sends is counted in `requests`. */
  client: S3Client;
  createBucket(name: string): Promise<void>;
  /** HTTP requests sent by `client`, by operation name: { GetObject: 3, PutObject: 2 }. Retries count. */
  readonly requests: Readonly<Record<string, number>>;
  resetRequests(): void;
  /** Every write the server saw, as the AWS S3 notification record a Lambda would get. */
  readonly events: readonly S3EventRecord[];
  resetEvents(): void;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** Starts s3rver in this process on a random port, storing into a fresh temp folder. */
export async function startS3Server(): Promise<S3Server> {
  // s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its legacy provider.
  if (!desWorks()) {
    throw new Error("s3rver needs `node --openssl-legacy-provider` for paginated listing; vitest.config.ts passes it via execArgv");
  }
  const S3rver = require("s3rver") as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), "feedpub-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true });
  const events: S3EventRecord[] = [];
  server.on("event", (event) => events.push(toAwsS3Record(event)));
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;

  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  const requests: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
      requests[operation] = (requests[operation] ?? 0) + 1;
      return next(args);
    },
    // Inside the retry middleware (finalizeRequest), so each attempt on the wire counts.
    { step: "deserialize", name: "countRequests" },
  );

  return {
    endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    requests,
    resetRequests() {
      for (const name of Object.keys(requests)) delete requests[name];
    },
    events,
    resetEvents() {
      events.length = 0;
    },
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function desWorks(): boolean {
  try {
    createCipheriv("des", Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}
