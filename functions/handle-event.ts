import type { SQSBatchItemFailure, SQSBatchResponse, SQSRecord } from "aws-lambda";
import { publish, type Change, type PublishResult } from "../lib/publish/publish-changes.js";
import type { InvalidFile } from "../lib/publish/write-files.js";
import type { Storage } from "../lib/storage/types.js";
import { MalformedMessageError, parseRequest, type Request } from "./events.js";
import type { Log } from "./log.js";
import { CONTENT_PREFIX } from "../lib/layout.js";

export interface Deps {
  bucket: Storage;
  bucketName: string;
  cacheControl: string;
  now: () => Date;
  log: Log;
}

interface Message {
  id?: string;
  request: Request;
}

/**
 * Translates one invocation (an SQS batch, or an event delivered directly) into one core call and
 * the batch response. Changes from every message are applied together, so each affected feed is
 * written once per batch. When a change fails transiently, its message and every later one are
 * reported as failed: the queue is FIFO, and a later edit must not overtake an earlier one.
 */
export async function handleEvent(event: unknown, deps: Deps): Promise<SQSBatchResponse> {
  const messages = readMessages(event, deps);
  const now = deps.now();
  const started = performance.now();

  const changes: Change[] = [];
  const owner: number[] = []; // message index of each change
  for (const [index, m] of messages.entries()) {
    if (m.request.kind !== "changes") continue;
    for (const change of m.request.changes) {
      changes.push(change);
      owner.push(index);
    }
  }

  let result: PublishResult;
  try {
    const rebuild = messages.some((m) => m.request.kind === "rebuild");
    result = await publish({ bucket: deps.bucket, now, cacheControl: deps.cacheControl }, { changes, rebuild });
  } catch (error) {
    deps.log({ level: "error", type: "batch", outcome: "failed", error: String(error), messages: messages.length });
    throw error;
  }

  for (const r of result.results) {
    deps.log({ level: r.outcome === "rejected" ? "warn" : "info", type: "post", key: `${CONTENT_PREFIX}${r.key}`, outcome: r.outcome, ...(r.reason ? { reason: r.reason } : {}), ms: r.ms });
  }
  for (const w of result.writes) {
    if (w.outcome === "written" || w.outcome === "deleted") deps.log({ level: "info", type: "feed", key: w.key, outcome: w.outcome, ...(w.ms !== undefined ? { ms: w.ms } : {}) });
  }

  logInvalid(result.invalid, deps.log);

  const failures: SQSBatchItemFailure[] = [];
  // Delivered directly, not by SQS: only a thrown error makes Lambda retry the invocation.
  if (result.failedAt !== undefined && messages.every((m) => !m.id)) throw result.failure;
  if (result.failedAt !== undefined) {
    // Changes past the batch's own are posts that came due; the next tick retries those.
    const firstFailed = owner[result.failedAt];
    if (firstFailed !== undefined) {
      for (const m of messages.slice(firstFailed)) if (m.id) failures.push({ itemIdentifier: m.id });
    }
    deps.log({ level: "warn", type: "batch", outcome: "retrying", error: String(result.failure), retried: failures.length });
  }
  deps.log({ level: "info", type: "batch", messages: messages.length, changes: changes.length, rebuilt: result.rebuilt, ms: Math.round(performance.now() - started) });
  return { batchItemFailures: failures };
}

function readMessages(event: unknown, deps: Deps): Message[] {
  const records = (event as { Records?: unknown[] } | null)?.Records;
  const fromSqs = Array.isArray(records) && records.length > 0 && (records[0] as SQSRecord).eventSource === "aws:sqs";
  const raw: { id?: string; body: () => unknown }[] = fromSqs
    ? (records as SQSRecord[]).map((r) => ({ id: r.messageId, body: () => JSON.parse(r.body) as unknown }))
    : [{ body: () => event }];
  return raw.flatMap(({ id, body }) => {
    try {
      const request = parseRequest(body(), deps.bucketName);
      if (request.kind === "ignore") deps.log({ level: "info", type: "message", id, outcome: "ignored", reason: request.why });
      return [{ ...(id ? { id } : {}), request }];
    } catch (error) {
      // Retrying cannot make an unreadable message readable; it would only hold up the queue.
      if (error instanceof SyntaxError || error instanceof MalformedMessageError) {
        deps.log({ level: "error", type: "message", id, outcome: "dropped", reason: error.message });
        return [];
      }
      throw error;
    }
  });
}

/** A feed that did not parse back keeps its last good version; retrying cannot fix it, so it is only reported. */
function logInvalid(invalid: InvalidFile[], log: Log): void {
  for (const f of invalid) log({ level: "error", type: "feed", key: f.key, outcome: "invalid", reason: f.reason, posts: f.posts.map((k) => `${CONTENT_PREFIX}${k}`) });
}
