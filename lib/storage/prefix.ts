import type { Storage } from "./types.js";

/** A view of `storage` in which every key is under `prefix` ("content/"), as unstorage's prefixStorage. */
export function prefixStorage(storage: Storage, prefix: string): Storage {
  const strip = (key: string) => key.slice(prefix.length);
  return {
    get: (key, options) => storage.get(prefix + key, options),
    hash: (key) => storage.hash(prefix + key),
    put: (key, body, options) => storage.put(prefix + key, body, options),
    delete: (key) => storage.delete(prefix + key),
    list: async (p, options) =>
      (await storage.list(prefix + p, options?.after === undefined ? options : { ...options, after: prefix + options.after })).map(strip),
  };
}
