import type { Storage } from "../storage/types.js";
import { mapLimit } from "./map-limit.js";
import { STATE_PREFIX } from "../layout.js";
import { decodeState, encodeState, STATE_CONTENT_TYPE } from "./state-codec.js";

/** One state object to write (`body`, its JSON) or remove (`body` null). */
export interface StateWrite {
  key: string;
  body: string | null;
}

/**
 * A run's intent, written before it changes anything: the state objects it will write, and the
 * output files it is about to write or delete. A run that dies after writing it leaves it behind;
 * the next run applies the state writes, then treats every listed file as unknown (it may hold the
 * old bytes or the new) and makes it match the state, comparing with what the storage really
 * holds rather than with remembered hashes.
 */
export interface Journal {
  writes: StateWrite[];
  files: string[];
}

export const JOURNAL_KEY = `${STATE_PREFIX}journal.json`;

/** The journal an earlier run left behind, or null. */
export async function readJournal(storage: Storage): Promise<Journal | null> {
  const bytes = await storage.get(JOURNAL_KEY);
  if (!bytes) return null;
  const parsed = JSON.parse(decodeState(bytes)) as Journal | StateWrite[];
  // Journals from before output files were listed were written after the feeds: nothing to check.
  return Array.isArray(parsed) ? { writes: parsed, files: [] } : parsed;
}

export async function writeJournal(storage: Storage, journal: Journal): Promise<void> {
  await storage.put(JOURNAL_KEY, encodeState(JSON.stringify(journal)), { contentType: STATE_CONTENT_TYPE });
}

export async function clearJournal(storage: Storage): Promise<void> {
  await storage.delete(JOURNAL_KEY);
}

/** Writes and removes the journal's state objects; safe to repeat. */
export async function applyStateWrites(storage: Storage, writes: StateWrite[]): Promise<void> {
  await mapLimit(writes, 8, (w) =>
    w.body === null ? storage.delete(w.key) : storage.put(w.key, encodeState(w.body), { contentType: STATE_CONTENT_TYPE }),
  );
}
