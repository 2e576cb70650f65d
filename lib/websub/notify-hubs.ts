import { setTimeout as sleepFor } from "node:timers/promises";

/** Tells each hub that each feed changed: one publish request per feed URL per hub. Never rejects. */
export type Notify = (feedUrls: string[], hubs: string[]) => Promise<void>;

/** How hard and how long a notifier tries; HUB_DEFAULTS gives each. */
export interface HubTimings {
  /** Requests per feed and hub, first one included. */
  attempts: number;
  /** How long one request may take, its response included. */
  attemptTimeoutMs: number;
  /** How long the attempts for one feed and hub may take together, waits included. */
  pingBudgetMs: number;
  /** How long one announcement (every feed to every hub) may take; what is not sent by then is dropped. */
  totalMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Ceiling of the first wait before a retry; it doubles on each retry. */
  backoffMs: number;
}

export interface HubNotifierOptions extends Partial<HubTimings> {
  log: (entry: Record<string, unknown>) => void;
  /** The HTTP client; the platform's fetch unless a test hands another. */
  fetch?: typeof fetch;
  /** Returns [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * Three attempts within 2 s per feed and hub, and 5 s for a whole announcement: a hub is told
 * after the feeds are written, inside the function's 60 s, so a slow or dead hub may cost a batch
 * a few seconds but never its timeout. Eight requests in flight send the 200-odd pings of a
 * configuration change (every feed file rewritten) to a responsive hub within that time.
 */
export const HUB_DEFAULTS: Readonly<HubTimings> = { attempts: 3, attemptTimeoutMs: 1_500, pingBudgetMs: 2_000, totalMs: 5_000, concurrency: 8, backoffMs: 200 };

/** A publish request a hub did not accept; `transient` says whether trying again may help. */
export class HubPingError extends Error {
  override readonly name = "HubPingError";
  constructor(
    readonly hub: string,
    readonly feedUrl: string,
    readonly transient: boolean,
    reason: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${hub}: publish of ${feedUrl}: ${reason}`, options);
  }
}

/**
 * A WebSub publisher's notifier (https://www.w3.org/TR/websub/): a form-encoded POST of
 * `hub.mode=publish` and `hub.url=<feed URL>` to the hub, which then fetches the feed and pushes it
 * to its subscribers. A failure is logged and never thrown: announcing is best effort, and a hub
 * that missed a change still sees the next one (or its subscribers' own polls).
 */
export function createHubNotifier(options: HubNotifierOptions): Notify {
  const settings = timingsOf(options);
  const send = options.fetch ?? fetch;
  const random = options.random ?? Math.random;
  const { log } = options;

  return async (feedUrls, hubs) => {
    const pings = hubs.flatMap((hub) => feedUrls.map((feedUrl) => ({ hub, feedUrl })));
    if (pings.length === 0) return;
    const started = performance.now();
    const deadline = started + settings.totalMs;
    let next = 0;
    let sent = 0;
    let failed = 0;
    let dropped = 0;
    const worker = async () => {
      while (next < pings.length) {
        const ping = pings[next++]!;
        if (performance.now() >= deadline) {
          dropped++;
          continue;
        }
        try {
          await pingHub(ping.hub, ping.feedUrl, Math.min(performance.now() + settings.pingBudgetMs, deadline));
          sent++;
        } catch (error) {
          failed++;
          const e = error instanceof HubPingError ? error : undefined;
          log({ level: "warn", type: "websub", outcome: "failed", hub: ping.hub, url: ping.feedUrl, ...(e?.status !== undefined ? { status: e.status } : {}), error: String(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(settings.concurrency, pings.length) }, worker));
    const ms = Math.round(performance.now() - started);
    log({ level: failed + dropped > 0 ? "warn" : "info", type: "websub", outcome: "announced", hubs: hubs.length, feeds: feedUrls.length, sent, failed, dropped, ms });
  };

  /** One feed to one hub, retried with full jitter while the failure may pass and time is left. */
  async function pingHub(hub: string, feedUrl: string, deadline: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - performance.now();
      try {
        await publishOnce(hub, feedUrl, Math.max(1, Math.ceil(Math.min(settings.attemptTimeoutMs, remaining))));
        return;
      } catch (error) {
        const failure = error instanceof HubPingError ? error : new HubPingError(hub, feedUrl, true, reasonOf(error), undefined, { cause: error });
        if (!failure.transient || attempt >= settings.attempts) throw failure;
        const wait = random() * settings.backoffMs * 2 ** (attempt - 1);
        if (performance.now() + wait >= deadline) throw failure;
        await sleepFor(wait);
      }
    }
  }

  async function publishOnce(hub: string, feedUrl: string, timeoutMs: number): Promise<void> {
    const response = await send(hub, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "feedpub" },
      body: new URLSearchParams({ "hub.mode": "publish", "hub.url": feedUrl }).toString(),
      // A hub that redirects is misconfigured: following a 301 or 302 would turn the POST into a GET.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body says nothing a publisher acts on; reading it to the end frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    const transient = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new HubPingError(hub, feedUrl, transient, `HTTP ${response.status}`, response.status);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "no response in time";
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

/** The caller's timings over the defaults; an explicit undefined keeps the default. */
function timingsOf(options: HubNotifierOptions): HubTimings {
  const timings = { ...HUB_DEFAULTS };
  for (const key of Object.keys(HUB_DEFAULTS) as (keyof HubTimings)[]) {
    const value = options[key];
    if (value !== undefined) timings[key] = value;
  }
  return timings;
}
