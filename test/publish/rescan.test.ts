import { describe, expect, it } from "vitest";
import { publish, publishChanges, type PublishOptions } from "../../lib/publish/publish-changes.js";
import { StorageError } from "../../lib/errors.js";
import { loadSiteState, SITE_STATE_KEY } from "../../lib/publish/state-store.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import type { Storage } from "../../lib/storage/types.js";
import { deliver } from "../support/deliver.js";
import { feedFiles, fullBuildFeeds } from "../support/full-build.js";
import { SMALL_SITE_CONFIG } from "../support/small-site.js";

// 60 posts over three categories and two tags; feeds show 3. With rescanWork 10, a step reads at
// most 10 posts or renders one feed, so a rescan takes well over ten calls: a site larger than
// one invocation can rescan.
const NOW = new Date("2022-06-10T12:00:00+08:00");
const POSTS = Array.from({ length: 60 }, (_, i) => {
  const day = String(1 + (i % 28)).padStart(2, "0");
  const category = ["bank", "stock", "auto"][i % 3]!;
  const tag = ["银行", "IPO"][i % 2]!;
  return { key: `2022-05-${day}-p${String(i).padStart(2, "0")}.md`, text: post(`第 ${i} 篇`, `2022-05-${day} ${String(i % 24).padStart(2, "0")}:00:00 +0800`, category, tag) };
});
const WORK = 10;

function post(title: string, date: string, category: string, tag: string): string {
  return `---\ntitle: "${title}"\ndate: ${date}\ncategories: [${category}]\ntags: [${tag}]\n---\n<p>${title} 正文</p>\n`;
}

async function site(): Promise<MemoryStorage> {
  const bucket = createMemoryStorage();
  await bucket.put("content/_config.yml", SMALL_SITE_CONFIG);
  for (const p of POSTS) await bucket.put(`content/${p.key}`, p.text);
  await deliver({ bucket, now: NOW }, [], { rebuild: true });
  return bucket;
}

/** The storage, counting reads of posts and writes under feeds/ and state/. */
function counting(bucket: Storage) {
  const postGets: string[] = [];
  const writes: string[] = [];
  const storage: Storage = {
    ...bucket,
    get: (key, o) => (key.startsWith("content/") && key.endsWith(".md") && postGets.push(key), bucket.get(key, o)),
    put: (key, body, o) => (writes.push(`put ${key}`), bucket.put(key, body, o)),
    delete: (key) => (writes.push(`delete ${key}`), bucket.delete(key)),
  };
  return { storage, postGets, writes };
}

describe("a rescan too large for one invocation", () => {
  it("after a lost index, goes in continuation steps, each within its work, and converges to a full build", async () => {
    const bucket = await site();
    for (const key of await bucket.list("state/")) await bucket.delete(key);
    await bucket.delete("feeds/tags/ipo/rss.xml"); // and a feed file lost with it
    await bucket.put("feeds/gone/rss.xml", "<rss/>"); // a feed no post names any more

    const options: PublishOptions = { bucket, now: NOW, rescanWork: WORK };
    const calls: number[] = [];
    let result = await publish(options, { changes: [] });
    expect(result.rebuilt).toBe(true);
    while (result.next) {
      const run = counting(bucket);
      result = await publish({ ...options, bucket: run.storage }, { changes: [], rescan: result.next });
      calls.push(run.postGets.length);
    }
    expect(calls.length).toBeGreaterThan(8);
    // A step reads at most its work in posts; rendering one feed of 3 items is the least a step does.
    expect(Math.max(...calls)).toBeLessThanOrEqual(WORK);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect((await loadSiteState(bucket))!.rescan).toBeUndefined();
    // And the index serves uploads again.
    await bucket.put("content/new.md", post("新", "2022-06-01 08:00:00 +0800", "bank", "银行"));
    expect((await publishChanges(options, [{ key: "new.md", removed: false }])).rebuilt).toBe(false);
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
  });

  it("keeps uploads that arrive while an untrusted index is rescanned, and applies them when it commits", async () => {
    const bucket = await site();
    await bucket.delete(SITE_STATE_KEY);
    const options: PublishOptions = { bucket, now: NOW, rescanWork: WORK };
    let next = (await publish(options, { changes: [] })).next!;
    const edits: [string, string | null][] = [
      [POSTS[0]!.key, post("改过的第 0 篇", "2022-06-02 08:00:00 +0800", "auto", "IPO")],
      [POSTS[59]!.key, null],
      ["late.md", post("迟到", "2022-06-03 08:00:00 +0800", "stock", "银行")],
    ];
    for (const [key, text] of edits) {
      // One step, then an upload: its event waits in the mark, and the feeds are not touched.
      next = (await publish(options, { changes: [], rescan: next })).next!;
      if (text === null) await bucket.delete(`content/${key}`);
      else await bucket.put(`content/${key}`, text);
      const deferred = await publish(options, { changes: [{ key, removed: text === null }] });
      expect(deferred.results).toEqual([expect.objectContaining({ key, outcome: "deferred" })]);
      expect(deferred.writes).toEqual([]);
      expect(deferred.next).toEqual(next);
    }
    while (next) next = (await publish(options, { changes: [], rescan: next })).next!;
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect(JSON.stringify(await feedFiles(bucket))).toContain("改过的第 0 篇");
  });

  it("keeps the changes that waited when applying them fails after the commit, and applies them on the next call", async () => {
    const bucket = await site();
    await bucket.delete(SITE_STATE_KEY);
    const options: PublishOptions = { bucket, now: NOW, rescanWork: WORK };
    let next = (await publish(options, { changes: [] })).next;
    await bucket.put("content/late.md", post("迟到", "2021-01-01 08:00:00 +0800", "stock", "银行"));
    expect((await publish(options, { changes: [{ key: "late.md", removed: false }] })).results[0]!.outcome).toBe("deferred");
    // Once the scan is done, S3 fails every read of that post for a while.
    let failing = false;
    const flaky: Storage = {
      ...bucket,
      get: (key, o) => (failing && key === "content/late.md" ? Promise.reject(new StorageError(key, "get", true)) : bucket.get(key, o)),
    };
    while (next) {
      failing = next.phase !== "scan";
      next = (await publish({ ...options, bucket: flaky }, { changes: [], rescan: next })).next;
    }
    const site1 = (await loadSiteState(bucket))!;
    expect(site1.rescan).toBeUndefined();
    expect(site1.pendingChanges).toEqual(["late.md"]);
    failing = false;
    const tick = await publish(options, { changes: [] });
    expect(tick.results).toEqual([expect.objectContaining({ key: "late.md", outcome: "published" })]);
    expect((await loadSiteState(bucket))!.pendingChanges).toBeUndefined();
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
  });

  it("on request over a sound index, keeps the incremental path open between steps, corrects what content/ says, and converges", async () => {
    const bucket = await site();
    // A post changed without an event reaching the function: only a rescan can notice.
    await bucket.put(`content/${POSTS[1]!.key}`, post("悄悄改过", "2022-06-05 08:00:00 +0800", "auto", "IPO"));
    const options: PublishOptions = { bucket, now: NOW, rescanWork: WORK };
    let result = await publish(options, { changes: [], rebuild: true });
    expect((await loadSiteState(bucket))!.rescan).toBeUndefined(); // no mark: the index stays in use
    await bucket.put("content/between.md", post("步骤之间", "2022-06-06 08:00:00 +0800", "bank", "银行"));
    const between = await publish(options, { changes: [{ key: "between.md", removed: false }] });
    expect(between).toMatchObject({ rebuilt: false, results: [expect.objectContaining({ outcome: "published" })] });
    expect(JSON.stringify(await feedFiles(bucket))).toContain("步骤之间");
    while (result.next) result = await publish(options, { changes: [], rescan: result.next });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect(JSON.stringify(await feedFiles(bucket))).toContain("悄悄改过");
  });

  it("on request, takes a post changed since its scan out of every feed it was in at once, not only those rendered so far", async () => {
    const bucket = await site();
    const options: PublishOptions = { bucket, now: NOW, rescanWork: WORK };
    // The newest post (in stock and IPO, and in the site feed, rendered first) changes once the
    // scan has read it, its event still on its way.
    const newest = POSTS[55]!;
    let result = await publish(options, { changes: [], rebuild: true });
    while (result.next?.after !== newest.key) result = await publish(options, { changes: [], rescan: result.next! });
    expect(JSON.stringify(await feedFiles(bucket))).toContain("第 55 篇");
    await bucket.put(`content/${newest.key}`, post("改过", "2022-05-28 07:00:00 +0800", "bank", "银行"));
    result = await publish(options, { changes: [], rescan: result.next! });
    // The step rendered the first feeds in folder order, not yet the post's stock and IPO feeds.
    expect(result.next?.phase).toBe("render");
    expect(result.next!.after! < "feeds/stock").toBe(true);
    // Its old version is in no feed, so no feed shows what the others do not; the event brings the new one.
    expect(JSON.stringify(await feedFiles(bucket))).not.toContain("第 55 篇");
    await publish(options, { changes: [{ key: newest.key, removed: false }] });
    while (result.next) result = await publish(options, { changes: [], rescan: result.next });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
  });

  it("over unchanged content writes nothing to feeds/ or state/, in steps or in one call", async () => {
    const bucket = await site();
    for (const rescanWork of [WORK, Infinity]) {
      const run = counting(bucket);
      const results = await deliver({ bucket: run.storage, now: NOW, rescanWork }, [], { rebuild: true });
      if (rescanWork === WORK) expect(results.length).toBeGreaterThan(5);
      else expect(results.length).toBe(1);
      expect(run.writes).toEqual([]);
    }
  });

  it("sends a step's continuation again when its message comes back after the step was done, and ignores older ones", async () => {
    const bucket = await site();
    await bucket.delete(SITE_STATE_KEY);
    const options: PublishOptions = { bucket, now: NOW, rescanWork: WORK };
    const first = (await publish(options, { changes: [] })).next!;
    const second = (await publish(options, { changes: [], rescan: first })).next!;
    const third = (await publish(options, { changes: [], rescan: second })).next!;
    // The invocation that did `second` died before its continuation went out: the retry re-sends it.
    const run = counting(bucket);
    expect((await publish({ ...options, bucket: run.storage }, { changes: [], rescan: second })).next).toEqual(third);
    expect(run.writes).toEqual([]);
    // A duplicate of an older step, or of another rescan, does nothing.
    expect((await publish(options, { changes: [], rescan: first })).next).toBeUndefined();
    expect((await publish(options, { changes: [], rescan: { ...third, id: "other" } })).next).toBeUndefined();
    let next: typeof third | undefined = third;
    while (next) next = (await publish(options, { changes: [], rescan: next })).next;
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    // Late copies of the finished rescan's messages are ignored.
    const late = counting(bucket);
    expect(await publish({ ...options, bucket: late.storage }, { changes: [], rescan: third })).toMatchObject({ rebuilt: false, writes: [] });
    expect(late.writes).toEqual([]);
  });

  it("starts again when the configuration changes half-way, and the result has the new configuration", async () => {
    const bucket = await site();
    await bucket.delete(SITE_STATE_KEY);
    const options: PublishOptions = { bucket, now: NOW, rescanWork: WORK };
    let next = (await publish(options, { changes: [] })).next!;
    for (let i = 0; i < 4; i++) next = (await publish(options, { changes: [], rescan: next })).next!;
    await bucket.put("content/_config.yml", SMALL_SITE_CONFIG.replace("title: 测试站", "title: 新站名").replace("limit: 3", "limit: 2"));
    const restarted = await publish(options, { changes: [], rescan: next });
    expect(restarted.next!.id).not.toBe(next.id);
    let cursor = restarted.next;
    while (cursor) cursor = (await publish(options, { changes: [], rescan: cursor })).next;
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, NOW));
    expect(JSON.stringify(await feedFiles(bucket))).toContain("新站名");
  });
});
