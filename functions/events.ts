import type { Change } from "../lib/publish/publish-changes.js";
import { CONTENT_PREFIX } from "../lib/layout.js";

/** What one queue message asks for. */
export type Request =
  | { kind: "changes"; changes: Change[] }
  /** The 5-minute tick: publish posts whose time has come. */
  | { kind: "tick" }
  /** Rebuild every feed from content/ (sent by hand to reconcile). */
  | { kind: "rebuild" }
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
  if (event["detail-type"] === "Scheduled Event" || event.action === "tick") return { kind: "tick" };

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
