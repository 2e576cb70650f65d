/**
 * An HTTP proxy on 127.0.0.1 in front of a local S3 server (scripts/support/local-aws/s3-server.ts) that forwards
 * each request and, as its schedule says, fails it the ways S3 and the network do: 500 InternalError,
 * 503 SlowDown, a reset before the request reaches S3, a reset after S3 applied it, a response held
 * past the client's inactivity timeout, and a body cut off part-way. Point an S3Client's endpoint at
 * `endpoint`. It counts requests and faults by kind and operation.
 */
import { createHash } from "node:crypto";
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export const FAULT_KINDS = ["internal-error", "slow-down", "reset-before", "reset-after", "stall", "truncate"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One request as the proxy saw it arrive. */
export interface ProxiedRequest {
  /** Arrival order, from 0 at the start or the last `reset`. */
  index: number;
  /** S3 operation: GetObject, HeadObject, PutObject, DeleteObject, ListObjectsV2, CreateBucket, … */
  op: string;
  method: string;
  /** The path as sent, bucket first: "/site-1/state/site.json". */
  path: string;
  /** How many requests with this method and path came before this one, over the proxy's life (retries count). */
  occurrence: number;
}

/** Decides each request's fault, or null to forward it untouched. */
export type FaultSchedule = (request: ProxiedRequest) => FaultKind | null;

export interface InjectedFault extends ProxiedRequest {
  kind: FaultKind;
}

export interface FaultProxyOptions {
  /** Where requests go: the local S3 server's endpoint. */
  upstream: string;
  schedule?: FaultSchedule;
  /** Longest a stalled response is held if the client does not give up first. */
  maxStallMs?: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Requests received, by operation (faulted ones included). */
  readonly requests: Readonly<Record<string, number>>;
  /** Faults injected, by kind, then by operation. */
  readonly faults: Readonly<Record<FaultKind, Readonly<Record<string, number>>>>;
  /** Every fault injected, in order, with what is needed to find it again under the same seed. */
  readonly injected: readonly InjectedFault[];
  totalRequests(): number;
  totalFaults(): number;
  setSchedule(schedule: FaultSchedule | null): void;
  /**
   * Forgets counts and the fault log, and numbers arrivals from 0 again. Occurrences keep counting,
   * so a seeded schedule does not fail the same requests again in the next scenario.
   */
  reset(): void;
  /** Resolves once no request is being proxied. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const S3_ERRORS = {
  "internal-error": { status: 500, code: "InternalError", message: "We encountered an internal error. Please try again." },
  "slow-down": { status: 503, code: "SlowDown", message: "Please reduce your request rate." },
} as const;

/** The XML body S3 sends with an error status. */
export function s3ErrorXml(code: string, message: string, resource: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The S3 operation a path-style request is for; the SDK names most in `x-id`. */
export function operationOf(method: string, url: URL): string {
  const named = url.searchParams.get("x-id");
  if (named) return named;
  const hasKey = url.pathname.replace(/^\/+/, "").includes("/");
  if (method === "GET" && url.searchParams.get("list-type") === "2") return "ListObjectsV2";
  if (method === "GET") return hasKey ? "GetObject" : "ListObjects";
  if (method === "HEAD") return hasKey ? "HeadObject" : "HeadBucket";
  if (method === "PUT") return hasKey ? "PutObject" : "CreateBucket";
  if (method === "DELETE") return hasKey ? "DeleteObject" : "DeleteBucket";
  if (method === "POST" && url.searchParams.has("delete")) return "DeleteObjects";
  return `${method} ${hasKey ? "object" : "bucket"}`;
}

/** Operations whose successful response carries a body that can be cut off. */
const BODY_OPERATIONS = new Set(["GetObject", "ListObjectsV2", "ListObjects"]);

/** Two uniform numbers in [0, 1) that depend only on the text. */
function uniforms(text: string): [number, number] {
  const digest = createHash("sha256").update(text).digest();
  return [digest.readUInt32BE(0) / 2 ** 32, digest.readUInt32BE(4) / 2 ** 32];
}

export interface SeededScheduleOptions {
  seed: number;
  /** Share of requests that get a fault. */
  rate: number;
  /** Kinds to draw from, equally likely; `truncate` only for operations whose response has a body. */
  kinds?: readonly FaultKind[];
}

/**
 * A replayable schedule: each request's fault is a hash of the seed, its method, path and occurrence,
 * not of its arrival order, so concurrent requests racing each other do not change which one fails.
 */
export function seededSchedule({ seed, rate, kinds = FAULT_KINDS }: SeededScheduleOptions): FaultSchedule {
  return (r) => {
    const [draw, pick] = uniforms(`${seed} ${r.method} ${r.path} #${r.occurrence}`);
    if (draw >= rate) return null;
    const allowed = kinds.filter((k) => k !== "truncate" || BODY_OPERATIONS.has(r.op));
    return allowed[Math.floor(pick * allowed.length)] ?? null;
  };
}

/** Where a truncated body is cut: at least one byte short, depending only on the request. */
function cutAt(r: ProxiedRequest, length: number): number {
  return Math.floor(uniforms(`cut ${r.method} ${r.path} #${r.occurrence}`)[0] * length);
}

interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the proxy on a random loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const maxStallMs = options.maxStallMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let schedule = options.schedule ?? null;
  let index = 0;
  const occurrences = new Map<string, number>();
  const requests: Record<string, number> = {};
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, {}])) as Record<FaultKind, Record<string, number>>;
  const injected: InjectedFault[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let waiters: (() => void)[] = [];

  const forward = (req: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (res) => readAll(res).then((bytes) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: bytes }), reject),
      );
      out.on("error", reject);
      out.end(body);
    });

  const record = (r: ProxiedRequest, kind: FaultKind) => {
    faults[kind][r.op] = (faults[kind][r.op] ?? 0) + 1;
    injected.push({ ...r, kind });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, r: ProxiedRequest, fault: FaultKind | null): Promise<void> {
    if (fault === "reset-before") {
      record(r, fault);
      req.socket.destroy();
      return;
    }
    if (fault === "internal-error" || fault === "slow-down") {
      record(r, fault);
      const { status, code, message } = S3_ERRORS[fault];
      const requestId = `FAULT${String(r.index).padStart(11, "0")}`;
      const xml = req.method === "HEAD" ? "" : s3ErrorXml(code, message, r.path, requestId);
      res.writeHead(status, { "content-type": "application/xml", "x-amz-request-id": requestId, "content-length": Buffer.byteLength(xml) });
      res.end(xml);
      return;
    }
    const body = await readAll(req);
    const answer = await forward(req, body);
    if (fault === "reset-after") {
      record(r, fault);
      req.socket.destroy();
      return;
    }
    if (fault === "stall") {
      record(r, fault);
      // Nothing is sent until the client's inactivity timeout makes it hang up.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxStallMs);
        req.socket.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      req.socket.destroy();
      return;
    }
    const headers = { ...answer.headers };
    delete headers["transfer-encoding"];
    headers["content-length"] = String(answer.body.length);
    if (fault === "truncate" && answer.body.length > 0 && req.method !== "HEAD") {
      record(r, fault);
      // The real Content-Length, part of the body, then the connection drops.
      res.writeHead(answer.status, headers);
      res.write(answer.body.subarray(0, cutAt(r, answer.body.length)), () => req.socket.destroy());
      return;
    }
    res.writeHead(answer.status, headers);
    res.end(req.method === "HEAD" ? undefined : answer.body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    const op = operationOf(req.method ?? "GET", url);
    const slot = `${req.method} ${url.pathname}`;
    const occurrence = occurrences.get(slot) ?? 0;
    occurrences.set(slot, occurrence + 1);
    const r: ProxiedRequest = { index: index++, op, method: req.method ?? "GET", path: url.pathname, occurrence };
    requests[op] = (requests[op] ?? 0) + 1;
    const fault = op === "CreateBucket" ? null : (schedule?.(r) ?? null);
    inFlight++;
    handle(req, res, r, fault)
      .catch(() => req.socket.destroy())
      .finally(() => {
        if (--inFlight === 0) for (const wake of waiters.splice(0)) wake();
      });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    faults,
    injected,
    totalRequests: () => Object.values(requests).reduce((a, b) => a + b, 0),
    totalFaults: () => injected.length,
    setSchedule(next) {
      schedule = next;
    },
    reset() {
      index = 0;
      for (const op of Object.keys(requests)) delete requests[op];
      for (const kind of FAULT_KINDS) for (const op of Object.keys(faults[kind])) delete faults[kind][op];
      injected.length = 0;
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    async stop() {
      waiters = [];
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
