import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLog, formatLine, levelOf, logJson, routeOutputThrough, type OutputTargets } from "../../functions/log.js";

const NOW = new Date("2022-05-20T00:01:40.123Z");
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Lines as a Log writes them, each parsed; a line that is not exactly one JSON object fails the test. */
function capture(requestId?: string) {
  const written: string[] = [];
  const log = createLog({ requestId, now: () => NOW, write: (line) => void written.push(line) });
  const entries = () =>
    written.map((line) => {
      expect(line.endsWith("\n")).toBe(true);
      expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
      const parsed = JSON.parse(line) as unknown;
      expect(parsed).toBeTypeOf("object");
      expect(Array.isArray(parsed)).toBe(false);
      return parsed as Record<string, unknown>;
    });
  return { log, written, entries };
}

describe("a log line", () => {
  it("is one JSON object on one line: timestamp, level and request id first, then the entry's fields", () => {
    const { log, written, entries } = capture("8f5e6a1c-1b2d-4c3e-9f00-0123456789ab");
    log({ level: "info", type: "post", key: "content/a.md", outcome: "published", ms: 12 });
    expect(written).toEqual([
      '{"timestamp":"2022-05-20T00:01:40.123Z","level":"INFO","requestId":"8f5e6a1c-1b2d-4c3e-9f00-0123456789ab","type":"post","key":"content/a.md","outcome":"published","ms":12}\n',
    ]);
    expect(entries()[0]!.timestamp).toMatch(ISO);
  });

  it("names its level as Lambda does, INFO for an entry without one or with one Lambda would not know", () => {
    expect(["info", "warn", "error", "debug", "trace", "fatal", "WARN"].map(levelOf)).toEqual(["INFO", "WARN", "ERROR", "DEBUG", "TRACE", "FATAL", "WARN"]);
    expect([undefined, "", "notice", 3, null].map(levelOf)).toEqual(["INFO", "INFO", "INFO", "INFO", "INFO"]);
    const { log, entries } = capture("r");
    log({ level: "warn", type: "post", outcome: "rejected" });
    log({ level: "error", type: "feed", outcome: "invalid" });
    log({ type: "batch" });
    expect(entries().map((e) => e.level)).toEqual(["WARN", "ERROR", "INFO"]);
  });

  it("has no request id outside an invocation, as under npm run dev", () => {
    const { log, entries } = capture();
    log({ level: "info", type: "batch" });
    expect(entries()[0]).toEqual({ timestamp: NOW.toISOString(), level: "INFO", type: "batch" });
  });

  it("keeps its own timestamp, level and request id over an entry's", () => {
    const line = formatLine({ level: "error", timestamp: "yesterday", requestId: "forged", type: "x" }, { requestId: "real", now: NOW });
    expect(JSON.parse(line)).toEqual({ timestamp: NOW.toISOString(), level: "ERROR", requestId: "real", type: "x" });
  });

  it("stays one line whatever the fields hold: line breaks, quotes, CJK, emoji, U+2028", () => {
    const { log, written, entries } = capture("r");
    const reason = 'bad "front matter"\nat line 2\r\n\u2028财经 🧧\t\\';
    log({ level: "warn", type: "post", reason });
    expect(written[0]!.split("\n")).toHaveLength(2);
    expect(entries()[0]!.reason).toBe(reason);
  });

  it("writes an Error as the runtime names one, and a BigInt as its digits", () => {
    const { log, entries } = capture("r");
    log({ level: "error", type: "batch", error: new TypeError("boom"), n: 12345678901234567890n });
    const entry = entries()[0]!;
    expect(entry.error).toMatchObject({ errorType: "TypeError", errorMessage: "boom" });
    expect((entry.error as { stackTrace: string[] }).stackTrace[0]).toBe("TypeError: boom");
    expect(entry.n).toBe("12345678901234567890");
  });

  it("is still written, saying so, for an entry that cannot be serialised", () => {
    const { log, entries } = capture("r");
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => log({ level: "error", type: "feed", cycle })).not.toThrow();
    expect(entries()[0]).toMatchObject({ level: "ERROR", requestId: "r", type: "feed", outcome: "unloggable" });
  });

  describe("of logJson", () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it("goes to stdout itself, with the current time and no request id", () => {
      const lines: string[] = [];
      vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
      const before = Date.now();
      logJson({ level: "warn", type: "post", key: "content/a.md" });
      vi.restoreAllMocks();
      expect(lines).toHaveLength(1);
      const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(entry).toMatchObject({ level: "WARN", type: "post", key: "content/a.md" });
      expect(entry).not.toHaveProperty("requestId");
      expect(entry.timestamp).toMatch(ISO);
      expect(Date.parse(entry.timestamp as string)).toBeGreaterThanOrEqual(before - 1);
    });
  });
});

describe("a dependency's output", () => {
  /** A stand-in process and console, so the test runner's own are left alone. */
  function targets(): OutputTargets & { printed: string[] } {
    const printed: string[] = [];
    const emitter = new EventEmitter();
    // Node's own printer, which writes a warning to stderr as text.
    emitter.on("warning", (w: Error) => printed.push(`(node) ${w.name}: ${w.message}`));
    const console = {
      trace: (...a: unknown[]) => void printed.push(a.join(" ")),
      debug: (...a: unknown[]) => void printed.push(a.join(" ")),
      info: (...a: unknown[]) => void printed.push(a.join(" ")),
      log: (...a: unknown[]) => void printed.push(a.join(" ")),
      warn: (...a: unknown[]) => void printed.push(a.join(" ")),
      error: (...a: unknown[]) => void printed.push(a.join(" ")),
    };
    return { process: emitter, console, printed };
  }

  it("is a process warning logged as a WARN line, and no longer printed by Node", () => {
    const { log, entries } = capture("req-1");
    const t = targets();
    routeOutputThrough(log, t);
    const warning = Object.assign(new Error("NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nwill require node >=22."), { name: "Warning" });
    (t.process as EventEmitter).emit("warning", warning);
    const deprecation = Object.assign(new Error("Buffer() is deprecated"), { name: "DeprecationWarning", code: "DEP0005" });
    (t.process as EventEmitter).emit("warning", deprecation);
    expect(t.printed).toEqual([]);
    expect(entries()).toEqual([
      { timestamp: NOW.toISOString(), level: "WARN", requestId: "req-1", type: "warning", name: "Warning", message: warning.message },
      { timestamp: NOW.toISOString(), level: "WARN", requestId: "req-1", type: "warning", name: "DeprecationWarning", code: "DEP0005", message: "Buffer() is deprecated" },
    ]);
  });

  it("is a console call logged at the console method's level, formatted as console would", () => {
    const { log, entries } = capture("req-2");
    const t = targets();
    routeOutputThrough(log, t);
    t.console.warn("Max attempts provider could not resolve. Using default of %d", 3);
    t.console.log("plain", { a: 1 });
    t.console.info("info");
    t.console.error("failed:", new RangeError("out of range"));
    t.console.debug("debug");
    t.console.trace("trace");
    expect(t.printed).toEqual([]);
    const lines = entries();
    expect(lines.map((e) => [e.level, e.type, e.message])).toEqual([
      ["WARN", "console", "Max attempts provider could not resolve. Using default of 3"],
      ["INFO", "console", "plain { a: 1 }"],
      ["INFO", "console", "info"],
      ["ERROR", "console", expect.stringContaining("failed: RangeError: out of range")],
      ["DEBUG", "console", "debug"],
      ["TRACE", "console", "trace"],
    ]);
    expect(lines[3]).toMatchObject({ errorType: "RangeError", errorMessage: "out of range" });
    expect(lines.every((e) => e.requestId === "req-2")).toBe(true);
  });
});
