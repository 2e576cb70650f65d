/**
 * Where archive pages begin and end (lib/feeds/archive.ts), as an aggregator walking them would
 * see it: every older post on exactly one page, pages that stay put as new posts arrive, and a
 * post dated in the past that changes one page, not every page after it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cutArchive, OPEN_PAGE, PAGE_SIZE_CAP, type ArchivePage } from "../../lib/feeds/archive.js";

interface P {
  key: string;
}

/** Distinct keys, newest first: the order a feed keeps its older posts in. */
const keysArb = fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}\.md$/), { minLength: 0, maxLength: 120 });
const sizeArb = fc.integer({ min: 1, max: 8 });
const posts = (keys: string[]): P[] => keys.map((key) => ({ key }));
const signature = (page: ArchivePage<P>) => `${page.name}:${page.posts.map((p) => p.key).join(",")}`;
/** The closed pages of `before` that `after` does not hold with the same posts: each is a changed page to readers. */
const changedClosed = (before: ArchivePage<P>[], after: ArchivePage<P>[]) => {
  const kept = new Set(after.map(signature));
  return before.filter((p) => p.closed && !kept.has(signature(p)));
};
/** Older posts, the same without one of them (`key`), and a page size. */
const onePostMore = fc
  .tuple(keysArb.filter((keys) => keys.length > 1), sizeArb, fc.nat())
  .map(([keys, size, at]) => {
    const i = at % keys.length;
    return { keys, without: [...keys.slice(0, i), ...keys.slice(i + 1)], key: keys[i]!, size };
  });
/** No page ended by the size cap: such an end moves with the count before it (PAGE_SIZE_CAP's note). */
const uncapped = (pages: ArchivePage<P>[], size: number) => pages.every((p) => p.posts.length < size * PAGE_SIZE_CAP);

describe("cutArchive", () => {
  it("puts every older post on exactly one page, in the feed's order, newest page first", () => {
    fc.assert(
      fc.property(keysArb, sizeArb, (keys, size) => {
        const pages = cutArchive(posts(keys), size);
        expect(pages.flatMap((p) => p.posts.map((q) => q.key))).toEqual(keys);
        expect(pages.every((p) => p.posts.length > 0 && p.posts.length <= size * PAGE_SIZE_CAP)).toBe(true);
      }),
    );
  });

  it("leaves only the newest page open, and names every closed page apart, by 32 hex digits", () => {
    fc.assert(
      fc.property(keysArb, sizeArb, (keys, size) => {
        const pages = cutArchive(posts(keys), size);
        expect(pages.slice(1).every((p) => p.closed)).toBe(true);
        const closed = pages.filter((p) => p.closed);
        expect(closed.every((p) => /^[0-9a-f]{32}$/.test(p.name))).toBe(true);
        expect(new Set(closed.map((p) => p.name)).size).toBe(closed.length);
        if (pages[0] && !pages[0].closed) expect(pages[0].name).toBe(OPEN_PAGE);
      }),
    );
  });

  it("makes pages of about the size asked for", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `post-${i}.md`);
    for (const size of [10, 50]) {
      const closed = cutArchive(posts(keys), size).filter((p) => p.closed);
      const mean = keys.length / closed.length;
      expect(mean).toBeGreaterThan(size * 0.85);
      expect(mean).toBeLessThan(size * 1.15);
    }
  });

  it("keeps every closed page as it was when a newer post leaves the feed for the archive", () => {
    fc.assert(
      fc.property(keysArb, sizeArb, (keys, size) => {
        fc.pre(keys.length > 0);
        const [newest, ...rest] = keys;
        expect(changedClosed(cutArchive(posts(rest), size), cutArchive(posts([newest!, ...rest]), size))).toEqual([]);
      }),
    );
  });

  it("changes at most the one closed page a post dated in the past lands in", () => {
    fc.assert(
      fc.property(onePostMore, ({ keys, without, size }) => {
        const before = cutArchive(posts(without), size);
        const after = cutArchive(posts(keys), size);
        fc.pre(uncapped(before, size) && uncapped(after, size));
        expect(changedClosed(before, after).length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("changes at most two closed pages when a post is removed: its own, and the next when it ended a page", () => {
    fc.assert(
      fc.property(onePostMore, ({ keys, without, size, key }) => {
        const before = cutArchive(posts(keys), size);
        const after = cutArchive(posts(without), size);
        fc.pre(uncapped(before, size) && uncapped(after, size));
        expect(changedClosed(before, after).length).toBeLessThanOrEqual(2);
        // A removed post that did not end its page (a page ends at its newest post) leaves every page name in place.
        const own = before.find((p) => p.posts.some((q) => q.key === key))!;
        if (own.posts[0]!.key !== key || !own.closed) {
          expect(after.filter((p) => p.closed).map((p) => p.name)).toEqual(before.filter((p) => p.closed).map((p) => p.name));
        }
      }),
    );
  });

  it("ends a page at the cap when no post's hash does", () => {
    // Keys none of which ends a page of 1,000: the cap alone cuts them.
    const keys = Array.from({ length: 9_000 }, (_, i) => `k${i}.md`);
    const pages = cutArchive(posts(keys), 1_000);
    expect(Math.max(...pages.map((p) => p.posts.length))).toBeLessThanOrEqual(1_000 * PAGE_SIZE_CAP);
  });
});
