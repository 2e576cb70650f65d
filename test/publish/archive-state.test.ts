/**
 * How an upload changes a feed's archive state (lib/publish/archive-state.ts): applied to the few
 * pages its posts fall in, a change must give exactly the pages cutting all the posts again gives,
 * name the pages whose files change (and no other), and read only the pages it needs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cutArchive, PAGE_SIZE_CAP } from "../../lib/feeds/archive.js";
import { ArchiveStateError, parseArchiveStateKey, recutArchive, type ArchiveIndex, type PageState } from "../../lib/publish/archive-state.js";
import { compareRefs, type Ref, type StoredItem } from "../../lib/publish/feed-state.js";

/** An item as far as the archive state looks at one: its post, its date, and a version of its text. */
const item = (ref: Ref, version = 1) => ({ key: ref.key, published: ref.date, title: `v${version}` }) as unknown as StoredItem;

/** The archive state a rescan writes for these posts: the index and each page's state, by name. */
function stateOf(refs: Ref[], pageSize: number, items = new Map<string, StoredItem>()) {
  const pages = cutArchive([...refs].sort(compareRefs), pageSize);
  const index: ArchiveIndex = { pages: pages.map((p) => ({ name: p.name, newest: p.posts[0]!, count: p.posts.length })) };
  const states = new Map<string, PageState>(pages.map((p) => [p.name, { refs: p.posts, items: p.posts.map((r) => items.get(r.key) ?? item(r)), hashes: {} }]));
  const older = new Map(pages.map((p, i) => [p.name, pages[i + 1]?.name]));
  return { index, states, older };
}

const refArb = fc.record({ key: fc.stringMatching(/^[a-z0-9]{1,8}\.md$/), date: fc.integer({ min: 0, max: 200 }) });
/** Posts archived before, and what happens to each: kept, removed, re-dated or edited in place; and new posts. */
const changeArb = fc.record({
  before: fc.uniqueArray(refArb, { selector: (r) => r.key, maxLength: 80 }),
  fates: fc.array(fc.constantFrom("keep", "keep", "keep", "keep", "remove", "redate", "edit"), { maxLength: 80 }),
  added: fc.uniqueArray(refArb, { selector: (r) => r.key, maxLength: 6 }),
  pageSize: fc.integer({ min: 1, max: 6 }),
});

describe("recutArchive", () => {
  it("gives the pages a cut of all the posts gives, and names exactly the pages whose files change", async () => {
    await fc.assert(
      fc.asyncProperty(changeArb, async ({ before, fates, added, pageSize }) => {
        const old = stateOf(before, pageSize);
        const removes: Ref[] = [];
        const adds: StoredItem[] = [];
        const edits: StoredItem[] = [];
        const after: Ref[] = [];
        const items = new Map<string, StoredItem>();
        before.forEach((ref, i) => {
          const fate = fates[i] ?? "keep";
          if (fate === "keep") after.push(ref);
          if (fate === "remove" || fate === "redate") removes.push(ref);
          if (fate === "redate") {
            const moved = { key: ref.key, date: ref.date + 37 };
            adds.push(item(moved));
            after.push(moved);
          }
          if (fate === "edit") {
            edits.push(item(ref, 2));
            items.set(ref.key, item(ref, 2));
            after.push(ref);
          }
        });
        for (const ref of added.filter((r) => !before.some((b) => b.key === r.key))) {
          adds.push(item(ref));
          after.push(ref);
        }
        const recut = await recutArchive("feeds", old.index, async (names) => new Map(names.map((n) => [n, old.states.get(n) ?? null])), { removes, adds, edits }, pageSize);

        const want = stateOf(after, pageSize, items);
        expect(recut.pages).toEqual(want.index.pages);
        // Changed: every page new, with other posts or items, or linking another page; nothing else.
        const differs = (name: string) => {
          const was = old.states.get(name);
          const is = want.states.get(name)!;
          return !was || old.older.get(name) !== want.older.get(name) || JSON.stringify([was.refs, was.items]) !== JSON.stringify([is.refs, is.items]);
        };
        expect(recut.changed.map((c) => c.name).sort()).toEqual(want.index.pages.map((p) => p.name).filter(differs).sort());
        for (const page of recut.changed) {
          expect(page.state.refs, page.name).toEqual(want.states.get(page.name)!.refs);
          expect(page.state.items, page.name).toEqual(want.states.get(page.name)!.items);
          expect(page.older, page.name).toBe(want.older.get(page.name));
        }
        expect(recut.removed.sort()).toEqual(old.index.pages.map((p) => p.name).filter((n) => !want.states.has(n)).sort());
      }),
      { numRuns: 500 },
    );
  });

  it("reads one page for a new post, and at most two for a post dated in the past, when no page ended at the cap", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(refArb, { selector: (r) => r.key, minLength: 1, maxLength: 80 }), refArb, fc.integer({ min: 2, max: 6 }), async (refs, late, pageSize) => {
        fc.pre(!refs.some((r) => r.key === late.key));
        const old = stateOf(refs, pageSize);
        fc.pre(old.index.pages.every((p) => p.count < pageSize * PAGE_SIZE_CAP));
        const loaded: string[] = [];
        const load = async (names: string[]) => (loaded.push(...names), new Map(names.map((n) => [n, old.states.get(n) ?? null])));
        const newest = { key: late.key, date: 1_000 };
        await recutArchive("feeds", old.index, load, { removes: [], adds: [item(newest)], edits: [] }, pageSize);
        expect(loaded).toHaveLength(1);
        loaded.length = 0;
        const recut = await recutArchive("feeds", old.index, load, { removes: [], adds: [item(late)], edits: [] }, pageSize);
        expect(loaded.length).toBeLessThanOrEqual(2);
        expect(recut.changed.length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a change that does not fit the pages: the state is then behind content/", async () => {
    const old = stateOf([{ key: "a.md", date: 1 }, { key: "b.md", date: 2 }], 1);
    const load = async (names: string[]) => new Map(names.map((n) => [n, old.states.get(n) ?? null]));
    await expect(recutArchive("feeds", old.index, load, { removes: [{ key: "c.md", date: 1 }], adds: [], edits: [] }, 1)).rejects.toThrow(ArchiveStateError);
    await expect(recutArchive("feeds", old.index, load, { removes: [], adds: [item({ key: "a.md", date: 1 })], edits: [] }, 1)).rejects.toThrow(/a\.md is archived already/);
    await expect(recutArchive("feeds", old.index, async () => new Map(), { removes: [{ key: "a.md", date: 1 }], adds: [], edits: [] }, 1)).rejects.toThrow(/state of page .* is missing/);
  });
});

describe("parseArchiveStateKey", () => {
  it("tells a feed's archive index and page states from feed states, also for a category named archive or open", () => {
    expect(parseArchiveStateKey("state/feeds/archive.json")).toEqual({ feedDir: "feeds" });
    expect(parseArchiveStateKey("state/feeds/archive/open.json")).toEqual({ feedDir: "feeds", page: "open" });
    expect(parseArchiveStateKey(`state/feeds/bank/archive/${"0a".repeat(16)}.json`)).toEqual({ feedDir: "feeds/bank", page: "0a".repeat(16) });
    expect(parseArchiveStateKey("state/feeds/archive/archive.json")).toEqual({ feedDir: "feeds/archive" });
    expect(parseArchiveStateKey("state/feeds/archive/state.json")).toBeNull();
    expect(parseArchiveStateKey("state/feeds/open/state.json")).toBeNull();
    expect(parseArchiveStateKey("state/posts/0a.json")).toBeNull();
    expect(parseArchiveStateKey("state/site.json")).toBeNull();
  });
});
