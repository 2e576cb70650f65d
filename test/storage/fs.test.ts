import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFsStorage } from "../../lib/storage/fs.js";
import { describeStorageContract, INVALID_KEYS } from "./contract.js";

async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "feedpub-fs-"));
}

describeStorageContract("fs", async () => {
  const base = await makeTempDir();
  return { storage: createFsStorage({ base }), cleanup: () => rm(base, { recursive: true, force: true }) };
});

describe("fs storage on disk", () => {
  let root: string;
  let base: string;

  beforeEach(async () => {
    // base sits one level down so that escapes into root can be detected.
    root = await makeTempDir();
    base = join(root, "site");
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("maps keys to files under base, creating parent folders", async () => {
    await createFsStorage({ base }).put("文章/2024/你好.html", "<p>你好</p>");
    expect(await readFile(join(base, "文章", "2024", "你好.html"), "utf8")).toBe("<p>你好</p>");
  });

  it("reads files written by someone else, hashing their current bytes", async () => {
    await mkdir(join(base, "a"), { recursive: true });
    await writeFile(join(base, "a", "b.txt"), "outside");
    const storage = createFsStorage({ base });
    expect(new TextDecoder().decode((await storage.get("a/b.txt")) ?? undefined)).toBe("outside");
    expect(await storage.hash("a/b.txt")).toBe(createHash("sha256").update("outside").digest("hex"));
    await writeFile(join(base, "a", "b.txt"), "changed");
    expect(await storage.hash("a/b.txt")).toBe(createHash("sha256").update("changed").digest("hex"));
  });

  it.each(INVALID_KEYS)("writes nothing anywhere for the invalid key %j", async (key) => {
    await mkdir(base, { recursive: true });
    await expect(createFsStorage({ base }).put(key, "x")).rejects.toThrow(/Invalid key/);
    expect(await readdir(root)).toEqual(["site"]);
    expect(await readdir(base)).toEqual([]);
  });

  it("leaves no temp files behind after puts", async () => {
    const storage = createFsStorage({ base });
    await Promise.all(Array.from({ length: 20 }, (_, i) => storage.put(`dir/k${i % 4}.txt`, `v${i}`)));
    expect((await readdir(join(base, "dir"))).sort()).toEqual(["k0.txt", "k1.txt", "k2.txt", "k3.txt"]);
  });

  it("never lets a reader see a half-written file", async () => {
    const storage = createFsStorage({ base });
    const a = "a".repeat(1 << 20);
    const b = "b".repeat(1 << 20);
    await storage.put("big.txt", a);
    const seen = new Set<string>();
    const writes = Promise.all(Array.from({ length: 10 }, (_, i) => storage.put("big.txt", i % 2 ? a : b)));
    for (let i = 0; i < 40; i++) {
      const read = new TextDecoder().decode((await storage.get("big.txt")) ?? undefined);
      seen.add(read === a ? "a" : read === b ? "b" : `torn (${read.length} bytes)`);
    }
    await writes;
    expect([...seen].filter((s) => s !== "a" && s !== "b")).toEqual([]);
  });

  it("skips another writer's temp files when listing", async () => {
    const storage = createFsStorage({ base });
    await storage.put("posts/a.xml", "a");
    await writeFile(join(base, "posts", ".b.xml.4242.0123456789ab.tmp"), "partial");
    expect(await storage.list("")).toEqual(["posts/a.xml"]);
  });

  it("removes folders emptied by delete, up to but not including base", async () => {
    const storage = createFsStorage({ base });
    await storage.put("a/b/c/one.txt", "1");
    await storage.put("a/two.txt", "2");
    await storage.delete("a/b/c/one.txt");
    expect(await readdir(join(base, "a"))).toEqual(["two.txt"]);
    await storage.delete("a/two.txt");
    expect(await readdir(base)).toEqual([]);
    expect((await stat(base)).isDirectory()).toBe(true);
  });

  it("treats a folder as a missing key", async () => {
    const storage = createFsStorage({ base });
    await storage.put("posts/a.xml", "a");
    expect(await storage.get("posts")).toBeNull();
    expect(await storage.hash("posts")).toBeNull();
    expect(await storage.get("posts/a.xml/child")).toBeNull();
  });

  it("reads an object's first bytes alone, with its whole size", async () => {
    const storage = createFsStorage({ base });
    await storage.put("posts/a.md", "0123456789");
    const text = (start: { bytes: Uint8Array } | null) => start && new TextDecoder().decode(start.bytes);
    const start = await storage.getStart("posts/a.md", 4);
    expect([text(start), start?.size]).toEqual(["0123", 10]);
    expect(text(await storage.getStart("posts/a.md", 100))).toBe("0123456789");
    expect(await storage.getStart("posts/missing.md", 4)).toBeNull();
    expect(await storage.getStart("posts", 4)).toBeNull();
    expect(await storage.getStart("posts/a.md/child", 4)).toBeNull();
    await expect(storage.getStart("posts/a.md", 4, { maxBytes: 9 })).rejects.toMatchObject({ name: "TooLargeError", key: "posts/a.md", size: 10, maxBytes: 9 });
    expect((await storage.getStart("posts/a.md", 4, { maxBytes: 10 }))?.size).toBe(10);
    await expect(storage.getStart("../escape", 4)).rejects.toThrow(/Invalid key/);
  });

  it("stamps a file so that a rewrite of the same size is told apart, and stamps nothing that is not a file", async () => {
    const storage = createFsStorage({ base });
    await storage.put("posts/a.md", "0123456789");
    const first = storage.stamp("posts/a.md");
    expect(first?.changedMs).toBeGreaterThan(Date.now() - 60_000);
    expect(storage.stamp("posts/a.md")).toEqual(first);
    // Written again whole (a new file renamed over it, as every put is): another stamp.
    await storage.put("posts/a.md", "9876543210");
    expect(storage.stamp("posts/a.md")?.id).not.toBe(first?.id);
    expect(storage.stamp("posts/missing.md")).toBeNull();
    expect(storage.stamp("posts")).toBeNull();
    expect(storage.stamp("posts/a.md/child")).toBeNull();
    expect(() => storage.stamp("../escape")).toThrow(/Invalid key/);
  });

  it("copies a file from another folder whole, replacing what stood there, and names a missing source", async () => {
    const from = createFsStorage({ base: join(root, "cache") });
    const storage = createFsStorage({ base });
    await from.put("kept/rss.xml", "<rss>新</rss>");
    await storage.put("feeds/rss.xml", "<rss>old</rss>");
    await storage.copyFrom("feeds/rss.xml", from, "kept/rss.xml");
    expect(await readFile(join(base, "feeds", "rss.xml"), "utf8")).toBe("<rss>新</rss>");
    // A new file, not the source written through: changing one leaves the other.
    await from.put("kept/rss.xml", "<rss>changed</rss>");
    expect(await readFile(join(base, "feeds", "rss.xml"), "utf8")).toBe("<rss>新</rss>");
    await storage.copyFrom("feeds/tags/a/rss.xml", from, "kept/rss.xml");
    expect((await readdir(join(base, "feeds"))).sort()).toEqual(["rss.xml", "tags"]);

    await expect(storage.copyFrom("feeds/atom.xml", from, "kept/missing.xml")).rejects.toMatchObject({ name: "StorageError", key: "kept/missing.xml", op: "get" });
    await expect(storage.copyFrom("../escape", from, "kept/rss.xml")).rejects.toThrow(/Invalid key/);
    await expect(storage.copyFrom("feeds/x.xml", from, "../escape")).rejects.toThrow(/Invalid key/);
    expect(await readdir(join(base, "feeds"))).not.toContain("atom.xml");
  });

  it("lists nothing, without creating base, when base does not exist yet", async () => {
    expect(await createFsStorage({ base }).list("")).toEqual([]);
    await expect(stat(base)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("reports file system failures as non-transient StorageErrors naming the key", async () => {
    const storage = createFsStorage({ base });
    await storage.put("a", "file");
    // "a" is a file, so "a/b" needs a folder where a file stands.
    await expect(storage.put("a/b", "x")).rejects.toMatchObject({ name: "StorageError", key: "a/b", op: "put", transient: false });
  });
});
