import { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { retryingStorage } from "../lib/storage/retry.js";
import { createS3Storage } from "../lib/storage/s3.js";
import { createHubNotifier } from "../lib/websub/notify-hubs.js";
import { s3ClientConfigFromEnv } from "../lib/storage/s3-client-config.js";
import { handleEvent } from "./handle-event.js";
import { createLog, logJson, routeOutputThrough, type Log } from "./log.js";
import { readSettings } from "./settings.js";

// The logger of the invocation under way. Lambda hands an execution environment one invocation at
// a time, so one slot is enough. It is not reset when the handler returns: the runtime logs a
// thrown error after that, through console, and that line belongs to the invocation.
let current: Log = logJson;
const log: Log = (entry) => current(entry);
// First, before the SDK clients below are built: building one can emit a warning.
routeOutputThrough(log);

// Built once per cold start; a missing setting fails here, with a message naming it.
const settings = readSettings(process.env);
// The client makes one attempt per call; retryingStorage is the one retry layer, and its budget
// lives as long as this container, so a throttled or dead S3 is not sent ever more retries.
const client = new S3Client(s3ClientConfigFromEnv(process.env));
const bucket = retryingStorage(createS3Storage({ client, bucket: settings.bucket }));

const queue = new SQSClient({});
// The one message group of infra/queue.yml: continuations and flushes wait behind the uploads already queued.
// The queue deduplicates by content, so a continuation sent twice within five minutes arrives once.
const send = async (body: object) => {
  await queue.send(new SendMessageCommand({ QueueUrl: settings.queueUrl, MessageBody: JSON.stringify(body), MessageGroupId: "feeds" }));
};

// WebSub hubs are reached over the internet, as the function runs outside any VPC (see the README).
const notify = createHubNotifier({ log });

/**
 * SQS (FIFO) batches of EventBridge events from S3 and the schedule; see functions/events.ts.
 * Every line logged meanwhile carries the invocation's request id; without a context (the handler
 * called directly) lines have none.
 */
export const handler = (event: unknown, context?: Pick<Context, "awsRequestId">) => {
  current = createLog({ requestId: context?.awsRequestId });
  return handleEvent(event, { bucket, bucketName: settings.bucket, cacheControl: settings.cacheControl, now: () => new Date(), log, send, notify });
};
