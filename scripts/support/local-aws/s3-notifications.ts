/**
 * S3's event notification records, the shape a Lambda subscribed to the bucket gets: what s3rver
 * emits on each write, made exact, with object keys form-urlencoded as AWS sends them.
 */
import type { S3EventRecord } from "aws-lambda";

/** What s3rver 3.7 emits as `event` on each write: AWS's shape, give or take. */
export interface S3rverEvent {
  Records: Array<{
    eventVersion: string;
    eventSource: string;
    awsRegion: string;
    eventTime: string;
    eventName: string;
    userIdentity: { principalId: string };
    requestParameters: { sourceIPAddress: string };
    responseElements: { "x-amz-request-id": string; "x-amz-id-2": string };
    s3: {
      s3SchemaVersion: string;
      configurationId: string;
      bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
      object: { key: string; sequencer: string; size?: number; eTag?: string };
    };
  }>;
}

/**
 * Encodes an object key as AWS does in event notifications: form-urlencoded per character
 * (space is "+", everything but A–Z a–z 0–9 `*-._` is %XX of its UTF-8) with "/" left as is.
 * A handler undoes it with `decodeURIComponent(key.replace(/\+/g, " "))`.
 */
export function encodeEventKey(key: string): string {
  return key
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, "+"),
    )
    .join("/");
}

/** Undoes S3 notification key encoding ("+" is a space, %XX is UTF-8), independently of functions/events.ts. */
export function decodeNotificationKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/** Turns s3rver's event into the record a Lambda subscribed to the bucket would receive. */
export function toAwsS3Record(event: S3rverEvent, region = "us-east-1"): S3EventRecord {
  const [record, ...rest] = event.Records;
  if (!record || rest.length > 0) throw new Error(`expected one record, got ${event.Records.length}`);
  const { key, size, eTag, sequencer } = record.s3.object;
  // AWS leaves size and eTag out of ObjectRemoved records, though @types/aws-lambda marks them required.
  const object = (record.eventName.startsWith("ObjectRemoved:")
    ? { key: encodeEventKey(key), sequencer }
    : { key: encodeEventKey(key), size: size ?? 0, eTag: eTag ?? "", sequencer }) as S3EventRecord["s3"]["object"];
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: region,
    eventTime: record.eventTime,
    eventName: record.eventName,
    userIdentity: { principalId: record.userIdentity.principalId },
    requestParameters: { sourceIPAddress: record.requestParameters.sourceIPAddress },
    responseElements: {
      "x-amz-request-id": record.responseElements["x-amz-request-id"],
      "x-amz-id-2": record.responseElements["x-amz-id-2"],
    },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: record.s3.configurationId,
      bucket: {
        name: record.s3.bucket.name,
        ownerIdentity: { principalId: record.s3.bucket.ownerIdentity.principalId },
        // s3rver writes "arn:aws:s3: : :<bucket>".
        arn: `arn:aws:s3:::${record.s3.bucket.name}`,
      },
      object,
    },
  };
}
