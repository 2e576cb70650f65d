/**
 * The events EventBridge hands the publish queue: S3's "Object Created" / "Object Deleted" (keys
 * raw, as stored) and the rate(5 minutes) "Scheduled Event". Shapes follow AWS's documented
 * examples; ids come from the shared counter, so a run is reproducible.
 */
import type { EventBridgeEvent, S3EventRecord, ScheduledEvent } from "aws-lambda";
import { ACCOUNT_ID, EPOCH, eventTime, hex, next, REGION, uuid } from "./ids.js";
import { decodeNotificationKey } from "./s3-notifications.js";

export const SCHEDULE_RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/feedpub-dev-ScheduleRule-1KQ6ZP3V5D2XH`;
// AWS's examples of "Object Deleted" carry the ETag of empty content.
const EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e";

/** The `detail` of S3's EventBridge events; @types/aws-lambda wants version-id, which unversioned buckets leave out. */
export interface S3EventDetail {
  version: "0";
  bucket: { name: string };
  object: { key: string; size?: number; etag?: string; "version-id"?: string; sequencer: string };
  "request-id": string;
  requester: string;
  "source-ip-address"?: string;
  reason: "PutObject" | "POST Object" | "CopyObject" | "CompleteMultipartUpload" | "DeleteObject" | "Lifecycle Expiration";
  "deletion-type"?: "Permanently Deleted" | "Delete Marker Created";
}

export type S3ChangeType = "Object Created" | "Object Deleted";
export type S3EventBridgeEvent = EventBridgeEvent<S3ChangeType, S3EventDetail> & { source: "aws.s3" };

export interface S3EventOptions {
  bucket: string;
  /** The object key as stored: EventBridge does not URL-encode it. */
  key: string;
  type: S3ChangeType;
  time?: Date;
  size?: number;
  /** "Object Deleted" only; defaults to what DeleteObject on an unversioned bucket says. */
  reason?: S3EventDetail["reason"];
  deletionType?: S3EventDetail["deletion-type"];
  versionId?: string;
}

/** The EventBridge event S3 sends for a write or a delete. */
export function eventBridgeS3Event(options: S3EventOptions): S3EventBridgeEvent {
  const n = next();
  const created = options.type === "Object Created";
  const size = options.size ?? 512;
  const etag = created ? hex("md5", `${options.key}#${n}`) : EMPTY_ETAG;
  const detail: S3EventDetail = {
    version: "0",
    bucket: { name: options.bucket },
    object: {
      key: options.key,
      ...(created ? { size } : {}),
      etag,
      ...(options.versionId ? { "version-id": options.versionId } : {}),
      sequencer: (0x617f08299329d189n + BigInt(n)).toString(16).toUpperCase(),
    },
    "request-id": `N4N7GDK58NM${n.toString(36).toUpperCase().padStart(5, "0")}`,
    requester: ACCOUNT_ID,
    "source-ip-address": "203.0.113.7",
    reason: options.reason ?? (created ? "PutObject" : "DeleteObject"),
    ...(created ? {} : { "deletion-type": options.deletionType ?? "Permanently Deleted" }),
  };
  // Lifecycle deletes come from S3 itself, with no client address.
  if (detail.reason === "Lifecycle Expiration") {
    detail.requester = "s3.amazonaws.com";
    delete detail["source-ip-address"];
  }
  return {
    version: "0",
    id: uuid(n),
    "detail-type": options.type,
    source: "aws.s3",
    account: ACCOUNT_ID,
    time: eventTime(options.time ?? new Date(EPOCH + n * 1000)),
    region: REGION,
    resources: [`arn:aws:s3:::${options.bucket}`],
    detail,
  };
}

/** The event EventBridge's rate(5 minutes) rule sends (no Input: EventBridge's own event). */
export function scheduledEvent(time?: Date): ScheduledEvent<Record<string, never>> {
  const n = next();
  return {
    version: "0",
    id: uuid(n),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: ACCOUNT_ID,
    time: eventTime(time ?? new Date(EPOCH + n * 1000)),
    region: REGION,
    resources: [SCHEDULE_RULE_ARN],
    detail: {},
  };
}

const CREATED_REASONS: Record<string, S3EventDetail["reason"]> = {
  "ObjectCreated:Put": "PutObject",
  "ObjectCreated:Post": "POST Object",
  "ObjectCreated:Copy": "CopyObject",
  "ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
};

/**
 * The EventBridge event AWS sends for the same write as a captured s3rver notification record
 * (s3-server.ts `events`): same bucket, key (decoded: EventBridge keys are raw),
 * size, ETag, sequencer, request id and time.
 */
export function fromS3rver(record: S3EventRecord): S3EventBridgeEvent {
  const removed = record.eventName.startsWith("ObjectRemoved:");
  const reason = removed ? "DeleteObject" : CREATED_REASONS[record.eventName];
  if (!reason) throw new Error(`[eventbridge] no EventBridge event for "${record.eventName}"`);
  const { bucket, object } = record.s3;
  const n = next();
  const detail: S3EventDetail = {
    version: "0",
    bucket: { name: bucket.name },
    object: {
      key: decodeNotificationKey(object.key),
      ...(removed ? { etag: EMPTY_ETAG } : { size: object.size, etag: object.eTag }),
      sequencer: object.sequencer,
    },
    "request-id": record.responseElements["x-amz-request-id"],
    requester: ACCOUNT_ID,
    "source-ip-address": record.requestParameters.sourceIPAddress,
    reason,
    // s3rver has no versioning: a delete removes the object for good.
    ...(removed ? { "deletion-type": record.eventName === "ObjectRemoved:DeleteMarkerCreated" ? "Delete Marker Created" : "Permanently Deleted" } : {}),
  };
  return {
    version: "0",
    id: uuid(n),
    "detail-type": removed ? "Object Deleted" : "Object Created",
    source: "aws.s3",
    account: ACCOUNT_ID,
    time: eventTime(new Date(record.eventTime)),
    region: record.awsRegion,
    resources: [`arn:aws:s3:::${bucket.name}`],
    detail,
  };
}
