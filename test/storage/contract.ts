import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageError } from "../../lib/errors.js";
import type { Storage } from "../../lib/storage/types.js";

export interface StorageUnderTest {
  storage: Storage;
  cleanup: () => Promise<void>;
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const utf8 = (text: string) => new TextEncoder().encode(text);

export const INVALID_KEYS = ["", "/etc/passwd", "../escape", "a/../../escape", "..", "a/./b", "a//b", "a/", "a\\b", "a\0b"];

/** The behaviour every driver promises; each test gets a fresh, empty storage. */
export function describeStorageContract(name: string, makeStorage: () => Promise<StorageUnderTest>): void {
  describe(`${name} storage contract`, () => {
    let storage: Storage;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ storage, cleanup } = await makeStorage());
    });
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it("answers null for a key that was never written", async () => {
      expect(await storage.get("missing.xml")).toBeNull();
      expect(await storage.hash("missing.xml")).toBeNull();
      expect(await storage.get("no/such/folder/file.xml")).toBeNull();
    });

    it("refuses, unread, an object larger than maxBytes, and reads one that fits", async () => {
      await storage.put("posts/big.md", "x".repeat(5_000));
      await expect(storage.get("posts/big.md", { maxBytes: 4_999 })).rejects.toMatchObject({ name: "TooLargeError", key: "posts/big.md", size: 5_000, maxBytes: 4_999 });
      expect((await storage.get("posts/big.md", { maxBytes: 5_000 }))?.byteLength).toBe(5_000);
      expect(await storage.get("posts/missing.md", { maxBytes: 10 })).toBeNull();
    });

    it("round-trips bytes exactly, including NUL and high bytes", async () => {
      const bytes = Uint8Array.from([0, 1, 2, 127, 128, 254, 255, 0]);
      await storage.put("bin/data.bin", bytes);
      const read = await storage.get("bin/data.bin");
      expect(read).toBeInstanceOf(Uint8Array);
      expect(Array.from(read ?? [])).toEqual(Array.from(bytes));
    });

    it("stores strings as UTF-8, under Chinese keys too", async () => {
      const text = "<title>你好，世界 — “引号” 😀</title>\n";
      await storage.put("文章/二〇二四/你好 世界.xml", text, { contentType: "application/xml; charset=utf-8" });
      const read = await storage.get("文章/二〇二四/你好 世界.xml");
      expect(read && new TextDecoder().decode(read)).toBe(text);
      expect(Array.from(read ?? [])).toEqual(Array.from(utf8(text)));
      expect(await storage.list("文章/")).toEqual(["文章/二〇二四/你好 世界.xml"]);
    });

    it("overwrites: the last put wins, bytes and hash", async () => {
      await storage.put("feed.xml", "first version, longer than the second");
      await storage.put("feed.xml", "second");
      expect(new TextDecoder().decode((await storage.get("feed.xml")) ?? undefined)).toBe("second");
      expect(await storage.hash("feed.xml")).toBe(sha256("second"));
      expect(await storage.list("")).toEqual(["feed.xml"]);
    });

    it("hashes as SHA-256 hex of the stored bytes", async () => {
      const bytes = Uint8Array.from([9, 8, 7, 0, 255]);
      await storage.put("a.bin", bytes);
      await storage.put("你好.txt", "中文内容");
      expect(await storage.hash("a.bin")).toBe(sha256(bytes));
      expect(await storage.hash("你好.txt")).toBe(sha256(utf8("中文内容")));
      expect(await storage.hash("你好.txt")).toMatch(/^[0-9a-f]{64}$/);
    });

    it("does not let the caller's buffer alias the stored object", async () => {
      const bytes = utf8("abc");
      await storage.put("alias.txt", bytes);
      bytes[0] = 0x7a;
      const read = await storage.get("alias.txt");
      expect(new TextDecoder().decode(read ?? undefined)).toBe("abc");
      read?.fill(0);
      expect(new TextDecoder().decode((await storage.get("alias.txt")) ?? undefined)).toBe("abc");
    });

    it("deletes, and deleting again or deleting a missing key is not an error", async () => {
      await storage.put("posts/2024/a.html", "a");
      await storage.put("posts/2024/b.html", "b");
      await storage.delete("posts/2024/a.html");
      expect(await storage.get("posts/2024/a.html")).toBeNull();
      expect(await storage.hash("posts/2024/a.html")).toBeNull();
      expect(await storage.list("posts/")).toEqual(["posts/2024/b.html"]);
      await expect(storage.delete("posts/2024/a.html")).resolves.toBeUndefined();
      await expect(storage.delete("never/existed.html")).resolves.toBeUndefined();
      // A "folder" is not a key: deleting it must not take its contents with it.
      await expect(storage.delete("posts/2024")).resolves.toBeUndefined();
      expect(await storage.get("posts/2024/b.html")).not.toBeNull();
    });

    it("lists by string prefix, nested keys included, other prefixes excluded", async () => {
      const keys = ["posts/2024/b.md", "posts/2024/a.md", "posts/2023/z.md", "posts-archive/x.md", "postscript.md", "pages/about.md"];
      for (const key of keys) await storage.put(key, key);
      expect(await storage.list("posts/")).toEqual(["posts/2023/z.md", "posts/2024/a.md", "posts/2024/b.md"]);
      expect(await storage.list("posts/2024/")).toEqual(["posts/2024/a.md", "posts/2024/b.md"]);
      expect(await storage.list("posts/2024/a")).toEqual(["posts/2024/a.md"]);
      expect(await storage.list("posts")).toEqual(["posts-archive/x.md", "posts/2023/z.md", "posts/2024/a.md", "posts/2024/b.md", "postscript.md"]);
      expect(await storage.list("")).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(await storage.list("nothing/")).toEqual([]);
      expect(await storage.list("posts/2024/a.md/")).toEqual([]);
    });

    it("lists a window after a key, a page at a time, in the same order as the whole listing", async () => {
      // More keys than the S3 test driver's page of 10, with code points either side of the surrogates.
      const keys = Array.from({ length: 23 }, (_, i) => `w/${String(i).padStart(2, "0")}.md`).concat(["w/😀.md", "w/（一）.md", "w/中.md"]);
      for (const key of keys) await storage.put(key, key);
      const whole = await storage.list("w/");
      const walked: string[] = [];
      for (let page = await storage.list("w/", { limit: 7 }); page.length > 0; page = await storage.list("w/", { after: page.at(-1)!, limit: 7 })) {
        expect(page.length).toBeLessThanOrEqual(7);
        walked.push(...page);
      }
      expect(walked).toEqual(whole);
      // The cursor need not be a key that exists.
      expect(await storage.list("w/", { after: "w/05", limit: 2 })).toEqual(["w/05.md", "w/06.md"]);
    });

    it("sorts by code point, as S3 does, not by UTF-16 unit or locale", async () => {
      // U+FF08 "（" sorts before U+1F600 "😀" by code point, after it by UTF-16 code unit.
      const keys = ["s/😀.md", "s/（一）.md", "s/中.md", "s/é.md", "s/b.md", "s/a.md", "s/B.md", "s/a-b.md"];
      for (const key of keys) await storage.put(key, "x");
      expect(await storage.list("s/")).toEqual(["s/B.md", "s/a-b.md", "s/a.md", "s/b.md", "s/é.md", "s/中.md", "s/（一）.md", "s/😀.md"]);
    });

    it("lists more keys than fit in one page", async () => {
      const keys = Array.from({ length: 25 }, (_, i) => `page/k${String(i).padStart(2, "0")}.json`);
      await Promise.all([...keys].reverse().map((key) => storage.put(key, key)));
      expect(await storage.list("page/")).toEqual(keys);
    });

    it.each(INVALID_KEYS)("rejects the invalid key %j in every operation, naming it", async (key) => {
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ["put", () => storage.put(key, "x")],
        ["get", () => storage.get(key)],
        ["hash", () => storage.hash(key)],
        ["delete", () => storage.delete(key)],
      ];
      for (const [op, call] of attempts) {
        const error = await call().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error, `${op} ${JSON.stringify(key)}`).toBeInstanceOf(StorageError);
        expect(error).toMatchObject({ key, op, transient: false });
        expect((error as Error).message).toContain(`"${key}"`);
      }
      expect(await storage.list("")).toEqual([]);
    });

    it.each(["/posts", "../", "a/../", "a//", "a\\"])("rejects the invalid list prefix %j", async (prefix) => {
      await expect(storage.list(prefix)).rejects.toMatchObject({ name: "StorageError", key: prefix, op: "list" });
    });
  });
}
