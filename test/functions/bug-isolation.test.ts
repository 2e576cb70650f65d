/**
 * A bug in our own rendering code, met on one post of a batch. Not run against the bundle
 * (vitest.bundle.config.ts): the mock replaces a module inside the handler, and in the bundle that
 * module is part of a chunk no mock reaches.
 */
import { describe, expect, it, vi } from "vitest";
import { handleEvent } from "../../functions/handle-event.js";
import { batchOf, deps, good, siteTitles, siteWith } from "./batch-site.js";

// The bug, simulated for one post: the real renderer otherwise.
vi.mock("../../lib/feeds/feed-document.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../lib/feeds/feed-document.js")>();
  return {
    ...real,
    toFeedItem: (post: Parameters<typeof real.toFeedItem>[0], config: Parameters<typeof real.toFeedItem>[1]) => {
      if (post.title === "TRIGGERS-A-BUG") throw new TypeError("Cannot read properties of undefined (reading 'x')");
      return real.toFeedItem(post, config);
    },
  };
});

describe("one bad post in an SQS batch", () => {
  it("a bug met on one post fails that message and the later ones, names the post, and publishes the earlier ones", async () => {
    const bucket = await siteWith({ "a.md": good(1), "bug.md": good(2).replace("好新闻 2", "TRIGGERS-A-BUG"), "c.md": good(3) });
    const logs: Record<string, unknown>[] = [];
    const event = batchOf(["a.md", "bug.md", "c.md"]);
    const response = await handleEvent(event, deps(bucket, logs));
    const ids = event.Records.map((r) => r.messageId);
    // FIFO: the later message waits behind the failed one, so order is kept on retry.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: ids[1] }, { itemIdentifier: ids[2] }]);
    expect(await siteTitles(bucket)).toEqual(["好新闻 1"]);
    const batch = logs.find((e) => e.type === "batch" && e.outcome === "retrying");
    expect(String(batch?.error)).toMatch(/PostBugError: bug\.md: unexpected TypeError/);
  });
});
