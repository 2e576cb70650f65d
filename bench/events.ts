import { createHash } from "node:crypto";
import type { SQSEvent, SQSRecord } from "aws-lambda";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
let sequence = 0;

const hex = (text: string, algorithm = "md5") => createHash(algorithm).update(text).digest("hex");

/** An SQS FIFO record whose body is S3's EventBridge "Object Created" event, as the deployed queue delivers it. */
function sqsRecord(bucket: string, key: string, size: number, time: Date): SQSRecord {
  const n = ++sequence;
  const body = JSON.stringify({
    version: "0",
    id: `0bench00-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
    "detail-type": "Object Created",
    source: "aws.s3",
    account: ACCOUNT,
    time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: REGION,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key, size, etag: hex(`${key}#${n}`), sequencer: (0x617f08299329d189n + BigInt(n)).toString(16).toUpperCase() },
      "request-id": hex(String(n)).slice(0, 16).toUpperCase(),
      requester: ACCOUNT,
      "source-ip-address": "203.0.113.7",
      reason: "PutObject",
    },
  });
  return {
    messageId: `5f1e0d2c-${String(n).padStart(4, "0")}-4a3b-9c8d-7e6f5a4b3c2d`,
    receiptHandle: `AQEB${hex(`receipt#${n}`, "sha256")}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(time.getTime()),
      SequenceNumber: String(18_849_496_460_467_696_128n + BigInt(n)),
      MessageGroupId: "feeds",
      SenderId: "AIDAIE6VAXUQU2DKHA7DK",
      MessageDeduplicationId: hex(body, "sha256"),
      ApproximateFirstReceiveTimestamp: String(time.getTime()),
    },
    messageAttributes: {},
    md5OfBody: hex(body),
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:feedpub-bench-publish.fifo`,
    awsRegion: REGION,
  };
}

/** One SQS batch with one "Object Created" message per object, in order. */
export function sqsObjectCreatedBatch(bucket: string, objects: { key: string; size: number }[], time: Date): SQSEvent {
  return { Records: objects.map((o) => sqsRecord(bucket, o.key, o.size, time)) };
}
