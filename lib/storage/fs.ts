import { createHash, randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readFile as readFileCallback, readSync, statSync } from "node:fs";
import { constants, copyFile, mkdir, opendir, rename, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { dirname, join, resolve, sep } from "node:path";
import { StorageError, TooLargeError } from "../errors.js";
import { assertValidKey, assertValidPrefix, compareKeys, windowOf } from "./keys.js";
import type { GetOptions, PutOptions, Storage } from "./types.js";

export interface FsStorageOptions {
  /** Folder the keys live under; created on first write. */
  base: string;
}

const TEMP_FILE = /^\..*\.\d+\.[0-9a-f]{12}\.tmp$/;
// A key that is a directory, or runs through a file, is simply not there (as on S3).
const MISSING = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);
const TRANSIENT = new Set(["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "ETIMEDOUT"]);

// fs.promises.readFile opens a FileHandle and makes several trips to the thread pool per file;
// the callback form reads a small file in one, about twice as fast.
const readFile = promisify(readFileCallback);

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function fail(op: StorageError["op"], key: string, error: unknown): StorageError | TooLargeError {
  if (error instanceof StorageError || error instanceof TooLargeError) return error;
  return new StorageError(key, op, TRANSIENT.has(errorCode(error) ?? ""), { cause: error });
}

/** The start of an object, and how long the whole object is. */
export interface ObjectStart {
  bytes: Uint8Array;
  size: number;
}

/** A folder can also read an object's first bytes alone, as the full build's scan of front matter needs. */
export interface FsStorage extends Storage {
  /**
   * The first `length` bytes of the object (all of it when it is shorter) and its whole size, or
   * null when there is no such key. Refuses, unread, an object over `options.maxBytes` as get does.
   */
  getStart(key: string, length: number, options?: GetOptions): Promise<ObjectStart | null>;
  /** What tells the file's bytes apart without reading them, or null when there is no such key. */
  stamp(key: string): FileStamp | null;
  /**
   * Puts a copy of `fromKey` in the folder `from` at `key`, atomically as put does, without reading
   * it here: the kernel copies. Throws a StorageError naming `fromKey` when it is not there.
   */
  copyFrom(key: string, from: FsStorage, fromKey: string): Promise<void>;
  /** The file that holds `key`, for copyFrom. */
  pathOf(key: string): string;
}

/**
 * A file's identity and times, as git's index keeps them to know a file unchanged unread: a write
 * changes its size or its change time (ctime, which no tool can set back, unlike mtime), and a
 * file put in its place has another inode.
 */
export interface FileStamp {
  /** Device, inode, size, and modification and change times in ns, in one string. */
  id: string;
  /** The later of the modification and change times, in ms since the epoch. */
  changedMs: number;
}

/** Storage on the local file system: key "a/b.xml" is the file `<base>/a/b.xml`. */
export function createFsStorage(options: FsStorageOptions): FsStorage {
  const base = resolve(options.base);

  function pathOf(key: string): string {
    const path = join(base, ...key.split("/"));
    // Belt and braces: assertValidKey already rules out every way out of base.
    if (!path.startsWith(base + sep)) throw new Error(`Invalid key: ${JSON.stringify(key)}. It resolves outside base`);
    return path;
  }

  async function readOrNull(key: string): Promise<Buffer | null> {
    try {
      return await readFile(pathOf(key));
    } catch (error) {
      if (MISSING.has(errorCode(error) ?? "")) return null;
      throw error;
    }
  }

  /**
   * The first `length` bytes of the object and its size, or null when it is not there; refused
   * unread over `maxBytes`. Synchronous: on the bench's 10k posts, open, fstat, read and close this
   * way took 0.3 s, against 0.9 s for a stat and a readFile through libuv's thread pool, whose
   * round trips cost more than reading a small file from the page cache.
   */
  function readStart(key: string, length: number, maxBytes: number | undefined): ObjectStart | null {
    let fd: number;
    try {
      fd = openSync(pathOf(key), "r");
    } catch (error) {
      if (MISSING.has(errorCode(error) ?? "")) return null;
      throw error;
    }
    try {
      const stats = fstatSync(fd);
      if (stats.isDirectory()) return null;
      if (maxBytes !== undefined && stats.size > maxBytes) throw new TooLargeError(key, stats.size, maxBytes);
      const bytes = new Uint8Array(Math.min(length, stats.size));
      let read = 0;
      while (read < bytes.length) {
        const n = readSync(fd, bytes, read, bytes.length - read, read);
        if (n === 0) break; // cut short since fstat
        read += n;
      }
      return { bytes: bytes.subarray(0, read), size: stats.size };
    } finally {
      closeSync(fd);
    }
  }

  /** Writes the file `path` whole or not at all: `write` fills a temporary file, which then takes its name. */
  async function writeAtomically(path: string, write: (temp: string) => Promise<void>): Promise<void> {
    const name = Array.from(path.slice(path.lastIndexOf(sep) + 1)).slice(0, 32).join("");
    const temp = join(dirname(path), `.${name}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    // A concurrent delete may prune the fresh parent directory before the temp file lands in it.
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(path), { recursive: true });
      try {
        await write(temp);
        break;
      } catch (error) {
        if (errorCode(error) !== "ENOENT" || attempt === 3) throw error;
      }
    }
    try {
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
  }

  async function pruneEmptyParents(path: string): Promise<void> {
    for (let dir = dirname(path); dir.startsWith(base + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): nothing above it can be empty because of us
      }
    }
  }

  async function walk(dir: string, keyPrefix: string, into: string[]): Promise<void> {
    let entries;
    try {
      // Read a few hundred entries at a time rather than all at once: a folder of 100k posts as one
      // array of entries raised the 100k build's peak RSS by about 20 MB (232–244 MB against
      // 254–268 MB, four runs each), in the same time.
      entries = await opendir(dir, { bufferSize: 256 });
    } catch (error) {
      if (MISSING.has(errorCode(error) ?? "")) return;
      throw error;
    }
    for await (const entry of entries) {
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${keyPrefix}${entry.name}/`, into);
      else if (entry.isFile() && !TEMP_FILE.test(entry.name)) into.push(keyPrefix + entry.name);
    }
  }

  return {
    // Synchronous, as getStart: a post or a render cache entry of ~10 KB comes from the page cache
    // sooner than the thread pool answers, and the fstat after open gives the size the bound needs.
    async get(key, options) {
      try {
        assertValidKey("get", key);
        return readStart(key, Infinity, options?.maxBytes)?.bytes ?? null;
      } catch (error) {
        throw fail("get", key, error);
      }
    },

    async getStart(key, length, options) {
      try {
        assertValidKey("get", key);
        return readStart(key, length, options?.maxBytes);
      } catch (error) {
        throw fail("get", key, error);
      }
    },

    stamp(key) {
      try {
        assertValidKey("get", key);
        const stats = statSync(pathOf(key), { bigint: true, throwIfNoEntry: false });
        if (!stats?.isFile()) return null;
        const { dev, ino, size, mtimeNs, ctimeNs } = stats;
        return { id: `${dev}:${ino}:${size}:${mtimeNs}:${ctimeNs}`, changedMs: Number((mtimeNs > ctimeNs ? mtimeNs : ctimeNs) / 1_000_000n) };
      } catch (error) {
        if (MISSING.has(errorCode(error) ?? "")) return null;
        throw fail("get", key, error);
      }
    },

    async hash(key) {
      try {
        assertValidKey("hash", key);
        const bytes = await readOrNull(key);
        return bytes && createHash("sha256").update(bytes).digest("hex");
      } catch (error) {
        throw fail("hash", key, error);
      }
    },

    // Content type and cache control have nowhere to live on disk; a static server derives them.
    async put(key, body, _options?: PutOptions) {
      try {
        assertValidKey("put", key);
        const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
        await writeAtomically(pathOf(key), (temp) => writeFile(temp, bytes, { flag: "wx" }));
      } catch (error) {
        throw fail("put", key, error);
      }
    },

    async copyFrom(key, from, fromKey) {
      let source: string;
      try {
        source = from.pathOf(fromKey); // checks the key as get does
        // Asked first, so a missing source is told from a folder of ours that vanished meanwhile.
        await stat(source);
      } catch (error) {
        throw fail("get", fromKey, error);
      }
      try {
        assertValidKey("put", key);
        await writeAtomically(pathOf(key), (temp) => copyFile(source, temp, constants.COPYFILE_EXCL));
      } catch (error) {
        throw fail("put", key, error);
      }
    },

    pathOf(key) {
      assertValidKey("get", key);
      return pathOf(key);
    },

    async delete(key) {
      try {
        assertValidKey("delete", key);
        const path = pathOf(key);
        try {
          await unlink(path);
        } catch (error) {
          if (MISSING.has(errorCode(error) ?? "")) return;
          // macOS answers EPERM, not EISDIR, for unlink() on a directory: a key that is not there.
          if (errorCode(error) === "EPERM" && (await stat(path).catch(() => null))?.isDirectory()) return;
          throw error;
        }
        await pruneEmptyParents(path);
      } catch (error) {
        throw fail("delete", key, error);
      }
    },

    async list(prefix, options) {
      try {
        assertValidPrefix(prefix);
        // Only the folder part of the prefix narrows the walk; the rest is a plain string match.
        const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1);
        const keys: string[] = [];
        await walk(folder ? join(base, ...folder.split("/").slice(0, -1)) : base, folder, keys);
        return windowOf(keys.filter((key) => key.startsWith(prefix)).sort(compareKeys), options);
      } catch (error) {
        throw fail("list", prefix, error);
      }
    },
  };
}
