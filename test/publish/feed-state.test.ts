import { describe, expect, it } from "vitest";
import { SITE_FEED } from "../../lib/feeds/choose.js";
import { emptyFeedState, join, leave, refillPlan, type FeedState, type StoredItem } from "../../lib/publish/feed-state.js";

const LIMIT = 3;
const RESERVE = 2;

function item(key: string, date: number): StoredItem {
  return { key, id: key, url: `https://x/${key}`, title: key, published: date, updated: date, summary: "", html: "", categories: [], tags: [] };
}

function joinAll(state: FeedState, posts: [string, number][]) {
  for (const [key, date] of posts) join(state, { key, date }, () => item(key, date), LIMIT, RESERVE);
}

const shown = (s: FeedState) => s.items.map((i) => i.key);
const inLine = (s: FeedState) => s.reserve.map((r) => r.key);

describe("feed state", () => {
  it("shows the newest posts and keeps the next ones in line, ties broken by key", () => {
    const s = emptyFeedState(SITE_FEED);
    joinAll(s, [["c", 5], ["a", 9], ["e", 1], ["b", 5], ["d", 3]]);
    expect(shown(s)).toEqual(["a", "b", "c"]);
    expect(inLine(s)).toEqual(["d", "e"]);
    expect(s.total).toBe(5);
  });

  it("renders only posts that are shown", () => {
    const s = emptyFeedState(SITE_FEED);
    joinAll(s, [["a", 9], ["b", 8], ["c", 7]]);
    let rendered = 0;
    join(s, { key: "old", date: 1 }, () => (rendered++, item("old", 1)), LIMIT, RESERVE);
    expect(rendered).toBe(0);
    expect(inLine(s)).toEqual(["old"]);
  });

  it("refills from the posts in line when a shown one leaves", () => {
    const s = emptyFeedState(SITE_FEED);
    joinAll(s, [["a", 9], ["b", 8], ["c", 7], ["d", 6]]);
    leave(s, "a");
    expect(refillPlan(s, LIMIT)).toEqual({ promote: [{ key: "d", date: 6 }], rescan: false });
  });

  it("asks for a rescan once more posts left than it remembers", () => {
    const s = emptyFeedState(SITE_FEED);
    joinAll(s, [["a", 9], ["b", 8], ["c", 7], ["d", 6], ["e", 5], ["f", 4]]);
    expect(inLine(s)).toEqual(["d", "e"]); // f is counted but not remembered
    for (const key of ["a", "b", "c"]) leave(s, key);
    expect(refillPlan(s, LIMIT).rescan).toBe(true);
  });

  it("does not show a post at the end of a short feed while posts it does not remember may sort first", () => {
    const s = emptyFeedState(SITE_FEED);
    joinAll(s, [["a", 9], ["b", 8], ["c", 7], ["d", 2], ["e", 2], ["f", 2]]);
    for (const key of ["a", "d", "e"]) leave(s, key); // f, unremembered, is still a member
    join(s, { key: "late", date: 1 }, () => item("late", 1), LIMIT, RESERVE);
    expect(shown(s)).toEqual(["b", "c"]);
    expect(refillPlan(s, LIMIT).rescan).toBe(true);
  });
});
