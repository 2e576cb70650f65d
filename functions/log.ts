import { format } from "node:util";

/** One JSON line per event, as CloudWatch Logs Insights reads them. An entry says its level in lower case. */
export type Log = (entry: Record<string, unknown>) => void;

// The level names Lambda's JSON log format uses and its ApplicationLogLevel filters on.
const LAMBDA_LEVELS = new Set(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]);

/** An entry's `level` (`info`, `warn`, `error`…) as Lambda names it; what Lambda would not recognise is INFO, as Lambda reads it. */
export function levelOf(level: unknown): string {
  const name = typeof level === "string" ? level.toUpperCase() : "";
  return LAMBDA_LEVELS.has(name) ? name : "INFO";
}

/** An Error by the field names the runtime itself gives a logged error; anything else as it is. */
function errorFields(error: Error): Record<string, unknown> {
  return { errorType: error.name, errorMessage: error.message, stackTrace: error.stack?.split("\n") ?? [] };
}

// A BigInt would make JSON.stringify throw, and an Error would print as {}.
const replacer = (_key: string, value: unknown): unknown =>
  typeof value === "bigint" ? value.toString() : value instanceof Error ? errorFields(value) : value;

/**
 * One log line: a single JSON object, `timestamp` (ISO 8601, UTC), `level` and `requestId` first,
 * then the entry's own fields. Lambda's JSON log format takes a line written this way as is, and
 * filters on its `level`; the runtime wraps only what goes through `console`. The three leading
 * fields are ours to set, so an entry cannot override them. JSON escapes every line break, so the
 * line is one line whatever the entry holds. A line is never refused: an entry that cannot be
 * serialised (a cycle) still gives one, saying so.
 */
export function formatLine(entry: Record<string, unknown>, context: { requestId?: string | undefined; now: Date }): string {
  const { level, timestamp: _timestamp, requestId: _requestId, ...fields } = entry;
  const head = { timestamp: context.now.toISOString(), level: levelOf(level), ...(context.requestId ? { requestId: context.requestId } : {}) };
  try {
    return JSON.stringify({ ...head, ...fields }, replacer);
  } catch (error) {
    return JSON.stringify({ ...head, ...(typeof fields.type === "string" ? { type: fields.type } : {}), outcome: "unloggable", reason: String(error) });
  }
}

export interface LogOptions {
  /** The invocation's request id (the Lambda context's awsRequestId); none outside Lambda. */
  requestId?: string | undefined;
  /** Where each line goes, its newline included. */
  write?: (line: string) => void;
  now?: () => Date;
}

// Straight to stdout, not through console: on Lambda the runtime replaces console with its own
// JSON wrapper, which would nest our line inside its `message` and log everything at INFO.
const writeStdout = (line: string) => {
  process.stdout.write(line);
};

/** A Log that writes each entry as one line (formatLine), for one invocation when given its request id. */
export function createLog(options: LogOptions = {}): Log {
  const { requestId, write = writeStdout, now = () => new Date() } = options;
  return (entry) => write(`${formatLine(entry, { requestId, now: now() })}\n`);
}

/** Lines outside any invocation: a cold start's, and `npm run dev`'s, which has no request id. */
export const logJson: Log = createLog();

type ConsoleMethod = "trace" | "debug" | "info" | "log" | "warn" | "error";
const CONSOLE_LEVELS: Record<ConsoleMethod, string> = { trace: "trace", debug: "debug", info: "info", log: "info", warn: "warn", error: "error" };

export interface OutputTargets {
  process: Pick<NodeJS.EventEmitter, "on" | "removeAllListeners">;
  console: Pick<Console, ConsoleMethod>;
}

/**
 * Makes every line the function's dependencies print one of ours. The AWS SDK warns through
 * `process.emitWarning` (NodeVersionSupportWarning) and through `console.warn`; Node would print
 * a warning to stderr as plain text, outside the JSON format and without a request id. So the
 * default warning printer is removed, here rather than by `--no-warnings` in the deployment's
 * NODE_OPTIONS, so that the bundle behaves so wherever it runs and no setting can drop it, and each
 * warning is logged as a `warn` entry instead; each console call becomes an entry at the console
 * method's level, with its arguments formatted as console would have printed them.
 */
export function routeOutputThrough(log: Log, targets: OutputTargets = { process, console }): void {
  targets.process.removeAllListeners("warning");
  targets.process.on("warning", (warning: Error & { code?: unknown; detail?: unknown }) => {
    log({
      level: "warn",
      type: "warning",
      name: warning.name,
      ...(warning.code !== undefined ? { code: warning.code } : {}),
      message: warning.message,
      ...(warning.detail !== undefined ? { detail: warning.detail } : {}),
    });
  });
  for (const [method, level] of Object.entries(CONSOLE_LEVELS) as [ConsoleMethod, string][]) {
    targets.console[method] = (...args: unknown[]) => {
      const error = args.find((arg): arg is Error => arg instanceof Error);
      log({ level, type: "console", message: format(...args), ...(error ? errorFields(error) : {}) });
    };
  }
}
