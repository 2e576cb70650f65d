/**
 * The publish queue's side of the pipeline: SQS FIFO records of the one message group "feeds", as
 * Lambda receives them from the queue in infra/queue.yml, and their redelivery.
 */
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { ACCOUNT_ID, EPOCH, hex, next, REGION, uuid } from "./ids.js";

export const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:feedpub-dev-publish.fifo`;
export const MESSAGE_GROUP_ID = "feeds";
// What SQS reports as the sender of messages an EventBridge rule target sends.
const EVENTBRIDGE_SENDER_ID = "AIDAIE6VAXUQU2DKHA7DK";

/**
 * One Lambda invocation from the FIFO queue: one record per body, in order, all in group "feeds".
 * A string body is sent as it is (to test unreadable messages); anything else as JSON.
 */
export function sqsFifoEvent(bodies: unknown[], options: { receiveCount?: number } = {}): SQSEvent {
  return { Records: bodies.map((body) => sqsRecord(typeof body === "string" ? body : JSON.stringify(body), options.receiveCount ?? 1)) };
}

function sqsRecord(body: string, receiveCount: number): SQSRecord {
  const n = next();
  const sent = EPOCH + n * 1000;
  return {
    messageId: uuid(n).replace("6f1c2d3e", "3b9e4a51"),
    receiptHandle: Buffer.from(`receipt-${n}-${hex("sha256", body)}`).toString("base64"),
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sent),
      SequenceNumber: (18849496460467696128n + BigInt(n)).toString(),
      MessageGroupId: MESSAGE_GROUP_ID,
      SenderId: EVENTBRIDGE_SENDER_ID,
      // The queue uses content-based deduplication: the id is the SHA-256 of the body.
      MessageDeduplicationId: hex("sha256", body),
      ApproximateFirstReceiveTimestamp: String(sent + 20),
    },
    messageAttributes: {},
    md5OfBody: hex("md5", body),
    eventSource: "aws:sqs",
    eventSourceARN: QUEUE_ARN,
    awsRegion: REGION,
  };
}

/** The records with these ids, as SQS hands them out again after their visibility timeout. */
export function redeliver(event: SQSEvent, messageIds: string[]): SQSEvent {
  const records = event.Records.filter((r) => messageIds.includes(r.messageId));
  if (records.length !== messageIds.length) throw new Error(`[sqs-fifo] not every id is in the event: ${messageIds.join(", ")}`);
  return {
    Records: records.map((r) => ({
      ...r,
      receiptHandle: Buffer.from(`${r.receiptHandle}#again`).toString("base64"),
      attributes: { ...r.attributes, ApproximateReceiveCount: String(Number(r.attributes.ApproximateReceiveCount) + 1) },
    })),
  };
}

