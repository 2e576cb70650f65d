import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { describeStorageContract } from "./contract.js";

describeStorageContract("memory", async () => ({ storage: createMemoryStorage(), cleanup: async () => {} }));

describe("memory storage inspect", () => {
  it("exposes the options each object was written with", async () => {
    const storage = createMemoryStorage();
    await storage.put("feed.xml", "<rss/>", { contentType: "application/rss+xml", cacheControl: "max-age=300" });
    await storage.put("plain.txt", "x");
    expect(storage.inspect("feed.xml")).toEqual({
      body: new TextEncoder().encode("<rss/>"),
      sha256: createHash("sha256").update("<rss/>").digest("hex"),
      contentType: "application/rss+xml",
      cacheControl: "max-age=300",
    });
    expect(storage.inspect("plain.txt")).not.toHaveProperty("contentType");
    expect(storage.inspect("missing")).toBeNull();
    const inspected = storage.inspect("feed.xml");
    inspected?.body.fill(0);
    expect(await storage.get("feed.xml")).toEqual(new TextEncoder().encode("<rss/>"));
  });

  it("forgets the options when the key is overwritten without them", async () => {
    const storage = createMemoryStorage();
    await storage.put("feed.xml", "a", { contentType: "application/rss+xml" });
    await storage.put("feed.xml", "b");
    expect(storage.inspect("feed.xml")?.contentType).toBeUndefined();
  });
});
