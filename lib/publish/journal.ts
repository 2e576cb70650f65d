import type { Storage } from "../storage/types.js";
import { mapLimit } from "./map-limit.js";
import { STATE_PREFIX } from "../layout.js";
import { decodeState, encodeState, STATE_CONTENT_TYPE } from "./state-codec.js";

/** One state object to write (`body`, its JSON) or remove (`body` null). */
export interface StateWrite {
  key: string;
  body: string | null;
}

/** A state write encoded for storage, once: the bytes the journal carries are the bytes put. */
export interface EncodedWrite {
  key: string;
  /** encodeState of the body; null removes the object. */
  bytes: Uint8Array | null;
}

/**
 * A run's intent, written before it changes anything: the state objects it will write, and the
 * output files it is about to write or delete. A run that dies after writing it leaves it behind;
 * the next run applies the state writes, then treats every listed file as unknown (it may hold the
 * old bytes or the new) and makes it match the state, comparing with what the storage really
 * holds rather than with remembered hashes.
 */
export interface Journal {
  writes: EncodedWrite[];
  files: string[];
}

// Named as when it was JSON, so a journal an earlier version left is still found.
export const JOURNAL_KEY = `${STATE_PREFIX}journal.json`;

// The journal's layout: this line, one line of JSON naming the files and each write's key and
// size, then the writes' encoded bytes one after another. The state objects are compressed once
// and carried as they are, rather than as JSON text inside JSON compressed again (0.5 MB each).
const MAGIC = "feedpub journal 2\n";

interface Header {
  files: string[];
  writes: { key: string; size: number | null }[];
}

export function encodeWrites(writes: StateWrite[]): EncodedWrite[] {
  return writes.map((w) => ({ key: w.key, bytes: w.body === null ? null : encodeState(w.body) }));
}

/** The journal an earlier run left behind, or null. */
export async function readJournal(storage: Storage): Promise<Journal | null> {
  const bytes = await storage.get(JOURNAL_KEY);
  if (!bytes) return null;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.subarray(0, MAGIC.length).toString("latin1") === MAGIC) {
    const end = buffer.indexOf(0x0a, MAGIC.length);
    const header = JSON.parse(buffer.subarray(MAGIC.length, end).toString("utf8")) as Header;
    let at = end + 1;
    const writes = header.writes.map(({ key, size }) => {
      if (size === null) return { key, bytes: null };
      const part = new Uint8Array(buffer.subarray(at, at + size));
      at += size;
      return { key, bytes: part };
    });
    return { writes, files: header.files };
  }
  // Written by an earlier version: the state writes' JSON inside the journal's own JSON.
  const parsed = JSON.parse(decodeState(bytes)) as { writes: StateWrite[]; files: string[] } | StateWrite[];
  // Journals from before output files were listed were written after the feeds: nothing to check.
  return Array.isArray(parsed) ? { writes: encodeWrites(parsed), files: [] } : { writes: encodeWrites(parsed.writes), files: parsed.files };
}

export async function writeJournal(storage: Storage, journal: Journal): Promise<void> {
  const header: Header = { files: journal.files, writes: journal.writes.map((w) => ({ key: w.key, size: w.bytes === null ? null : w.bytes.byteLength })) };
  const parts = [Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, "utf8"), ...journal.writes.flatMap((w) => (w.bytes ? [w.bytes] : []))];
  await storage.put(JOURNAL_KEY, Buffer.concat(parts), { contentType: "application/octet-stream" });
}

export async function clearJournal(storage: Storage): Promise<void> {
  await storage.delete(JOURNAL_KEY);
}

/** Writes and removes the journal's state objects; safe to repeat. */
export async function applyStateWrites(storage: Storage, writes: EncodedWrite[]): Promise<void> {
  await mapLimit(writes, 8, (w) => (w.bytes === null ? storage.delete(w.key) : storage.put(w.key, w.bytes, { contentType: STATE_CONTENT_TYPE })));
}
