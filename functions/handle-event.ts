import type { SQSBatchItemFailure, SQSBatchResponse, SQSRecord } from "aws-lambda";
import { publish, type PublishRequest, type PublishResult } from "../lib/publish/publish-changes.js";
import type { RescanCursor } from "../lib/publish/rescan.js";
import type { InvalidFile } from "../lib/publish/write-files.js";
import type { Storage } from "../lib/storage/types.js";
import type { Notify } from "../lib/websub/notify-hubs.js";
import { announceChanges } from "./announce.js";
import { continuationOf, flushOf, MalformedMessageError, parseRequest, type Request } from "./events.js";
import type { Log } from "./log.js";
import { CONTENT_PREFIX } from "../lib/layout.js";

export interface Deps {
  bucket: Storage;
  bucketName: string;
  cacheControl: string;
  now: () => Date;
  log: Log;
  /** Sends a rescan's continuation or a burst's flush to the publish queue, behind what is already in it. */
  send: (body: object) => Promise<void>;
  /** PublishOptions.rescanWork: how much of a rescan one invocation does. */
  rescanWork?: number;
  /**
   * Tells the WebSub hubs `_config.yml` names which feeds changed (lib/websub/notify-hubs.ts);
   * without it, no hub is told.
   */
  notify?: Notify;
}

/** The most messages an SQS FIFO queue hands a function at once (serverless.yml's batchSize). */
export const SQS_FIFO_MAX_BATCH = 10;

interface Message {
  id?: string;
  request: Request;
}

/**
 * Translates one invocation (an SQS batch, or an event delivered directly) into core calls and
 * the batch response. Consecutive change messages are applied together, so each affected feed is
 * written once per batch; a rebuild or a rescan step is a call of its own, in its place in the
 * order. When a call fails, its messages and every later one are reported as failed: the queue
 * is FIFO, and a later edit must not overtake an earlier one. A rescan that is not finished asks
 * for a continuation, which is sent to the queue before the batch is answered; so does a full
 * batch whose changes the core held back for those queued behind it (a flush). Last, the feeds
 * the whole invocation changed are announced to the site's WebSub hubs, once; the batch response
 * is settled by then and does not depend on them.
 */
export async function handleEvent(event: unknown, deps: Deps): Promise<SQSBatchResponse> {
  const messages = readMessages(event, deps);
  const now = deps.now();
  const started = performance.now();
  const options = { bucket: deps.bucket, now, cacheControl: deps.cacheControl, ...(deps.rescanWork !== undefined ? { rescanWork: deps.rescanWork } : {}) };

  // A full batch (SQS FIFO hands a function at most 10 messages) says more wait behind it.
  const more = messages.length >= SQS_FIFO_MAX_BATCH;
  const failures: SQSBatchItemFailure[] = [];
  let next: RescanCursor | undefined;
  let flush = false;
  let rebuilt = false;
  const outcomes: PublishResult["writes"] = [];
  for (const segment of segmentsOf(messages)) {
    let result: PublishResult;
    try {
      result = await publish(options, more && segment.request.changes.length > 0 ? { ...segment.request, more } : segment.request);
    } catch (error) {
      deps.log({ level: "error", type: "batch", outcome: "failed", error: String(error), messages: messages.length });
      // Delivered directly, or nothing before it succeeded: the whole invocation is retried.
      if (segment.first === 0 || messages.every((m) => !m.id)) throw error;
      failures.push(...failed(messages.slice(segment.first)));
      break;
    }
    logResult(result, deps.log);
    outcomes.push(...result.writes);
    rebuilt ||= result.rebuilt;
    if (result.next) next = result.next;
    flush ||= result.flush === true;
    if (result.failedAt !== undefined) {
      if (messages.every((m) => !m.id)) throw result.failure;
      // Changes past the batch's own are posts that came due, or held ones: a tick or a flush
      // carrying only those fails, so the queue delivers it again; otherwise the next tick retries them.
      const firstFailed = segment.owner[result.failedAt] ?? (segment.owner.length === 0 ? segment.first : undefined);
      if (firstFailed !== undefined) failures.push(...failed(messages.slice(firstFailed)));
      deps.log({ level: "warn", type: "batch", outcome: "retrying", error: String(result.failure), retried: failures.length });
      if (firstFailed !== undefined) break;
    }
  }
  if (next) {
    await deps.send(continuationOf(next));
    deps.log({ level: "info", type: "rescan", outcome: "continues", id: next.id, phase: next.phase, after: next.after });
  }
  if (flush) {
    await deps.send(flushOf(now));
    deps.log({ level: "info", type: "batch", outcome: "held", reason: "a flush is queued behind the changes waiting" });
  }
  const changes = messages.reduce((n, m) => n + (m.request.kind === "changes" ? m.request.changes.length : 0), 0);
  deps.log({ level: "info", type: "batch", messages: messages.length, changes, rebuilt, ms: Math.round(performance.now() - started) });
  if (deps.notify) await announceChanges(outcomes, { bucket: deps.bucket, notify: deps.notify, log: deps.log });
  return { batchItemFailures: failures };
}

interface Segment {
  request: PublishRequest;
  /** Index of its first message. */
  first: number;
  /** Message index of each change. */
  owner: number[];
}

/** Runs of change messages (ticks and ignored messages among them) as one request; a rebuild or a rescan step alone. */
function segmentsOf(messages: Message[]): Segment[] {
  const segments: Segment[] = [];
  let open: Segment | undefined;
  for (const [index, { request }] of messages.entries()) {
    if (request.kind === "rebuild" || request.kind === "rescan") {
      open = undefined;
      segments.push({ request: request.kind === "rebuild" ? { changes: [], rebuild: true } : { changes: [], rescan: request.cursor }, first: index, owner: [] });
      continue;
    }
    if (!open) segments.push((open = { request: { changes: [] }, first: index, owner: [] }));
    if (request.kind !== "changes") continue;
    for (const change of request.changes) {
      open.request.changes.push(change);
      open.owner.push(index);
    }
  }
  return segments;
}

function failed(messages: Message[]): SQSBatchItemFailure[] {
  return messages.flatMap((m) => (m.id ? [{ itemIdentifier: m.id }] : []));
}

function logResult(result: PublishResult, log: Log): void {
  for (const r of result.results) {
    log({ level: r.outcome === "rejected" ? "warn" : "info", type: "post", key: `${CONTENT_PREFIX}${r.key}`, outcome: r.outcome, ...(r.reason ? { reason: r.reason } : {}), ms: r.ms });
  }
  for (const w of result.writes) {
    if (w.outcome === "written" || w.outcome === "deleted") log({ level: "info", type: "feed", key: w.key, outcome: w.outcome, ...(w.ms !== undefined ? { ms: w.ms } : {}) });
  }
  logInvalid(result.invalid, log);
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
