import { describe, expect, it } from "vitest";
import { StorageError } from "../../lib/errors.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { createRetryBudget, RETRY_COST, retryingStorage, withRetry } from "../../lib/storage/retry.js";
import type { Storage } from "../../lib/storage/types.js";

const transient = () => new StorageError("feed.xml", "put", true);
const permanent = () => new StorageError("feed.xml", "put", false);

/** fn fails with each given error in turn, then returns "ok". */
function failing(...errors: Error[]) {
  let calls = 0;
  const fn = async () => {
    const error = errors[calls++];
    if (error) throw error;
    return "ok";
  };
  return { fn, calls: () => calls };
}

function recordSleeps() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

describe("withRetry", () => {
  it("returns at once when the first call succeeds", async () => {
    const { fn, calls } = failing();
    const { sleeps, sleep } = recordSleeps();
    expect(await withRetry(fn, { sleep })).toBe("ok");
    expect(calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("retries transient StorageErrors with exponential back-off", async () => {
    const { fn, calls } = failing(transient(), transient(), transient());
    const { sleeps, sleep } = recordSleeps();
    // random() pinned at 0.5 waits half of each doubling window: 100·2^n / 2.
    expect(await withRetry(fn, { sleep, baseMs: 100, random: () => 0.5 })).toBe("ok");
    expect(calls()).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it("draws each wait uniformly from [0, ceiling)", async () => {
    const { fn } = failing(transient(), transient());
    const { sleeps, sleep } = recordSleeps();
    const draws = [0, 0.999];
    await withRetry(fn, { sleep, baseMs: 10, random: () => draws.shift() ?? 0 });
    expect(sleeps).toEqual([0, 19.98]);
  });

  it("gives up after `attempts` calls and rethrows the last error", async () => {
    const last = transient();
    const { fn, calls } = failing(transient(), transient(), last, transient());
    const { sleeps, sleep } = recordSleeps();
    await expect(withRetry(fn, { attempts: 3, sleep })).rejects.toBe(last);
    expect(calls()).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it("defaults to 4 attempts and a 100 ms base: at most 3 waits, under 700 ms in all", async () => {
    const { fn, calls } = failing(transient(), transient(), transient(), transient(), transient());
    const { sleeps, sleep } = recordSleeps();
    await expect(withRetry(fn, { sleep, random: () => 0.5 })).rejects.toBeInstanceOf(StorageError);
    expect(calls()).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]);

    const worst = recordSleeps();
    await expect(withRetry(failing(transient(), transient(), transient(), transient()).fn, { sleep: worst.sleep, random: () => 1 - 2 ** -53 })).rejects.toBeInstanceOf(StorageError);
    expect(worst.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(700);
  });

  it("does not retry a permanent StorageError", async () => {
    const error = permanent();
    const { fn, calls } = failing(error);
    await expect(withRetry(fn, { sleep: async () => {} })).rejects.toBe(error);
    expect(calls()).toBe(1);
  });

  it("does not retry errors that are not StorageErrors", async () => {
    const error = Object.assign(new Error("socket hang up"), { transient: true });
    const { fn, calls } = failing(error);
    await expect(withRetry(fn, { sleep: async () => {} })).rejects.toBe(error);
    expect(calls()).toBe(1);
  });

  it("really waits when no sleep is injected", async () => {
    const { fn } = failing(transient());
    const started = performance.now();
    await withRetry(fn, { baseMs: 40, random: () => 0.99 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects attempts = %s", async (attempts) => {
    await expect(withRetry(async () => "ok", { attempts })).rejects.toBeInstanceOf(RangeError);
  });
});

describe("a retry budget", () => {
  it("lets retries through while it has tokens, then fails calls after their first attempt", async () => {
    const budget = createRetryBudget(3 * RETRY_COST);
    const first = failing(transient(), transient(), transient(), transient());
    await expect(withRetry(first.fn, { budget, sleep: async () => {} })).rejects.toBeInstanceOf(StorageError);
    expect(first.calls()).toBe(4);
    expect(budget.tokens).toBe(0);

    const second = failing(transient());
    await expect(withRetry(second.fn, { budget, sleep: async () => {} })).rejects.toBeInstanceOf(StorageError);
    expect(second.calls()).toBe(1);
  });

  it("gets back what a call's retries took when it succeeds, and 1 for a call that needed none", async () => {
    const budget = createRetryBudget(100);
    await withRetry(failing(transient(), transient()).fn, { budget, sleep: async () => {} });
    expect(budget.tokens).toBe(100);

    expect(budget.take(10)).toBe(true);
    await withRetry(failing().fn, { budget });
    expect(budget.tokens).toBe(91);
    expect(budget.take(92)).toBe(false);
    expect(budget.tokens).toBe(91);
  });

  it("never holds more than its capacity", () => {
    const budget = createRetryBudget(10);
    budget.give(50);
    expect(budget.tokens).toBe(10);
  });

  it("takes nothing for a permanent error", async () => {
    const budget = createRetryBudget(10);
    await expect(withRetry(failing(permanent()).fn, { budget })).rejects.toBeInstanceOf(StorageError);
    expect(budget.tokens).toBe(10);
  });
});

describe("retryingStorage", () => {
  /** Memory storage whose every operation fails transiently `times` times before working. */
  function flaky(times: number): { storage: Storage; calls: Record<string, number> } {
    const inner = createMemoryStorage();
    const calls: Record<string, number> = {};
    const wrap = <A extends unknown[], R>(op: StorageError["op"], fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        calls[op] = (calls[op] ?? 0) + 1;
        if (calls[op] <= times) throw new StorageError(String(args[0]), op, true);
        return fn(...args);
      };
    return {
      storage: {
        get: wrap("get", inner.get),
        hash: wrap("hash", inner.hash),
        put: wrap("put", inner.put),
        delete: wrap("delete", inner.delete),
        list: wrap("list", inner.list),
      },
      calls,
    };
  }

  it("retries every operation", async () => {
    const { storage, calls } = flaky(2);
    const retrying = retryingStorage(storage, { sleep: async () => {} });
    await retrying.put("a.xml", "x");
    expect(new TextDecoder().decode((await retrying.get("a.xml"))!)).toBe("x");
    expect(await retrying.hash("a.xml")).toMatch(/^[0-9a-f]{64}$/);
    expect(await retrying.list("")).toEqual(["a.xml"]);
    await retrying.delete("a.xml");
    expect(calls).toEqual({ put: 3, get: 3, hash: 3, list: 3, delete: 3 });
  });

  it("shares one budget across the calls of one instance, not across instances", async () => {
    const { storage, calls } = flaky(Infinity);
    const options = { sleep: async () => {} };
    const one = retryingStorage(storage, options);
    // The default budget (500 tokens) pays for 100 retries: 33 calls of 3, then 1 more.
    for (let i = 0; i < 34; i++) await expect(one.get("a")).rejects.toBeInstanceOf(StorageError);
    expect(calls.get).toBe(34 + 100);
    await expect(one.hash("a")).rejects.toBeInstanceOf(StorageError);
    expect(calls.hash).toBe(1);

    const other = retryingStorage(storage, options);
    await expect(other.hash("a")).rejects.toBeInstanceOf(StorageError);
    expect(calls.hash).toBe(1 + 4);
  });
});
