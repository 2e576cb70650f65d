import { createHash } from "node:crypto";
import { StorageError } from "../errors.js";

/**
 * The layout of the local caches' files: one line of JSON saying what the file is (its format,
 * version and what it was written for) and carrying the SHA-256 of the rest, then the body. A file
 * cut short, changed by a single bit, or written for something else is told apart unread.
 */

/** The file holding `body` under `head`. */
export function writeChecked(head: Record<string, unknown>, body: Uint8Array | string): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const line = JSON.stringify({ ...head, sha256: createHash("sha256").update(bytes).digest("hex") });
  return Buffer.concat([Buffer.from(`${line}\n`, "utf8"), bytes]);
}

/** The body of a file whose head `accept` takes and whose checksum holds, else null. */
export function readChecked(bytes: Uint8Array | null, accept: (head: Record<string, unknown>) => boolean): Buffer | null {
  if (!bytes) return null;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const newline = text.indexOf(10);
  if (newline === -1) return null;
  const head = parseJson(text.subarray(0, newline));
  const body = text.subarray(newline + 1);
  if (!isRecord(head) || !accept(head)) return null;
  return head.sha256 === createHash("sha256").update(body).digest("hex") ? body : null;
}

/** A checked file holding `entries` as one JSON object, its keys in order: equal maps, equal bytes. */
export function writeCheckedMap(head: Record<string, unknown>, entries: ReadonlyMap<string, unknown>): Buffer {
  return writeChecked(head, JSON.stringify(Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : 1)))));
}

/** The entries of a file writeCheckedMap wrote, when `accept` takes its head and its checksum holds; else none. */
export function readCheckedMap(bytes: Uint8Array | null, accept: (head: Record<string, unknown>) => boolean): Map<string, unknown> {
  const body = readChecked(bytes, accept);
  const parsed = body && parseJson(body);
  return isRecord(parsed) ? new Map(Object.entries(parsed)) : new Map();
}

/** The JSON value of `bytes`, or undefined when they are not JSON. */
export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * What `use` of a cache's store gives, or undefined when the store failed it: a cache that cannot
 * be read or written (full, read-only, a file where its folder should be, a bucket that answers
 * 500) makes builds slower, never stops one.
 */
export async function bestEffort<T>(use: () => Promise<T>): Promise<T | undefined> {
  try {
    return await use();
  } catch (error) {
    if (error instanceof StorageError) return undefined;
    throw error;
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
