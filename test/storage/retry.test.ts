import { describe, expect, it } from "vitest";
import { StorageError } from "../../lib/errors.js";
import { withRetry } from "../../lib/storage/retry.js";

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

  it("defaults to 4 attempts and a 50 ms base", async () => {
    const { fn, calls } = failing(transient(), transient(), transient(), transient(), transient());
    const { sleeps, sleep } = recordSleeps();
    await expect(withRetry(fn, { sleep, random: () => 0.5 })).rejects.toBeInstanceOf(StorageError);
    expect(calls()).toBe(4);
    expect(sleeps).toEqual([25, 50, 100]);
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
