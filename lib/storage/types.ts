/** Options a driver honours when it writes an object. */
export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
  /** SHA-256 (hex) of `body` when the caller has computed it already; spares the driver doing it again. */
  sha256?: string;
}

/** Options a driver honours when it reads an object. */
export interface GetOptions {
  /** Refuse, without reading it, an object larger than this: throws TooLargeError. */
  maxBytes?: number;
}

/** A window of a listing, so a very large prefix can be walked one page at a time. */
export interface ListOptions {
  /** Only keys after this one (relative to the listed root, like the keys returned). */
  after?: string;
  /** At most this many keys. */
  limit?: number;
}

/**
 * The one storage port the core talks to. Keys are `/`-separated and relative to the
 * driver's root (a folder, or a bucket plus optional prefix). "Not found" is `null`.
 */
export interface Storage {
  /** The object's bytes, or null when there is no such key. */
  get(key: string, options?: GetOptions): Promise<Uint8Array | null>;
  /** SHA-256 (hex) of the object's bytes as recorded at write time, or null when absent or unknown. */
  hash(key: string): Promise<string | null>;
  /** Writes the whole object atomically: a reader sees the old bytes or the new, never a mix. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Every key that starts with `prefix`, sorted by code point (compareKeys), or a window of them:
   * listing again after the last key of each window visits every key once.
   */
  list(prefix: string, options?: ListOptions): Promise<string[]>;
}
