import type { Storage } from "../storage/types.js";
import { mapLimit } from "./map-limit.js";

/** One state object to write (`body`) or remove (`body` null). */
export interface StateWrite {
  key: string;
  body: string | null;
}

export const JOURNAL_KEY = "state/journal.json";

/**
 * Writes a set of state objects all-or-nothing. The set is first written as one journal object;
 * a run that dies half-way leaves the journal behind, and the next run replays it before
 * reading any state. Without this, a half-written state would count a post twice on retry.
 */
export async function commitState(storage: Storage, writes: StateWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await storage.put(JOURNAL_KEY, JSON.stringify(writes), { contentType: "application/json" });
  await apply(storage, writes);
  await storage.delete(JOURNAL_KEY);
}

/** Finishes a commit that an earlier run left half-done. Returns whether there was one. */
export async function recoverState(storage: Storage): Promise<boolean> {
  const bytes = await storage.get(JOURNAL_KEY);
  if (!bytes) return false;
  await apply(storage, JSON.parse(new TextDecoder().decode(bytes)) as StateWrite[]);
  await storage.delete(JOURNAL_KEY);
  return true;
}

async function apply(storage: Storage, writes: StateWrite[]): Promise<void> {
  await mapLimit(writes, 8, (w) =>
    w.body === null ? storage.delete(w.key) : storage.put(w.key, w.body, { contentType: "application/json" }),
  );
}
