/**
 * One publishing run against a bucket folder, killed on purpose: the process SIGKILLs itself at
 * storage request `killAt`, either before the request is sent or after it completed, as a Lambda
 * timeout or an out-of-memory kill would stop it. Without `killAt` it runs to completion and prints
 * `{"requests": N}`, the number of requests an uncut run makes.
 *
 * Usage: node crash-child.mjs '<CrashRun as JSON>' (test/publish/crash.test.ts bundles it).
 */
import { writeSync } from "node:fs";
import type { Change } from "../../lib/publish/publish-changes.js";
import { deliver } from "./deliver.js";
import { createFsStorage } from "../../lib/storage/fs.js";
import type { Storage } from "../../lib/storage/types.js";

export type KillPosition = "before" | "after";

export interface CrashRun {
  /** Folder holding content/, feeds/ and state/. */
  bucket: string;
  /** ISO instant the run takes as now. */
  now: string;
  changes: Change[];
  /** PublishOptions.rescanWork: each continuation is delivered in the same process, as the queue would. */
  rescanWork?: number;
  /** The changes came in a full batch (PublishRequest.more): held back, then published by the flush. */
  more?: boolean;
  /** Index (from 0) of the storage request at which the process kills itself. */
  killAt?: number;
  position?: KillPosition;
}

/** Counts every request and dies at request `killAt`, before or after it takes effect. */
export function killingStorage(storage: Storage, killAt: number | undefined, position: KillPosition): { storage: Storage; requests: () => number } {
  let next = 0;
  async function request<T>(op: string, key: string, send: () => Promise<T>): Promise<T> {
    const index = next++;
    if (index === killAt && position === "before") die(index, op, key);
    try {
      return await send();
    } finally {
      if (index === killAt && position === "after") die(index, op, key);
    }
  }
  return {
    storage: {
      get: (key) => request("get", key, () => storage.get(key)),
      hash: (key) => request("hash", key, () => storage.hash(key)),
      put: (key, body, options) => request("put", key, () => storage.put(key, body, options)),
      delete: (key) => request("delete", key, () => storage.delete(key)),
      list: (prefix, options) => request("list", prefix, () => storage.list(prefix, options)),
    },
    requests: () => next,
  };
}

function die(index: number, op: string, key: string): never {
  // Written synchronously: the parent names the request in its failure messages.
  writeSync(2, `${JSON.stringify({ index, op, key })}\n`);
  process.kill(process.pid, "SIGKILL");
  // SIGKILL to oneself lands before the call returns; block anyway, so not one more line runs.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  throw new Error("unreachable: SIGKILL did not end the process");
}

async function main(): Promise<void> {
  const run = JSON.parse(process.argv[2] ?? "") as CrashRun;
  const { storage, requests } = killingStorage(createFsStorage({ base: run.bucket }), run.killAt, run.position ?? "before");
  await deliver({ bucket: storage, now: new Date(run.now), ...(run.rescanWork !== undefined ? { rescanWork: run.rescanWork } : {}) }, run.changes, run.more ? { more: true } : {});
  process.stdout.write(`${JSON.stringify({ requests: requests() })}\n`);
}

await main();
