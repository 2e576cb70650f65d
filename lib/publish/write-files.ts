import { createHash } from "node:crypto";
import type { OutputFile } from "../feeds/render-feed.js";
import type { Storage } from "../storage/types.js";
import { mapLimit } from "./map-limit.js";

export const DEFAULT_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=600";

export function sha256(body: string | Uint8Array): string {
  return createHash("sha256").update(body).digest("hex");
}

export interface WriteOutcome {
  key: string;
  outcome: "written" | "unchanged" | "deleted";
  ms?: number;
  /** Of the bytes now stored, for files writeChanged handled. */
  sha256?: string;
}

export interface WriteOptions {
  cacheControl?: string;
  concurrency?: number;
  /** Write even equal bytes (a new Cache-Control must reach every object). */
  force?: boolean;
  /**
   * Hashes of the files as last written, by key, kept by the caller's state: compared instead of
   * asking the storage, and updated with what is written.
   */
  hashes?: Record<string, string>;
}

/**
 * Writes each file whose bytes differ from what is stored. An unchanged file is not written at
 * all, so its ETag and Last-Modified stay put and conditional GETs keep answering 304.
 */
export async function writeChanged(
  storage: Storage,
  files: OutputFile[],
  { cacheControl = DEFAULT_CACHE_CONTROL, concurrency = 8, force = false, hashes }: WriteOptions = {},
): Promise<WriteOutcome[]> {
  return mapLimit(files, concurrency, async (file) => {
    const hash = sha256(file.body);
    const stored = hashes ? hashes[file.key] : await storage.hash(file.key);
    if (!force && stored === hash) return { key: file.key, outcome: "unchanged" as const, sha256: hash };
    const started = performance.now();
    await storage.put(file.key, file.body, { contentType: file.contentType, cacheControl, sha256: hash });
    if (hashes) hashes[file.key] = hash;
    return { key: file.key, outcome: "written" as const, ms: Math.round(performance.now() - started), sha256: hash };
  });
}
