import { StorageError } from "../errors.js";
import type { Storage } from "./types.js";

/**
 * Tokens shared by every call of one storage, as the AWS SDKs' retry quota: a retry takes
 * `RETRY_COST`, a call that succeeds gives back what its retries took (or 1 when it needed none).
 * While S3 is down the tokens run out and calls fail after one attempt, so retries stop
 * multiplying the traffic; successes refill them.
 */
export interface RetryBudget {
  /** Takes `cost` tokens if there are that many; false (taking nothing) if not. */
  take(cost: number): boolean;
  give(tokens: number): void;
  readonly tokens: number;
}

export const RETRY_COST = 5;

export function createRetryBudget(capacity = 500): RetryBudget {
  let tokens = capacity;
  return {
    take(cost) {
      if (tokens < cost) return false;
      tokens -= cost;
      return true;
    },
    give(n) {
      tokens = Math.min(capacity, tokens + n);
    },
    get tokens() {
      return tokens;
    },
  };
}

export interface RetryOptions {
  /** Calls in total, first one included. */
  attempts?: number;
  /** Ceiling of the first back-off; it doubles on each retry. */
  baseMs?: number;
  /** Shared by the calls it is given to; none means retries are not rationed. */
  budget?: RetryBudget;
  sleep?: (ms: number) => Promise<void>;
  /** Returns [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/** Four attempts, 100 ms base: waits below 100, 200 and 400 ms, so under 700 ms in all. */
export const DEFAULT_ATTEMPTS = 4;
export const DEFAULT_BASE_MS = 100;

function sleepFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `fn` until it succeeds, retrying only transient StorageErrors, with exponential
 * back-off and full jitter: before retry n (from 1) a random wait in [0, baseMs·2^(n−1)), so
 * that many Lambdas throttled together do not retry in lockstep.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = DEFAULT_ATTEMPTS, baseMs = DEFAULT_BASE_MS, budget, sleep = sleepFor, random = Math.random } = options;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  if (!(baseMs >= 0)) throw new RangeError(`baseMs must be >= 0, got ${baseMs}`);
  let taken = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await fn();
      budget?.give(taken > 0 ? taken : 1);
      return result;
    } catch (error) {
      if (!(error instanceof StorageError && error.transient) || attempt >= attempts) throw error;
      if (budget && !budget.take(RETRY_COST)) throw error;
      taken += RETRY_COST;
      await sleep(random() * baseMs * 2 ** (attempt - 1));
    }
  }
}

/**
 * The same storage with every operation retried on transient errors. The one retry layer: the
 * S3 client makes one attempt per call (lib/storage/s3-client-config.ts). Each instance has its
 * own budget unless one is given.
 */
export function retryingStorage(storage: Storage, options: RetryOptions = {}): Storage {
  const shared: RetryOptions = { ...options, budget: options.budget ?? createRetryBudget() };
  return {
    get: (key, options) => withRetry(() => storage.get(key, options), shared),
    hash: (key) => withRetry(() => storage.hash(key), shared),
    put: (key, body, o) => withRetry(() => storage.put(key, body, o), shared),
    delete: (key) => withRetry(() => storage.delete(key), shared),
    list: (prefix, options) => withRetry(() => storage.list(prefix, options), shared),
  };
}
