/**
 * What the local events share: the account and region they claim, and one counter behind every id,
 * sequence number and default time, so a run is reproducible and a batch's order is visible.
 */
import { createHash } from "node:crypto";

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";
// Default event times count seconds from here, one a message.
export const EPOCH = Date.parse("2022-06-10T04:00:00Z");

let counter = 0;
export const next = () => ++counter;

/** A UUID-shaped id that only depends on the counter. */
export function uuid(n: number): string {
  const hex = n.toString(16).padStart(12, "0");
  return `6f1c2d3e-0000-4000-8000-${hex}`;
}

/** EventBridge writes times to the second: "2022-06-10T04:00:00Z". */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function hex(algorithm: "md5" | "sha256", text: string): string {
  return createHash(algorithm).update(text).digest("hex");
}
