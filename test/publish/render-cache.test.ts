import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig, type SiteConfig } from "../../lib/config.js";
import { StorageError } from "../../lib/errors.js";
import type { FeedItem } from "../../lib/feeds/model.js";
import { renderItem } from "../../lib/publish/read-posts.js";
import { openRenderCache } from "../../lib/publish/render-cache.js";
import { readPost } from "../../lib/posts/read-post.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import { configYaml, post } from "../feeds/helpers.js";

const CONFIG = parseConfig(configYaml());
const KEY = "2022-05-20-one.md";
const BYTES = new TextEncoder().encode(
  post(["title: A & B <c> ]]> \"quoted\" 第一篇", "date: 2022-05-20 09:00:00 +0800", "categories: bank", "tags: [股市]", "author: Jane"], '<p>正文 \u{1F600}</p><img src="/a.png" alt="图">\n'),
);
// A real item, whatever fields items have.
const ITEM: FeedItem = renderItem(readPost(KEY, BYTES, CONFIG), CONFIG);

/** A cache over `store` and a render that counts its calls. */
function setup(store: MemoryStorage = createMemoryStorage(), options: { code?: string; config?: SiteConfig } = {}) {
  const cache = openRenderCache({ store, code: options.code ?? "code-1" }, options.config ?? CONFIG);
  const calls = { n: 0 };
  const render = () => {
    calls.n++;
    return ITEM;
  };
  return { store, cache, calls, render, item: (key = KEY, bytes = BYTES) => cache.item(key, bytes, render) };
}

async function onlyKey(store: MemoryStorage): Promise<string> {
  const keys = await store.list("");
  expect(keys).toHaveLength(1);
  return keys[0]!;
}

describe("render cache", () => {
  it("renders a post once, then gives back the same item without rendering", async () => {
    const { store, calls, item } = setup();
    expect(await item()).toEqual(ITEM);
    expect(calls.n).toBe(1);
    expect(await onlyKey(store)).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{64}\.json$/);

    const again = await item();
    expect(calls.n).toBe(1);
    expect(again).toEqual(ITEM);
    expect(again.published).toBeInstanceOf(Date);
  });

  it("reuses an entry another cache over the same store wrote: only the feed lengths may differ", async () => {
    const first = setup();
    await first.item();
    const longer = setup(first.store, { config: { ...CONFIG, feeds: { ...CONFIG.feeds, limit: CONFIG.feeds.limit + 1 } } });
    await longer.item();
    const byKind = setup(first.store, { config: { ...CONFIG, feeds: { ...CONFIG.feeds, limitByKind: { site: 200 } } } });
    await byKind.item();
    expect([longer.calls.n, byKind.calls.n]).toEqual([0, 0]);
  });

  it.each([
    ["other bytes", (s: ReturnType<typeof setup>) => s.item(KEY, new TextEncoder().encode("---\ntitle: 改\n---\n"))],
    ["another key", (s: ReturnType<typeof setup>) => s.item("2022-05-20-two.md")],
    ["other code", (s: ReturnType<typeof setup>) => setup(s.store, { code: "code-2" }).cache.item(KEY, BYTES, s.render)],
    ["another title", (s: ReturnType<typeof setup>) => setup(s.store, { config: { ...CONFIG, title: "别的" } }).cache.item(KEY, BYTES, s.render)],
    ["other limits", (s: ReturnType<typeof setup>) => setup(s.store, { config: { ...CONFIG, feeds: { ...CONFIG.feeds, limits: { ...CONFIG.feeds.limits, postBytes: 1000 } } } }).cache.item(KEY, BYTES, s.render)],
  ])("renders again for %s", async (_name, call) => {
    const s = setup();
    await s.item();
    await call(s);
    expect(s.calls.n).toBe(2);
  });

  it("stores nothing when rendering throws, and lets the error through", async () => {
    const store = createMemoryStorage();
    const cache = openRenderCache({ store, code: "code-1" }, CONFIG);
    const error = new Error("render failed");
    await expect(cache.item(KEY, BYTES, () => { throw error; })).rejects.toBe(error);
    expect(await store.list("")).toEqual([]);
  });

  it("renders every item when its store fails every call, and says nothing of it", async () => {
    const store = createMemoryStorage();
    const failing = (op: StorageError["op"]) => async (key: string) => {
      throw new StorageError(key, op, true);
    };
    const broken: MemoryStorage = { ...store, get: failing("get"), put: failing("put"), list: failing("list"), delete: failing("delete") };
    const cache = openRenderCache({ store: broken, code: "code-1", prune: true }, CONFIG);
    let calls = 0;
    for (let i = 0; i < 2; i++) expect(await cache.item(KEY, BYTES, () => (calls++, ITEM))).toEqual(ITEM);
    expect(calls).toBe(2);
    expect(await cache.prune()).toBe(0);
  });

  describe("never trusts what it reads back", () => {
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
    /** The entry with its item changed and its checksum made to match again, as a foreign writer would. */
    const rewrite = (entry: string, change: (item: Record<string, unknown>) => void) => {
      const [head, body] = [entry.slice(0, entry.indexOf("\n")), entry.slice(entry.indexOf("\n") + 1)];
      const item = JSON.parse(body) as Record<string, unknown>;
      change(item);
      const newBody = JSON.stringify(item);
      return `${JSON.stringify({ ...JSON.parse(head), sha256: sha256(newBody) })}\n${newBody}`;
    };

    it.each([
      ["empty", () => ""],
      ["cut short", (e: string) => e.slice(0, e.length - 10)],
      ["not JSON", () => "\u0000\u0001garbage"],
      ["one byte changed in the item", (e: string) => e.replace("正文", "正交")],
      ["another format's", (e: string) => e.replace('"feedpub render cache"', '"something else"')],
      ["a later version's", (e: string) => e.replace('"version":1', '"version":2')],
      ["stored under another hash", (e: string) => e.replace(/"hash":"[0-9a-f]{4}/, '"hash":"0000')],
      ["another post's item", (e: string) => rewrite(e, (i) => (i.key = "2022-05-20-two.md"))],
      ["an item whose date is a string", (e: string) => rewrite(e, (i) => (i.published = "2022-05-20"))],
      ["an item without its key", (e: string) => rewrite(e, (i) => delete i.key)],
      ["a list, not an item", (e: string) => `${e.slice(0, e.indexOf("\n"))}\n[]`.replace(/"sha256":"[0-9a-f]+"/, `"sha256":"${sha256("[]")}"`)],
    ])("an entry %s is ignored, and replaced by the item rendered again", async (_name, spoil) => {
      const s = setup();
      await s.item();
      const key = await onlyKey(s.store);
      await s.store.put(key, spoil(text(s.store.inspect(key)!.body)));

      expect(await s.item()).toEqual(ITEM);
      expect(s.calls.n).toBe(2);
      // Rewritten: the next build finds it good.
      await s.item();
      expect(s.calls.n).toBe(2);
    });

    it("an entry rewritten with a valid item of the right shape is what it gives back: only the store is trusted that far", async () => {
      // The check is of integrity and shape, not authorship: this is how a test proves an item came from the cache.
      const s = setup();
      await s.item();
      const key = await onlyKey(s.store);
      await s.store.put(key, rewrite(text(s.store.inspect(key)!.body), (i) => (i.title = "从缓存")));
      expect((await s.item()).title).toBe("从缓存");
      expect(s.calls.n).toBe(1);
    });
  });

  describe("pruning", () => {
    const OTHER = "2022-05-21-other.md";

    it("removes the entries a build did not ask for, and nothing that is not an entry", async () => {
      const store = createMemoryStorage();
      const first = setup(store);
      await first.item();
      await first.item(OTHER);
      await store.put("README.txt", "not the cache's");
      expect(await store.list("")).toHaveLength(3);

      // The next build shows only the first post.
      const next = openRenderCache({ store, code: "code-1", prune: true }, CONFIG);
      let renders = 0;
      expect(await next.item(KEY, BYTES, () => (renders++, ITEM))).toEqual(ITEM);
      expect(await next.prune()).toBe(1);
      expect(renders).toBe(0);
      const left = await store.list("");
      expect(left).toContain("README.txt");
      expect(left).toHaveLength(2);
      // What is left is the entry it used: found again without rendering.
      await setup(store).item();
      expect(renders).toBe(0);
    });

    it("keeps what it rendered itself, and every entry of an earlier configuration goes", async () => {
      const store = createMemoryStorage();
      await setup(store).item();
      const retitled = openRenderCache({ store, code: "code-1", prune: true }, { ...CONFIG, title: "别的" });
      await retitled.item(KEY, BYTES, () => ITEM);
      expect(await retitled.prune()).toBe(1);
      expect(await store.list("")).toHaveLength(1);
    });

    it("removes nothing from a store it was not told is the site's alone", async () => {
      const store = createMemoryStorage();
      await setup(store).item(OTHER);
      const shared = openRenderCache({ store, code: "code-1" }, CONFIG);
      await shared.item(KEY, BYTES, () => ITEM);
      expect(await shared.prune()).toBe(0);
      expect(await store.list("")).toHaveLength(2);
    });
  });
});
