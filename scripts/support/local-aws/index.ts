// The local stand-in for S3, EventBridge and SQS, in one import for tests, `npm run dev` and the bench.
export * from "./content-rule.js";
export * from "./eventbridge.js";
export { ACCOUNT_ID, REGION } from "./ids.js";
export * from "./s3-notifications.js";
export * from "./s3-server.js";
export * from "./sqs-fifo.js";
