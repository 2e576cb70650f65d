/**
 * A local S3 server (s3rver) on loopback, with a client for it and every write it saw as the S3
 * notification record AWS would send: what the tests, `npm run dev` and the bench run against.
 */
import { createCipheriv } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3EventRecord } from "aws-lambda";
import { toAwsS3Record, type S3rverEvent } from "./s3-notifications.js";

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
  /** The records in `events`, which are then forgotten: for a caller that delivers them as they come. */
  takeEvents(): S3EventRecord[];
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

export interface S3ServerOptions {
  /** 0 (the default) for any free port. */
  port?: number;
  /** How the name of the server's temp folder starts. */
  folderPrefix?: string;
}

/**
 * Starts s3rver in this process on 127.0.0.1, storing into a fresh temp folder. A taken port is
 * an error whose code is "EADDRINUSE".
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  // s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its legacy provider.
  if (!desWorks()) {
    throw new Error("s3rver needs `node --openssl-legacy-provider` for paginated listing; vitest.config.ts passes it via execArgv");
  }
  const requested = options.port ?? 0;
  // s3rver reports a taken port as an unhandled 'error' event, so the port is tried first.
  if (requested !== 0 && (await portTaken(requested))) {
    throw Object.assign(new Error(`port ${requested} is in use`), { code: "EADDRINUSE" });
  }
  const S3rver = require("s3rver") as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), options.folderPrefix ?? "feedpub-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: requested, directory, silent: true });
  const events: S3EventRecord[] = [];
  server.on("event", (event) => events.push(toAwsS3Record(event)));
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
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
    takeEvents: () => events.splice(0),
    async stop() {
      client.destroy();
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

function desWorks(): boolean {
  try {
    createCipheriv("des", Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}
