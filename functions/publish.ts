import { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { retryingStorage } from "../lib/storage/retry.js";
import { createS3Storage } from "../lib/storage/s3.js";
import { createHubNotifier } from "../lib/websub/notify-hubs.js";
import { s3ClientConfigFromEnv } from "../lib/storage/s3-client-config.js";
import { handleEvent } from "./handle-event.js";
import { logJson } from "./log.js";
import { readSettings } from "./settings.js";

// Built once per cold start; a missing setting fails here, with a message naming it.
const settings = readSettings(process.env);
// The client makes one attempt per call; retryingStorage is the one retry layer, and its budget
// lives as long as this container, so a throttled or dead S3 is not sent ever more retries.
const client = new S3Client(s3ClientConfigFromEnv(process.env));
const bucket = retryingStorage(createS3Storage({ client, bucket: settings.bucket }));

const queue = new SQSClient({});
// The one message group of infra/queue.yml: continuations wait behind the uploads already queued.
// The queue deduplicates by content, so a continuation sent twice within five minutes arrives once.
const send = async (body: object) => {
  await queue.send(new SendMessageCommand({ QueueUrl: settings.queueUrl, MessageBody: JSON.stringify(body), MessageGroupId: "feeds" }));
};

// WebSub hubs are reached over the internet, as the function runs outside any VPC (see the README).
const notify = createHubNotifier({ log: logJson });

/** SQS (FIFO) batches of EventBridge events from S3 and the schedule; see functions/events.ts. */
export const handler = (event: unknown) =>
  handleEvent(event, { bucket, bucketName: settings.bucket, cacheControl: settings.cacheControl, now: () => new Date(), log: logJson, send, notify });
