import { loadConfig } from "../lib/publish/load-config.js";
import { prefixStorage } from "../lib/storage/prefix.js";
import type { Storage } from "../lib/storage/types.js";
import { changedFeedUrls, type FileOutcome } from "../lib/websub/changed-feeds.js";
import type { Notify } from "../lib/websub/notify-hubs.js";
import { CONTENT_PREFIX } from "../lib/layout.js";
import type { Log } from "./log.js";

/**
 * Tells the site's WebSub hubs which feeds an invocation changed, once, after every feed of it is
 * written. The hubs are in `_config.yml`, read again here (one GET, and only when a feed changed):
 * the core does not hand its configuration back. Nothing here throws: the batch's outcome is
 * decided before, and a hub's cannot change it.
 */
export async function announceChanges(outcomes: FileOutcome[], deps: { bucket: Storage; notify: Notify; log: Log }): Promise<void> {
  if (!outcomes.some((o) => o.outcome === "written" || o.outcome === "deleted")) return;
  try {
    const config = await loadConfig(prefixStorage(deps.bucket, CONTENT_PREFIX));
    const hubs = config.feeds.websub?.hubs;
    if (!hubs) return;
    const feedUrls = changedFeedUrls(outcomes, config);
    if (feedUrls.length > 0) await deps.notify(feedUrls, hubs);
  } catch (error) {
    deps.log({ level: "warn", type: "websub", outcome: "skipped", error: String(error) });
  }
}
