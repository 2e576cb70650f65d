import { StorageError } from "../errors.js";
import type { Storage } from "./types.js";

export interface RetryOptions {
  /** Calls in total, first one included. */
  attempts?: number;
  /** Ceiling of the first back-off; it doubles on each retry. */
  baseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Returns [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

function sleepFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `fn` until it succeeds, retrying only transient StorageErrors, with exponential
 * back-off and full jitter (a random wait in [0, baseMs·2^n)) so that many Lambdas
 * throttled together do not retry in lockstep.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 4, baseMs = 50, sleep = sleepFor, random = Math.random } = options;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  if (!(baseMs >= 0)) throw new RangeError(`baseMs must be >= 0, got ${baseMs}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof StorageError && error.transient) || attempt >= attempts) throw error;
      await sleep(random() * baseMs * 2 ** (attempt - 1));
    }
  }
}

/** The same storage with every operation retried on transient errors. */
export function retryingStorage(storage: Storage, options: RetryOptions = {}): Storage {
  return {
    get: (key) => withRetry(() => storage.get(key), options),
    hash: (key) => withRetry(() => storage.hash(key), options),
    put: (key, body, o) => withRetry(() => storage.put(key, body, o), options),
    delete: (key) => withRetry(() => storage.delete(key), options),
    list: (prefix) => withRetry(() => storage.list(prefix), options),
  };
}
