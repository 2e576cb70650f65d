/**
 * A WebSub hub on loopback for the tests: a node:http server on 127.0.0.1 that records every
 * request it receives, form decoded, and answers as the test says (204 unless told otherwise).
 */
import { createServer, type IncomingMessage } from "node:http";
import { afterEach } from "vitest";
import type { AddressInfo } from "node:net";

export interface HubRequest {
  method: string;
  contentType: string | undefined;
  /** The body's form fields (hub.mode, hub.url). */
  form: Record<string, string>;
}

/** A status to answer with, or "hang": never answer, as a hub that accepted the connection and stalled. */
export type HubAnswer = number | "hang";

export interface TestHub {
  url: string;
  /** Every request received, in order of arrival. */
  requests: HubRequest[];
  /** How to answer a request: `count` is how many requests for the same hub.url `requests` holds before it. */
  answer: (request: HubRequest, count: number) => HubAnswer;
  /** The hub.url of each request, sorted. */
  topics(): string[];
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startHub(answer: TestHub["answer"] = () => 204): Promise<TestHub> {
  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const request: HubRequest = { method: req.method ?? "", contentType: req.headers["content-type"], form: Object.fromEntries(new URLSearchParams(body)) };
      const count = hub.requests.filter((r) => r.form["hub.url"] === request.form["hub.url"]).length;
      hub.requests.push(request);
      const status = hub.answer(request, count);
      if (status === "hang") return;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const hub: TestHub = {
    url: `http://127.0.0.1:${port}/hub`,
    requests: [],
    answer,
    topics: () => hub.requests.map((r) => r.form["hub.url"] ?? "").sort(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return hub;
}

/** The URL of a hub that is down: a loopback port that was just listened on and closed, so connecting is refused. */
export async function downHubUrl(): Promise<string> {
  const hub = await startHub();
  await hub.close();
  return hub.url;
}

/**
 * A `hub()` for a test file: each call starts a hub for the current test, closed after it. Call
 * once, at the file's top level.
 */
export function hubsClosedAfterEach(): (answer?: TestHub["answer"]) => Promise<TestHub> {
  const hubs: TestHub[] = [];
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((h) => h.close()));
  });
  return async (answer) => {
    const started = await startHub(answer);
    hubs.push(started);
    return started;
  };
}
