import { createHash } from "node:crypto";
import { TooLargeError } from "../errors.js";
import { assertValidKey, assertValidPrefix, compareKeys, windowOf } from "./keys.js";
import type { PutOptions, Storage } from "./types.js";

/** What the memory driver holds for one key, as a test would want to check it. */
export interface StoredObject {
  body: Uint8Array;
  sha256: string;
  contentType?: string;
  cacheControl?: string;
}

export interface MemoryStorage extends Storage {
  /** A copy of what was stored under `key` with the options it was written with, or null. */
  inspect(key: string): StoredObject | null;
}

function copy(object: StoredObject): StoredObject {
  return { ...object, body: new Uint8Array(object.body) };
}

/** Storage in a Map, with the same semantics as the fs and S3 drivers, for fast unit tests. */
export function createMemoryStorage(): MemoryStorage {
  const objects = new Map<string, StoredObject>();

  return {
    async get(key, options) {
      assertValidKey("get", key);
      const size = objects.get(key)?.body.byteLength ?? 0;
      if (options?.maxBytes !== undefined && size > options.maxBytes) throw new TooLargeError(key, size, options.maxBytes);
      // Copies both ways, so a caller mutating its buffer cannot change what is stored.
      const body = objects.get(key)?.body;
      return body ? new Uint8Array(body) : null;
    },

    async hash(key) {
      assertValidKey("hash", key);
      return objects.get(key)?.sha256 ?? null;
    },

    async put(key, body, options: PutOptions = {}) {
      assertValidKey("put", key);
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : new Uint8Array(body);
      const object: StoredObject = { body: bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
      if (options.contentType !== undefined) object.contentType = options.contentType;
      if (options.cacheControl !== undefined) object.cacheControl = options.cacheControl;
      objects.set(key, object);
    },

    async delete(key) {
      assertValidKey("delete", key);
      objects.delete(key);
    },

    async list(prefix, options) {
      assertValidPrefix(prefix);
      return windowOf([...objects.keys()].filter((key) => key.startsWith(prefix)).sort(compareKeys), options);
    },

    inspect(key) {
      const object = objects.get(key);
      return object ? copy(object) : null;
    },
  };
}
