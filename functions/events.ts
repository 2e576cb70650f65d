import type { Change } from "../lib/publish/publish-changes.js";
import { RESCAN_PHASES, type RescanCursor } from "../lib/publish/rescan.js";
import { CONTENT_PREFIX } from "../lib/layout.js";

/** What one queue message asks for. */
export type Request =
  | { kind: "changes"; changes: Change[] }
  /** The 5-minute tick: publish posts whose time has come. */
  | { kind: "tick" }
  /** Rescan content/ and make every feed agree with it (sent by hand to reconcile). */
  | { kind: "rebuild" }
  /** The next step of a rescan under way: the continuation the function sent itself. */
  | { kind: "rescan"; cursor: RescanCursor }
  /** Nothing for this publisher (another bucket, a key outside content/, S3's test event). */
  | { kind: "ignore"; why: string };

/** Why a message could not be read at all; retrying it cannot help. */
export class MalformedMessageError extends Error {
  override readonly name = "MalformedMessageError";
}


/**
 * Reads one event as the deployed design delivers it (an EventBridge event from S3 or the
 * schedule, as the body of an SQS message) or as a plain S3 notification (object keys
 * form-urlencoded, as AWS documents for that shape). `bucket` filters out other buckets.
 */
export function parseRequest(body: unknown, bucket: string): Request {
  if (typeof body !== "object" || body === null) throw new MalformedMessageError("the message is not a JSON object");
  const event = body as Record<string, unknown>;

  if (event.action === "rebuild") return { kind: "rebuild" };
  if (event.action === "rescan") return { kind: "rescan", cursor: readCursor(event.rescan) };
  // A flush publishes the changes held back from full batches, as any call would: it is a tick.
  if (event["detail-type"] === "Scheduled Event" || event.action === "tick" || event.action === "flush") return { kind: "tick" };

  if (event.source === "aws.s3") {
    const detail = event.detail as { bucket?: { name?: unknown }; object?: { key?: unknown } } | undefined;
    const name = detail?.bucket?.name;
    const key = detail?.object?.key;
    if (typeof name !== "string" || typeof key !== "string") {
      throw new MalformedMessageError("an aws.s3 event without detail.bucket.name and detail.object.key");
    }
    if (name !== bucket) return { kind: "ignore", why: `event for bucket "${name}"` };
    const type = event["detail-type"];
    if (type !== "Object Created" && type !== "Object Deleted") return { kind: "ignore", why: `detail-type "${String(type)}"` };
    // EventBridge carries the key as stored, not form-urlencoded as S3 notifications do.
    return changesOf([{ key, removed: type === "Object Deleted" }]);
  }

  if (event.Event === "s3:TestEvent") return { kind: "ignore", why: "S3 test event" };
  if (Array.isArray(event.Records)) {
    const changes: Change[] = [];
    for (const record of event.Records as unknown[]) {
      const r = record as { eventName?: unknown; s3?: { bucket?: { name?: unknown }; object?: { key?: unknown } } };
      const name = r.s3?.bucket?.name;
      const key = r.s3?.object?.key;
      if (typeof name !== "string" || typeof key !== "string" || typeof r.eventName !== "string") {
        throw new MalformedMessageError("an S3 notification record without s3.bucket.name, s3.object.key and eventName");
      }
      if (name !== bucket) continue;
      const removed = r.eventName.startsWith("ObjectRemoved:");
      if (!removed && !r.eventName.startsWith("ObjectCreated:")) continue;
      changes.push({ key: decodeNotificationKey(key), removed });
    }
    return changesOf(changes);
  }
  throw new MalformedMessageError("neither an EventBridge event, an S3 notification nor a scheduled event");
}

/** The body of a continuation message, as continuationOf writes it. */
export function continuationOf(cursor: RescanCursor): { action: "rescan"; rescan: RescanCursor } {
  return { action: "rescan", rescan: { id: cursor.id, phase: cursor.phase, after: cursor.after } };
}

/**
 * The body of a flush, sent behind a burst whose changes were held back. Dated, so the queue's
 * content-based deduplication (five minutes) never takes one burst's flush for the last one's.
 */
export function flushOf(now: Date): { action: "flush"; at: string } {
  return { action: "flush", at: now.toISOString() };
}

function readCursor(value: unknown): RescanCursor {
  const c = value as Partial<RescanCursor> | null;
  const phases: readonly unknown[] = RESCAN_PHASES;
  if (typeof c !== "object" || c === null || typeof c.id !== "string" || !phases.includes(c.phase) || !(c.after === null || typeof c.after === "string")) {
    throw new MalformedMessageError(`a rescan message without rescan.id, rescan.phase (${RESCAN_PHASES.join(", ")}) and rescan.after (a key or null)`);
  }
  return { id: c.id, phase: c.phase!, after: c.after };
}

/** S3 notifications form-urlencode object keys: "+" is a space, "%E9%93%B6" is 银. */
export function decodeNotificationKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    throw new MalformedMessageError(`object key "${key}" is not validly URL-encoded`);
  }
}

function changesOf(raw: Change[]): Request {
  const changes = raw
    .filter((c) => c.key.startsWith(CONTENT_PREFIX))
    .map((c) => ({ key: c.key.slice(CONTENT_PREFIX.length), removed: c.removed }));
  return changes.length > 0 ? { kind: "changes", changes } : { kind: "ignore", why: "no key under content/" };
}
