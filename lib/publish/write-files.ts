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
  outcome: "written" | "unchanged";
}

/**
 * Writes each file whose bytes differ from what is stored. An unchanged file is not written at
 * all, so its ETag and Last-Modified stay put and conditional GETs keep answering 304.
 */
export async function writeChanged(
  storage: Storage,
  files: OutputFile[],
  { cacheControl = DEFAULT_CACHE_CONTROL, concurrency = 8, force = false }: { cacheControl?: string; concurrency?: number; force?: boolean } = {},
): Promise<WriteOutcome[]> {
  return mapLimit(files, concurrency, async (file) => {
    if (!force && (await storage.hash(file.key)) === sha256(file.body)) return { key: file.key, outcome: "unchanged" as const };
    await storage.put(file.key, file.body, { contentType: file.contentType, cacheControl });
    return { key: file.key, outcome: "written" as const };
  });
}
