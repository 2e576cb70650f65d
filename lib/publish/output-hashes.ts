import type { FileStamp, FsStorage } from "../storage/fs.js";
import type { Storage } from "../storage/types.js";
import { bestEffort, readCheckedMap, writeCheckedMap } from "./checked-file.js";
import { RACY_MS, stampOf } from "./scan-cache.js";

/**
 * The SHA-256 of each file in a local build's output folder, by its stamp, kept between builds: a
 * rebuild asks for the hash of every file it would write, to leave unchanged ones alone, and without
 * this it reads the whole output back to learn it (117 MB, about 0.3 s of a 1 s warm rebuild at
 * 10k posts). A remembered hash is used only while the file has the stamp it had when it was read,
 * and only when the file had been still for RACY_MS then, as the scan cache does: a change within
 * the time stamp's tick of the last one could otherwise go unseen. A file this build writes is
 * hashed again by the next one, which then remembers it.
 */

export interface OutputHashesOptions {
  /** Where the hashes live, one store per output folder: get and put are all it uses. */
  store: Pick<Storage, "get" | "put">;
  /** The clock, in ms since the epoch; tests move it. */
  now?: () => number;
}

export interface OutputHashes {
  /** `output`, answering `hash` from what is remembered where it can. */
  storage: FsStorage;
  /** Writes what this build learnt, when it differs from what was read. */
  save(): Promise<void>;
}

const FORMAT = "feedpub output hashes";
const VERSION = 1;
const KEY = "hashes.json";

/** A file's hash as read, with its stamp then and when the stamp was taken. */
type Entry = [stampId: string, changedMs: number, takenMs: number, sha256: string];

export async function openOutputHashes(output: FsStorage, { store, now = Date.now }: OutputHashesOptions): Promise<OutputHashes> {
  const before = readEntries((await bestEffort(() => store.get(KEY))) ?? null);
  const after = new Map<string, Entry>();
  let changed = false;

  const hash = async (key: string): Promise<string | null> => {
    const taken = now();
    const stamp = stampOf(output, key);
    const known = before.get(key);
    if (stamp && known && known[0] === stamp.id && trusted(known)) {
      after.set(key, known);
      return known[3];
    }
    const sha256 = await output.hash(key);
    // A change while it is read gives the file another stamp, or one too recent to be trusted.
    if (sha256 !== null && stamp) {
      after.set(key, entryOf(stamp, taken, sha256));
      changed = true;
    }
    return sha256;
  };

  return {
    storage: { ...output, hash },
    async save() {
      // Files no longer asked for are dropped; one read too recently is kept for the next build to
      // judge again, since by then it may have been still long enough.
      if (!changed && after.size === before.size) return;
      await bestEffort(() => store.put(KEY, writeCheckedMap({ format: FORMAT, version: VERSION }, after), { contentType: "application/json" }));
    },
  };
}

function entryOf(stamp: FileStamp, taken: number, sha256: string): Entry {
  return [stamp.id, stamp.changedMs, taken, sha256];
}

/** Whether the file had been still long enough, when its stamp was taken, that its stamp tells any later change. */
function trusted([, changedMs, takenMs]: Entry): boolean {
  return changedMs <= takenMs - RACY_MS;
}

function readEntries(bytes: Uint8Array | null): Map<string, Entry> {
  const entries = readCheckedMap(bytes, (head) => head.format === FORMAT && head.version === VERSION);
  return new Map([...entries].filter((e): e is [string, Entry] => isEntry(e[1])));
}

function isEntry(v: unknown): v is Entry {
  return (
    Array.isArray(v) && v.length === 4 && typeof v[0] === "string" && typeof v[1] === "number" && typeof v[2] === "number" && typeof v[3] === "string"
  );
}
